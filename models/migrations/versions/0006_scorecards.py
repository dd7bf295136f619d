"""scorecards: ratings, evaluations, level history

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 18:04:35.076639
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scorecard_evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("evaluated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["supplier.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("supplier_id", "period_start"),
    )
    with op.batch_alter_table("scorecard_evaluation", schema=None) as batch_op:
        batch_op.create_index("ix_scorecard_evaluation_period", ["period_start"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_scorecard_evaluation_supplier_id"), ["supplier_id"], unique=False
        )

    op.create_table(
        "scorecard_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("dimension", sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("reviewer_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("rated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["supplier.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("supplier_id", "period_start", "dimension", "reviewer_id"),
    )
    with op.batch_alter_table("scorecard_rating", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scorecard_rating_supplier_id"), ["supplier_id"], unique=False)

    op.create_table(
        "level_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=True),
        sa.Column("from_level", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("to_level", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("proposed_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("proposed_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("decided_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("card_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["card.id"],
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["scorecard_evaluation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["supplier.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("level_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_level_change_supplier_id"), ["supplier_id"], unique=False)
        batch_op.create_index("ix_level_change_supplier_status", ["supplier_id", "status"], unique=False)

    with op.batch_alter_table("supplier", schema=None) as batch_op:
        batch_op.add_column(sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column("level_since", models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("supplier", schema=None) as batch_op:
        batch_op.drop_column("level_since")
        batch_op.drop_column("level")

    with op.batch_alter_table("level_change", schema=None) as batch_op:
        batch_op.drop_index("ix_level_change_supplier_status")
        batch_op.drop_index(batch_op.f("ix_level_change_supplier_id"))

    op.drop_table("level_change")
    with op.batch_alter_table("scorecard_rating", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scorecard_rating_supplier_id"))

    op.drop_table("scorecard_rating")
    with op.batch_alter_table("scorecard_evaluation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scorecard_evaluation_supplier_id"))
        batch_op.drop_index("ix_scorecard_evaluation_period")

    op.drop_table("scorecard_evaluation")

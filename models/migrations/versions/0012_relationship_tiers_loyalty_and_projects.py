"""relationship: supplier tiers and their history, loyalty, co-creation projects and their value

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 06:55:05.277235
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("purchase_order", schema=None) as batch_op:
        batch_op.create_index(
            "ix_purchase_order_supplier_issued", ["supplier_id", "issued_at", "status"], unique=False
        )
    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("target_amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("card_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("opened_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("opened_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("closed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["card.id"],
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["supplier.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_supplier_id"), ["supplier_id"], unique=False)

    op.create_table(
        "supplier_relationship",
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("tier", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("tier_since", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("loyalty", sa.Float(), nullable=True),
        sa.Column("loyalty_period", sa.Date(), nullable=True),
        sa.Column("loyalty_streak", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["supplier.id"],
        ),
        sa.PrimaryKeyConstraint("supplier_id"),
    )
    op.create_table(
        "tier_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("from_tier", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("to_tier", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("loyalty", sa.Float(), nullable=True),
        sa.Column("proposed_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("proposed_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("decided_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["supplier.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tier_change", schema=None) as batch_op:
        batch_op.create_index("ix_tier_change_supplier_status", ["supplier_id", "status"], unique=False)

    op.create_table(
        "project_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("supplier_share", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("recorded_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["supplier.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("project_value", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_value_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_project_value_supplier_id"), ["supplier_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("purchase_order", schema=None) as batch_op:
        batch_op.drop_index("ix_purchase_order_supplier_issued")
    with op.batch_alter_table("project_value", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_value_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_project_value_project_id"))

    op.drop_table("project_value")
    with op.batch_alter_table("tier_change", schema=None) as batch_op:
        batch_op.drop_index("ix_tier_change_supplier_status")

    op.drop_table("tier_change")
    op.drop_table("supplier_relationship")
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_supplier_id"))

    op.drop_table("project")

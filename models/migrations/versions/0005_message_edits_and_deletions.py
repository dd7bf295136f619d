"""message edits and deletions: the latest text is shown, earlier versions are kept, deletions marked

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 16:17:50.333960
"""

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("written_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["channel_message.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("message_revision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_revision_message_id"), ["message_id"], unique=False)

    with op.batch_alter_table("channel_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edited_at", models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("deleted_at", models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_message", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("edited_at")

    with op.batch_alter_table("message_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_revision_message_id"))

    op.drop_table("message_revision")

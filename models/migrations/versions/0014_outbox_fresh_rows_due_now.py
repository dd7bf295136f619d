"""outbox: a fresh row has no due time (due now), so it does not depend on the clock of its writer

Revision ID: 0014
Revises: 0006
Create Date: 2026-12-02 18:17:09.561403
"""

from alembic import op

import models.base

revision = "0014"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column(
            "next_attempt_at", existing_type=models.base.UTCDateTime(timezone=True), nullable=True
        )


def downgrade() -> None:
    op.execute("UPDATE outbox SET next_attempt_at = created_at WHERE next_attempt_at IS NULL")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column(
            "next_attempt_at", existing_type=models.base.UTCDateTime(timezone=True), nullable=False
        )

"""the inbox of signed Slack requests: answered at once, processed behind the answer

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 10:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_inbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(length=80), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=True, unique=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,  # ids are never reused: an id names one request in the logs
    )
    op.create_index("ix_slack_inbox_next", "slack_inbox", ["status", "priority", "id"])


def downgrade() -> None:
    op.drop_index("ix_slack_inbox_next", table_name="slack_inbox")
    op.drop_table("slack_inbox")

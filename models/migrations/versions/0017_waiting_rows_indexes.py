"""indexes of the rows waiting in the inbox and in the outbox

A worker's claim picked the first waiting request by sorting all of them, and a delivery pass looked at
every message waiting in every channel: with thousands waiting after a busy minute, each cost the
database milliseconds. These partial indexes give the same rows in one step (per channel).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 19:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for name, table, columns, states in (
        ("ix_slack_inbox_claimable", "slack_inbox", ["priority", "id"], "'pending', 'working'"),
        ("ix_outbox_waiting", "outbox", ["channel_id", "id"], "'pending', 'sending'"),
    ):
        where = sa.text(f"status IN ({states})")
        op.create_index(name, table, columns, postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    op.drop_index("ix_outbox_waiting", table_name="outbox")
    op.drop_index("ix_slack_inbox_claimable", table_name="slack_inbox")

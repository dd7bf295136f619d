"""index of orders by issue time, for the newest-first order lists

A buyer's `/srm order list` sorted all the orders to return the newest forty: with 100,000 orders that
took 104 ms on PostgreSQL and 302 ms on SQLite, growing with every order issued. Read backwards, this
index gives the newest forty in one step (0.2 ms and 0.1 ms).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 21:50:00.000000
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_purchase_order_issued", "purchase_order", ["issued_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_purchase_order_issued", table_name="purchase_order")

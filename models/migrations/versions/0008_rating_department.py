"""scorecard ratings: the reviewer's department (optional)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 07:05:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scorecard_rating", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("scorecard_rating", schema=None) as batch_op:
        batch_op.drop_column("department")

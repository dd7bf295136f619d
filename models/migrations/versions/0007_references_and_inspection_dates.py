"""receipt and inspection references (unique per order when set), inspection dates

Revision ID: 0007
Revises: 0013
Create Date: 2026-12-02 18:10:44.692030
"""

from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision = "0007"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inspected_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
    _date_existing_inspections()
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.alter_column("inspected_on", existing_type=sa.Date(), nullable=False)
        batch_op.create_index(batch_op.f("ix_inspection_inspected_on"), ["inspected_on"], unique=False)
        batch_op.create_unique_constraint("uq_inspection_order_reference", ["order_id", "reference"])

    with op.batch_alter_table("receipt", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.create_unique_constraint("uq_receipt_order_reference", ["order_id", "reference"])


def _date_existing_inspections() -> None:
    """An inspection recorded before this version is dated in its supplier's zone (the person's zone,
    which `/srm inspect` prefers, was not kept)."""
    inspection = sa.table(
        "inspection",
        sa.column("id", sa.Integer),
        sa.column("order_id", sa.Integer),
        sa.column("inspected_at", models.base.UTCDateTime(timezone=True)),
        sa.column("inspected_on", sa.Date),
    )
    order = sa.table("purchase_order", sa.column("id", sa.Integer), sa.column("supplier_id", sa.Integer))
    supplier = sa.table("supplier", sa.column("id", sa.Integer), sa.column("timezone", sa.String))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(inspection.c.id, inspection.c.inspected_at, supplier.c.timezone)
        .join(order, order.c.id == inspection.c.order_id)
        .join(supplier, supplier.c.id == order.c.supplier_id)
    ).all()
    update = (
        sa.update(inspection)
        .where(inspection.c.id == sa.bindparam("row_id"))
        .values(inspected_on=sa.bindparam("day"))
    )
    values = [
        {"row_id": row_id, "day": at.astimezone(ZoneInfo(zone) if zone else UTC).date()}
        for row_id, at, zone in rows
    ]
    if values:
        connection.execute(update, values)


def downgrade() -> None:
    with op.batch_alter_table("receipt", schema=None) as batch_op:
        batch_op.drop_constraint("uq_receipt_order_reference", type_="unique")
        batch_op.drop_column("reference")

    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_constraint("uq_inspection_order_reference", type_="unique")
        batch_op.drop_index(batch_op.f("ix_inspection_inspected_on"))
        batch_op.drop_column("reference")
        batch_op.drop_column("inspected_on")

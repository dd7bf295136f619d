"""Receipts and inspections from an ERP file, keyed by supplier + po + reference.

A receipt is judged on time against the order's agreed due date and moves the order to partially
received or received, as `/srm receive` does (a closed or cancelled order keeps its state); more than
was ordered is recorded as delivered. An inspection is accepted or rejected by the lot rule in app.yaml.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.sql.schema import Table
from sqlmodel import Session

from bot.core.errors import DomainError
from bot.core.i18n import _
from bot.exchange.import_rows import (
    IMPORTER,
    Batch,
    Record,
    SupplierRef,
    checked,
    chunks,
    known_suppliers,
    reference,
    repeated,
    required,
    supplier_named,
)
from bot.orders import service as orders
from models import Inspection, Order, Receipt, utcnow

KEY = "supplier + po + reference"


@dataclass(frozen=True)
class OrderRef:
    id: int
    quantity: int
    due_date: date
    status: str


@dataclass(frozen=True)
class Row:
    """A checked row: its order (by supplier + po key), reference and the other values to store."""

    supplier: SupplierRef
    po: str
    reference: str
    values: dict[str, Any]


RowCheck = Callable[[dict[str, str]], Row]
Complete = Callable[[Row, OrderRef], dict[str, Any]]


def import_receipts(batch: Batch, records: Iterable[Record]) -> None:
    refs = known_suppliers(batch.session)
    now = utcnow()

    def check(values: dict[str, str]) -> Row:
        supplier = supplier_named(refs, values)
        quantity = orders.parse_quantity(required(values, "quantity"), "quantity")
        day = orders.parse_date(required(values, "received_on"), "received_on")
        return Row(supplier, orders.parse_po(required(values, "po")), reference(values),
                   {"quantity": quantity, "received_on": day, "recorded_by": IMPORTER.user_id,
                    "recorded_at": now})  # fmt: skip

    def complete(row: Row, order: OrderRef) -> dict[str, Any]:
        day = row.values["received_on"]
        return row.values | {"on_time": day <= order.due_date, "due_date": order.due_date}

    _import(batch, records, Receipt.__table__, check, complete, _update_statuses)


def import_inspections(batch: Batch, records: Iterable[Record]) -> None:
    refs = known_suppliers(batch.session)
    limit = batch.config.inspection.max_defect_percent

    def check(values: dict[str, str]) -> Row:
        supplier = supplier_named(refs, values)
        sampled = orders.parse_quantity(required(values, "sampled"), "sampled")
        defects = orders.parse_count(required(values, "defects"), "defects")
        if defects > sampled:
            raise DomainError("defects_exceed_sample", defects=defects, sampled=sampled)
        day = orders.parse_date(required(values, "inspected_on"), "inspected_on")
        # No time of day in the file: the inspection is placed at the start of that day where the supplier is.
        at = datetime.combine(day, time(0), ZoneInfo(supplier.timezone))
        return Row(supplier, orders.parse_po(required(values, "po")), reference(values),
                   {"sampled": sampled, "defects": defects, "accepted": orders.lot_accepted(sampled, defects, limit),
                    "max_defect_percent": limit, "note": "", "inspected_by": IMPORTER.user_id,
                    "inspected_at": at, "inspected_on": day})  # fmt: skip

    _import(batch, records, Inspection.__table__, check, lambda row, order: row.values, None)


def _import(batch: Batch, records: Iterable[Record], table: Table, check: RowCheck, complete: Complete,
            after_chunk: Callable[[Session, set[int]], None] | None) -> None:  # fmt: skip
    """Rows whose order exists and whose reference is new for it are inserted, chunk by chunk."""
    session = batch.session
    before = session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    for chunk in chunks(records):
        good = list(checked(batch.report, chunk, lambda _line, values: check(values)))
        known = _orders(batch, {(row.supplier.id, orders.po_key(row.po)) for _line, row in good})
        rows: dict[tuple[int, str], tuple[int, dict[str, Any]]] = {}
        for line, row in good:
            order = known.get((row.supplier.id, orders.po_key(row.po)))
            if order is None:
                batch.report.bad(line, _("{supplier} has no order {po}.").format(supplier=row.supplier.name,
                                                                                  po=row.po))  # fmt: skip
            elif (order.id, row.reference) in rows:
                batch.report.bad(line, str(repeated(rows[order.id, row.reference][0], KEY)))
            else:
                values = complete(row, order) | {"order_id": order.id, "reference": row.reference}
                rows[order.id, row.reference] = (line, values)
        if rows:
            found = batch.keys.rows(rows, table, ("order_id", "reference"), table.c.id, table.c.order_id,
                                    table.c.reference)  # fmt: skip
            for row_id, order_id, ref in found.all():
                line, _values = rows.pop((order_id, ref))
                if row_id > before:  # written by an earlier chunk of this file
                    batch.report.bad(line, str(repeated(None, KEY)))
                else:
                    batch.report.unchanged += 1
        if rows:
            session.connection().execute(insert(table), [values for _line, values in rows.values()])
            batch.report.created += len(rows)
            if after_chunk is not None:
                after_chunk(session, {order_id for order_id, _ref in rows})


def _orders(batch: Batch, keys: set[tuple[int, str]]) -> dict[tuple[int, str], OrderRef]:
    if not keys:
        return {}
    table = Order.__table__
    found = batch.keys.rows(keys, table, ("supplier_id", "po_key"), table.c.supplier_id, table.c.po_key,
                            table.c.id, table.c.quantity, table.c.due_date, table.c.status)  # fmt: skip
    return {(sid, key): OrderRef(*rest) for sid, key, *rest in found.all()}


def _update_statuses(session: Session, order_ids: set[int]) -> None:
    """Orders that got receipts move on by the rule `/srm receive` follows."""
    received = (
        select(Order.id, Order.status, Order.quantity, func.sum(Receipt.quantity))
        .join(Receipt, Receipt.order_id == Order.id)
        .where(Order.id.in_(order_ids))
        .group_by(Order.id, Order.status, Order.quantity)
    )
    now = utcnow()
    changes = [
        {"row_id": order_id, "new_status": new, "now": now}
        for order_id, status, quantity, total in session.execute(received)
        if (new := orders.status_after_receipts(status, int(total), quantity)) != status
    ]
    if changes:
        statement = (
            update(Order.__table__)
            .where(Order.__table__.c.id == bindparam("row_id"))
            .values(status=bindparam("new_status"), updated_at=bindparam("now"))
        )
        session.execute(statement, changes)

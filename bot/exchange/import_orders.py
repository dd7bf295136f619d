"""Orders from an ERP file: keyed by supplier + po (case-insensitive, as `order new` compares them)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, insert, select

from bot.exchange.import_rows import (
    IMPORTER,
    Batch,
    Record,
    checked,
    chunks,
    known_suppliers,
    parse_timestamp,
    repeated,
    required,
    supplier_named,
)
from bot.orders import service as orders
from models import Order, utcnow

KEY = "supplier + po"


def import_orders(batch: Batch, records: Iterable[Record]) -> None:
    """New orders are inserted in bulk; an order the database already has is left as it is.

    Good rows are written even after a bad one (the transaction is rolled back in the end), so that a key
    repeated across chunks is still found."""
    session = batch.session
    refs = known_suppliers(session)
    before = session.execute(select(func.coalesce(func.max(Order.id), 0))).scalar_one()
    now = utcnow()

    def check(line: int, values: dict[str, str]) -> dict[str, Any]:
        return _order_row(batch, refs, values, now)

    for chunk in chunks(records):
        rows: dict[tuple[int, str], tuple[int, dict[str, Any]]] = {}
        for line, row in checked(batch.report, chunk, check):
            key = (row["supplier_id"], row["po_key"])
            if key in rows:
                batch.report.bad(line, str(repeated(rows[key][0], KEY)))
            else:
                rows[key] = (line, row)
        if not rows:
            continue
        table = Order.__table__
        found = batch.keys.rows(
            rows, table, ("supplier_id", "po_key"), table.c.id, table.c.supplier_id, table.c.po_key
        )
        for order_id, supplier_id, key in found.all():
            line, _row = rows.pop((supplier_id, key))
            if order_id > before:  # written by an earlier chunk of this file
                batch.report.bad(line, str(repeated(None, KEY)))
            else:
                batch.report.unchanged += 1
        if not rows:
            continue
        session.connection().execute(insert(Order.__table__), [row for _line, row in rows.values()])
        batch.report.created += len(rows)
        if batch.post_cards:
            _remember_cards(batch, [key for key, (_line, row) in rows.items() if row["channel_id"]])


def _order_row(batch: Batch, refs, values: dict[str, str], now) -> dict[str, Any]:
    supplier = supplier_named(refs, values)
    po = orders.parse_po(required(values, "po"))
    quantity = orders.parse_quantity(required(values, "quantity"), "quantity")
    due = orders.parse_date(required(values, "due_date"), "due_date")
    issued_at = parse_timestamp(values, "issued_at", batch.utc_columns)
    if issued_at is None:
        required(values, "issued_at")
    confirmed_at = parse_timestamp(values, "confirmed_at", batch.utc_columns)
    item = values.get("item", "")
    orders.check_item(item)
    price = orders.parse_price(values.get("price"))
    currency = orders.parse_currency(values.get("currency"), price, batch.config.orders.default_currency)
    status = values.get("status", "").lower() or ("confirmed" if confirmed_at else "issued")
    return {
        "supplier_id": supplier.id, "po": po, "po_key": orders.po_key(po), "item": item, "quantity": quantity,
        "unit_price": price, "currency": currency, "due_date": due, "original_due_date": due,
        "status": orders.check_status(status), "progress_percent": 0, "stage": None, "eta": None,
        "channel_id": supplier.channel_id, "card_id": None, "issued_by": IMPORTER.user_id,
        "issued_at": issued_at, "confirmed_by": IMPORTER.user_id if confirmed_at else None,
        "confirmed_at": confirmed_at, "closed_at": None, "updated_at": now,
    }  # fmt: skip


def _remember_cards(batch: Batch, keys: list[tuple[int, str]]) -> None:
    """The ids of the new orders whose supplier is linked: they get a card once the import is good."""
    if keys:
        table = Order.__table__
        found = batch.keys.rows(keys, table, ("supplier_id", "po_key"), table.c.id)
        batch.report.card_order_ids.extend(found.scalars())

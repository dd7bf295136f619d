"""`srm export KIND`: one row per record, header first, as CSV or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from openpyxl import Workbook
from sqlmodel import Session, select

from bot.actors import SYSTEM
from bot.suppliers import visible_suppliers
from models import AuditEvent

Table = tuple[list[str], Iterable[list[Any]]]


def _iso(value) -> str:
    return value.isoformat() if value is not None else ""


def suppliers_table(session: Session) -> Table:
    header = [
        "id",
        "name",
        "country",
        "locale",
        "timezone",
        "channels",
        "contacts",
        "created_by",
        "created_at",
    ]
    rows = (
        [
            s.supplier.id,
            s.supplier.name,
            s.supplier.country,
            s.supplier.locale,
            s.supplier.timezone,
            " ".join(s.channel_ids),
            s.contacts,
            s.supplier.created_by,
            _iso(s.supplier.created_at),
        ]
        for s in visible_suppliers(session=session, actor=SYSTEM)
    )
    return header, rows


def audit_table(session: Session) -> Table:
    header = ["id", "at", "actor_id", "actor_role", "object_type", "object_id", "action", "before", "after"]

    def rows() -> Iterator[list[Any]]:
        for e in session.exec(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=500)):
            yield [
                e.id,
                _iso(e.at),
                e.actor_id,
                e.actor_role,
                e.object_type,
                e.object_id,
                e.action,
                "" if e.before is None else _json(e.before),
                "" if e.after is None else _json(e.after),
            ]

    return header, rows()


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, sort_keys=True)


EXPORTS: dict[str, Callable[[Session], Table]] = {"suppliers": suppliers_table, "audit": audit_table}
PLANNED = ("orders", "updates", "tickets", "messages", "scorecards", "risks")


def write_csv(table: Table, out: io.TextIOBase) -> int:
    header, rows = table
    writer = csv.writer(out)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def write_xlsx(table: Table, out: io.BufferedIOBase, title: str) -> int:
    header, rows = table
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append(row)
        count += 1
    workbook.save(out)
    return count

"""What every importer shares: the report, the batch it works in, row checks and supplier lookups."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from sqlalchemy import (
    ARRAY,
    Column,
    Integer,
    MetaData,
    Result,
    String,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
)
from sqlmodel import Session

from bot.config import AppConfig
from bot.core.actors import Actor
from bot.core.error_views import error_text
from bot.core.errors import DomainError
from bot.core.i18n import _
from bot.suppliers import service as suppliers
from models import Supplier, SupplierChannel

# Who imported: audit events, `issued_by`, `recorded_by` and `inspected_by` of imported rows say so.
IMPORTER = Actor(user_id="import", kind="bot", is_buyer=True)
CHUNK_ROWS = 2000
REFERENCE_MAX = 64

Record = tuple[int, dict[str, str]]  # (line, column → text)


class KeyLookup:
    """Rows of a table by a two-column key, a chunk of keys at a time, in one query per chunk.

    The chunk's keys are joined to the table so that both databases search its unique index (a
    `(a, b) IN (VALUES …)` list makes SQLite scan the whole index, once per chunk). PostgreSQL gets them
    as two arrays (`unnest`), in one round trip; SQLite, in process, from a temporary table created in
    the import's transaction and dropped before it ends (a rollback removes it too).
    """

    def __init__(self, session: Session) -> None:
        self.connection = session.connection()
        self.arrays = self.connection.dialect.name == "postgresql"
        if not self.arrays:
            _KEYS.create(self.connection)

    def rows(self, keys: Iterable[tuple[Any, Any]], table: Table, key: tuple[str, str], *selected) -> Result:
        keys = list(keys)
        if self.arrays:
            found = (
                func.unnest(
                    bindparam("k1", [a for a, _b in keys], type_=ARRAY(table.c[key[0]].type)),
                    bindparam("k2", [b for _a, b in keys], type_=ARRAY(table.c[key[1]].type)),
                )
                .table_valued("k1", "k2")
                .render_derived()
            )
        else:
            self.connection.execute(delete(_KEYS))
            self.connection.execute(insert(_KEYS), [{"k1": a, "k2": b} for a, b in keys])
            found = _KEYS
        on = and_(table.c[key[0]] == found.c.k1, table.c[key[1]] == found.c.k2)
        return self.connection.execute(select(*selected).join_from(found, table, on))

    def close(self) -> None:
        if not self.arrays:
            _KEYS.drop(self.connection)


_KEYS = Table("srm_import_key", MetaData(), Column("k1", Integer), Column("k2", String(200)),
              prefixes=["TEMPORARY"])  # fmt: skip


class BadRow(Exception):
    """A row that cannot be imported; the message is the reason, in the reader's language."""


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)
    card_order_ids: list[int] = field(default_factory=list)  # new orders of linked suppliers

    @property
    def ok(self) -> bool:
        return not self.problems

    def bad(self, line: int, reason: str) -> None:
        self.problems.append((line, reason))


@dataclass
class Batch:
    """What an importer needs while it works through a file."""

    session: Session
    config: AppConfig
    report: ImportReport
    utc_columns: frozenset[str]
    post_cards: bool
    keys: KeyLookup


@dataclass(frozen=True)
class SupplierRef:
    id: int
    name: str
    timezone: str
    channel_id: str  # the first linked channel, "" when the supplier is not linked


def chunks(records: Iterable[Record]) -> Iterator[list[Record]]:
    records = iter(records)
    while chunk := list(islice(records, CHUNK_ROWS)):
        yield chunk


def checked(report: ImportReport, records: Iterable[Record], check: Callable[[int, dict[str, str]], Any]):
    """(line, checked value) for every row `check` accepts; the others are reported with their reason."""
    for line, values in records:
        try:
            yield line, check(line, values)
        except BadRow as exc:
            report.bad(line, str(exc))
        except DomainError as exc:  # its text is made for Slack: & < > come back escaped
            report.bad(line, html.unescape(error_text(exc)))


def required(values: dict[str, str], column: str) -> str:
    value = values.get(column, "")
    if not value:
        raise BadRow(_("{column} is empty.").format(column=column))
    return value


def reference(values: dict[str, str]) -> str:
    value = required(values, "reference")
    if len(value) > REFERENCE_MAX:
        raise BadRow(_("reference can have at most {max} characters.").format(max=REFERENCE_MAX))
    return value


def parse_timestamp(values: dict[str, str], column: str, utc_columns: frozenset[str]) -> datetime | None:
    """An ISO-8601 time with its offset (or in a column the export marked `(UTC)`); None when empty."""
    value = values.get(column, "")
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        moment = None
    if moment is not None and moment.tzinfo is None and column in utc_columns:
        moment = moment.replace(tzinfo=UTC)
    if moment is None or moment.tzinfo is None:
        raise BadRow(_("{column} must be a time with its offset, such as 2026-09-01T08:30:00+08:00, not “{value}”.")
                     .format(column=column, value=value))  # fmt: skip
    return moment


def repeated(line: int | None, key: str) -> BadRow:
    """A row whose key an earlier row of the file already has (`line` when it is known)."""
    if line is None:
        return BadRow(_("An earlier line of this file has the same {key}.").format(key=key))
    return BadRow(_("Line {line} has the same {key}.").format(line=line, key=key))


def known_suppliers(session: Session) -> dict[str, SupplierRef]:
    """Every supplier by its name key, with its first linked channel (suppliers are few)."""
    first = (
        select(SupplierChannel.supplier_id, func.min(SupplierChannel.id).label("first"))
        .group_by(SupplierChannel.supplier_id)
        .subquery()
    )
    query = (
        select(Supplier.id, Supplier.name, Supplier.name_key, Supplier.timezone, SupplierChannel.channel_id)
        .outerjoin(first, first.c.supplier_id == Supplier.id)
        .outerjoin(SupplierChannel, SupplierChannel.id == first.c.first)
    )
    return {
        key: SupplierRef(sid, name, zone, channel or "")
        for sid, name, key, zone, channel in session.execute(query)
    }


def supplier_named(refs: dict[str, SupplierRef], values: dict[str, str]) -> SupplierRef:
    name = required(values, "supplier")
    ref = refs.get(suppliers.name_key(name))
    if ref is None:
        raise DomainError("supplier_not_found", name=name)
    return ref

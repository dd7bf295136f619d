"""`srm import KIND FILE`: suppliers, orders, receipts and inspections from an ERP, all or nothing per file.

Every row is checked in Python by the same rules the Slack commands apply (the domains' service
functions); good rows are written in bulk, chunk by chunk, in one transaction that is committed only
when no row was bad (and never for a dry run). A key already in the database leaves its row alone, so
importing the same file twice changes nothing; a key repeated inside the file is a bad row. Rows of an
earlier chunk are found again through the database, so memory stays bounded whatever the file's size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import AppConfig
from bot.core.audit import record_event
from bot.core.db import writing_session
from bot.core.i18n import _
from bot.exchange.import_history import import_inspections, import_receipts
from bot.exchange.import_orders import import_orders
from bot.exchange.import_rows import (
    IMPORTER,
    Batch,
    ImportReport,
    KeyLookup,
    Record,
    checked,
    repeated,
    required,
)
from bot.exchange.reading import Sheet, open_sheet
from bot.suppliers import service as suppliers

# kind → (required columns, optional columns); a required column's value may still be empty where the
# contract says so (an order's confirmed_at).
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "suppliers": (("name", "country"), ("locale", "timezone", "channel_id")),
    "orders": (
        ("supplier", "po", "quantity", "due_date", "issued_at", "confirmed_at"),
        ("item", "price", "currency", "status"),
    ),
    "receipts": (("supplier", "po", "quantity", "received_on", "reference"), ()),
    "inspections": (("supplier", "po", "sampled", "defects", "inspected_on", "reference"), ()),
}
KINDS = tuple(COLUMNS)

AfterImport = Callable[[Session, ImportReport], None]


def run_import(
    *, engine: Engine, kind: str, path: str | Path, fmt: str, config: AppConfig, dry_run: bool = False,
    post_cards: bool = False, before_commit: AfterImport | None = None,
) -> ImportReport:  # fmt: skip
    """Check and import one file; committed only when every row is good and this is not a dry run.

    `before_commit` runs in the import's transaction once it is good (the CLI posts order cards there).
    Raises OSError when the file cannot be read and ValueError when it is not of format `fmt`.
    """
    report = ImportReport(kind)
    with open_sheet(path, fmt) as sheet, writing_session(engine) as session:
        columns = _check_header(sheet, kind, report)
        if report.ok:
            keys = KeyLookup(session)
            batch = Batch(session, config, report, sheet.utc, post_cards and not dry_run, keys)
            IMPORTERS[kind](batch, _records(sheet, columns, report))
            keys.close()
        if report.ok and not dry_run:
            _audit(session, report, Path(path).name)
            if before_commit is not None:
                before_commit(session, report)
            session.commit()
        else:
            session.rollback()
    report.problems.sort(key=lambda problem: problem[0])  # checks run in phases; readers want line order
    return report


def _check_header(sheet: Sheet, kind: str, report: ImportReport) -> list[str]:
    needed, optional = COLUMNS[kind]
    header = sheet.header
    if not header:
        report.bad(1, _("The file is empty: the first line must name the columns."))
        return header
    for name in sorted({n for n in header if header.count(n) > 1}):
        report.bad(1, _("Column {column} appears more than once.").format(column=name))
    for name in header:
        if name not in needed and name not in optional:
            report.bad(1, _("Unknown column “{column}”; the columns are: {columns}.").format(
                column=name, columns=", ".join(needed + optional)))  # fmt: skip
    for name in needed:
        if name not in header:
            report.bad(1, _("Missing column {column}.").format(column=name))
    return header


def _records(sheet: Sheet, header: list[str], report: ImportReport) -> Iterator[Record]:
    for line, cells in sheet.rows:
        report.rows += 1
        yield (
            line,
            dict(zip(header, map(str.strip, cells), strict=False)),
        )  # a short row lacks the last columns


def _import_suppliers(batch: Batch, records: Iterable[Record]) -> None:
    """Suppliers are few: each row goes through the supplier service, which creates or updates it."""
    names: dict[str, int] = {}
    channels: dict[str, int] = {}

    def check(line: int, values: dict[str, str]) -> str:
        name = required(values, "name")
        channel = values.get("channel_id") or None
        if (earlier := names.setdefault(suppliers.name_key(name), line)) != line:
            raise repeated(earlier, "name")
        if channel and (earlier := channels.setdefault(channel, line)) != line:
            raise repeated(earlier, "channel_id")
        with batch.session.begin_nested():  # a refused row leaves nothing behind
            return suppliers.import_supplier(
                session=batch.session, actor=IMPORTER, name=name, country=required(values, "country"),
                locale=values.get("locale") or None, tz=values.get("timezone") or None, channel_id=channel,
            )  # fmt: skip

    for _line, outcome in checked(batch.report, records, check):
        setattr(batch.report, outcome, getattr(batch.report, outcome) + 1)


def _audit(session: Session, report: ImportReport, file_name: str) -> None:
    record_event(
        session=session, actor_id=IMPORTER.user_id, actor_role=IMPORTER.role, object_type="import",
        object_id=report.kind, action="imported",
        after={"file": file_name, "rows": report.rows, "created": report.created, "updated": report.updated,
               "unchanged": report.unchanged},
    )  # fmt: skip


IMPORTERS: dict[str, Callable[[Batch, Iterable[Record]], None]] = {
    "suppliers": _import_suppliers,
    "orders": import_orders,
    "receipts": import_receipts,
    "inspections": import_inspections,
}

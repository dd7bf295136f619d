"""`srm export KIND`: one row per record, header first, as CSV or XLSX."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import func
from sqlmodel import Session, select

from bot.config import SCORECARD_VARIABLES
from bot.core.actors import SYSTEM
from bot.feedback.service import feedback_means
from bot.risk.service import exposure, risk_rows
from bot.suppliers.service import visible_suppliers
from models import (
    AuditEvent,
    ChannelMessage,
    CorrectiveAction,
    Digest,
    Order,
    OutboxMessage,
    ProductionUpdate,
    Project,
    ProjectValue,
    Receipt,
    ScorecardEvaluation,
    Supplier,
    SupplierRelationship,
    Ticket,
)


class Table(NamedTuple):
    """Rows of plain values (numbers, dates, aware datetimes, text; None for empty), header first."""

    header: list[str]
    rows: Iterable[list[Any]]
    utc: frozenset[str] = frozenset()  # columns of timestamps, shown in UTC


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
        "tier",
        "loyalty",
    ]
    relationship = {r.supplier_id: r for r in session.exec(select(SupplierRelationship))}
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
            s.supplier.created_at,
            *_tier_and_loyalty(relationship.get(s.supplier.id)),
        ]
        for s in visible_suppliers(session=session, actor=SYSTEM)
    )
    return Table(header, rows, frozenset({"created_at"}))


def _tier_and_loyalty(row: SupplierRelationship | None) -> list[Any]:
    """A supplier without a stored relationship is transactional, with no loyalty yet."""
    if row is None:
        return ["transactional", None]
    return [row.tier, None if row.loyalty is None else round(row.loyalty, 2)]


def audit_table(session: Session) -> Table:
    header = ["id", "at", "actor_id", "actor_role", "object_type", "object_id", "action", "before", "after"]

    def rows() -> Iterator[list[Any]]:
        for e in session.exec(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=500)):
            yield [
                e.id,
                e.at,
                e.actor_id,
                e.actor_role,
                e.object_type,
                e.object_id,
                e.action,
                "" if e.before is None else _json(e.before),
                "" if e.after is None else _json(e.after),
            ]

    return Table(header, rows(), frozenset({"at"}))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def orders_table(session: Session) -> Table:
    received = (
        select(Receipt.order_id, func.sum(Receipt.quantity).label("qty"), func.min(Receipt.received_on).label("first"),
               func.max(Receipt.received_on).label("last"))
        .group_by(Receipt.order_id).subquery()
    )  # fmt: skip
    query = (
        select(Order, Supplier.name, received.c.qty, received.c.first, received.c.last)
        .join(Supplier, Supplier.id == Order.supplier_id)
        .outerjoin(received, received.c.order_id == Order.id)
        .order_by(Order.id)
    )
    header = ["id", "po", "supplier", "item", "quantity", "unit_price", "currency", "due_date", "original_due_date",
              "status", "progress_percent", "stage", "issued_by", "issued_at", "confirmed_by", "confirmed_at",
              "received_quantity", "first_received_on", "last_received_on", "closed_at"]  # fmt: skip
    rows = (
        [o.id, o.po, name, o.item, o.quantity, o.unit_price, o.currency or "",
         o.due_date, o.original_due_date, o.status, o.progress_percent, o.stage or "",
         o.issued_by, o.issued_at, o.confirmed_by or "", o.confirmed_at, int(qty or 0), first,
         last, o.closed_at]
        for o, name, qty, first, last in session.exec(query)
    )  # fmt: skip
    return Table(header, rows, frozenset({"issued_at", "confirmed_at", "closed_at"}))


def updates_table(session: Session) -> Table:
    query = select(ProductionUpdate, Order.po).join(Order).order_by(ProductionUpdate.id)
    header = [
        "id",
        "po",
        "percent",
        "stage",
        "eta",
        "note",
        "source",
        "author_id",
        "message_ts",
        "created_at",
    ]
    rows = (
        [u.id, po, u.percent, u.stage or "", u.eta, u.note, u.source, u.author_id, u.message_ts or "",
         u.created_at]
        for u, po in session.exec(query)
    )  # fmt: skip
    return Table(header, rows, frozenset({"created_at"}))


def messages_table(session: Session) -> Table:
    query = (
        select(ChannelMessage, Supplier.name)
        .join(Supplier)
        .order_by(ChannelMessage.posted_at, ChannelMessage.id)
    )
    header = [
        "id",
        "supplier",
        "channel_id",
        "ts",
        "thread_ts",
        "user_id",
        "side",
        "text",
        "files",
        "posted_at",
        "edited_at",
        "deleted_at",
    ]
    rows = (
        [m.id, name, m.channel_id, m.ts, m.thread_ts or "", m.user_id, m.side, m.text,
         " ".join(f.get("permalink") or f.get("name") or "" for f in m.files), m.posted_at, m.edited_at,
         m.deleted_at]
        for m, name in session.exec(query.execution_options(yield_per=500))
    )  # fmt: skip
    return Table(header, rows, frozenset({"posted_at", "edited_at", "deleted_at"}))


def _minutes(start, end) -> int | None:
    return None if start is None or end is None else round((end - start).total_seconds() / 60)


def tickets_table(session: Session) -> Table:
    query = (
        select(Ticket, Supplier.name, Order.po)
        .join(Supplier, Supplier.id == Ticket.supplier_id)
        .outerjoin(Order, Order.id == Ticket.order_id)
        .order_by(Ticket.id)
    )
    header = ["number", "supplier", "po", "title", "type", "severity", "status", "responsible", "source",
              "opened_by", "opened_side", "opened_at", "first_response_due", "first_response_at",
              "first_response_minutes", "resolution_due", "resolved_at", "resolution_minutes", "closed_at",
              "closed_by", "reopened"]  # fmt: skip
    rows = (
        [t.number, name, po or "", t.title, t.type, t.severity, t.status, t.responsible, t.source, t.opened_by,
         t.opened_side, t.opened_at, t.first_response_due, t.first_response_at,
         _minutes(t.opened_at, t.first_response_at), t.resolution_due, t.resolved_at,
         _minutes(t.opened_at, t.resolved_at), t.closed_at, t.closed_by or "", t.reopened]
        for t, name, po in session.exec(query)
    )  # fmt: skip
    utc = {
        "opened_at",
        "first_response_due",
        "first_response_at",
        "resolution_due",
        "resolved_at",
        "closed_at",
    }
    return Table(header, rows, frozenset(utc))


def deliveries_table(session: Session) -> Table:
    """Every Slack message the outbox holds: sent, waiting (`pending`, `sending`) or `failed` with Slack's error."""
    header = ["id", "channel", "method", "state", "attempts", "last_error", "created_at", "updated_at"]
    query = select(OutboxMessage).order_by(OutboxMessage.id).execution_options(yield_per=500)
    rows = (
        # updated_at: its last change, i.e. when it was sent, else when it was last tried, else queued.
        [m.id, m.channel_id, m.method, m.status, m.attempts, m.last_error or "", m.created_at,
         m.sent_at or m.claimed_at or m.created_at]
        for m in session.exec(query)
    )  # fmt: skip
    return Table(header, rows, frozenset({"created_at", "updated_at"}))


def _decimals(value: Any) -> Any:
    """A measured number with 4 decimals (so 87.5 reads 87.5000); counts stay whole, null stays empty."""
    if isinstance(value, float):
        return Decimal(repr(value)).quantize(Decimal("0.0001"))
    return value


def _scorecard_columns(session: Session) -> tuple[list[str], list[str]]:
    """Every variable and criterion any stored evaluation has: the contract's variables in its order first."""
    variables: dict[str, None] = dict.fromkeys(SCORECARD_VARIABLES)
    criteria: dict[str, None] = {}
    query = select(ScorecardEvaluation.variables, ScorecardEvaluation.criteria).order_by(
        ScorecardEvaluation.period_start.desc(), ScorecardEvaluation.id
    )
    for stored_variables, stored_criteria in session.exec(query.execution_options(yield_per=2000)):
        variables.update(dict.fromkeys(stored_variables))
        criteria.update(dict.fromkeys(stored_criteria))
    return list(variables), list(criteria)


def scorecards_table(session: Session) -> Table:
    """One row per supplier and evaluated period: score, band, the level in force, variables, criteria."""
    variables, criteria = _scorecard_columns(session)
    header = ["supplier", "period_start", "period_end", "score", "level", "current_level", *variables,
              *(f"criterion:{name}" for name in criteria)]  # fmt: skip
    query = (
        select(ScorecardEvaluation, Supplier.name, Supplier.level)
        .join(Supplier, Supplier.id == ScorecardEvaluation.supplier_id)
        .order_by(ScorecardEvaluation.period_start, Supplier.name_key, Supplier.id)
    )

    def rows() -> Iterator[list[Any]]:
        for e, name, current in session.exec(query.execution_options(yield_per=1000)):
            yield [name, e.period_start, e.period_end, _decimals(e.score), e.level or "", current or "",
                   *(_decimals(e.variables.get(v)) for v in variables),
                   *(_decimals(e.criteria.get(c)) for c in criteria)]  # fmt: skip

    return Table(header, rows())


def capas_table(session: Session) -> Table:
    """Corrective actions: `ticket` is T-<n> for a ticket's CAPA, empty for a rectification."""
    query = (
        select(CorrectiveAction, Supplier.name)
        .join(Supplier, Supplier.id == CorrectiveAction.supplier_id)
        .order_by(CorrectiveAction.id)
    )
    header = ["id", "supplier", "ticket", "kind", "status", "opened_at", "due_date", "planned_at", "verified_at",
              "root_cause"]  # fmt: skip
    rows = (
        [c.number, name, f"T-{c.ticket_id}" if c.ticket_id else "", c.kind, c.status, c.opened_at, c.due_date,
         c.planned_at, c.verified_at, c.root_cause]
        for c, name in session.exec(query)
    )  # fmt: skip
    return Table(header, rows, frozenset({"opened_at", "planned_at", "verified_at"}))


def feedback_table(session: Session) -> Table:
    """Suppliers' ratings of the buyers: means per supplier, period and dimension, never who answered."""
    header = ["supplier", "period_start", "period_end", "dimension", "responses", "mean"]
    rows = (
        [m.supplier, m.period_start, m.period_end, m.dimension, m.responses, round(m.mean, 2)]
        for m in feedback_means(session=session)
    )
    return Table(header, rows)


def risks_table(session: Session) -> Table:
    """Risk alerts, oldest first: `summary` in English, `exposure` the supplier's current 0-100."""
    header = ["supplier", "kind", "severity", "status", "opened_at", "resolved_at", "summary", "subject",
              "escalated_at", "exposure"]  # fmt: skip
    scores = exposure(session)
    rows = ([r.supplier, r.kind, r.severity, r.status, r.opened_at, r.resolved_at, r.summary, r.subject,
             r.escalated_at, scores.get(r.supplier_id, 0.0)] for r in risk_rows(session))  # fmt: skip
    return Table(header, rows, frozenset({"opened_at", "resolved_at", "escalated_at"}))


def digests_table(session: Session) -> Table:
    """Digests queued, one row per recipient (channel or user id) and local day; `sent_at` is when Slack
    took it (empty while it waits in the outbox), `items` how many things it reported."""
    query = (
        select(Digest.recipient, Digest.local_date, OutboxMessage.sent_at, Digest.items)
        .outerjoin(OutboxMessage, OutboxMessage.id == Digest.outbox_id)
        .where(Digest.status == "sent")
        .order_by(Digest.local_date, Digest.id)
    )
    header = ["recipient", "local_date", "sent_at", "items"]
    return Table(header, (list(row) for row in session.exec(query)), frozenset({"sent_at"}))


def projects_table(session: Session) -> Table:
    """Co-creation projects: realised value is the sum of the entries; `supplier_share` is the latest one's."""
    totals = (
        select(ProjectValue.project_id, func.sum(ProjectValue.amount).label("realised"),
               func.max(ProjectValue.id).label("latest"))
        .group_by(ProjectValue.project_id).subquery()
    )  # fmt: skip
    query = (
        select(Project, Supplier.name, totals.c.realised, ProjectValue.supplier_share)
        .join(Supplier, Supplier.id == Project.supplier_id)
        .outerjoin(totals, totals.c.project_id == Project.id)
        .outerjoin(ProjectValue, ProjectValue.id == totals.c.latest)
        .order_by(Project.id)
    )
    header = ["id", "supplier", "title", "kind", "status", "target_amount", "realised_amount", "currency",
              "supplier_share", "opened_at", "closed_at"]  # fmt: skip
    rows = (
        [p.number, name, p.title, p.kind, p.status, p.target_amount, Decimal(realised or 0).quantize(Decimal("0.01")),
         p.currency, share, p.opened_at, p.closed_at]
        for p, name, realised, share in session.exec(query)
    )  # fmt: skip
    return Table(header, rows, frozenset({"opened_at", "closed_at"}))


EXPORTS: dict[str, Callable[[Session], Table]] = {
    "tickets": tickets_table,
    "suppliers": suppliers_table,
    "orders": orders_table,
    "updates": updates_table,
    "messages": messages_table,
    "audit": audit_table,
    "deliveries": deliveries_table,
    "scorecards": scorecards_table,
    "capas": capas_table,
    "feedback": feedback_table,
    "risks": risks_table,
    "digests": digests_table,
    "projects": projects_table,
}
PLANNED: tuple[str, ...] = ()


# OWASP "CSV injection": a spreadsheet runs a text cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def neutralised(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, prefixed with a single quote; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _csv_cell(value: Any) -> Any:
    if isinstance(value, date):  # datetimes too: ISO-8601, timestamps with their +00:00
        return value.isoformat()
    return neutralised(value)


def write_csv(table: Table, out: io.TextIOBase) -> int:
    """The table as CSV, every value as text; returns the number of rows."""
    writer = csv.writer(out)
    writer.writerow(table.header)
    count = 0
    for row in table.rows:
        writer.writerow([_csv_cell(value) for value in row])
        count += 1
    return count


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, datetime):  # Excel has no time zones: UTC, as the header says
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, str):  # XML cannot hold most control characters
        return neutralised(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def write_xlsx(table: Table, out: io.BufferedIOBase, title: str) -> int:
    """The table as one XLSX sheet with numbers, dates and UTC times as typed cells; returns the row count."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([f"{name} (UTC)" if name in table.utc else name for name in table.header])
    count = 0
    for row in table.rows:
        sheet.append([_xlsx_cell(value) for value in row])
        count += 1
    workbook.save(out)
    return count

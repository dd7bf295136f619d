"""The digest's own sections: each one query over all suppliers at once (never one per supplier)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from babel.dates import format_timedelta
from sqlalchemy import and_, func, or_
from sqlmodel import select

from bot.core.i18n import _, current_locale, format_date, format_decimal, format_month, ngettext
from bot.core.text import neutralise
from bot.digests.content import (
    Composition,
    Line,
    Reader,
    Section,
    SupplierTarget,
    register_buyer_section,
    register_supplier_section,
)
from bot.digests.workdays import holidays_between
from models import (
    Card,
    LevelChange,
    Order,
    OutboxMessage,
    ProductionUpdate,
    ScorecardEvaluation,
    Supplier,
    Ticket,
)

SHOWN = 8  # lines shown per section; the rest are counted
UPDATE_EVERY = timedelta(days=3)  # an order in production is expected to report at least this often
OPEN_TICKET = ("open", "acknowledged")
OPEN_ORDER = ("issued", "confirmed", "in_production", "shipped", "partially_received")
HOLIDAY_HORIZON = timedelta(days=30)
GOOD_SCORE = 70


def sla_clock(due: datetime, reader: Reader) -> str:
    """Time left until an SLA target, or how long it has been missed, in the reader's language."""
    left = due - reader.now
    span = format_timedelta(abs(left), threshold=1.5, format="short", locale=current_locale())
    if left.total_seconds() >= 0:
        return ":hourglass_flowing_sand: " + _("{time} left").format(time=span)
    return ":red_circle: " + _("overdue by {time}").format(time=span)


def _linked(text: str, url: str | None) -> str:
    return f"<{url}|{text}>" if url else f"*{text}*"


def _capped(key: str, title, lines: list[Line], total: int, counts: bool = True) -> Section | None:
    return Section(key, title, lines[:SHOWN], counts, total) if lines else None


def _last_activity():
    """Per order, the time of its latest production update (a subquery grouped by order)."""
    return (
        select(ProductionUpdate.order_id, func.max(ProductionUpdate.created_at).label("at"))
        .group_by(ProductionUpdate.order_id)
        .subquery()
    )


# --- buyers ------------------------------------------------------------------------------------------


def _ticket_line(ticket: Ticket, supplier: str, card: Card | None, composition: Composition) -> Line:
    url = composition.links.message(card.channel_id, card.ts, ticket.thread_ts) if card else None
    due = ticket.first_response_due if ticket.first_response_at is None else ticket.resolution_due
    label = _linked(ticket.number, url)
    return Line(
        lambda r: f"• {label} {neutralise(ticket.title)} · {neutralise(supplier)} · {sla_clock(due, r)}"
    )


def _tickets(composition: Composition, waiting_on_us: bool, supplier_ids: Sequence[int] | None = None):
    """Open tickets waiting on the buyers (or on the suppliers), soonest SLA target first."""
    side, other = ("supplier", "buyer") if waiting_on_us else ("buyer", "supplier")
    query = (
        select(Ticket, Supplier.name, Card)
        .join(Supplier, Supplier.id == Ticket.supplier_id)
        .outerjoin(Card, Card.id == Ticket.card_id)
        .where(Ticket.status.in_(OPEN_TICKET))
        .where(
            or_(
                and_(Ticket.opened_side == side, Ticket.first_response_at.is_(None)),
                Ticket.responsible == other,
            )
        )
        .order_by(Ticket.first_response_due, Ticket.id)
    )
    if supplier_ids is not None:
        query = query.where(Ticket.supplier_id.in_(supplier_ids))
    return composition.session.exec(query).all()


def tickets_waiting_on_us(composition: Composition, day: date) -> Section | None:
    rows = _tickets(composition, waiting_on_us=True)
    lines = [_ticket_line(t, name, card, composition) for t, name, card in rows]
    return _capped("tickets", lambda: _("Tickets waiting on us"), lines, len(rows))


def _order_line(
    order: Order, supplier: str | None, card: Card | None, composition: Composition, note
) -> Line:
    url = composition.links.message(card.channel_id, card.ts) if card else None
    label = _linked(neutralise(order.po), url)
    who = f" · {neutralise(supplier)}" if supplier else ""
    return Line(lambda r: f"• {label}{who} · {note(r)}")


def _orders(composition: Composition, *conditions, supplier_ids: Sequence[int] | None = None):
    query = (
        select(Order, Supplier.name, Card)
        .join(Supplier, Supplier.id == Order.supplier_id)
        .outerjoin(Card, Card.id == Order.card_id)
        .where(*conditions)
        .order_by(Order.due_date, Order.id)
    )
    if supplier_ids is not None:
        query = query.where(Order.supplier_id.in_(supplier_ids))
    return composition.session.exec(query).all()


def _due_note(order: Order):
    return lambda r: _("due {date}").format(date=format_date(order.due_date))


def orders_awaiting_confirmation(composition: Composition, day: date) -> Section | None:
    rows = _orders(composition, Order.status == "issued")
    lines = [_order_line(o, name, card, composition, _due_note(o)) for o, name, card in rows]
    return _capped("unconfirmed", lambda: _("Orders awaiting the supplier's confirmation"), lines, len(rows))


def overdue_orders(composition: Composition, day: date) -> Section | None:
    rows = _orders(composition, Order.status.in_(OPEN_ORDER), Order.due_date < day)

    def late(order: Order):
        days = (day - order.due_date).days
        return lambda r: ngettext("{n} day late", "{n} days late", days).format(n=format_decimal(days))

    lines = [_order_line(o, name, card, composition, late(o)) for o, name, card in rows]
    return _capped("overdue", lambda: _("Overdue orders"), lines, len(rows))


def _quiet_orders(composition: Composition, *conditions, supplier_ids: Sequence[int] | None = None):
    """Open orders (confirmed or in production) with no production update for UPDATE_EVERY."""
    activity = _last_activity()
    last = func.coalesce(activity.c.at, Order.confirmed_at, Order.issued_at)
    query = (
        select(Order, Supplier.name, Card)
        .join(Supplier, Supplier.id == Order.supplier_id)
        .outerjoin(Card, Card.id == Order.card_id)
        .outerjoin(activity, activity.c.order_id == Order.id)
        .where(Order.status.in_(("confirmed", "in_production")), last < composition.now - UPDATE_EVERY)
        .where(*conditions)
        .order_by(Order.due_date, Order.id)
    )
    if supplier_ids is not None:
        query = query.where(Order.supplier_id.in_(supplier_ids))
    return composition.session.exec(query).all()


def due_this_week_without_update(composition: Composition, day: date) -> Section | None:
    rows = _quiet_orders(composition, Order.due_date >= day, Order.due_date <= day + timedelta(days=7))
    lines = [_order_line(o, name, card, composition, _due_note(o)) for o, name, card in rows]
    return _capped("quiet", lambda: _("Due this week, no recent update"), lines, len(rows))


def level_changes_awaiting_approval(composition: Composition, day: date) -> Section | None:
    rows = composition.session.exec(
        select(LevelChange, Supplier.name)
        .join(Supplier, Supplier.id == LevelChange.supplier_id)
        .where(LevelChange.status == "proposed")
        .order_by(LevelChange.proposed_at, LevelChange.id)
    ).all()

    def line(change: LevelChange, name: str) -> Line:
        before = change.from_level or "—"
        return Line(lambda r: "• " + _("{supplier}: {before} → {after}").format(
            supplier=neutralise(name), before=before, after=change.to_level))  # fmt: skip

    lines = [line(c, name) for c, name in rows]
    return _capped("approvals", lambda: _("Level changes awaiting approval"), lines, len(rows))


def failed_deliveries(composition: Composition, day: date) -> Section | None:
    """Messages the bot gave up posting during the last day, with Slack's reason."""
    since = composition.now - timedelta(days=1)
    rows = composition.session.exec(
        select(OutboxMessage.channel_id, OutboxMessage.last_error, OutboxMessage.method)
        .where(OutboxMessage.status == "failed", OutboxMessage.created_at >= since)
        .order_by(OutboxMessage.id)
    ).all()

    def line(channel: str, error: str | None) -> Line:
        target = f"<#{channel}>" if channel.startswith(("C", "G")) else f"<@{channel}>"
        return Line(lambda r: "• " + _("Not posted in {channel}: {reason}").format(
            channel=target, reason=f"`{error or '?'}`"))  # fmt: skip

    lines = [line(channel, error) for channel, error, _method in rows]
    return _capped("failed", lambda: _("Messages the bot could not post"), lines, len(rows))


# --- supplier channels -------------------------------------------------------------------------------


def _by_supplier(rows, make) -> dict[int, list[Line]]:
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row[0].supplier_id, []).append(make(*row))
    return grouped


def _per_supplier(key: str, title, grouped: dict[int, list[Line]], counts: bool = True) -> dict[int, Section]:
    return {sid: Section(key, title, lines[:SHOWN], counts, len(lines)) for sid, lines in grouped.items()}


def orders_to_confirm(composition: Composition, targets: Sequence[SupplierTarget]) -> dict[int, Section]:
    ids = [t.id for t in targets]
    rows = _orders(composition, Order.status == "issued", supplier_ids=ids)
    grouped = _by_supplier(rows, lambda o, name, card: _order_line(o, None, card, composition, _due_note(o)))
    return _per_supplier("to_confirm", lambda: _("Orders to confirm"), grouped)


def updates_expected_today(composition: Composition, targets: Sequence[SupplierTarget]) -> dict[int, Section]:
    rows = _quiet_orders(composition, supplier_ids=[t.id for t in targets])
    grouped = _by_supplier(rows, lambda o, name, card: _order_line(o, None, card, composition, _due_note(o)))
    return _per_supplier("updates", lambda: _("Production updates expected today"), grouped)


def tickets_waiting_on_supplier(
    composition: Composition, targets: Sequence[SupplierTarget]
) -> dict[int, Section]:
    rows = _tickets(composition, waiting_on_us=False, supplier_ids=[t.id for t in targets])
    grouped: dict[int, list[Line]] = {}
    for ticket, _name, card in rows:
        url = composition.links.message(card.channel_id, card.ts, ticket.thread_ts) if card else None
        due = ticket.first_response_due if ticket.first_response_at is None else ticket.resolution_due
        label, title = _linked(ticket.number, url), neutralise(ticket.title)
        grouped.setdefault(ticket.supplier_id, []).append(
            Line(lambda r, label=label, title=title, due=due: f"• {label} {title} · {sla_clock(due, r)}")
        )
    return _per_supplier("tickets", lambda: _("Open tickets waiting on you"), grouped)


def holidays_before_due_dates(
    composition: Composition, targets: Sequence[SupplierTarget]
) -> dict[int, Section]:
    """Public holidays of the supplier's country between today and the due date of its open orders."""
    by_id = {t.id: t for t in targets}
    today = min(t.today for t in targets)
    rows = composition.session.exec(
        select(Order.supplier_id, Order.po, Order.due_date)
        .where(Order.supplier_id.in_(list(by_id)), Order.status.in_(OPEN_ORDER))
        .where(Order.due_date >= today, Order.due_date <= today + HOLIDAY_HORIZON)
        .order_by(Order.due_date, Order.id)
    ).all()
    dues: dict[int, list[tuple[str, date]]] = {}
    for supplier_id, po, due in rows:
        dues.setdefault(supplier_id, []).append((po, due))
    grouped: dict[int, list[Line]] = {}
    for supplier_id, orders in dues.items():
        target = by_id[supplier_id]
        for day, name in holidays_between(
            target.country, target.today, max(d for _po, d in orders), target.locale
        ):
            before = [neutralise(po) for po, due in orders if due >= day]
            grouped.setdefault(supplier_id, []).append(Line(
                lambda r, day=day, name=name, before=before: "• " + _("{date} {holiday}: before the due date "
                "of {orders}").format(date=format_date(day), holiday=name, orders=", ".join(before[:5]))))  # fmt: skip
    return _per_supplier("holidays", lambda: _("Public holidays before due dates"), grouped)


def latest_scorecard(composition: Composition, targets: Sequence[SupplierTarget]) -> dict[int, Section]:
    """One line from each supplier's latest evaluation: thanks when it scored well, a nudge otherwise."""
    latest = (
        select(ScorecardEvaluation.supplier_id, func.max(ScorecardEvaluation.period_start).label("start"))
        .where(ScorecardEvaluation.supplier_id.in_([t.id for t in targets]))
        .group_by(ScorecardEvaluation.supplier_id)
        .subquery()
    )
    rows = composition.session.exec(
        select(ScorecardEvaluation).join(
            latest,
            and_(
                latest.c.supplier_id == ScorecardEvaluation.supplier_id,
                latest.c.start == ScorecardEvaluation.period_start,
            ),
        )
    ).all()
    sections = {}
    for evaluation in rows:
        if evaluation.score is None:
            continue
        score, start = round(evaluation.score), evaluation.period_start

        def text(r, score=score, start=start, good=evaluation.score >= GOOD_SCORE) -> str:
            month = format_month(start)
            if good:
                return ":star: " + _("Your score for {period} is {score}/100. Thank you, keep it up!").format(
                    period=month, score=score)  # fmt: skip
            return ":warning: " + _("Your score for {period} is {score}/100. Confirming orders quickly and "
                                    "posting regular updates helps raise it.").format(period=month, score=score)  # fmt: skip

        sections[evaluation.supplier_id] = Section(
            "scorecard", lambda: _("Your scorecard"), [Line(text)], False
        )
    return sections


for _buyer in (tickets_waiting_on_us, orders_awaiting_confirmation, overdue_orders, due_this_week_without_update,
               level_changes_awaiting_approval, failed_deliveries):  # fmt: skip
    register_buyer_section(_buyer)
for _supplier in (orders_to_confirm, updates_expected_today, tickets_waiting_on_supplier, holidays_before_due_dates,
                  latest_scorecard):  # fmt: skip
    register_supplier_section(_supplier)

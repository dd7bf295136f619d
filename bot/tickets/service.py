"""Ticket rules: opening from any entry point, first response, resolve, close, reopen, responsibility.

Nothing here knows about Slack; every change is one transaction with one audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.config import AppConfig
from bot.core.actors import Actor
from bot.core.audit import record_event
from bot.core.db import lock_row
from bot.core.errors import DomainError, Forbidden
from bot.core.roles import require_buyer, require_side, visible_to
from bot.tickets.sla import supplier_due_times
from models import Order, Supplier, Ticket, utcnow
from models.tickets import RESPONSIBLE, SEVERITIES, TICKET_STATUSES, TICKET_TYPES

TITLE_MAX = 200
OPEN = {"open", "acknowledged"}


@dataclass(frozen=True)
class NewTicket:
    title: str
    type: str | None = None
    severity: str | None = None
    order: Order | None = None
    source: str = "command"
    quote: str = ""
    permalink: str | None = None
    source_channel_id: str | None = None
    source_ts: str | None = None
    thread_ts: str | None = None


def side(actor: Actor, supplier_id: int) -> str:
    """Which side of the relationship the actor is on for this supplier; outsiders are refused."""
    return require_side(actor, supplier_id, refusal="ticket_unavailable")


def _audit(
    session: Session, actor: Actor, ticket: Ticket, action: str, before: dict | None, after: dict | None
):
    record_event(session=session, actor_id=actor.user_id, actor_role=actor.role, object_type="ticket",
                 object_id=ticket.id, action=action, before=before, after=after)  # fmt: skip


def validate_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title or len(title) > TITLE_MAX:
        raise DomainError("ticket_title", max=TITLE_MAX)
    return title


def existing_for_message(session: Session, channel_id: str, ts: str) -> Ticket | None:
    query = select(Ticket).where(Ticket.source_channel_id == channel_id, Ticket.source_ts == ts)
    return session.exec(query).first()


def open_ticket(
    *, session: Session, actor: Actor, supplier: Supplier, channel_id: str, new: NewTicket, config: AppConfig
) -> Ticket:
    """Open a ticket for `supplier`; a message already ticketed (🎫 twice) raises `ticket_exists`."""
    opened_side = side(actor, supplier.id)
    title = validate_title(new.title)
    severity = (new.severity or config.tickets.default_severity).lower()
    if severity not in SEVERITIES:
        raise DomainError("unknown_severity", value=severity, allowed=", ".join(SEVERITIES))
    kind = (new.type or "other").lower()
    if kind not in TICKET_TYPES:
        raise DomainError("unknown_ticket_type", value=kind, allowed=", ".join(TICKET_TYPES))
    if new.order is not None and new.order.supplier_id != supplier.id:
        raise DomainError("order_of_other_supplier", po=new.order.po)
    if new.source_ts and (found := existing_for_message(session, new.source_channel_id, new.source_ts)):
        raise DomainError("ticket_exists", number=found.number)
    now = utcnow()
    first_due, resolution_due = supplier_due_times(session, supplier.id, now, severity, config)
    ticket = Ticket(
        supplier_id=supplier.id, order_id=new.order.id if new.order else None, title=title, type=kind,
        severity=severity, responsible="supplier" if opened_side == "buyer" else "buyer", source=new.source,
        quote=new.quote[:3000], source_permalink=new.permalink, source_channel_id=new.source_channel_id,
        source_ts=new.source_ts, channel_id=channel_id, thread_ts=new.thread_ts, opened_by=actor.user_id,
        opened_side=opened_side, opened_at=now, first_response_due=first_due, resolution_due=resolution_due,
    )  # fmt: skip
    try:
        with session.begin_nested():  # two 🎫 at once: the second loses on the unique source message
            session.add(ticket)
            session.flush()
    except IntegrityError as exc:
        raise DomainError("ticket_exists", number="") from exc
    _audit(session, actor, ticket, "opened", None,
           {"title": title, "severity": severity, "type": kind, "source": new.source, "order_id": ticket.order_id})  # fmt: skip
    return ticket


def ticket_for(*, session: Session, actor: Actor, ticket_id: int | str | None) -> Ticket:
    """The ticket a button or modal names, re-checked against the actor's rights."""
    try:
        ticket = session.get(Ticket, int(str(ticket_id).removeprefix("T-")))
    except (TypeError, ValueError):
        ticket = None
    if ticket is None or not actor.can_act_for(ticket.supplier_id):
        raise Forbidden("ticket_unavailable")
    return ticket


def _first_response(ticket: Ticket, actor: Actor, at: datetime) -> bool:
    """Record the first response if `actor` is on the side that did not open the ticket."""
    if ticket.first_response_at is not None or side(actor, ticket.supplier_id) == ticket.opened_side:
        return False
    ticket.first_response_at, ticket.first_response_by = at, actor.user_id
    return True


def acknowledge(*, session: Session, actor: Actor, ticket: Ticket) -> Ticket:
    lock_row(session, ticket)
    if side(actor, ticket.supplier_id) == ticket.opened_side:
        raise DomainError("ack_other_side")
    if ticket.status != "open":
        raise DomainError("ticket_state", number=ticket.number, status=ticket.status)
    now = utcnow()
    _first_response(ticket, actor, now)
    ticket.status, ticket.updated_at = "acknowledged", now
    _audit(session, actor, ticket, "acknowledged", {"status": "open"}, {"status": "acknowledged"})
    return ticket


def check_can_resolve(actor: Actor, ticket: Ticket) -> None:
    """Either side resolves an open ticket (checked before the form opens too)."""
    side(actor, ticket.supplier_id)
    if ticket.status not in OPEN:
        raise DomainError("ticket_state", number=ticket.number, status=ticket.status)


def resolve(*, session: Session, actor: Actor, ticket: Ticket, resolution: str) -> Ticket:
    lock_row(session, ticket)
    check_can_resolve(actor, ticket)
    if not resolution.strip():
        raise DomainError("resolution_needed")
    now = utcnow()
    before = ticket.status
    _first_response(ticket, actor, now)
    ticket.status, ticket.resolved_at, ticket.resolved_by = "resolved", now, actor.user_id
    ticket.resolution, ticket.updated_at = resolution.strip()[:3000], now
    _audit(session, actor, ticket, "resolved", {"status": before}, {"status": "resolved"})
    return ticket


def close(*, session: Session, actor: Actor, ticket: Ticket) -> Ticket:
    """Buyers close a resolved ticket once they have verified the fix."""
    lock_row(session, ticket)
    require_buyer(actor)
    if ticket.status != "resolved":
        raise DomainError("ticket_state", number=ticket.number, status=ticket.status)
    ticket.status, ticket.closed_at, ticket.closed_by = "closed", utcnow(), actor.user_id
    ticket.updated_at = ticket.closed_at
    _audit(session, actor, ticket, "closed", {"status": "resolved"}, {"status": "closed"})
    return ticket


def reopen(*, session: Session, actor: Actor, ticket: Ticket, config: AppConfig) -> Ticket:
    """Back to open: either side for a resolved ticket, buyers for a closed one; the resolution clock restarts."""
    lock_row(session, ticket)
    side(actor, ticket.supplier_id)
    if ticket.status not in ("resolved", "closed") or (ticket.status == "closed" and not actor.is_buyer):
        raise DomainError("ticket_state", number=ticket.number, status=ticket.status)
    before, now = ticket.status, utcnow()
    _, ticket.resolution_due = supplier_due_times(session, ticket.supplier_id, now, ticket.severity, config)
    ticket.status, ticket.reopened, ticket.updated_at = "open", ticket.reopened + 1, now
    ticket.resolved_at = ticket.resolved_by = ticket.closed_at = ticket.closed_by = None
    _audit(session, actor, ticket, "reopened", {"status": before}, {"status": "open"})
    return ticket


def set_responsible(*, session: Session, actor: Actor, ticket: Ticket, responsible: str) -> Ticket:
    """Buyers say who must fix it; scorecards then do not blame a supplier for a carrier's delay."""
    lock_row(session, ticket)
    require_buyer(actor)
    if responsible not in RESPONSIBLE:
        raise DomainError("unknown_responsible", value=responsible)
    before = ticket.responsible
    ticket.responsible, ticket.updated_at = responsible, utcnow()
    _audit(session, actor, ticket, "responsible", {"responsible": before}, {"responsible": responsible})
    return ticket


def record_reply(*, session: Session, actor: Actor, ticket: Ticket) -> bool:
    """A reply in the ticket's thread; the other side's first reply is the first response."""
    lock_row(session, ticket)
    if not actor.can_act_for(ticket.supplier_id) or ticket.status == "closed":
        return False
    now = utcnow()
    if not _first_response(ticket, actor, now):
        return False
    ticket.updated_at = now
    _audit(session, actor, ticket, "first_response", None, {"via": "reply"})
    return True


def visible_tickets(*, session: Session, actor: Actor, status: str | None = None, limit: int = 40):
    """Tickets with their supplier's name, newest first; a supplier contact sees only its own."""
    if status is not None and status not in TICKET_STATUSES:
        raise DomainError("unknown_ticket_status", value=status, allowed=", ".join(TICKET_STATUSES))
    query = select(Ticket, Supplier.name).join(Supplier).order_by(Ticket.id.desc()).limit(limit)
    if status:
        query = query.where(Ticket.status == status)
    query = visible_to(actor, query, Ticket.supplier_id)
    return list(session.exec(query).all())

"""Corrective action rules: open (from a ticket or a downgrade), plan, accept or return, implement,
verify or send back. Only the supplier's own people plan and implement; only buyers decide.

Nothing here knows about Slack; every change is one transaction with one audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.config import AppConfig
from bot.core.actors import SYSTEM, Actor
from bot.core.audit import record_event
from bot.core.db import lock_row
from bot.core.errors import DomainError, Forbidden
from bot.core.roles import require_buyer, require_supplier_of, visible_to
from models import CorrectiveAction, Supplier, SupplierChannel, Ticket, utcnow
from models.capa import CAPA_STATUSES

DEFAULT_DUE_DAYS = 30
TEXT_MAX = 3000
ACTIONS_MAX = 3


@dataclass(frozen=True)
class PlannedAction:
    text: str
    due: date


def _audit(session: Session, actor: Actor, capa: CorrectiveAction, action: str, before: dict | None,
           after: dict | None) -> None:  # fmt: skip
    record_event(session=session, actor_id=actor.user_id, actor_role=actor.role, object_type="capa",
                 object_id=capa.id, action=action, before=before, after=after)  # fmt: skip


def today(config: AppConfig) -> date:
    """Today in the buyers' zone (`default_timezone`): due dates are read there."""
    return utcnow().astimezone(ZoneInfo(config.default_timezone)).date()


def end_of_day(day: date, config: AppConfig) -> datetime:
    """The first instant after `day` in `default_timezone`: a CAPA due that day is overdue from then."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=ZoneInfo(config.default_timezone))


def parse_due(value: str | None, config: AppConfig, *, field: str = "due") -> date:
    """A due date given as YYYY-MM-DD, not in the past; none given: DEFAULT_DUE_DAYS from today."""
    if not value:
        return today(config) + timedelta(days=DEFAULT_DUE_DAYS)
    try:
        due = date.fromisoformat(str(value))
    except ValueError as exc:
        raise DomainError("capa_bad_date", value=value, field=field) from exc
    if due < today(config):
        raise DomainError("capa_date_past", value=value, field=field)
    return due


def _channel_for(session: Session, supplier_id: int) -> str | None:
    query = select(SupplierChannel.channel_id).where(SupplierChannel.supplier_id == supplier_id)
    return session.exec(query.order_by(SupplierChannel.id)).first()


def ticket_for_capa(*, session: Session, actor: Actor, ticket_ref: str | int | None) -> Ticket:
    """The ticket a command or button names (`T-<n>` or its id), for a buyer."""
    require_buyer(actor)
    try:
        ticket = session.get(Ticket, int(str(ticket_ref).strip().upper().removeprefix("T-")))
    except (TypeError, ValueError):
        ticket = None
    if ticket is None:
        raise DomainError("capa_ticket_not_found", ticket=ticket_ref)
    return ticket


def open_for_ticket(*, session: Session, actor: Actor, ticket: Ticket, due: date,
                    config: AppConfig) -> CorrectiveAction:  # fmt: skip
    """A buyer opens a CAPA on a ticket; a ticket has one unverified CAPA at a time."""
    require_buyer(actor)
    lock_row(session, ticket)  # two presses at once: the second sees the first one's CAPA
    query = select(CorrectiveAction).where(
        CorrectiveAction.ticket_id == ticket.id, CorrectiveAction.status != "verified"
    )
    if existing := session.exec(query).first():
        raise DomainError("capa_exists", number=existing.number, ticket=ticket.number)
    return _open(session, actor, supplier_id=ticket.supplier_id, kind="ticket", ticket=ticket,
                 reason=ticket.title, due=due, channel_id=ticket.channel_id, config=config)  # fmt: skip


def open_rectification(*, session: Session, supplier_id: int, reason: str, config: AppConfig,
                       actor: Actor = SYSTEM, due: date | None = None) -> CorrectiveAction:  # fmt: skip
    """A rectification CAPA (no ticket), opened when a strategic or core supplier is downgraded.

    Called in the transaction that approves the downgrade; the card goes to the supplier's first channel.
    """
    due = due or today(config) + timedelta(days=DEFAULT_DUE_DAYS)
    return _open(session, actor, supplier_id=supplier_id, kind="rectification", ticket=None,
                 reason=reason, due=due, channel_id=_channel_for(session, supplier_id), config=config)  # fmt: skip


def _open(session: Session, actor: Actor, *, supplier_id: int, kind: str, ticket: Ticket | None, reason: str,
          due: date, channel_id: str | None, config: AppConfig) -> CorrectiveAction:  # fmt: skip
    now = utcnow()
    capa = CorrectiveAction(
        supplier_id=supplier_id, ticket_id=ticket.id if ticket else None, kind=kind, reason=reason[:TEXT_MAX],
        due_date=due, due_at=end_of_day(due, config), channel_id=channel_id, opened_by=actor.user_id,
        opened_at=now, updated_at=now,
    )  # fmt: skip
    session.add(capa)
    session.flush()
    _audit(session, actor, capa, "opened", None, {"kind": kind, "status": "open", "due_date": due.isoformat(),
           "ticket": ticket.number if ticket else None})  # fmt: skip
    return capa


def capa_for(*, session: Session, actor: Actor, capa_id: int | str | None) -> CorrectiveAction:
    """The CAPA a button, form or command names, re-checked against the actor's rights."""
    try:
        capa = session.get(CorrectiveAction, int(str(capa_id).strip().upper().removeprefix("CA-")))
    except (TypeError, ValueError):
        capa = None
    if capa is None or not actor.can_act_for(capa.supplier_id):
        raise Forbidden("capa_unavailable")
    return capa


def _require_state(capa: CorrectiveAction, *states: str) -> None:
    if capa.status not in states:
        raise DomainError("capa_state", number=capa.number, status=capa.status)


def check_can_plan(actor: Actor, capa: CorrectiveAction) -> None:
    """Only the supplier's own people plan, and only an open CAPA (checked before the form opens too)."""
    require_supplier_of(actor, capa.supplier_id, refusal="capa_supplier_side")
    _require_state(capa, "open")


def check_can_return(actor: Actor, capa: CorrectiveAction) -> None:
    require_buyer(actor)
    _require_state(capa, "planned")


def _clean(text: str | None, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError("capa_text_needed", field=field)
    return text[:TEXT_MAX]


def plan(*, session: Session, actor: Actor, capa: CorrectiveAction, root_cause: str, containment: str,
         actions: list[PlannedAction]) -> CorrectiveAction:  # fmt: skip
    """The supplier's plan: root cause, containment and dated actions (at least one)."""
    lock_row(session, capa)
    check_can_plan(actor, capa)
    root_cause, containment = _clean(root_cause, "root_cause"), _clean(containment, "containment")
    if not actions:
        raise DomainError("capa_text_needed", field="action_1")
    now = utcnow()
    capa.root_cause, capa.containment = root_cause, containment
    capa.actions = [{"text": a.text[:TEXT_MAX], "due": a.due.isoformat()} for a in actions[:ACTIONS_MAX]]
    capa.status, capa.planned_by, capa.planned_at, capa.updated_at = "planned", actor.user_id, now, now
    _audit(
        session, actor, capa, "planned", {"status": "open"}, {"status": "planned", "actions": len(actions)}
    )
    return capa


def _step(session: Session, actor: Actor, capa: CorrectiveAction, to: str, action: str,
          extra: dict | None = None) -> CorrectiveAction:  # fmt: skip
    before, now = capa.status, utcnow()
    capa.status, capa.updated_at = to, now
    _audit(session, actor, capa, action, {"status": before}, {"status": to} | (extra or {}))
    return capa


def accept(*, session: Session, actor: Actor, capa: CorrectiveAction) -> CorrectiveAction:
    lock_row(session, capa)
    require_buyer(actor)
    _require_state(capa, "planned")
    capa.accepted_at, capa.return_reason = utcnow(), ""
    return _step(session, actor, capa, "accepted", "accepted")


def return_plan(*, session: Session, actor: Actor, capa: CorrectiveAction, reason: str) -> CorrectiveAction:
    """A buyer sends the plan back to the supplier, saying why."""
    lock_row(session, capa)
    check_can_return(actor, capa)
    capa.return_reason = _clean(reason, "reason")
    return _step(session, actor, capa, "open", "returned", {"reason": capa.return_reason})


def implement(*, session: Session, actor: Actor, capa: CorrectiveAction) -> CorrectiveAction:
    lock_row(session, capa)
    require_supplier_of(actor, capa.supplier_id, refusal="capa_supplier_side")
    _require_state(capa, "accepted")
    capa.implemented_at = utcnow()
    return _step(session, actor, capa, "implemented", "implemented")


def verify(*, session: Session, actor: Actor, capa: CorrectiveAction) -> CorrectiveAction:
    lock_row(session, capa)
    require_buyer(actor)
    _require_state(capa, "implemented")
    capa.verified_at, capa.verified_by = utcnow(), actor.user_id
    return _step(session, actor, capa, "verified", "verified")


def reject(*, session: Session, actor: Actor, capa: CorrectiveAction) -> CorrectiveAction:
    """Not effective: back to accepted, for the supplier to implement again."""
    lock_row(session, capa)
    require_buyer(actor)
    _require_state(capa, "implemented")
    capa.implemented_at = None
    return _step(session, actor, capa, "accepted", "not_effective")


def visible_capas(*, session: Session, actor: Actor, status: str | None = None, limit: int = 40):
    """CAPAs with their supplier's name, newest first; a supplier contact sees only its own."""
    if status is not None and status not in CAPA_STATUSES:
        raise DomainError("capa_unknown_status", value=status, allowed=", ".join(CAPA_STATUSES))
    query = (
        select(CorrectiveAction, Supplier.name)
        .join(Supplier)
        .order_by(CorrectiveAction.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(CorrectiveAction.status == status)
    return list(session.exec(visible_to(actor, query, CorrectiveAction.supplier_id)).all())


def overdue(*, session: Session, now: datetime) -> list[CorrectiveAction]:
    """CAPAs past their due date and not verified."""
    query = select(CorrectiveAction).where(
        CorrectiveAction.status != "verified", CorrectiveAction.due_at <= now
    )
    return list(session.exec(query.order_by(CorrectiveAction.id)).all())

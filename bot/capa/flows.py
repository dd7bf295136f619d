"""Corrective action workflows: a rule from bot.capa plus the card and thread notes it causes, in the same
transaction. The card is in the supplier's language; notes also in the buyers'."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlmodel import Session

from bot.capa import service as capas
from bot.capa.views import capa_card, capa_status_label
from bot.config import AppConfig
from bot.core.actors import SYSTEM, Actor
from bot.core.blocks import bilingual
from bot.core.i18n import _, format_date, use_locale
from bot.core.outbox import post_card, post_in_thread, update_card
from bot.core.scheduler import claim_work
from models import Card, CorrectiveAction, Order, Supplier, Ticket


def _render(session: Session, capa: CorrectiveAction) -> dict:
    supplier = session.get(Supplier, capa.supplier_id)
    ticket = f"T-{capa.ticket_id}" if capa.ticket_id else None
    with use_locale(supplier.locale):
        return capa_card(capa, ticket, supplier.name)


def _ticket_thread(session: Session, ticket: Ticket) -> tuple[Card | None, str | None]:
    """Where the ticket's conversation is: a message's thread, its order's thread, or its card's thread."""
    if ticket.thread_ts:
        return None, ticket.thread_ts
    if ticket.order_id:
        return session.get(Card, session.get(Order, ticket.order_id).card_id), None
    return (session.get(Card, ticket.card_id) if ticket.card_id else None), None


def _post(session: Session, capa: CorrectiveAction, ticket: Ticket | None) -> CorrectiveAction:
    """The CAPA's card: in the ticket's thread when there is one, else top level in the supplier's channel."""
    if capa.channel_id is None:
        return capa  # the supplier has no linked channel: the CAPA is kept, shown when listed
    thread_card, thread_ts = _ticket_thread(session, ticket) if ticket else (None, None)
    payload = _render(session, capa) | ({"thread_ts": thread_ts} if thread_ts else {})
    card = post_card(session=session, kind="capa", object_type="capa", object_id=capa.id,
                     channel_id=capa.channel_id, payload=payload, thread_card=thread_card)  # fmt: skip
    capa.card_id = card.id
    return capa


def open_for_ticket(*, session: Session, actor: Actor, ticket: Ticket, due: date,
                    config: AppConfig) -> CorrectiveAction:  # fmt: skip
    capa = capas.open_for_ticket(session=session, actor=actor, ticket=ticket, due=due, config=config)
    return _post(session, capa, ticket)


def open_rectification(*, session: Session, supplier_id: int, reason: str, config: AppConfig,
                       actor: Actor = SYSTEM, due: date | None = None) -> CorrectiveAction:  # fmt: skip
    """A rectification CAPA with its card, for the scorecards' approval of a strategic or core supplier's
    downgrade (same transaction as the approval)."""
    capa = capas.open_rectification(session=session, supplier_id=supplier_id, reason=reason, config=config,
                                    actor=actor, due=due)  # fmt: skip
    return _post(session, capa, None)


def _note(session: Session, capa: CorrectiveAction, config: AppConfig, render: Callable[[], str]) -> None:
    card = session.get(Card, capa.card_id) if capa.card_id else None
    if card is None:
        return
    locales = [session.get(Supplier, capa.supplier_id).locale, config.default_locale]
    post_in_thread(session=session, card=card, payload=bilingual(render, locales))


def _changed(session: Session, actor: Actor, capa: CorrectiveAction, config: AppConfig) -> CorrectiveAction:
    if capa.card_id:
        update_card(session=session, card=session.get(Card, capa.card_id), payload=_render(session, capa))
    _note(session, capa, config, lambda: ":clipboard: " + _("{number}: {status} (<@{user}>).").format(
        number=capa.number, status=capa_status_label(capa.status), user=actor.user_id))  # fmt: skip
    return capa


def plan(*, session: Session, actor: Actor, capa: CorrectiveAction, root_cause: str, containment: str,
         actions: list[capas.PlannedAction], config: AppConfig) -> CorrectiveAction:  # fmt: skip
    capas.plan(session=session, actor=actor, capa=capa, root_cause=root_cause, containment=containment,
               actions=actions)  # fmt: skip
    return _changed(session, actor, capa, config)


def accept(*, session: Session, actor: Actor, capa: CorrectiveAction, config: AppConfig) -> CorrectiveAction:
    capas.accept(session=session, actor=actor, capa=capa)
    return _changed(session, actor, capa, config)


def return_plan(*, session: Session, actor: Actor, capa: CorrectiveAction, reason: str,
                config: AppConfig) -> CorrectiveAction:  # fmt: skip
    capas.return_plan(session=session, actor=actor, capa=capa, reason=reason)
    return _changed(session, actor, capa, config)


def implement(
    *, session: Session, actor: Actor, capa: CorrectiveAction, config: AppConfig
) -> CorrectiveAction:
    capas.implement(session=session, actor=actor, capa=capa)
    return _changed(session, actor, capa, config)


def verify(*, session: Session, actor: Actor, capa: CorrectiveAction, config: AppConfig) -> CorrectiveAction:
    capas.verify(session=session, actor=actor, capa=capa)
    return _changed(session, actor, capa, config)


def reject(*, session: Session, actor: Actor, capa: CorrectiveAction, config: AppConfig) -> CorrectiveAction:
    capas.reject(session=session, actor=actor, capa=capa)
    return _changed(session, actor, capa, config)


def remind_overdue(
    *, session: Session, config: AppConfig, now: datetime, worker: str
) -> list[CorrectiveAction]:
    """Post one reminder in the thread of each CAPA past its due date and not verified (claimed, so once
    whatever the number of workers or runs); returns the CAPAs reminded now, for a `capa_overdue` alert."""
    reminded = []
    for capa in capas.overdue(session=session, now=now):
        if not claim_work(session, job="capa_overdue", period=capa.due_date.isoformat(), recipient=capa.number,
                          worker=worker):  # fmt: skip
            continue
        _note(session, capa, config, lambda c=capa: ":alarm_clock: " + _(
            "{number} was due on {due} and is not verified yet ({status}).").format(
            number=c.number, due=format_date(c.due_date), status=capa_status_label(c.status)))  # fmt: skip
        reminded.append(capa)
    return reminded

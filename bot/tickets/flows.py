"""Ticket workflows: a rule from bot.tickets plus the card update, thread notes and SLA notices it
causes, in the same transaction. Cards are in the supplier's language; notes also in the buyers'."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import and_, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from bot.config import AppConfig
from bot.core.actors import Actor
from bot.core.blocks import bilingual
from bot.core.i18n import _, format_datetime, use_locale
from bot.core.outbox import post_card, post_in_thread, post_message, update_card
from bot.core.scheduler import claim_work
from bot.core.text import neutralise
from bot.tickets import service as tickets
from bot.tickets.views import responsible_label, ticket_card
from models import Card, Order, Supplier, Ticket


def _render(session: Session, ticket: Ticket) -> dict:
    supplier = session.get(Supplier, ticket.supplier_id)
    order = session.get(Order, ticket.order_id) if ticket.order_id else None
    with use_locale(supplier.locale):
        return ticket_card(ticket, order.po if order else None, supplier.timezone)


def _thread(session: Session, ticket: Ticket) -> tuple[Card | None, str | None]:
    """Where the ticket lives: a message's thread, its order's thread, or its own card's thread."""
    if ticket.thread_ts:
        return None, ticket.thread_ts
    card_id = session.get(Order, ticket.order_id).card_id if ticket.order_id else None
    if card_id is None:  # no order, or an order imported without a card: the ticket's own card
        card_id = ticket.card_id
    return (session.get(Card, card_id) if card_id is not None else None), None


def _note(session: Session, ticket: Ticket, config: AppConfig, render: Callable[[], str]) -> None:
    locales = [session.get(Supplier, ticket.supplier_id).locale, config.default_locale]
    thread_card, thread_ts = _thread(session, ticket)
    payload = bilingual(render, locales)
    if thread_card is not None:
        post_in_thread(session=session, card=thread_card, payload=payload)
    else:
        post_message(
            session=session, channel_id=ticket.channel_id, payload=payload | {"thread_ts": thread_ts}
        )


def _refresh(session: Session, ticket: Ticket) -> None:
    update_card(session=session, card=session.get(Card, ticket.card_id), payload=_render(session, ticket))


def open_ticket(*, session: Session, actor: Actor, supplier: Supplier, channel_id: str, new: tickets.NewTicket,
                config: AppConfig) -> Ticket:  # fmt: skip
    ticket = tickets.open_ticket(session=session, actor=actor, supplier=supplier, channel_id=channel_id, new=new,
                                 config=config)  # fmt: skip
    thread_card, thread_ts = (
        _thread(session, ticket) if (ticket.thread_ts or ticket.order_id) else (None, None)
    )
    payload = _render(session, ticket) | ({"thread_ts": thread_ts} if thread_ts else {})
    card = post_card(session=session, kind="ticket", object_type="ticket", object_id=ticket.id,
                     channel_id=channel_id, payload=payload, thread_card=thread_card)  # fmt: skip
    ticket.card_id = card.id
    return ticket


def _changed(session: Session, ticket: Ticket, config: AppConfig, render: Callable[[], str]) -> Ticket:
    _refresh(session, ticket)
    _note(session, ticket, config, render)
    return ticket


def acknowledge(*, session: Session, actor: Actor, ticket: Ticket, config: AppConfig) -> Ticket:
    tickets.acknowledge(session=session, actor=actor, ticket=ticket)
    return _changed(session, ticket, config, lambda: ":eyes: " + _("{number} acknowledged by <@{user}>.").format(
        number=ticket.number, user=actor.user_id))  # fmt: skip


def resolve(*, session: Session, actor: Actor, ticket: Ticket, resolution: str, config: AppConfig) -> Ticket:
    tickets.resolve(session=session, actor=actor, ticket=ticket, resolution=resolution)
    return _changed(session, ticket, config, lambda: ":white_check_mark: " + _(
        "{number} resolved by <@{user}>; a buyer closes it after checking.").format(number=ticket.number, user=actor.user_id))  # fmt: skip


def close(*, session: Session, actor: Actor, ticket: Ticket, config: AppConfig) -> Ticket:
    tickets.close(session=session, actor=actor, ticket=ticket)
    return _changed(session, ticket, config, lambda: ":lock: " + _("{number} verified and closed by <@{user}>.").format(
        number=ticket.number, user=actor.user_id))  # fmt: skip


def reopen(*, session: Session, actor: Actor, ticket: Ticket, config: AppConfig) -> Ticket:
    tickets.reopen(session=session, actor=actor, ticket=ticket, config=config)
    return _changed(session, ticket, config, lambda: ":arrows_counterclockwise: " + _("{number} reopened by <@{user}>.").format(
        number=ticket.number, user=actor.user_id))  # fmt: skip


def set_responsible(
    *, session: Session, actor: Actor, ticket: Ticket, responsible: str, config: AppConfig
) -> Ticket:
    tickets.set_responsible(session=session, actor=actor, ticket=ticket, responsible=responsible)
    return _changed(session, ticket, config, lambda: ":busts_in_silhouette: " + _("{number}: responsible is now {who}.").format(
        number=ticket.number, who=responsible_label(responsible)))  # fmt: skip


def tickets_in_thread(session: Session, channel_id: str, thread_ts: str) -> list[Ticket]:
    """Open tickets whose conversation is this thread."""
    own, order_card = aliased(Card), aliased(Card)
    query = (
        select(Ticket)
        .outerjoin(own, own.id == Ticket.card_id)
        .outerjoin(Order, Order.id == Ticket.order_id)
        .outerjoin(order_card, order_card.id == Order.card_id)
        .where(Ticket.channel_id == channel_id, Ticket.status != "closed")
        .where(or_(Ticket.thread_ts == thread_ts,
                   and_(Ticket.thread_ts.is_(None), or_(own.ts == thread_ts, order_card.ts == thread_ts))))
    )  # fmt: skip
    return list(session.exec(query).all())


def record_reply(
    *, session: Session, actor: Actor, channel_id: str, thread_ts: str, config: AppConfig
) -> int:
    """A reply in a ticket's thread: the other side's first reply is the first response."""
    changed = 0
    for ticket in tickets_in_thread(session, channel_id, thread_ts):
        if tickets.record_reply(session=session, actor=actor, ticket=ticket):
            _refresh(session, ticket)
            changed += 1
    return changed


# --- SLA breaches -------------------------------------------------------------------------------


def _who_must_act(ticket: Ticket, kind: str, supplier: Supplier) -> str:
    party = (
        ("supplier" if ticket.opened_side == "buyer" else "buyer")
        if kind == "first_response"
        else ticket.responsible
    )
    if party == "supplier":
        return _("the supplier {name}").format(name=neutralise(supplier.name))
    if party == "third_party":
        return _("the buyers, with the carrier or third party")
    return _("the buyers")


def _breach_text(ticket: Ticket, kind: str, due: datetime, supplier: Supplier, tz: str) -> str:
    who = _who_must_act(ticket, kind, supplier)
    when = format_datetime(due, tz, "short")
    if kind == "first_response":
        return ":rotating_light: " + _("{number} “{title}” had no first response by {due} ({tz}). Next step: {who}.").format(
            number=ticket.number, title=neutralise(ticket.title), due=when, tz=tz, who=who)  # fmt: skip
    return ":rotating_light: " + _("{number} “{title}” was not resolved by {due} ({tz}). Next step: {who}.").format(
        number=ticket.number, title=neutralise(ticket.title), due=when, tz=tz, who=who)  # fmt: skip


def announce_breaches(*, session: Session, config: AppConfig, now: datetime, worker: str) -> int:
    """Post each breach once: in the ticket's thread (both languages) and in the buyers' triage channel."""
    late_first = and_(Ticket.first_response_at.is_(None), Ticket.first_response_due <= now)
    late_resolution = Ticket.resolution_due <= now
    query = (
        select(Ticket)
        .where(Ticket.status.in_(tickets.OPEN), or_(late_first, late_resolution))
        .order_by(Ticket.id)
    )
    posted = 0
    for ticket in session.exec(query).all():
        breaches = []
        if ticket.first_response_at is None and ticket.first_response_due <= now:
            breaches.append(("first_response", ticket.first_response_due))
        if ticket.resolution_due <= now:
            breaches.append(("resolution", ticket.resolution_due))
        supplier = session.get(Supplier, ticket.supplier_id)
        for kind, due in breaches:
            if not claim_work(
                session, job="sla", period=f"{kind}:{due.isoformat()}", recipient=ticket.number, worker=worker
            ):
                continue
            _note(session, ticket, config,
                  lambda t=ticket, k=kind, d=due, s=supplier: _breach_text(t, k, d, s, s.timezone))  # fmt: skip
            if config.tickets.triage_channel:
                with use_locale(config.default_locale):
                    text = _breach_text(ticket, kind, due, supplier, config.default_timezone)
                post_message(session=session, channel_id=config.tickets.triage_channel,
                             payload={"text": text, "unfurl_links": False})  # fmt: skip
            posted += 1
    return posted

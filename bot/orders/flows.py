"""Order workflows: a rule from bot.orders / bot.production plus the card update and thread notes it
causes, in the same transaction (cards in the supplier's language, notes also in the buyers')."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, select

from bot.config import AppConfig
from bot.core.actors import Actor
from bot.core.blocks import bilingual
from bot.core.i18n import _, format_date, format_decimal, use_locale
from bot.core.outbox import enqueue, post_card, post_in_thread, update_card
from bot.core.text import neutralise
from bot.orders import production
from bot.orders import service as orders
from bot.orders.holidays import holidays_near
from bot.orders.views import OrderCard, order_card, proposal_request, stage_label
from models import Card, DateProposal, Order, Supplier


def card_data(session: Session, order: Order, config: AppConfig, locale: str) -> OrderCard:
    supplier = session.get(Supplier, order.supplier_id)
    pending = session.exec(
        select(DateProposal).where(DateProposal.order_id == order.id, DateProposal.status == "pending")
    ).first()
    near = holidays_near(supplier.country, order.due_date, config.orders.holiday_working_days, locale)
    # "Report problem" opens a ticket: the card offers it when the tickets feature is on.
    return OrderCard(
        order, orders.received_quantity(session, order.id), near, pending, config.tickets.enabled
    )


def _locales(session: Session, order: Order, config: AppConfig) -> list[str]:
    return [session.get(Supplier, order.supplier_id).locale, config.default_locale]


def _render_card(session: Session, order: Order, config: AppConfig) -> dict:
    supplier = session.get(Supplier, order.supplier_id)
    with use_locale(supplier.locale) as locale:
        return order_card(card_data(session, order, config, locale)) | {"unfurl_links": False}


def _refresh(session: Session, order: Order, config: AppConfig) -> None:
    if order.card_id is None:  # imported without a card (`srm import` without --post-cards)
        return
    update_card(
        session=session, card=session.get(Card, order.card_id), payload=_render_card(session, order, config)
    )


def _note(session: Session, order: Order, config: AppConfig, render: Callable[[], str]) -> None:
    if order.card_id is None:  # no card, so no thread to tell the supplier in
        return
    card = session.get(Card, order.card_id)
    post_in_thread(session=session, card=card, payload=bilingual(render, _locales(session, order, config)))


def issue(*, session: Session, actor: Actor, supplier: Supplier, channel_id: str, new: orders.NewOrder,
          config: AppConfig) -> Order:  # fmt: skip
    order = orders.create_order(session=session, actor=actor, supplier=supplier, channel_id=channel_id, new=new,
                                default_currency=config.orders.default_currency,
                                default_timezone=config.default_timezone)  # fmt: skip
    card = post_card(session=session, kind="order", object_type="order", object_id=order.id, channel_id=channel_id,
                     payload=_render_card(session, order, config))  # fmt: skip
    order.card_id = card.id
    return order


def post_cards(*, session: Session, order_ids: list[int], config: AppConfig) -> None:
    """Cards for orders that came in without one (imported), in their channel, in the supplier's language."""
    for order_id in order_ids:
        order = session.get(Order, order_id)
        card = post_card(session=session, kind="order", object_type="order", object_id=order.id,
                         channel_id=order.channel_id, payload=_render_card(session, order, config))  # fmt: skip
        order.card_id = card.id


def confirm(*, session: Session, actor: Actor, order: Order, config: AppConfig) -> Order:
    orders.confirm_order(session=session, actor=actor, order=order)
    _refresh(session, order, config)
    _note(session, order, config, lambda: ":white_check_mark: " + _("Order {po} confirmed by <@{user}>.").format(
        po=order.po, user=actor.user_id))  # fmt: skip
    return order


def propose(*, session: Session, actor: Actor, order: Order, proposed: str, reason: str, config: AppConfig):
    proposal = orders.propose_date(
        session=session, actor=actor, order=order, proposed=proposed, reason=reason
    )
    order_card_row = session.get(Card, order.card_id)
    card = Card(
        kind="proposal", object_type="date_proposal", object_id=proposal.id, channel_id=order.channel_id
    )
    session.add(card)
    session.flush()
    proposal.card_id = card.id
    enqueue(session=session, channel_id=order.channel_id, card=card, thread_card=order_card_row,
            payload=proposal_request(proposal, order, _locales(session, order, config)))  # fmt: skip
    _refresh(session, order, config)
    return proposal


def decide(*, session: Session, actor: Actor, proposal_id: str | None, accept: bool, config: AppConfig):
    proposal = orders.decide_proposal(session=session, actor=actor, proposal_id=proposal_id, accept=accept)
    order = session.get(Order, proposal.order_id)
    update_card(session=session, card=session.get(Card, proposal.card_id),
                payload=proposal_request(proposal, order, _locales(session, order, config)))  # fmt: skip
    _refresh(session, order, config)
    return proposal


def post_update(*, session: Session, actor: Actor, order: Order, values: dict, config: AppConfig,
                source: str = "button", message_ts: str | None = None):  # fmt: skip
    update = production.record_update(
        session=session, actor=actor, order=order, percent=values.get("percent"), stage=values.get("stage"),
        eta=values.get("eta"), note=values.get("note") or "", stages=config.orders.stages,
        shipped_stage=config.orders.shipped_stage, source=source, message_ts=message_ts,
    )  # fmt: skip
    _refresh(session, order, config)
    if source == "button":

        def render() -> str:
            text = ":bar_chart: " + _("<@{user}> reports {po}: {percent}%").format(
                user=actor.user_id, po=order.po, percent=update.percent
            )
            if update.stage:
                text += " · " + stage_label(update.stage)
            if update.eta:
                text += " · " + _("ready by {date}").format(date=format_date(update.eta))
            return text + (f"\n> {neutralise(update.note)}" if update.note else "")  # fmt: skip

        _note(session, order, config, render)
    return update


def order_of_thread(session: Session, channel_id: str, thread_ts: str) -> Order | None:
    query = select(Order).join(Card, Order.card_id == Card.id)
    return session.exec(query.where(Card.channel_id == channel_id, Card.ts == thread_ts)).first()


def record_reply(*, session: Session, actor: Actor, channel_id: str, thread_ts: str, ts: str, text: str,
                 config: AppConfig) -> bool:  # fmt: skip
    """A supplier's reply such as "60% cutting done" in an order thread counts as a production update."""
    order = order_of_thread(session, channel_id, thread_ts)
    if order is None or order.supplier_id not in actor.supplier_ids:
        return False
    parsed = production.parse_progress(text, config.orders.stages)
    if parsed is None:
        return False
    percent, stage = parsed
    last = production.last_percent(session, order.id)
    if order.status not in production.CAN_UPDATE or (last is not None and percent < last):
        return False  # stored as a message; too ambiguous to count as progress
    post_update(session=session, actor=actor, order=order, values={"percent": percent, "stage": stage, "note": text},
                config=config, source="message", message_ts=ts)  # fmt: skip
    enqueue(session=session, channel_id=channel_id, method="reactions.add",
            payload={"timestamp": ts, "name": "white_check_mark"})  # fmt: skip
    return True


def receive(
    *, session: Session, actor: Actor, order: Order, quantity: str, day: str | None, config: AppConfig
):
    receipt = orders.record_receipt(session=session, actor=actor, order=order, quantity=quantity, received_on=day,
                                    default_timezone=config.default_timezone)  # fmt: skip
    _refresh(session, order, config)

    def render() -> str:
        timing = _("on time") if receipt.on_time else _("late")
        return ":package: " + _("Received {qty} of {po} on {date} ({timing}).").format(
            qty=format_decimal(receipt.quantity), po=order.po, date=format_date(receipt.received_on), timing=timing)  # fmt: skip

    _note(session, order, config, render)
    return receipt


def inspect(
    *, session: Session, actor: Actor, order: Order, sampled: str, defects: str, note: str, config: AppConfig
):
    inspection = orders.record_inspection(session=session, actor=actor, order=order, sampled=sampled, defects=defects,
                                          note=note, max_defect_percent=config.inspection.max_defect_percent,
                                          default_timezone=config.default_timezone)  # fmt: skip

    def render() -> str:
        verdict = (
            (":white_check_mark: " + _("Lot accepted"))
            if inspection.accepted
            else (":x: " + _("Lot rejected"))
        )
        text = (
            verdict
            + " · "
            + _("Inspection of {po}: {defects} defects in {sampled} sampled (limit {limit}%).").format(
                po=order.po,
                defects=inspection.defects,
                sampled=inspection.sampled,
                limit=format_decimal(inspection.max_defect_percent),
            )
        )
        return text + (f"\n> {neutralise(inspection.note)}" if inspection.note else "")  # fmt: skip

    _note(session, order, config, render)
    return inspection


def _end(
    session: Session, actor: Actor, order: Order, config: AppConfig, rule, render: Callable[[], str]
) -> Order:
    rule(session=session, actor=actor, order=order)
    _refresh(session, order, config)
    _note(session, order, config, render)
    return order


def close(*, session: Session, actor: Actor, order: Order, config: AppConfig) -> Order:
    return _end(session, actor, order, config, orders.close_order,
                lambda: ":lock: " + _("Order {po} closed by <@{user}>.").format(po=order.po, user=actor.user_id))  # fmt: skip


def cancel(*, session: Session, actor: Actor, order: Order, config: AppConfig) -> Order:
    return _end(session, actor, order, config, orders.cancel_order,
                lambda: ":no_entry: " + _("Order {po} cancelled by <@{user}>.").format(po=order.po, user=actor.user_id))  # fmt: skip

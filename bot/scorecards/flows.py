"""Scorecard workflows: an evaluation's or a decision's rule plus the messages it causes, queued in the
outbox in the same transaction. Supplier channels read their own language; the buyers' and admins'
channels read `default_locale`."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from bot.config import AppConfig
from bot.core.actors import Actor
from bot.core.i18n import use_locale
from bot.core.outbox import enqueue_many, post_card, post_message, update_card
from bot.core.uploads import UPLOAD_METHOD, upload_payload
from bot.scorecards import levels, reading
from bot.scorecards.chart import RENDERER
from bot.scorecards.periods import period_starting
from bot.scorecards.service import decide_level_change
from bot.scorecards.views import (
    Scorecard,
    chart_data,
    chart_title,
    level_notice,
    portfolio_message,
    proposal_card,
    scorecard_card,
)
from models import Card, LevelChange, Supplier


def _criteria(config: AppConfig) -> list[str]:
    return [criterion.name for criterion in config.scorecards.criteria]


def scorecard_calls(channel_id: str, card: Scorecard, locale: str) -> list[tuple[str, str, dict]]:
    """The card, then its chart (drawn when delivered; none without a score), in `locale`, as outbox calls."""
    with use_locale(locale):
        calls = [("chat.postMessage", channel_id, scorecard_card(card))]
        if card.score is not None:
            title = chart_title(card)
            payload = upload_payload(renderer=RENDERER, data=chart_data(card), title=title, alt_text=title,
                                     filename=f"scorecard-{card.period_start.isoformat()}.png")  # fmt: skip
            calls.append((UPLOAD_METHOD, channel_id, payload))
    return calls


def announce_evaluation(
    *, session: Session, config: AppConfig, period_start: date, period_end: date, proposal_ids: list[int]
) -> None:
    """Each linked supplier's card and chart in its channels, the portfolio to `scorecards.channel`, each
    level change proposal to `scorecards.approvals_channel`, and the proposals it replaced lose their buttons."""
    channels = reading.linked_channels(session)
    cards = reading.period_scorecards(session, period_start, channels, _criteria(config))
    enqueue_many(session=session, calls=[
        call for supplier_id, (locale, card) in cards.items() for channel_id in channels[supplier_id]
        for call in scorecard_calls(channel_id, card, locale or config.default_locale)])  # fmt: skip
    policy = config.scorecards
    if policy.channel:
        period = period_starting(period_start, policy.period, config.default_timezone)
        shown = reading.portfolio(session, period)
        with use_locale(config.default_locale):
            payload = portfolio_message(shown)
        post_message(session=session, channel_id=policy.channel, payload=payload)
    if policy.approvals_channel:
        for change, shown in reading.proposals(session, proposal_ids):
            with use_locale(config.default_locale):
                payload = proposal_card(shown)
            card = post_card(session=session, kind="level_change", object_type="level_change", object_id=change.id,
                             channel_id=policy.approvals_channel, payload=payload)  # fmt: skip
            change.card_id = card.id
    replaced = reading.superseded_with_cards(session, at=reading.evaluated_at(session, period_start))
    _refresh_cards(session, config, replaced)


def _refresh_cards(session: Session, config: AppConfig, change_ids: list[int]) -> None:
    """Proposal cards updated in place to show the proposal's state (buttons only while it waits)."""
    for change, shown in reading.proposals(session, change_ids):
        with use_locale(config.default_locale):
            payload = proposal_card(shown)
        update_card(session=session, card=session.get(Card, change.card_id), payload=payload)


def _tell_buyers(session: Session, config: AppConfig, payload_of) -> None:
    """A level change the buyers should know of: to the buyers' channel, else the admins'."""
    channel = config.scorecards.channel or config.scorecards.approvals_channel
    if channel:
        with use_locale(config.default_locale):
            payload = payload_of()
        post_message(session=session, channel_id=channel, payload=payload)


def _tell_supplier(
    session: Session, config: AppConfig, supplier: Supplier, before: str | None, after: str
) -> None:
    with use_locale(supplier.locale or config.default_locale):
        payload = level_notice(supplier.name, before, after)
    for channel_id in reading.linked_channels(session).get(supplier.id, []):
        post_message(session=session, channel_id=channel_id, payload=payload)


def decide(*, session: Session, actor: Actor, change_id: int, approve: bool, config: AppConfig,
           now: datetime) -> LevelChange:  # fmt: skip
    """An admin's Approve / Reject: the proposal card updated in place; an approved level told to the
    supplier in its language, and to the buyers when either level's actions include `notify`."""
    change = decide_level_change(session=session, actor=actor, change_id=change_id, approve=approve, now=now,
                                 config=config)  # fmt: skip
    if change.card_id:
        _refresh_cards(session, config, [change.id])
    if change.status == "approved":
        supplier = session.get(Supplier, change.supplier_id)
        _tell_supplier(session, config, supplier, change.from_level, change.to_level)
        _notify_buyers(session, config, supplier, change.from_level, change.to_level)
    return change


def _notify_buyers(
    session: Session, config: AppConfig, supplier: Supplier, before: str | None, after: str
) -> None:
    if any(levels.order_policy(config=config, level=level).notify for level in (before, after)):
        _tell_buyers(session, config, lambda: level_notice(supplier.name, before, after))


def blacklist(*, session: Session, actor: Actor, supplier: Supplier, reason: str, config: AppConfig,
              now: datetime) -> LevelChange:  # fmt: skip
    change = levels.blacklist(session=session, actor=actor, supplier=supplier, reason=reason, now=now)
    _refresh_cards(session, config, reading.superseded_with_cards(session, at=now, supplier_id=supplier.id))
    _notify_buyers(session, config, supplier, change.from_level, change.to_level)
    return change


def reinstate(*, session: Session, actor: Actor, supplier: Supplier, config: AppConfig,
              now: datetime) -> LevelChange:  # fmt: skip
    change = levels.reinstate(session=session, actor=actor, supplier=supplier, now=now)
    _notify_buyers(session, config, supplier, change.from_level, change.to_level)
    return change

"""Risk workflows: the alert rules plus the cards and thread notes they cause, in the same transaction.

Buyers' alerts go to `risk.channel` when set, else by DM to the buyers who work with the supplier, each in
their language and zone. Warnings about the supplier's own work also go to its channel, in its language
with the buyers' underneath. Sanctions alerts never reach a supplier's channel."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import delete, union
from sqlmodel import Session, select

from bot.config import AppConfig
from bot.core.actors import Actor
from bot.core.blocks import context, message, section
from bot.core.i18n import use_locale
from bot.core.outbox import post_card, post_in_thread, post_message, update_card
from bot.core.scheduler import claim_work
from bot.core.text import neutralise
from bot.risk import service
from bot.risk.feedstore import FeedOutcome
from bot.risk.texts import summary
from bot.risk.views import (
    alert_card,
    decided_note,
    escalated_note,
    headline,
    resolved_note,
    skipped_notice,
    snooze_over_note,
    stale_feed_notice,
)
from models import Card, Order, RiskAlert, RiskAlertPost, SlackUser, Supplier, SupplierChannel

# Warnings about the supplier's own work: also told in its channel.
SUPPLIER_KINDS = frozenset({"unconfirmed_order", "stale_order", "behind_schedule", "holiday", "on_time_drop"})
NEVER_TO_SUPPLIER = frozenset({"sanctions"})


def _buyers_of(
    session: Session, supplier_ids: list[int]
) -> dict[int, list[tuple[str, str | None, str | None]]]:
    """(user, locale, zone) of the buyers who work with each supplier: who added or linked it, who issued its
    orders; only people the bot knows as full members of the workspace."""
    people = union(
        select(Supplier.id.label("supplier_id"), Supplier.created_by.label("user_id")).where(
            Supplier.id.in_(supplier_ids)
        ),
        select(SupplierChannel.supplier_id, SupplierChannel.linked_by).where(
            SupplierChannel.supplier_id.in_(supplier_ids)
        ),
        select(Order.supplier_id, Order.issued_by).where(Order.supplier_id.in_(supplier_ids)).distinct(),
    ).subquery()
    query = (
        select(people.c.supplier_id, SlackUser.user_id, SlackUser.locale, SlackUser.tz)
        .join(people, people.c.user_id == SlackUser.user_id)
        .where(~SlackUser.is_restricted, ~SlackUser.is_ultra_restricted, ~SlackUser.is_stranger,
               ~SlackUser.is_bot, ~SlackUser.deleted)
        .order_by(people.c.supplier_id, SlackUser.user_id)
    )  # fmt: skip
    found: dict[int, list[tuple[str, str | None, str | None]]] = {sid: [] for sid in supplier_ids}
    for supplier_id, user, locale, tz in session.exec(query):
        found[supplier_id].append((user, locale, tz))
    return found


def _post(session: Session, alert: RiskAlert, channel_id: str, payload: dict, audience: str, locale: str,
          tz: str | None) -> None:  # fmt: skip
    card = post_card(session=session, kind=f"risk_{audience}", object_type="risk_alert", object_id=alert.id,
                     channel_id=channel_id, payload=payload)  # fmt: skip
    session.add(
        RiskAlertPost(alert_id=alert.id, card_id=card.id, audience=audience, locale=locale, timezone=tz)
    )


def _supplier_payload(alert: RiskAlert, supplier: Supplier, config: AppConfig) -> dict:
    """The supplier's language first, the buyers' underneath (once when they are the same)."""
    texts = []
    for locale in dict.fromkeys([supplier.locale, config.default_locale]):
        with use_locale(locale):
            details = dict(alert.details) | {"severity": alert.severity}
            texts.append(
                headline(alert.kind, alert.severity, supplier.name)
                + "\n"
                + summary(alert.kind, details, neutralise)
            )
    blocks = [section(texts[0])] + [context(t) for t in texts[1:]]
    return message(texts[0], blocks) | {"unfurl_links": False, "unfurl_media": False}


class _Audience:
    """Who reads the suppliers' alerts, looked up for a chunk of alerts at once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.suppliers: dict[int, Supplier] = {}
        self.buyers: dict[int, list[tuple[str, str | None, str | None]]] = {}
        self.channels: dict[int, str | None] = {}

    def load(self, supplier_ids: set[int]) -> None:
        missing = sorted(supplier_ids - set(self.suppliers))
        if not missing:
            return
        self.suppliers |= {
            s.id: s for s in self.session.exec(select(Supplier).where(Supplier.id.in_(missing)))
        }
        self.buyers |= _buyers_of(self.session, missing)
        self.channels |= dict.fromkeys(missing)
        query = select(SupplierChannel.supplier_id, SupplierChannel.channel_id).where(
            SupplierChannel.supplier_id.in_(missing))  # fmt: skip
        for supplier_id, channel in self.session.exec(query.order_by(SupplierChannel.id.desc())):
            self.channels[supplier_id] = channel  # the first linked channel wins


def _announce(session: Session, config: AppConfig, alert: RiskAlert, audience: _Audience) -> None:
    """New cards for a new (or reopened) alert."""
    supplier = audience.suppliers[alert.supplier_id]
    snooze = config.risk.snooze_days
    if config.risk.channel:
        with use_locale(config.default_locale) as locale:
            payload = alert_card(alert, supplier.name, config.default_timezone, snooze_days=snooze)
        _post(session, alert, config.risk.channel, payload, "buyers", locale, config.default_timezone)
    else:
        for user, user_locale, tz in audience.buyers[alert.supplier_id]:
            with use_locale(user_locale or config.default_locale) as locale:
                payload = alert_card(alert, supplier.name, tz or config.default_timezone, snooze_days=snooze)
            _post(session, alert, user, payload, "buyers", locale, tz)
    channel = audience.channels[supplier.id] if alert.kind in SUPPLIER_KINDS - NEVER_TO_SUPPLIER else None
    if channel:
        _post(session, alert, channel, _supplier_payload(alert, supplier, config), "supplier", supplier.locale,
              supplier.timezone)  # fmt: skip


def _refresh(
    session: Session, config: AppConfig, alert: RiskAlert, note=None, *, buyers_only: bool = False
) -> None:
    """Update the alert's cards in place; `note(tz)` (in each card's language) goes in each one's thread."""
    supplier = session.get(Supplier, alert.supplier_id)
    query = select(RiskAlertPost).where(RiskAlertPost.alert_id == alert.id).order_by(RiskAlertPost.id)
    if buyers_only:
        query = query.where(RiskAlertPost.audience == "buyers")
    for post in session.exec(query):
        card = session.get(Card, post.card_id)
        if post.audience == "supplier":
            payload = _supplier_payload(alert, supplier, config)
            locales = [supplier.locale, config.default_locale]
        else:
            with use_locale(post.locale):
                payload = alert_card(
                    alert,
                    supplier.name,
                    post.timezone or config.default_timezone,
                    snooze_days=config.risk.snooze_days,
                )
            locales = [post.locale]
        update_card(session=session, card=card, payload=payload)
        if note is not None:
            texts = []
            for locale in dict.fromkeys(locales):
                with use_locale(locale):
                    texts.append(note(post.timezone or config.default_timezone))
            blocks = [section(texts[0])] + [context(t) for t in texts[1:]]
            post_in_thread(session=session, card=card, payload=message(texts[0], blocks))


def announce_changes(*, session: Session, config: AppConfig, changes: Sequence[service.Change]) -> None:
    """Post new alerts; tell escalations and resolutions in the alert's threads."""
    audience = _Audience(session)
    for start in range(0, len(changes), service.CHUNK):
        chunk = changes[start : start + service.CHUNK]
        # Read as the rules left them (they changed the rows by conditional updates).
        query = select(RiskAlert).where(RiskAlert.id.in_([c.alert_id for c in chunk])).execution_options(
            populate_existing=True)  # fmt: skip
        alerts = {alert.id: alert for alert in session.exec(query)}
        audience.load({alert.supplier_id for alert in alerts.values()})
        for change in chunk:
            alert = alerts[change.alert_id]
            if change.what == "reopened":  # the cards of its earlier spell are no longer updated
                session.execute(delete(RiskAlertPost).where(RiskAlertPost.alert_id == alert.id))
            if change.what in ("opened", "reopened"):
                _announce(session, config, alert, audience)
            elif change.what == "escalated":
                _refresh(
                    session, config, alert, lambda tz, b=change.before, a=alert.severity: escalated_note(b, a)
                )
            elif change.what == "woke":
                _refresh(session, config, alert, lambda tz: snooze_over_note(), buyers_only=True)
            elif change.what == "resolved":
                _refresh(session, config, alert, lambda tz, when=alert.resolved_at: resolved_note(when, tz))


def notify_stale_feeds(*, session: Session, config: AppConfig, outcomes: Sequence[FeedOutcome]) -> int:
    """Tell the admins (by DM) of each feed that just went stale: once per outage."""
    told = 0
    for outcome in outcomes:
        if not outcome.notify:
            continue
        for admin in config.admins:
            user = session.get(SlackUser, admin)
            with use_locale((user.locale if user else None) or config.default_locale):
                payload = stale_feed_notice(outcome.url, outcome.error, outcome.parsed is not None)
            post_message(session=session, channel_id=admin, payload=payload)
        told += 1
    return told


def notify_skipped(*, session: Session, config: AppConfig, reasons: Sequence[str], worker: str) -> int:
    """Tell the admins (by DM) why part of a signal was skipped (an unknown country in the disaster feed, a
    currency missing from the rates): once per distinct reason, whatever the number of runs or workers."""
    told = 0
    for reason in dict.fromkeys(reasons):
        digest = hashlib.sha256(reason.encode()).hexdigest()[:40]
        if not claim_work(session, job="risk_skipped", period=digest, worker=worker):
            continue
        for admin in config.admins:
            user = session.get(SlackUser, admin)
            with use_locale((user.locale if user else None) or config.default_locale):
                payload = skipped_notice(reason)
            post_message(session=session, channel_id=admin, payload=payload)
        told += 1
    return told


def _decided(session: Session, config: AppConfig, actor: Actor, alert: RiskAlert) -> RiskAlert:
    _refresh(
        session, config, alert, lambda tz, s=alert.status: decided_note(s, actor.user_id), buyers_only=True
    )
    return alert


def acknowledge(*, session: Session, actor: Actor, alert: RiskAlert, config: AppConfig) -> RiskAlert:
    return _decided(session, config, actor, service.acknowledge(session=session, actor=actor, alert=alert))


def snooze(*, session: Session, actor: Actor, alert: RiskAlert, config: AppConfig) -> RiskAlert:
    alert = service.snooze(session=session, actor=actor, alert=alert, days=config.risk.snooze_days)
    return _decided(session, config, actor, alert)


def mark_false_positive(*, session: Session, actor: Actor, alert: RiskAlert, config: AppConfig) -> RiskAlert:
    return _decided(
        session, config, actor, service.mark_false_positive(session=session, actor=actor, alert=alert)
    )

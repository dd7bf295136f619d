"""Relationship workflows: a tier rule plus the messages it causes, in the same transaction.

Admins' messages go to `scorecards.approvals_channel` when it is set, else to each admin directly."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from bot.config import AppConfig
from bot.core.actors import Actor
from bot.core.i18n import use_locale
from bot.core.outbox import post_card, post_message, update_card
from bot.core.scheduler import claim_work
from bot.relationship import tiers
from bot.relationship.views import promotion_card, review_reminder, tier_told
from models import Card, JobClaim, Supplier, SupplierChannel, TierChange

CARD_KIND = "tier_proposal"
REVIEW_JOB = "tier_review"


def admin_channels(config: AppConfig) -> list[str]:
    """Where admins read proposals and reminders."""
    return (
        [config.scorecards.approvals_channel] if config.scorecards.approvals_channel else list(config.admins)
    )


def announce_promotion(*, session: Session, config: AppConfig, change: TierChange) -> None:
    """The proposal card with Approve / Reject, for the admins."""
    supplier = session.get(Supplier, change.supplier_id)
    with use_locale(config.default_locale):
        payload = promotion_card(change, supplier.name)
    for channel in admin_channels(config):
        post_card(session=session, kind=CARD_KIND, object_type="tier_change", object_id=change.id,
                  channel_id=channel, payload=payload)  # fmt: skip


def set_tier(
    *, session: Session, actor: Actor, name: str, tier: str, reason: str, config: AppConfig
) -> TierChange:
    """An admin sets a tier by hand; the cards of a promotion it supersedes say so."""
    tiers.require_admin(actor)
    waiting = tiers.waiting_promotions(session, tiers.supplier_named(session, name).id)
    change = tiers.set_tier(session=session, actor=actor, name=name, tier=tier, reason=reason)
    for superseded in waiting:
        session.refresh(superseded)
        _refresh_cards(session, config, superseded)
    return change


def _refresh_cards(session: Session, config: AppConfig, change: TierChange) -> None:
    supplier = session.get(Supplier, change.supplier_id)
    with use_locale(config.default_locale):
        payload = promotion_card(change, supplier.name)
    for card in session.exec(select(Card).where(Card.kind == CARD_KIND, Card.object_id == change.id)):
        update_card(session=session, card=card, payload=payload)


def decide_promotion(
    *, session: Session, actor: Actor, change_id, approve: bool, config: AppConfig
) -> TierChange:
    """An admin's decision: the proposal's cards show it; on approval the supplier is told in its language."""
    change = tiers.decide_promotion(session=session, actor=actor, change_id=change_id, approve=approve)
    _refresh_cards(session, config, change)
    if approve:
        tell_supplier(
            session=session, supplier=session.get(Supplier, change.supplier_id), tier=change.to_tier
        )
    return change


def tell_supplier(*, session: Session, supplier: Supplier, tier: str) -> None:
    """The supplier's first channel learns its new tier, in its language."""
    channel = session.exec(
        select(SupplierChannel.channel_id)
        .where(SupplierChannel.supplier_id == supplier.id)
        .order_by(SupplierChannel.id)
    ).first()
    if channel is None:
        return
    with use_locale(supplier.locale):
        post_message(session=session, channel_id=channel, payload=tier_told(tier))


def remind_reviews(*, session: Session, config: AppConfig, now: datetime, worker: str) -> int:
    """Remind the admins once of each tier due for review (claimed per supplier and due date)."""
    reminded = 0
    done = set(session.exec(select(JobClaim.period, JobClaim.recipient).where(JobClaim.job == REVIEW_JOB)))
    for supplier, tier, since, due_at in tiers.reviews_due(session, config, now):
        if (due_at.date().isoformat(), str(supplier.id)) in done or not claim_work(session, job=REVIEW_JOB, period=due_at.date().isoformat(), recipient=str(supplier.id),
                          worker=worker):  # fmt: skip
            continue
        with use_locale(config.default_locale):
            payload = review_reminder(supplier.name, tier, since)
        for channel in admin_channels(config):
            post_message(session=session, channel_id=channel, payload=payload)
        reminded += 1
    return reminded

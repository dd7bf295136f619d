"""Tier rules: an admin sets a supplier's tier with a reason (kept in its history); loyalty may propose a
promotion, which an admin approves or rejects once. A tier is policy: its SLA factor and review period.

Nothing here knows about Slack; every change is one transaction with one audit event.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from bot.config import TIERS, AppConfig
from bot.core import geo
from bot.core.actors import SYSTEM, Actor
from bot.core.audit import record_event
from bot.core.db import lock_row
from bot.core.errors import DomainError, Forbidden
from bot.suppliers.service import supplier_named
from models import Supplier, SupplierRelationship, TierChange, utcnow
from models.relationship import DEFAULT_TIER

REASON_MAX = 1000


@dataclass(frozen=True)
class TierSla:
    """A supplier's SLA factor and work week (None: the configured business days)."""

    factor: float
    weekdays: tuple[int, ...] | None


def _audit(session: Session, actor: Actor, object_type: str, object_id: int, action: str, before: dict | None,
           after: dict | None) -> None:  # fmt: skip
    record_event(session=session, actor_id=actor.user_id, actor_role=actor.role, object_type=object_type,
                 object_id=object_id, action=action, before=before, after=after)  # fmt: skip


def tier_of(session: Session, supplier_id: int) -> str:
    """The supplier's tier (`transactional` until one is set)."""
    row = session.get(SupplierRelationship, supplier_id)
    return row.tier if row else DEFAULT_TIER


def rectification_due(session: Session, supplier_id: int) -> bool:
    """Whether a level downgrade of this supplier opens a rectification CAPA (strategic and core tiers)."""
    return tier_of(session, supplier_id) in ("strategic", "core")


def relationship_of(session: Session, supplier_id: int) -> SupplierRelationship | None:
    """The supplier's stored tier and loyalty (None: transactional since it was added, no loyalty yet)."""
    return session.get(SupplierRelationship, supplier_id)


def relationships(session: Session) -> dict[int, SupplierRelationship]:
    """Every supplier's stored tier and loyalty, in one query (suppliers absent: transactional, no loyalty)."""
    return {row.supplier_id: row for row in session.exec(select(SupplierRelationship))}


def tiers_and_loyalty(
    session: Session, supplier_ids: list[int] | None = None
) -> dict[int, tuple[str, float | None]]:
    """Supplier id → (tier, loyalty) of every stored row (of `supplier_ids` only, when given), in one query;
    suppliers absent are transactional without loyalty."""
    query = select(SupplierRelationship.supplier_id, SupplierRelationship.tier, SupplierRelationship.loyalty)
    if supplier_ids is not None:
        query = query.where(SupplierRelationship.supplier_id.in_(supplier_ids or [-1]))
    return {supplier_id: (tier, loyalty) for supplier_id, tier, loyalty in session.exec(query)}


def sla_of(session: Session, supplier_id: int, config: AppConfig) -> TierSla:
    """The supplier's tier's SLA factor, and its country's work week when `country_work_week` is on."""
    policy = config.relationship
    factor = policy.tiers[tier_of(session, supplier_id)].sla_factor
    if not policy.country_work_week:
        return TierSla(factor, None)
    country = session.exec(select(Supplier.country).where(Supplier.id == supplier_id)).first()
    return TierSla(factor, geo.work_week(country) if country else None)


def parse_tier(value: str | None) -> str:
    tier = (value or "").strip().lower()
    if tier not in TIERS:
        raise DomainError("tier_unknown", value=value or "", allowed=", ".join(TIERS))
    return tier


def _relationship(session: Session, supplier: Supplier) -> SupplierRelationship:
    """The supplier's row, created as `transactional since it was added` when there is none yet."""
    row = session.get(SupplierRelationship, supplier.id)
    if row is None:
        row = SupplierRelationship(supplier_id=supplier.id, tier=DEFAULT_TIER, tier_since=supplier.created_at)
        session.add(row)
        session.flush()
    return row


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("tier_admins_only")


def set_tier(*, session: Session, actor: Actor, name: str, tier: str, reason: str) -> TierChange:
    """An admin sets a supplier's tier, saying why; setting the same tier again records a review."""
    require_admin(actor)
    tier = parse_tier(tier)
    reason = " ".join((reason or "").split())[:REASON_MAX]
    if not reason:
        raise DomainError("tier_reason_needed")
    supplier = supplier_named(session, name)
    lock_row(session, supplier)  # two admins at once: one after the other
    supersede_waiting(session, actor, supplier.id)
    return _apply(session, actor, supplier, tier, reason, status="set", loyalty=None)


def waiting_promotions(session: Session, supplier_id: int) -> list[TierChange]:
    query = select(TierChange).where(TierChange.supplier_id == supplier_id, TierChange.status == "proposed")
    return list(session.exec(query))


def supersede_waiting(session: Session, actor: Actor, supplier_id: int) -> list[int]:
    """A tier set by hand replaces the supplier's waiting promotion (approving it later would undo the
    admin's choice); the ids of those superseded."""
    table = TierChange.__table__
    waiting = list(session.exec(select(TierChange.id).where(TierChange.supplier_id == supplier_id,
                                                            TierChange.status == "proposed")))  # fmt: skip
    if waiting:
        session.execute(
            update(table)
            .where(table.c.id.in_(waiting), table.c.status == "proposed")
            .values(status="superseded", decided_by=actor.user_id, decided_at=utcnow())
        )
        for change_id in waiting:
            _audit(session, actor, "tier_change", change_id, "superseded", {"status": "proposed"},
                   {"status": "superseded"})  # fmt: skip
    return waiting


def _apply(session: Session, actor: Actor, supplier: Supplier, tier: str, reason: str, *, status: str,
           loyalty: float | None, change: TierChange | None = None) -> TierChange:  # fmt: skip
    row = _relationship(session, supplier)
    before, now = row.tier, utcnow()
    row.tier, row.tier_since = tier, now
    session.add(row)
    if change is None:
        change = TierChange(supplier_id=supplier.id, from_tier=before, to_tier=tier, status=status, reason=reason,
                            loyalty=loyalty, proposed_by=actor.user_id, proposed_at=now, decided_by=actor.user_id,
                            decided_at=now)  # fmt: skip
        session.add(change)
        session.flush()
    action = "tier_reviewed" if before == tier else "tier_changed"
    _audit(session, actor, "supplier", supplier.id, action, {"tier": before},
           {"tier": tier, "reason": reason, "tier_change_id": change.id})  # fmt: skip
    return change


def history(session: Session, supplier_id: int, limit: int = 10) -> list[TierChange]:
    """The supplier's tier changes in force (set or approved), newest first."""
    query = (
        select(TierChange)
        .where(TierChange.supplier_id == supplier_id, TierChange.status.in_(("set", "approved")))
        .order_by(TierChange.proposed_at.desc(), TierChange.id.desc())
        .limit(limit)
    )
    return list(session.exec(query))


def next_tier(tier: str) -> str | None:
    """The tier above (transactional → core → strategic), None at the top."""
    index = TIERS.index(tier)
    return TIERS[index - 1] if index > 0 else None


def propose_promotion(
    *, session: Session, supplier_id: int, loyalty: float, now: datetime
) -> TierChange | None:
    """A promotion proposed from loyalty, unless the supplier is strategic or one is already waiting."""
    current = tier_of(session, supplier_id)
    target = next_tier(current)
    waiting = select(TierChange.id).where(
        TierChange.supplier_id == supplier_id, TierChange.status == "proposed"
    )
    if target is None or session.exec(waiting).first() is not None:
        return None
    change = TierChange(supplier_id=supplier_id, from_tier=current, to_tier=target, status="proposed",
                        loyalty=loyalty, proposed_by=SYSTEM.user_id, proposed_at=now)  # fmt: skip
    session.add(change)
    session.flush()
    _audit(session, SYSTEM, "tier_change", change.id, "proposed", None,
           {"supplier_id": supplier_id, "from": current, "to": target, "loyalty": round(loyalty, 2)})  # fmt: skip
    return change


def decide_promotion(
    *, session: Session, actor: Actor, change_id: int | str | None, approve: bool
) -> TierChange:
    """An admin approves (the supplier moves to the proposed tier) or rejects a waiting promotion, once:
    a conditional update, so two admins (or two presses) decide it once."""
    require_admin(actor)
    try:
        change = session.get(TierChange, int(str(change_id)))
    except (TypeError, ValueError):
        change = None
    if change is None:
        raise DomainError("tier_change_unknown")
    status = "approved" if approve else "rejected"
    now = utcnow()
    table = TierChange.__table__
    decided = session.execute(
        update(table)
        .where(table.c.id == change.id, table.c.status == "proposed")
        .values(status=status, decided_by=actor.user_id, decided_at=now)
    )
    if decided.rowcount != 1:
        session.refresh(change)
        raise DomainError("tier_change_decided", status=change.status)
    session.refresh(change)
    _audit(session, actor, "tier_change", change.id, status, {"status": "proposed"}, {"status": status})
    if approve:
        supplier = session.get(Supplier, change.supplier_id)
        lock_row(session, supplier)
        reason = f"loyalty {change.loyalty:.0f}" if change.loyalty is not None else "loyalty"
        _apply(session, actor, supplier, change.to_tier, reason, status=status, loyalty=change.loyalty,
               change=change)  # fmt: skip
    return change


def reviews_due(
    session: Session, config: AppConfig, now: datetime
) -> list[tuple[Supplier, str, datetime, datetime]]:
    """(supplier, tier, since, review due at) of every supplier whose tier is due for review by `now`, from one
    query: a tier is reviewed `review_months` after it was last set (or after the supplier was added)."""
    query = select(Supplier, SupplierRelationship).outerjoin(
        SupplierRelationship, SupplierRelationship.supplier_id == Supplier.id
    )
    due = []
    for supplier, row in session.exec(query.order_by(Supplier.id)):
        tier = row.tier if row else DEFAULT_TIER
        since = row.tier_since if row else supplier.created_at
        at = add_months(since, config.relationship.tiers[tier].review_months)
        if at <= now:
            due.append((supplier, tier, since, at))
    return due


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later (the month's last day when it is shorter)."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    return moment.replace(year=year, month=month + 1, day=min(moment.day, monthrange(year, month + 1)[1]))

"""Levels with teeth: what a supplier's level means for new orders, and the blacklist an admin sets.

The orders domain does not import this one: the order handlers ask `order_policy` and act on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from bot.config import BLACKLIST_LEVEL, AppConfig
from bot.core.actors import Actor
from bot.core.audit import record_event
from bot.core.db import lock_row
from bot.core.errors import DomainError, Forbidden
from models import LevelChange, Supplier


@dataclass(frozen=True)
class OrderPolicy:
    """What a supplier's level in force says about issuing it a new order."""

    level: str | None
    blocked: bool = False
    warned: bool = False
    notify: bool = False


def order_policy(*, config: AppConfig, level: str | None) -> OrderPolicy:
    """Blacklisted: blocked. Otherwise the actions of the level's band (`scorecards.levels`)."""
    if level == BLACKLIST_LEVEL:
        return OrderPolicy(level=level, blocked=True, notify=True)
    actions = next((band.actions for band in config.scorecards.levels if band.name == level), [])
    return OrderPolicy(level=level, blocked="block_new_orders" in actions,
                       warned="warn_new_orders" in actions, notify="notify" in actions)  # fmt: skip


def check_new_order(*, config: AppConfig, supplier: Supplier) -> OrderPolicy:
    """Refuse a new order for a supplier whose level blocks them; the policy otherwise (may warn)."""
    policy = order_policy(config=config, level=supplier.level)
    if policy.blocked:
        raise DomainError("orders_blocked", supplier=supplier.name, level=policy.level)
    return policy


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("admins_only")


def _set_level(session: Session, actor: Actor, supplier: Supplier, level: str | None, reason: str, action: str,
               now: datetime) -> LevelChange:  # fmt: skip
    """An admin's level, in force at once; in the level history "" stands for no level (not classified)."""
    before = supplier.level
    change = LevelChange(supplier_id=supplier.id, from_level=before, to_level=level or "", status="set", reason=reason,
                         proposed_by=actor.user_id, proposed_at=now, decided_by=actor.user_id, decided_at=now)  # fmt: skip
    session.add(change)
    supplier.level, supplier.level_since = level, now
    session.flush()
    record_event(session=session, actor_id=actor.user_id, actor_role=actor.role, object_type="supplier",
                 object_id=supplier.id, action=action, before={"level": before},
                 after={"level": level, "reason": reason, "level_change_id": change.id})  # fmt: skip
    return change


def blacklist(
    *, session: Session, actor: Actor, supplier: Supplier, reason: str, now: datetime
) -> LevelChange:
    """An admin blacklists a supplier (new orders refused); waiting proposals for it no longer stand."""
    _admin(actor)
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("blacklist_reason")
    lock_row(session, supplier)
    if supplier.level == BLACKLIST_LEVEL:
        raise DomainError("already_blacklisted", supplier=supplier.name)
    table = LevelChange.__table__
    waiting = list(session.exec(select(LevelChange.id).where(LevelChange.supplier_id == supplier.id,
                                                             LevelChange.status == "proposed")))  # fmt: skip
    if waiting:
        session.execute(update(table).where(table.c.id.in_(waiting), table.c.status == "proposed")
                        .values(status="superseded", decided_by=actor.user_id, decided_at=now))  # fmt: skip
        for change_id in waiting:
            record_event(session=session, actor_id=actor.user_id, actor_role=actor.role, object_type="level_change",
                         object_id=change_id, action="superseded", before={"status": "proposed"},
                         after={"status": "superseded"})  # fmt: skip
    return _set_level(session, actor, supplier, BLACKLIST_LEVEL, reason, "blacklisted", now)


def reinstate(*, session: Session, actor: Actor, supplier: Supplier, now: datetime) -> LevelChange:
    """An admin lifts a blacklisting: back to the level before it (none for a supplier never classified,
    whose next evaluation then sets its first level)."""
    _admin(actor)
    lock_row(session, supplier)
    if supplier.level != BLACKLIST_LEVEL:
        raise DomainError("not_blacklisted", supplier=supplier.name)
    listed = session.exec(
        select(LevelChange).where(LevelChange.supplier_id == supplier.id, LevelChange.to_level == BLACKLIST_LEVEL)
        .order_by(LevelChange.id.desc())).first()  # fmt: skip
    return _set_level(session, actor, supplier, listed.from_level if listed else None, "", "reinstated", now)

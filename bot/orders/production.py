"""Production progress: updates from the Post update modal and from replies people just type."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import Session, select

from bot.core.actors import Actor
from bot.core.db import lock_row
from bot.core.errors import DomainError
from bot.orders.service import audit, parse_date, require_status, require_supplier_side
from models import Order, ProductionUpdate, utcnow

CAN_UPDATE = {"issued", "confirmed", "in_production", "shipped"}
_PERCENT = re.compile(r"(?<![\d.])(\d{1,3})\s*(?:%|％|percent\b|por ?ciento\b)", re.IGNORECASE)


def parse_progress(text: str, stages: list[str]) -> tuple[int, str | None] | None:
    """`60% cutting done`, `progress 60%`, `裁剪完成60%` → (60, 'cutting' or None); None if no percent."""
    found = [int(m.group(1)) for m in _PERCENT.finditer(text)]
    if len(found) != 1 or found[0] > 100:
        return None  # none, or several numbers: not a progress report we can trust
    words = set(re.findall(r"[a-z]+", text.lower()))
    stage = next((s for s in stages if s.lower() in words), None)
    return found[0], stage


def check_can_update(actor: Actor, order: Order) -> None:
    """The supplier side reports progress until the goods arrive (checked before the form opens too)."""
    require_supplier_side(actor, order)
    require_status(order, CAN_UPDATE)


def last_percent(session: Session, order_id: int) -> int | None:
    query = select(ProductionUpdate.percent).where(ProductionUpdate.order_id == order_id)
    return session.exec(query.order_by(ProductionUpdate.id.desc()).limit(1)).first()


def record_update(
    *,
    session: Session,
    actor: Actor,
    order: Order,
    percent: str | int | None,
    stage: str | None,
    eta: str | date | None,
    note: str,
    stages: list[str],
    shipped_stage: str,
    source: str = "button",
    message_ts: str | None = None,
) -> ProductionUpdate:
    """A supplier's progress report; moves the order into production (or shipped)."""
    lock_row(session, order)
    check_can_update(actor, order)
    try:
        value = int(str(percent).strip())
    except (TypeError, ValueError):
        raise DomainError("percent_range", value=percent or "") from None
    if not 0 <= value <= 100:
        raise DomainError("percent_range", value=value)
    if stage is not None and stage not in stages:
        raise DomainError("unknown_stage", stage=stage, stages=", ".join(stages))
    previous = last_percent(session, order.id)
    if previous is not None and value < previous and not note.strip():
        raise DomainError("percent_lower", value=value, previous=previous)
    update = ProductionUpdate(
        order_id=order.id, percent=value, stage=stage, eta=parse_date(eta, "eta") if eta else None,
        note=note.strip()[:2000], source=source, author_id=actor.user_id, message_ts=message_ts,
    )  # fmt: skip
    session.add(update)
    before = {"status": order.status, "progress": order.progress_percent, "stage": order.stage}
    order.progress_percent, order.stage = value, stage or order.stage
    order.eta = update.eta or order.eta
    if stage == shipped_stage:
        order.status = "shipped"
    elif order.status in ("issued", "confirmed") and value > 0:
        order.status = "in_production"
    order.updated_at = utcnow()
    session.flush()
    audit(session, actor, order, "progress", before,
          {"status": order.status, "progress": value, "stage": order.stage, "source": source})  # fmt: skip
    return update

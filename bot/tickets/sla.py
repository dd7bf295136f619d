"""Service-level targets: when a first response and a resolution are due, in business or calendar hours.

A supplier's relationship may shorten its targets and set its own work week: a policy registered by the
composition root (`register_supplier_sla`), so that tickets import no other domain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.config import AppConfig, BusinessHours, SlaTarget


def add_hours(start: datetime, hours: float, business: bool, bh: BusinessHours, zone: str) -> datetime:
    """`start` plus `hours`, counting only business hours (in `zone`) when `business` is set."""
    if not business:
        return start + timedelta(hours=hours)
    tz = ZoneInfo(zone)
    remaining = timedelta(hours=hours)
    moment = start.astimezone(tz)
    while True:
        day = moment.date()
        opens = datetime.combine(day, time(bh.start), tz)
        closes = datetime.combine(day, time(0), tz) + timedelta(hours=bh.end)
        if day.weekday() not in bh.weekdays or moment >= closes:
            moment = datetime.combine(day + timedelta(days=1), time(bh.start), tz)
            continue
        moment = max(moment, opens)
        if remaining <= closes - moment:
            return (moment + remaining).astimezone(UTC)
        remaining -= closes - moment
        moment = datetime.combine(day + timedelta(days=1), time(bh.start), tz)


def due_times(opened: datetime, target: SlaTarget, bh: BusinessHours, zone: str) -> tuple[datetime, datetime]:
    """(first response due, resolution due) for a ticket opened at `opened`."""
    return (
        add_hours(opened, target.first_response_hours, target.business_hours, bh, zone),
        add_hours(opened, target.resolution_hours, target.business_hours, bh, zone),
    )


@dataclass(frozen=True)
class SupplierSla:
    """How one supplier's relationship changes its ticket SLAs: targets multiplied by `factor`, business
    days `weekdays` (0 = Monday) instead of the configured ones when given."""

    factor: float = 1.0
    weekdays: tuple[int, ...] | None = None


SupplierSlaPolicy = Callable[[Session, int, AppConfig], SupplierSla]
_policies: list[SupplierSlaPolicy] = []


def register_supplier_sla(policy: SupplierSlaPolicy) -> None:
    """Let another domain adjust each supplier's SLAs (called once by the composition root)."""
    if policy not in _policies:
        _policies.append(policy)


def supplier_sla(session: Session, supplier_id: int, config: AppConfig) -> SupplierSla:
    """The supplier's adjustment (the last registered policy's; none: the configured SLAs as they are)."""
    return _policies[-1](session, supplier_id, config) if _policies else SupplierSla()


def supplier_due_times(
    session: Session, supplier_id: int, opened: datetime, severity: str, config: AppConfig
) -> tuple[datetime, datetime]:
    """(first response due, resolution due) of a ticket of this supplier opened at `opened`."""
    adjust = supplier_sla(session, supplier_id, config)
    base = config.tickets.sla[severity]
    target = base.model_copy(update={"first_response_hours": base.first_response_hours * adjust.factor,
                                     "resolution_hours": base.resolution_hours * adjust.factor})  # fmt: skip
    hours = config.tickets.business_hours
    if adjust.weekdays:
        hours = hours.model_copy(update={"weekdays": list(adjust.weekdays)})
    return due_times(opened, target, hours, hours.timezone or config.default_timezone)

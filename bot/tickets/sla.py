"""Service-level targets: when a first response and a resolution are due, in business or calendar hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import BusinessHours, SlaTarget


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

"""Scorecard periods: calendar months or quarters, their boundaries in the configured time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Period:
    """A period's first and last day (both inclusive) and, in UTC, the instants it starts and ends at."""

    kind: str  # month | quarter
    start: date
    end: date
    starts_at: datetime
    ends_at: datetime  # exclusive: the next period's first instant

    @property
    def key(self) -> str:
        """A stable name for claims and logs, e.g. `month:2026-08-01`."""
        return f"{self.kind}:{self.start.isoformat()}"


def _first_day(day: date, kind: str) -> date:
    month = day.month if kind == "month" else 3 * ((day.month - 1) // 3) + 1
    return date(day.year, month, 1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_starting(start: date, kind: str, zone: str) -> Period:
    """The period of `kind` that starts on `start` (its first day), with `zone`'s midnights as bounds."""
    if kind not in ("month", "quarter"):
        raise ValueError(f"unknown period {kind!r}")
    following = _add_months(start, 1 if kind == "month" else 3)
    tz = ZoneInfo(zone)
    return Period(
        kind=kind,
        start=start,
        end=following - timedelta(days=1),
        starts_at=datetime.combine(start, time(0), tz).astimezone(UTC),
        ends_at=datetime.combine(following, time(0), tz).astimezone(UTC),
    )


def period_containing(moment: datetime, kind: str, zone: str) -> Period:
    """The period of `kind` that `moment` falls in, by its local date in `zone`."""
    return period_starting(_first_day(moment.astimezone(ZoneInfo(zone)).date(), kind), kind, zone)


def last_complete_period(moment: datetime, kind: str, zone: str) -> Period:
    """The last period of `kind` that had ended by `moment` (at `moment` itself when it is a boundary)."""
    current = period_containing(moment, kind, zone)
    return period_starting(_add_months(current.start, -1 if kind == "month" else -3), kind, zone)

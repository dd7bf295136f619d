"""SLA due times in business hours (per zone, skipping nights and weekends) and in calendar hours."""

from datetime import UTC, datetime

import pytest

from bot.config import BusinessHours, SlaTarget
from bot.tickets.sla import add_hours, due_times

HOURS = BusinessHours(start=9, end=18, weekdays=[0, 1, 2, 3, 4])


@pytest.mark.parametrize(
    ("opened", "hours", "zone", "due"),
    [
        (
            datetime(2026, 11, 20, 16, 0, tzinfo=UTC),
            8,
            "UTC",
            datetime(2026, 11, 23, 15, 0, tzinfo=UTC),
        ),  # Fri → Mon
        (
            datetime(2026, 11, 21, 10, 0, tzinfo=UTC),
            2,
            "UTC",
            datetime(2026, 11, 23, 11, 0, tzinfo=UTC),
        ),  # Sat → Mon
        (
            datetime(2026, 11, 23, 6, 0, tzinfo=UTC),
            1,
            "UTC",
            datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
        ),  # before 9
        (
            datetime(2026, 11, 23, 7, 0, tzinfo=UTC),
            1,
            "Asia/Shanghai",
            datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
        ),
        (
            datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
            9,
            "UTC",
            datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
        ),  # whole day
    ],
)
def test_business_hours(opened, hours, zone, due):
    assert add_hours(opened, hours, True, HOURS, zone) == due


def test_calendar_hours_ignore_nights_and_weekends():
    opened = datetime(2026, 11, 21, 23, 0, tzinfo=UTC)  # Saturday night
    assert add_hours(opened, 4, False, HOURS, "UTC") == datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def test_due_times_per_target():
    target = SlaTarget(first_response_hours=2, resolution_hours=18, business_hours=True)
    first, resolution = due_times(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), target, HOURS, "UTC")
    assert (first, resolution) == (
        datetime(2026, 11, 23, 11, 0, tzinfo=UTC),
        datetime(2026, 11, 24, 18, 0, tzinfo=UTC),
    )

"""Working days and send times of digest recipients (pure rules: no database, no Slack)."""

from datetime import UTC, date, datetime, time

from bot.digests.recipients import Recipient


def _supplier(country, zone, clock=time(9)):
    return Recipient(
        key="C0X", kind="supplier", locale="en", zone=zone, clock=clock, country=country, weekdays=None
    )


def test_a_countrys_own_weekend_is_skipped():
    dhaka = _supplier("BD", "Asia/Dhaka")  # Friday and Saturday off
    friday, sunday = (
        datetime(2026, 9, 4, 6, tzinfo=UTC),
        datetime(2026, 9, 6, 6, tzinfo=UTC),
    )  # 12:00 in Dhaka
    assert dhaka.due_day(friday, working_days_only=True) is None
    assert dhaka.due_day(sunday, working_days_only=True) == date(2026, 9, 6)
    assert dhaka.due_day(friday, working_days_only=False) == date(2026, 9, 4)


def test_the_local_day_is_the_recipients_not_utcs():
    auckland = _supplier("NZ", "Pacific/Auckland")
    # 21:30 UTC on Sunday is 09:30 on Monday in Auckland (NZST, +12).
    assert auckland.due_day(datetime(2026, 6, 7, 21, 30, tzinfo=UTC), working_days_only=True) == date(
        2026, 6, 8
    )
    assert auckland.due_day(datetime(2026, 6, 7, 20, 59, tzinfo=UTC), working_days_only=True) is None


def test_a_buyers_chosen_days_replace_the_working_week():
    buyer = Recipient(key="U0X", kind="buyer", locale="en", zone="Europe/Berlin", clock=time(7), country=None,
                      weekdays=frozenset({5}))  # fmt: skip
    saturday, monday = datetime(2026, 9, 5, 5, tzinfo=UTC), datetime(2026, 9, 7, 5, tzinfo=UTC)
    assert buyer.due_day(saturday, working_days_only=True) == date(2026, 9, 5)
    assert buyer.due_day(monday, working_days_only=True) is None

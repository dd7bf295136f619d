"""When a recipient's digest is due: its local send time on a working day of its country, in its zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

SATURDAY_SUNDAY = frozenset({5, 6})
WORKING_WEEK = frozenset(range(5))


def parse_clock(value: str) -> time:
    """`HH:MM` as a time of day."""
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def zone_or_utc(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def send_moment(local_day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC instant the wall clock of `zone` shows `clock` on `local_day` (exact across daylight-saving
    changes and for half-hour zones). A wall time a jump skips is taken as many minutes after the jump;
    one shown twice is sent the first time."""
    return datetime.combine(local_day, clock, zone).astimezone(UTC)


# Our catalogs' locales → the holidays package's language codes.
HOLIDAY_LANGUAGES = {"en": "en_US", "zh_CN": "zh_CN", "es": "es", "vi": "vi", "tr": "tr", "de": "de",
                     "pt_BR": "pt_BR", "hi": "hi"}  # fmt: skip


@cache
def _calendar(country: str, year: int, locale: str | None = None):
    try:
        calendar = holidays.country_holidays(country, years=[year])
    except NotImplementedError:
        return None
    language = _closest(HOLIDAY_LANGUAGES.get(locale or ""), getattr(calendar, "supported_languages", ()))
    if language:
        calendar = holidays.country_holidays(country, years=[year], language=language)
    return calendar


def _closest(language: str | None, supported: tuple[str, ...]) -> str | None:
    """`language` if the calendar has it, else the same language's other variant (pt_BR reads pt_PT)."""
    if not language or language in supported:
        return language
    return next((s for s in supported if s.split("_")[0] == language.split("_")[0]), None)


def weekend_of(country: str | None) -> frozenset[int]:
    """The weekend days (0 = Monday) of a country, as the holidays package knows them; else Sat-Sun."""
    calendar = _calendar(country.upper(), 2026) if country else None
    return frozenset(calendar.weekend) if calendar is not None else SATURDAY_SUNDAY


def holiday_name(country: str | None, day: date, locale: str | None = None) -> str | None:
    """The public holiday on `day` in `country`, if any (named in `locale` where the package can)."""
    calendar = _calendar(country.upper(), day.year, locale) if country else None
    return calendar.get(day) if calendar is not None else None


def is_working_day(day: date, *, country: str | None, weekdays: frozenset[int] | None = None) -> bool:
    """Not a weekend day (`weekdays`: the days worked, default the country's week) nor a public holiday."""
    worked = weekdays if weekdays is not None else frozenset(range(7)) - weekend_of(country)
    return day.weekday() in worked and holiday_name(country, day) is None


def holidays_between(
    country: str | None, first: date, last: date, locale: str | None = None
) -> list[tuple[date, str]]:
    """Public holidays of `country` from `first` to `last`, both included, named in `locale`."""
    if not country or last < first:
        return []
    found, day = [], first
    while day <= last:
        name = holiday_name(country, day, locale)
        if name:
            found.append((day, name))
        day += timedelta(days=1)
    return found

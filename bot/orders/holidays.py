"""Public holidays on or just before a due date, in the supplier's country (the `holidays` package)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays

# Our catalogs' locales → the `holidays` package's language codes.
LANGUAGES = {
    "en": "en_US",
    "zh_CN": "zh_CN",
    "es": "es",
    "vi": "vi",
    "tr": "tr",
    "de": "de",
    "pt_BR": "pt_BR",
    "hi": "hi",
}


@cache
def _calendar(country: str, year: int, language: str | None):
    try:
        calendar = holidays.country_holidays(country, years=[year - 1, year, year + 1])
    except NotImplementedError:
        return None
    language = _closest(language, getattr(calendar, "supported_languages", ()))
    if language:
        calendar = holidays.country_holidays(country, years=[year - 1, year, year + 1], language=language)
    return calendar


def _closest(language: str | None, supported: tuple[str, ...]) -> str | None:
    """`language` if the calendar has it, else the same language's other variant (pt_BR reads pt_PT)."""
    if not language or language in supported:
        return language
    return next((s for s in supported if s.split("_")[0] == language.split("_")[0]), None)


def holidays_near(country: str, due: date, working_days: int, locale: str) -> list[tuple[date, str]]:
    """Holidays on `due` or on the `working_days` weekdays before it, named in `locale` where known."""
    calendar = _calendar(country.upper(), due.year, LANGUAGES.get(locale))
    if calendar is None:
        return []
    days, day = [due], due
    while len(days) <= working_days:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return [(d, calendar.get(d)) for d in sorted(days) if d in calendar]

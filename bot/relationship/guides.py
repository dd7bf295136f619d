"""Country guides as facts: the work week, holiday periods ahead, languages, date format and what people
wrote (guide_data). `holidays_ahead` is what a digest asks before a supplier's holiday period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import holidays
from babel.dates import get_date_format
from sqlmodel import Session

from bot.core import geo
from bot.relationship.guide_data import GUIDES, GuideText
from models import Supplier

# Our catalogs' locales → the `holidays` package's languages (English when a country has none of them).
HOLIDAY_LANGUAGES = {"en": "en_US", "zh_CN": "zh_CN", "es": "es"}


@dataclass(frozen=True)
class HolidayPeriod:
    """Public holidays on consecutive working days (weekends between them included)."""

    start: date
    end: date
    names: tuple[str, ...]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@cache
def _calendar(country: str, years: tuple[int, ...], language: str | None):
    try:
        calendar = holidays.country_holidays(country, years=list(years))
    except NotImplementedError:
        return None
    supported = getattr(calendar, "supported_languages", ())
    for wanted in (language, "en_US"):
        if wanted and wanted in supported:
            return holidays.country_holidays(country, years=list(years), language=wanted)
    return calendar


def holiday_periods(country: str, start: date, days: int, locale: str = "en") -> list[HolidayPeriod]:
    """The country's public holidays from `start` for `days` days, joined into periods (named in `locale`
    where the calendar has it, else in English)."""
    end = start + timedelta(days=days - 1)
    calendar = _calendar(
        country.upper(), tuple(range(start.year, end.year + 1)), HOLIDAY_LANGUAGES.get(locale)
    )
    if calendar is None:
        return []
    weekend = geo.weekend_days(country) or frozenset({5, 6})
    found = sorted((d, name) for d, name in calendar.items() if start <= d <= end)
    periods: list[HolidayPeriod] = []
    for day, name in found:
        last = periods[-1] if periods else None
        gap = [last.end + timedelta(days=n) for n in range(1, (day - last.end).days)] if last else None
        if last is not None and all(d.weekday() in weekend for d in gap):
            names = last.names + tuple(n for n in name.split("; ") if n not in last.names)
            periods[-1] = HolidayPeriod(last.start, day, names)
        else:
            periods.append(HolidayPeriod(day, day, tuple(name.split("; "))))
    return periods


def holidays_ahead(*, session: Session, supplier_id: int, start: date, days: int = 14,
                   locale: str = "en") -> list[HolidayPeriod]:  # fmt: skip
    """The supplier country's holiday periods starting within `days` days of `start` (for the buyers'
    digest: a period that has begun is included while it lasts)."""
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        return []
    # Read a margin either side, so that a period is whole even where `start` or the horizon cuts it.
    periods = holiday_periods(supplier.country, start - timedelta(days=30), days + 60, locale)
    return [p for p in periods if p.end >= start and p.start < start + timedelta(days=days)]


@dataclass(frozen=True)
class CountryFacts:
    country: str
    working_days: tuple[int, ...] | None  # 0 = Monday
    timezone: str | None
    date_locale: str  # whose CLDR date format the country uses
    date_order: str  # dmy | mdy | ymd
    text: GuideText | None

    @property
    def languages(self) -> tuple[str, ...]:
        """The guide's languages, else the country's main official one (CLDR)."""
        return self.text.languages if self.text else (self.date_locale.split("_")[0],)


def date_order(locale: str) -> str:
    """The order of day, month and year in the locale's short date format."""
    pattern = get_date_format("short", locale=locale).pattern
    positions = sorted((pattern.find(c), c) for c in "dMy" if pattern.find(c) >= 0)
    return "".join(c for _, c in positions).lower() or "dmy"


def country_facts(country: str) -> CountryFacts:
    country = country.upper()
    locale = geo.default_locale(country)
    return CountryFacts(country=country, working_days=geo.work_week(country), timezone=geo.default_timezone(country),
                        date_locale=locale, date_order=date_order(locale), text=GUIDES.get(country))  # fmt: skip


@dataclass(frozen=True)
class SupplierGuide:
    supplier: Supplier
    facts: CountryFacts
    periods: list[HolidayPeriod]


def guide_of(supplier: Supplier, locale: str) -> SupplierGuide:
    """The guide to a supplier's country, with its holiday periods of the next 12 months."""
    start = geo.today_in(supplier.timezone)
    return SupplierGuide(
        supplier, country_facts(supplier.country), holiday_periods(supplier.country, start, 365, locale)
    )

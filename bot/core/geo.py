"""Countries, their default locale and time zone (CLDR data shipped with Babel, tzdb from tzdata)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays
from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.languages import get_official_languages

# Countries whose first tzdb zone is not where most people (and factories) are.
MAIN_ZONE = {
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "UZ": "Asia/Tashkent",
    "CL": "America/Santiago",
    "ID": "Asia/Jakarta",
}


@cache
def countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes that CLDR knows (regions like 001 and placeholders like ZZ left out)."""
    names = Locale("en").territories
    return frozenset(
        c for c in names if len(c) == 2 and c.isalpha() and c not in {"ZZ", "EU", "EZ", "UN", "QO"}
    )


def is_country(code: str) -> bool:
    return code.upper() in countries()


# Countries whose suppliers do business in another official language than CLDR's first one: across
# India's states, purchase orders and supplier correspondence are in English (Hindi stays one `locale=` away).
BUSINESS_LOCALE = {"IN": "en_IN"}


def default_locale(country: str) -> str:
    """The country's main business language as a locale id, e.g. CN → zh_CN, MX → es_MX, IN → en_IN."""
    country = country.upper()
    if country in BUSINESS_LOCALE:
        return BUSINESS_LOCALE[country]
    for language in get_official_languages(country, de_facto=True):
        try:
            parsed = Locale.parse(f"{language.split('_')[0]}_{country}")
        except (ValueError, UnknownLocaleError):
            continue
        return f"{parsed.language}_{country}"
    return "en"


@cache
def _zone_tab() -> dict[str, str]:
    first: dict[str, str] = {}
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            country, _coords, zone = line.split("\t")[:3]
            first.setdefault(country, zone)
    return first


def default_timezone(country: str) -> str | None:
    """The zone most of the country lives in, or None when CLDR and tzdb know none."""
    country = country.upper()
    zones = get_global("territory_zones").get(country, [])
    return MAIN_ZONE.get(country) or _zone_tab().get(country) or (zones[0] if zones else None)


def normalise_locale(code: str) -> str | None:
    """A valid locale id such as `es_MX`, or None."""
    try:
        parsed = Locale.parse(code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None
    return f"{parsed.language}_{parsed.territory}" if parsed.territory else parsed.language


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_timezone(name: str) -> bool:
    if name not in _zones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def today_in(*zones: str | None) -> date:
    """Today's date in the first of `zones` that is a known IANA zone (UTC when none is)."""
    zone = next((z for z in zones if z and is_timezone(z)), None)
    return datetime.now(ZoneInfo(zone) if zone else UTC).date()


@cache
def weekend_days(country: str) -> frozenset[int] | None:
    """The country's weekend days (0 = Monday) as the `holidays` package knows them, e.g. Friday and
    Saturday in Bangladesh; None when it does not know the country."""
    try:
        return frozenset(holidays.country_holidays(country.upper()).weekend)
    except NotImplementedError:
        return None


def work_week(country: str) -> tuple[int, ...] | None:
    """The country's working days (0 = Monday), or None when its weekend is not known."""
    weekend = weekend_days(country)
    return None if weekend is None else tuple(d for d in range(7) if d not in weekend)

"""Translations (gettext catalogs in locales/), the current reader's locale, and Babel formatting.

The current locale lives in a ContextVar set per request or per recipient with `use_locale(...)`.
Catalogs are read from the committed .po files and compiled in memory on first use: no manual step.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy, NullTranslations, Translations

from bot.config import SUPPORTED_LOCALES

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DEFAULT_LOCALE = "en"

_current: ContextVar[str] = ContextVar("srm_locale", default=DEFAULT_LOCALE)


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalog for one supported locale (English is the source language)."""
    po_path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT_LOCALE or not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def current_locale() -> str:
    return _current.get()


@contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Render everything inside the block for a reader of `locale` (a supported one)."""
    token = _current.set(supported_locale(locale) or DEFAULT_LOCALE)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def lazy_gettext(message: str) -> LazyProxy:
    """For strings defined before the reader is known; call str() on it before sending it anywhere."""
    return LazyProxy(gettext, message, enable_cache=False)


_ = gettext


@cache
def supported_locale(code: str | None) -> str | None:
    """Map any locale code (Slack's `zh-CN`, Babel's `es_MX`, `zh_Hans_CN`) to a catalog we ship, or None."""
    if not code:
        return None
    try:
        parsed = Locale.parse(code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None
    # One catalog per language: every Chinese reads zh_CN, every Portuguese (pt_PT included) pt_BR.
    if parsed.language == "zh":
        return "zh_CN"
    if parsed.language == "pt":
        return "pt_BR"
    return parsed.language if parsed.language in SUPPORTED_LOCALES else None


def resolve_locale(candidates: Iterable[str | None], default: str = DEFAULT_LOCALE) -> str:
    """The first candidate we have a catalog for (reader's Slack locale → supplier's → app default)."""
    for candidate in candidates:
        found = supported_locale(candidate)
        if found:
            return found
    return supported_locale(default) or DEFAULT_LOCALE


def format_date(value: date, fmt: str = "medium") -> str:
    return babel_dates.format_date(value, format=fmt, locale=_locale(_current.get()))


def format_month(value: date) -> str:
    """A month and year as the reader writes it (August 2026, agosto de 2026, 2026年8月)."""
    return babel_dates.format_skeleton("yMMMM", value, locale=_current.get())


def format_datetime(value: datetime, tz: str | None = None, fmt: str = "medium") -> str:
    """An aware datetime shown in the reader's zone and locale."""
    zone = ZoneInfo(tz) if tz else None
    return babel_dates.format_datetime(value, format=fmt, tzinfo=zone, locale=_locale(_current.get()))


def format_decimal(value: float | int) -> str:
    return babel_numbers.format_decimal(value, locale=_locale(_current.get()))


def territory_name(code: str) -> str:
    """A country's name in the reader's language."""
    return _locale(_current.get()).territories.get(code.upper(), code.upper())


@cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def language_name(locale_code: str) -> str:
    return _language_name(locale_code, _current.get())


@cache
def _language_name(locale_code: str, reader: str) -> str:
    try:
        return Locale.parse(locale_code).get_display_name(reader) or locale_code
    except (ValueError, UnknownLocaleError):
        return locale_code

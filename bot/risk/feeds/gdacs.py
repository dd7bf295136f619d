"""GDACS disaster alerts (RSS): orange and red events and the countries they name."""

from __future__ import annotations

import logging
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache

from babel import Locale
from babel.core import get_global

from bot.risk.feeds import FeedError

log = logging.getLogger(__name__)
NS = {"gdacs": "http://www.gdacs.org"}
SEVERITY = {"orange": "medium", "red": "high"}  # green is ignored

# Names GDACS uses that differ from CLDR's English names.
_ALIASES = {
    "viet nam": "VN", "turkey": "TR", "korea, republic of": "KR", "republic of korea": "KR",
    "korea, democratic people's republic of": "KP", "iran, islamic republic of": "IR", "myanmar": "MM",
    "burma": "MM", "russian federation": "RU", "syrian arab republic": "SY", "lao people's democratic republic":
    "LA", "laos": "LA", "united states of america": "US", "united states": "US", "czech republic": "CZ",
    "democratic republic of the congo": "CD", "congo, the democratic republic of the": "CD", "congo": "CG",
    "taiwan, province of china": "TW", "tanzania, united republic of": "TZ", "bolivia, plurinational state of":
    "BO", "venezuela, bolivarian republic of": "VE", "moldova, republic of": "MD", "cote d'ivoire": "CI",
    "hong kong": "HK", "macao": "MO", "brunei darussalam": "BN", "cape verde": "CV", "swaziland": "SZ",
}  # fmt: skip


@dataclass(frozen=True)
class Disaster:
    key: str  # e.g. TC1000643
    title: str
    event_type: str
    severity: str
    countries: frozenset[str]  # ISO 3166-1 alpha-2
    link: str


def _plain(name: str) -> str:
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", name.replace("&", "and")).strip().casefold()


@cache
def _names() -> dict[str, str]:
    names = {
        _plain(n): code for code, n in Locale("en").territories.items() if re.fullmatch(r"[A-Z]{2}", code)
    }
    return names | _ALIASES


def country_code(name: str) -> str | None:
    """ISO alpha-2 of a country as GDACS names it (English), or None when unknown."""
    return _names().get(_plain(name))


def _iso3(code: str) -> str | None:
    found = get_global("territory_aliases").get(code.strip().upper())
    return found[0] if found and len(found) == 1 else None


def _text(item: ET.Element, tag: str) -> str:
    found = item.find(tag, NS)
    return (found.text or "").strip() if found is not None else ""


def parse(content: bytes) -> tuple[list[Disaster], list[str]]:
    """Orange and red events of the feed, and the reasons some parts were skipped (unknown countries)."""
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise FeedError(f"not XML: {exc}") from None
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise FeedError("not an RSS feed")
    events, skipped = [], []
    for item in channel.findall("item"):
        severity = SEVERITY.get(_text(item, "gdacs:alertlevel").casefold())
        if severity is None:
            continue
        countries = set()
        for name in filter(None, (n.strip() for n in _text(item, "gdacs:country").split(","))):
            code = country_code(name)
            if code is None:
                skipped.append(f"unknown country {name!r}")
            else:
                countries.add(code)
        for code in filter(None, (c.strip() for c in _text(item, "gdacs:iso3").split(","))):
            if found := _iso3(code):
                countries.add(found)
        event_type, event_id = _text(item, "gdacs:eventtype"), _text(item, "gdacs:eventid")
        if not event_id:
            skipped.append("an event without gdacs:eventid")
            continue
        events.append(Disaster(key=f"{event_type}{event_id}", title=_text(item, "title")[:300],
                               event_type=event_type, severity=severity, countries=frozenset(countries),
                               link=_text(item, "link")))  # fmt: skip
    for reason in skipped:
        log.warning("GDACS feed: %s", reason)
    return events, skipped

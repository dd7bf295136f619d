"""ECB euro reference rates (daily or history XML): 1 EUR = rate units of each currency, per day."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from bot.risk.feeds import FeedError


def parse(content: bytes) -> dict[date, dict[str, float]]:
    """Rates by day and currency; a file without any dated rates is refused."""
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise FeedError(f"not XML: {exc}") from None
    days: dict[date, dict[str, float]] = {}
    for cube in root.iter():
        if not cube.tag.endswith("Cube") or "time" not in cube.attrib:
            continue
        try:
            day = date.fromisoformat(cube.attrib["time"])
        except ValueError:
            raise FeedError(f"bad date {cube.attrib['time']!r}") from None
        rates = days.setdefault(day, {})
        for child in cube:
            try:
                rates[child.attrib["currency"].upper()] = float(child.attrib["rate"])
            except (KeyError, ValueError):
                continue
    if not any(days.values()):
        raise FeedError("no euro reference rates in the file")
    return days

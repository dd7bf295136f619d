"""What a digest says: sections of lines, each rendered in the reader's language and zone.

Buyers' sections are the same for every buyer (they read the whole portfolio) and are computed once per
run and local day; suppliers' sections are computed for all due suppliers at once and keyed by supplier.
Other domains add sections from the composition root (`register_buyer_section`,
`register_supplier_section`): this package imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.config import AppConfig


@dataclass(frozen=True)
class Reader:
    """Who a line is rendered for: their zone and local day (the locale is the current one)."""

    zone: ZoneInfo
    today: date
    now: datetime


@dataclass(frozen=True)
class Line:
    """One item: `render(reader)` gives its mrkdwn text in the current locale."""

    render: Callable[[Reader], str]


@dataclass(frozen=True)
class Section:
    """A titled list of lines. A section that does not `count` (a scorecard reminder) is shown only
    next to others: alone it is not worth a message."""

    key: str
    title: Callable[[], str]
    lines: list[Line]
    counts: bool = True
    total: int | None = None  # how many items there are, when `lines` holds only the first ones

    @property
    def size(self) -> int:
        return self.total if self.total is not None else len(self.lines)


@dataclass(frozen=True)
class SupplierTarget:
    """A supplier whose channel digest is being composed."""

    id: int
    name: str
    country: str
    locale: str
    zone: str
    today: date


@dataclass
class Composition:
    """What a run knows while composing: the transaction, its time, the policy and how to link messages."""

    session: Session
    now: datetime
    config: AppConfig
    links: Links
    cache: dict = field(default_factory=dict)


class Links:
    """Links to messages, built without asking Slack (the workspace URL comes from auth.test, asked
    before any transaction); without it, items are shown without links."""

    def __init__(self, workspace_url: str | None):
        self.base = workspace_url.rstrip("/") + "/" if workspace_url else None

    def message(self, channel: str | None, ts: str | None, thread_ts: str | None = None) -> str | None:
        if not (self.base and channel and ts):
            return None
        url = f"{self.base}archives/{channel}/p{ts.replace('.', '')}"
        return f"{url}?thread_ts={thread_ts}&cid={channel}" if thread_ts and thread_ts != ts else url


BuyerSection = Callable[[Composition, date], "Section | None"]
SupplierSection = Callable[[Composition, Sequence[SupplierTarget]], "dict[int, Section]"]

_BUYER_SECTIONS: list[BuyerSection] = []
_SUPPLIER_SECTIONS: list[SupplierSection] = []


def register_buyer_section(section: BuyerSection) -> None:
    """Add a section to every buyer's digest: `section(composition, local_day)` → Section or None."""
    if section not in _BUYER_SECTIONS:
        _BUYER_SECTIONS.append(section)


def register_supplier_section(section: SupplierSection) -> None:
    """Add a section to suppliers' digests: `section(composition, targets)` → {supplier id: Section}."""
    if section not in _SUPPLIER_SECTIONS:
        _SUPPLIER_SECTIONS.append(section)


def buyer_sections(composition: Composition, day: date) -> list[Section]:
    """The buyers' sections for a local day (computed once per run and day)."""
    key = ("buyers", day)
    if key not in composition.cache:
        found = (provider(composition, day) for provider in _BUYER_SECTIONS)
        composition.cache[key] = [s for s in found if s is not None and s.lines]
    return composition.cache[key]


def supplier_sections(
    composition: Composition, targets: Sequence[SupplierTarget]
) -> dict[int, list[Section]]:
    """Each target supplier's sections, every provider asked once for all of them."""
    sections: dict[int, list[Section]] = {t.id: [] for t in targets}
    for provider in _SUPPLIER_SECTIONS:
        for supplier_id, section in provider(composition, targets).items():
            if section.lines and supplier_id in sections:
                sections[supplier_id].append(section)
    return sections


def worth_sending(sections: list[Section]) -> int:
    """How many items the digest reports; 0: nothing to say, no digest."""
    return sum(s.size for s in sections if s.counts)

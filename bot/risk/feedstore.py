"""The feeds' state in the database: validators for the next conditional GET, the last good copy, the
euro rates as fetched, and whether the admins were told that a feed went stale (once per outage)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from bot.core.upsert import insert_or_ignore
from bot.risk.feeds import FeedError
from bot.risk.feeds.fetch import Fetched
from models import FxRate, RiskFeed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedState:
    """What is known of a feed for the next fetch."""

    url: str
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class FeedOutcome:
    """What the signals use from one feed: parsed content (new or the last good copy), or None; `error` is
    why the fresh copy could not be used; `notify` when the admins must be told now."""

    kind: str
    url: str
    parsed: Any
    error: str = ""
    notify: bool = False
    stale_since: datetime | None = None


def states(session: Session, urls: list[str]) -> dict[str, FeedState]:
    rows = session.exec(select(RiskFeed).where(RiskFeed.url.in_(urls or [""])))
    # Without a stored copy a 304 would leave nothing to use: ask for the whole file then.
    return {
        f.url: FeedState(f.url, f.etag if f.body else None, f.last_modified if f.body else None) for f in rows
    }


def _feed(session: Session, kind: str, url: str) -> RiskFeed:
    insert_or_ignore(
        session, RiskFeed, {"url": url, "kind": kind, "error": "", "stale_notified": False}, ["url"]
    )
    return session.exec(select(RiskFeed).where(RiskFeed.url == url).with_for_update()).one()


def store_rates(session: Session, days: dict, now: datetime) -> int:
    """Keep every rate of the file not kept yet (a rate once fetched is never changed), in bulk."""
    currencies = sorted({currency for rates in days.values() for currency in rates})
    kept = set(
        session.exec(select(FxRate.currency, FxRate.day).where(FxRate.currency.in_(currencies or [""])))
    )
    rows = [{"currency": currency, "day": day, "rate": rate, "fetched_at": now}
            for day, rates in days.items() for currency, rate in rates.items() if (currency, day) not in kept]  # fmt: skip
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(FxRate.__table__).on_conflict_do_nothing(index_elements=["currency", "day"])
    for start in range(0, len(rows), 5000):
        session.execute(statement, rows[start : start + 5000])
    return len(rows)


def record(
    session: Session, kind: str, fetched: Fetched, parse: Callable[[bytes], Any], now: datetime
) -> FeedOutcome:
    """Store a fetch's outcome and say what to use: the new copy, else the last good one."""
    feed = _feed(session, kind, fetched.url)
    feed.checked_at = now
    if fetched.content is not None or (not fetched.error and feed.body is not None):
        body = fetched.content.decode("utf-8", "replace") if fetched.content is not None else None
        changed = body is not None and body != feed.body
        if changed:
            feed.body, feed.fetched_at = body, now
        feed.etag, feed.last_modified = fetched.etag, fetched.last_modified
        feed.error, feed.stale_since, feed.stale_notified = "", None, False
        parsed = (
            fetched.parsed if fetched.parsed is not None else _last_good(feed, parse)
        )  # 304: the kept copy
        if kind == "fx" and changed:
            store_rates(session, parsed, now)
        return FeedOutcome(kind, fetched.url, parsed)
    error = fetched.error or "no copy"
    log.warning("risk feed %s: %s; using the last good copy%s", fetched.url, error,
                "" if feed.body else " (there is none yet)")  # fmt: skip
    feed.error, feed.stale_since = error, feed.stale_since or now
    session.flush()
    notify = bool(session.execute(
        update(RiskFeed).where(RiskFeed.id == feed.id, RiskFeed.stale_notified.is_(False)).values(stale_notified=True)
    ).rowcount)  # fmt: skip
    return FeedOutcome(kind, fetched.url, _last_good(feed, parse), error, notify, feed.stale_since)


def _last_good(feed: RiskFeed, parse: Callable[[bytes], Any]) -> Any:
    if not feed.body:
        return None
    try:
        return parse(feed.body.encode("utf-8"))
    except FeedError as exc:  # kept only after parsing once: a parser that changed since
        log.warning("risk feed %s: the stored copy no longer parses: %s", feed.url, exc)
        return None

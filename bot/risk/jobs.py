"""The `risk` job: fetch the feeds (outside any transaction), then in one transaction store what came,
evaluate every signal as of the given moment, bring the alerts in line and queue what they cause."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.config import AppConfig
from bot.core.db import read_scope, session_scope
from bot.core.scheduler import Job, JobContext
from bot.risk import feedstore, flows, service, signals
from bot.risk.feeds import fx, gdacs, sanctions
from bot.risk.feeds.fetch import fetch

log = logging.getLogger(__name__)
JOB_NAME = "risk"
Parser = Callable[[bytes], Any]


def feeds(config: AppConfig) -> list[tuple[str, str, Parser]]:
    """(kind, url, parser) of every configured feed."""
    urls = config.risk.feeds
    found: list[tuple[str, str, Parser]] = []
    if urls.gdacs_url:
        found.append(("gdacs", urls.gdacs_url, gdacs.parse))
    found += [("sanctions", url, sanctions.parse) for url in urls.sanctions_urls]
    if urls.fx_url:
        found.append(("fx", urls.fx_url, fx.parse))
    return found


def _feed_signals(session, config: AppConfig, now: datetime, outcomes: list[feedstore.FeedOutcome],
                  evaluation: signals.Evaluation) -> None:  # fmt: skip
    """Disasters, sanctions and FX, each only when every one of its feeds has a usable copy (else the alerts
    of that kind stay as they are: a feed outage must not resolve them)."""
    by_kind: dict[str, list[feedstore.FeedOutcome]] = {}
    for outcome in outcomes:
        by_kind.setdefault(outcome.kind, []).append(outcome)
    for kind, group in by_kind.items():
        unusable = [o for o in group if o.parsed is None]
        if unusable:
            evaluation.unavailable += [f"{kind}: {o.url}: {o.error or 'no copy'}" for o in unusable]
            continue
        if kind == "gdacs":
            events, reasons = group[0].parsed
            evaluation.skipped += [f"gdacs: {reason}" for reason in reasons]
            evaluation.add("disaster", signals.disasters(session, events))
        elif kind == "sanctions":
            entries = [entry for o in group for entry in o.parsed]
            evaluation.add("sanctions", signals.sanctions(session, config, entries))
        elif kind == "fx":
            evaluation.add("fx", signals.fx_moves(session, config, now, evaluation.skipped))


def evaluate(
    session, config: AppConfig, now: datetime, outcomes: list[feedstore.FeedOutcome]
) -> signals.Evaluation:
    """Every signal as of `now`."""
    evaluation = signals.Evaluation()
    evaluation.add("unconfirmed_order", signals.unconfirmed_orders(session, config, now))
    evaluation.add("stale_order", signals.stale_orders(session, config, now))
    evaluation.add("behind_schedule", signals.behind_schedule(session, config, now))
    kpi = signals.kpi_signals(session, config, now)
    for kind in ("on_time_drop", "quality_drop", "sla_breaches"):
        evaluation.add(kind, [s for s in kpi if s.kind == kind])
    evaluation.add("level_down", signals.level_downs(session, config, now))
    evaluation.add("capa_overdue", signals.overdue_capas(session, now))
    evaluation.add("holiday", signals.upcoming_holidays(session, config, now))
    _feed_signals(session, config, now, outcomes, evaluation)
    return evaluation


def run_risk(ctx: JobContext, now: datetime) -> str | None:
    """Evaluate every risk signal as of `now`; alerts are deduplicated, so running again changes nothing."""
    config = ctx.config
    configured = feeds(config)
    with read_scope(ctx.engine) as session:
        known = feedstore.states(session, [url for _, url, _ in configured])
    fetched = []
    for kind, url, parse in configured:  # no transaction is open while fetching
        state = known.get(url)
        fetched.append((kind, parse, fetch(url, parse, etag=state.etag if state else None,
                                           last_modified=state.last_modified if state else None,
                                           timeout=config.risk.feeds.timeout_seconds,
                                           retries=config.risk.feeds.retries)))  # fmt: skip
    with session_scope(ctx.engine) as session:
        outcomes = [feedstore.record(session, kind, result, parse, now) for kind, parse, result in fetched]
        evaluation = evaluate(session, config, now, outcomes)
        changes = service.apply(session=session, evaluation=evaluation, now=now)
        flows.announce_changes(session=session, config=config, changes=changes)
        stale = flows.notify_stale_feeds(session=session, config=config, outcomes=outcomes)
        flows.notify_skipped(session=session, config=config, reasons=evaluation.skipped, worker=ctx.worker_id)
    for reason in evaluation.unavailable + evaluation.skipped:
        log.warning("risk: skipped %s", reason)
    counts = {"opened": sum(c.what in ("opened", "reopened") for c in changes),
              **{what: sum(c.what == what for c in changes) for what in ("escalated", "woke", "resolved")}}  # fmt: skip
    if not changes and not stale:
        return None
    parts = [
        f"{n} alerts {'woken from their snooze' if what == 'woke' else what}"
        for what, n in counts.items()
        if n
    ]
    parts += [f"{stale} stale feeds reported to the admins"] if stale else []
    return ", ".join(parts)


def job(config: AppConfig) -> Job:
    return Job(JOB_NAME, run_risk, "Evaluate risk signals and feeds; raise, escalate and resolve alerts",
               every_seconds=config.risk.interval_minutes * 60)  # fmt: skip

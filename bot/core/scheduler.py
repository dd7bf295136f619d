"""Scheduled jobs: DB claims for each unit of work, running a job by name, and the APScheduler loop.

Each domain declares its jobs next to its service (a `JOBS` list of `Job`); the composition root
collects them and passes them in, so this module knows no domain.

A job is `run(ctx, now) -> summary`, None when there was nothing to do. It decides which units of work are due at `now` and claims each
with `claim_work(...)` before doing it, in the same transaction as the work's output, so that N workers
(or a rerun with `srm jobs run`) never do a unit twice, and a unit missed during downtime is done once at
the next tick.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import AppConfig
from bot.core.upsert import insert_or_ignore
from models import JobClaim, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    engine: Engine
    config: AppConfig
    client: WebClient
    worker_id: str


@dataclass(frozen=True)
class Job:
    """A scheduled job under a stable name (`srm jobs run NAME`)."""

    name: str
    run: Callable[[JobContext, datetime], str | None]  # a summary; None: nothing was due
    description: str
    every_seconds: int | None = None  # None: every scheduler tick
    scheduled: bool = True  # False: only run by hand (`srm jobs run NAME`)


def by_name(jobs: Sequence[Job]) -> dict[str, Job]:
    """The jobs by name; two jobs under one name is a wiring mistake."""
    named: dict[str, Job] = {}
    for declared in jobs:
        if declared.name in named:
            raise ValueError(f"job {declared.name!r} is declared twice")
        named[declared.name] = declared
    return named


def claim_work(session: Session, *, job: str, period: str, recipient: str = "*", worker: str = "") -> bool:
    """Claim one unit of scheduled work (job, period, recipient); False when it is already claimed."""
    values = {"job": job, "period": period, "recipient": recipient, "worker": worker, "claimed_at": utcnow()}
    return insert_or_ignore(session, JobClaim, values, ["job", "period", "recipient"])


def run_job(ctx: JobContext, jobs: Sequence[Job], name: str, now: datetime | None = None) -> str | None:
    """Run one of `jobs` now, or as if at `now` (`srm jobs run NAME --at …`)."""
    named = by_name(jobs)
    if name not in named:
        raise KeyError(name)
    return named[name].run(ctx, now or utcnow())


def start_scheduler(ctx: JobContext, jobs: Sequence[Job]) -> BackgroundScheduler:
    """Start the background scheduler with those of `jobs` that are scheduled."""
    scheduler = BackgroundScheduler(timezone="UTC")
    for declared in (j for j in by_name(jobs).values() if j.scheduled):
        scheduler.add_job(
            _tick,
            "interval",
            args=(ctx, declared),
            id=declared.name,
            seconds=declared.every_seconds or ctx.config.scheduler.tick_seconds,
            next_run_time=utcnow(),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
    scheduler.start()
    return scheduler


def _tick(ctx: JobContext, declared: Job) -> None:
    """One scheduled run: one log line when it did something or failed (idle runs only with -v)."""
    started = time.monotonic()
    try:
        summary = declared.run(ctx, utcnow())
    except Exception:
        log.exception("job %s failed", declared.name)
        return
    took = time.monotonic() - started
    if summary is None:
        log.debug("job %s: nothing to do (%.2f s)", declared.name, took)
    else:
        log.info("job %s: %s (%.2f s)", declared.name, summary, took)

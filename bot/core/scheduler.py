"""Scheduled jobs: a registry of named jobs, DB claims for each unit of work, and the APScheduler loop.

A job is `run(ctx, now) -> summary`. It decides which units of work are due at `now` and claims each
with `claim_work(...)` before doing it, in the same transaction as the work's output, so that N workers
(or a rerun with `srm jobs run`) never do a unit twice, and a unit missed during downtime is done once at
the next tick.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
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

# Modules that declare jobs next to their domain; importing one registers its jobs.
JOB_MODULES = ("bot.core.maintenance", "bot.tickets.flows")


@dataclass(frozen=True)
class JobContext:
    engine: Engine
    config: AppConfig
    client: WebClient
    worker_id: str


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: int | None  # None: every scheduler tick
    description: str
    run: Callable[[JobContext, datetime], str]
    scheduled: bool = True  # False: only run by hand (`srm jobs run NAME`)


REGISTRY: dict[str, Job] = {}


def job(name: str, *, description: str, every_seconds: int | None = None, scheduled: bool = True):
    """Declare a scheduled job under a stable name."""

    def register(func: Callable[[JobContext, datetime], str]) -> Callable[[JobContext, datetime], str]:
        REGISTRY[name] = Job(
            name=name, every_seconds=every_seconds, description=description, run=func, scheduled=scheduled
        )
        return func

    return register


def load_jobs() -> dict[str, Job]:
    for module in JOB_MODULES:
        importlib.import_module(module)
    return REGISTRY


def claim_work(session: Session, *, job: str, period: str, recipient: str = "*", worker: str = "") -> bool:
    """Claim one unit of scheduled work (job, period, recipient); False when it is already claimed."""
    values = {"job": job, "period": period, "recipient": recipient, "worker": worker, "claimed_at": utcnow()}
    return insert_or_ignore(session, JobClaim, values, ["job", "period", "recipient"])


def run_job(ctx: JobContext, name: str, now: datetime | None = None) -> str:
    """Run one job now, or as if at `now` (`srm jobs run NAME --at …`)."""
    jobs = load_jobs()
    if name not in jobs:
        raise KeyError(name)
    return jobs[name].run(ctx, now or utcnow())


def start_scheduler(ctx: JobContext) -> BackgroundScheduler:
    """Start the background scheduler with every registered job that is scheduled."""
    scheduler = BackgroundScheduler(timezone="UTC")
    for declared in (j for j in load_jobs().values() if j.scheduled):
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
    try:
        summary = declared.run(ctx, utcnow())
        log.info("job %s: %s", declared.name, summary)
    except Exception:
        log.exception("job %s failed", declared.name)

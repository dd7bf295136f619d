"""Scheduled jobs of the relationship domain (collected by the composition root)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func
from sqlmodel import select

from bot.core.db import read_scope, session_scope
from bot.core.scheduler import Job, JobContext, claim_work
from bot.relationship.flows import announce_promotion, remind_reviews
from bot.relationship.loyalty import store_loyalty
from models import JobClaim, ScorecardEvaluation

LOYALTY_JOB = "loyalty"


def run_loyalty(ctx: JobContext, now: datetime) -> str | None:
    """After each scorecard evaluation, once: every supplier's loyalty, and the promotions it proposes."""
    with read_scope(ctx.engine) as session:  # the usual tick: nothing new evaluated, nothing written
        latest = session.exec(select(func.max(ScorecardEvaluation.period_start))).one()
        if latest is None:
            return None
        claimed = exists().where(JobClaim.job == LOYALTY_JOB, JobClaim.period == latest.isoformat())
        if session.exec(select(claimed)).one():
            return None
        period_end = session.exec(
            select(ScorecardEvaluation.period_end).where(ScorecardEvaluation.period_start == latest)
        ).first()
    as_of = datetime.combine(period_end + timedelta(days=1), time(), ZoneInfo(ctx.config.default_timezone))
    with session_scope(ctx.engine) as session:
        if not claim_work(session, job=LOYALTY_JOB, period=latest.isoformat(), worker=ctx.worker_id):
            return None
        done = store_loyalty(session=session, config=ctx.config, period_start=latest, as_of=as_of, now=now)
        for change in done.proposals or []:
            announce_promotion(session=session, config=ctx.config, change=change)
    return f"{latest}: loyalty of {done.computed} suppliers, {len(done.proposals or [])} tier promotions proposed"


def run_reviews(ctx: JobContext, now: datetime) -> str | None:
    """Remind the admins once of each supplier whose tier is due for review."""
    with session_scope(ctx.engine) as session:
        reminded = remind_reviews(session=session, config=ctx.config, now=now, worker=ctx.worker_id)
    return f"{reminded} tier reviews due" if reminded else None


JOBS = [
    Job(LOYALTY_JOB, run_loyalty, "Compute loyalty after each scorecard evaluation; propose tier promotions"),
    Job(
        "tier_review",
        run_reviews,
        "Remind the admins once of each tier due for review (hourly)",
        every_seconds=3600,
    ),
]

"""Scheduled jobs of the scorecards domain (collected by the composition root)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists
from sqlmodel import select

from bot.core.db import read_scope, session_scope
from bot.core.scheduler import Job, JobContext, claim_work
from bot.scorecards import hooks
from bot.scorecards.flows import announce_evaluation
from bot.scorecards.periods import last_complete_period
from bot.scorecards.service import evaluate_period
from models import JobClaim, ScorecardEvaluation

JOB_NAME = "scorecards"


def run_scorecards(ctx: JobContext, now: datetime) -> str | None:
    """Evaluate the last complete period before `now` once, whatever the number of workers or runs."""
    config = ctx.config
    period = last_complete_period(now, config.scorecards.period, config.default_timezone)
    with read_scope(ctx.engine) as session:  # the usual tick: already done, nothing written
        claimed = exists().where(JobClaim.job == JOB_NAME, JobClaim.period == period.key)
        # Evaluations of a period starting that day, stored before `scorecards.period` changed, stand.
        stored = exists().where(ScorecardEvaluation.period_start == period.start)
        if session.exec(select(claimed | stored)).one():
            return None
    with session_scope(ctx.engine) as session:
        if not claim_work(session, job=JOB_NAME, period=period.key, worker=ctx.worker_id):
            return None
        done = evaluate_period(session=session, config=config, period=period, now=now)
        announce_evaluation(session=session, config=config, period_start=period.start, period_end=period.end,
                            proposal_ids=done.proposal_ids)  # fmt: skip
        hooks.period_evaluated(
            session=session, config=config, period_start=period.start, period_end=period.end
        )
    return (f"{period.start}..{period.end}: {done.evaluated} suppliers evaluated ({done.scored} scored), "
            f"{done.levels_set} levels set, {len(done.proposal_ids)} level changes proposed")  # fmt: skip


JOBS = [Job(JOB_NAME, run_scorecards, "Evaluate every supplier's scorecard for the last complete period")]

"""Scheduled jobs of the feedback domain (collected by the composition root)."""

from __future__ import annotations

from datetime import datetime

from bot.core.db import session_scope
from bot.core.scheduler import Job, JobContext
from bot.feedback.flows import invite_last_period


def run_invitations(ctx: JobContext, now: datetime) -> str | None:
    """Invite every linked supplier channel to rate the buyers for the last complete period, once."""
    with session_scope(ctx.engine) as session:
        invited = invite_last_period(session=session, config=ctx.config, now=now, worker=ctx.worker_id)
    return f"{invited} feedback invitations" if invited else None


JOBS = [Job("feedback", run_invitations, "Invite supplier channels to rate the buyers, once a period")]

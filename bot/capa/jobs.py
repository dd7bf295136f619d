"""Scheduled jobs of the corrective actions domain (collected by the composition root)."""

from __future__ import annotations

from datetime import datetime

from bot.capa.flows import remind_overdue
from bot.core.db import session_scope
from bot.core.scheduler import Job, JobContext


def run_overdue(ctx: JobContext, now: datetime) -> str | None:
    """Remind each overdue CAPA once in its thread, whatever the number of workers or runs."""
    with session_scope(ctx.engine) as session:
        reminded = remind_overdue(session=session, config=ctx.config, now=now, worker=ctx.worker_id)
    return f"{len(reminded)} overdue CAPA reminders" if reminded else None


JOBS = [Job("capa", run_overdue, "Remind overdue corrective actions once each (every tick)")]

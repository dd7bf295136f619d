"""Scheduled jobs of the tickets domain (collected by the composition root)."""

from __future__ import annotations

from datetime import datetime

from bot.core.db import session_scope
from bot.core.scheduler import Job, JobContext
from bot.tickets.flows import announce_breaches


def run_sla(ctx: JobContext, now: datetime) -> str | None:
    """Announce each SLA breach once, whatever the number of workers or runs."""
    with session_scope(ctx.engine) as session:
        posted = announce_breaches(session=session, config=ctx.config, now=now, worker=ctx.worker_id)
    return f"{posted} breach notices" if posted else None


JOBS = [Job("sla", run_sla, "Announce ticket SLA breaches once each (every tick)")]

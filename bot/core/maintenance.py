"""Foundation jobs: housekeeping of de-duplication records and failed requests, and a one-shot outbox flush."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from bot.core.db import session_scope
from bot.core.delivery import Delivery
from bot.core.inbox import forget_failed_requests
from bot.core.scheduler import Job, JobContext, claim_work
from models import ProcessedEvent


def housekeeping(ctx: JobContext, now: datetime) -> str:
    period = now.strftime("%Y-%m-%dT%H")
    with session_scope(ctx.engine) as session:
        if not claim_work(session, job="housekeeping", period=period, worker=ctx.worker_id):
            return f"{period} already done"
        cutoff = now - timedelta(hours=ctx.config.scheduler.event_retention_hours)
        removed = session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < cutoff)).rowcount
    failed = forget_failed_requests(ctx.engine, now)
    return f"{period}: forgot {removed} event ids" + (f" and {failed} failed requests" if failed else "")


def deliver(ctx: JobContext, now: datetime) -> str | None:
    """A one-shot flush; `srm run` and `srm worker` already run the one delivery loop of the process."""
    delivery = Delivery(
        engine=ctx.engine, client=ctx.client, config=ctx.config.delivery, worker_id=ctx.worker_id
    )
    total = 0
    try:
        while sent := delivery.deliver_due(now):
            total += sent
    finally:
        delivery.close()
    return f"sent {total}" if total else None


JOBS = [
    Job(
        "housekeeping", housekeeping, "Forget old event ids and failed requests (hourly)", every_seconds=3600
    ),
    Job("deliver", deliver, "Send every due outbox message now (by hand)", scheduled=False),
]

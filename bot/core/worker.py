"""Background work of `srm run` and `srm worker`: the scheduler, the outbox delivery loop and the threads
that process the Slack requests stored in the inbox."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Sequence

from bot.core.delivery import Delivery
from bot.core.inbox import WAKE as INBOX_WAKE
from bot.core.inbox import Processor
from bot.core.outbox import WAKE
from bot.core.scheduler import Job, JobContext, start_scheduler

log = logging.getLogger(__name__)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    """Starts the scheduler (with `jobs`), a delivery thread and, given a `processor`, the inbox threads
    (`slack.request_workers` of them); `stop()` ends them all."""

    def __init__(self, ctx: JobContext, jobs: Sequence[Job], processor: Processor | None = None):
        self.ctx, self.jobs = ctx, jobs
        self.stopping = threading.Event()
        self.delivery = Delivery(
            engine=ctx.engine, client=ctx.client, config=ctx.config.delivery, worker_id=ctx.worker_id
        )
        self.thread = threading.Thread(
            target=self.delivery.run, args=(self.stopping,), name="delivery", daemon=True
        )
        self.scheduler = None
        self.inbox_threads = [
            threading.Thread(target=processor.run, args=(self.stopping,), name=f"inbox-{n}", daemon=True)
            for n in range(ctx.config.slack.request_workers if processor is not None else 0)
        ]

    def start(self) -> Worker:
        for thread in self.inbox_threads:
            thread.start()
        self.scheduler = start_scheduler(self.ctx, self.jobs)
        self.thread.start()
        return self

    def stop(self, grace: float = 5.0) -> None:
        """Start no new job or delivery; wait up to `grace` s for the message being sent.

        A job already running finishes on its own thread before the process exits.
        """
        self.stopping.set()
        WAKE.set()
        INBOX_WAKE.set()
        for thread in self.inbox_threads:
            thread.join(timeout=grace)
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        self.thread.join(timeout=grace)
        if self.thread.is_alive():
            log.warning("delivery still waiting on Slack after %.0f s; that message is retried later", grace)

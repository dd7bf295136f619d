"""Background work of `srm run` and `srm worker`: the scheduler and the outbox delivery loop."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Sequence

from bot.core.delivery import Delivery
from bot.core.outbox import WAKE
from bot.core.scheduler import Job, JobContext, start_scheduler

log = logging.getLogger(__name__)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    """Starts the scheduler (with `jobs`) and a delivery thread; `stop()` ends both."""

    def __init__(self, ctx: JobContext, jobs: Sequence[Job]):
        self.ctx, self.jobs = ctx, jobs
        self.stopping = threading.Event()
        self.delivery = Delivery(
            engine=ctx.engine, client=ctx.client, config=ctx.config.delivery, worker_id=ctx.worker_id
        )
        self.thread = threading.Thread(
            target=self.delivery.run, args=(self.stopping,), name="delivery", daemon=True
        )
        self.scheduler = None

    def start(self) -> Worker:
        self.scheduler = start_scheduler(self.ctx, self.jobs)
        self.thread.start()
        return self

    def stop(self, grace: float = 5.0) -> None:
        """Start no new job or delivery; wait up to `grace` s for the message being sent.

        A job already running finishes on its own thread before the process exits.
        """
        self.stopping.set()
        WAKE.set()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        self.thread.join(timeout=grace)
        if self.thread.is_alive():
            log.warning("delivery still waiting on Slack after %.0f s; that message is retried later", grace)

"""Slack calls a request makes once its transaction has ended: no network call while a transaction is open.

Listeners hand such calls (a modal to open, an ephemeral line to one person) to `after_commit`; the web
layer runs them when the request's transaction has committed, and drops them when it rolled back.
Outside a request (CLI, jobs, tests of services) the call runs at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

log = logging.getLogger(__name__)

_pending: ContextVar[list[Callable[[], None]] | None] = ContextVar("srm_after_commit", default=None)


def after_commit(call: Callable[[], None]) -> None:
    """Run `call` once the current request's transaction has committed (now, outside a request)."""
    pending = _pending.get()
    if pending is None:
        call()
    else:
        pending.append(call)


@contextmanager
def collecting() -> Iterator[list[Callable[[], None]]]:
    """Collect the calls handed to `after_commit` inside the block (the caller runs them)."""
    token = _pending.set([])
    try:
        yield _pending.get()
    finally:
        _pending.reset(token)


def run_all(calls: list[Callable[[], None]]) -> None:
    """Run collected calls in order; one failing does not stop the others."""
    for call in calls:
        try:
            call()
        except Exception:
            log.exception("a call after commit failed")

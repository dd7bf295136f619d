"""Delivery of outbox rows to the Slack Web API.

Each row is claimed in the database before it is sent, so several workers never send it twice.
Per channel, rows go out in order and at most one per `channel_interval_seconds`. 5xx answers and
network errors are retried with exponential backoff; a 429 waits for its Retry-After; any other error
is permanent. A row that gives up stays as `failed` with its last error.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, and_, exists, func, update
from sqlalchemy.orm import aliased
from sqlmodel import select

from bot.config import DeliveryConfig
from bot.core.db import session_scope
from bot.core.outbox import WAKE
from models import Card, OutboxMessage, utcnow

log = logging.getLogger(__name__)

TRANSIENT_ERRORS = {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
STALE_CLAIM = timedelta(minutes=5)


class _Outcome:
    def __init__(
        self,
        *,
        ts: str | None = None,
        channel: str | None = None,
        error: str | None = None,
        retry_after: float | None = None,
        transient: bool = False,
        rate_limited: bool = False,
    ):
        self.ts, self.channel, self.error = ts, channel, error
        self.retry_after, self.transient, self.rate_limited = retry_after, transient, rate_limited


class Delivery:
    """Sends due outbox rows; `deliver_due()` is one pass, `run()` loops until stopped."""

    def __init__(self, *, engine: Engine, client: WebClient, config: DeliveryConfig, worker_id: str):
        self.engine, self.client, self.config, self.worker_id = engine, client, config, worker_id

    def deliver_due(self, now: datetime | None = None, limit: int = 50) -> int:
        """Send every row that is due now; returns how many were sent."""
        now = now or utcnow()
        self._release_stale_claims(now)
        sent = 0
        for row_id in self._claim_batch(now, limit):
            sent += self._send(row_id)
        return sent

    def run(self, stop: threading.Event) -> None:
        """Deliver until `stop` is set; wakes early when a commit adds outbox rows."""
        while not stop.is_set():
            try:
                sent = self.deliver_due()
            except Exception:
                log.exception("delivery pass failed")
                sent = 0
            if not sent:
                WAKE.wait(self.config.poll_seconds)
                WAKE.clear()

    def _release_stale_claims(self, now: datetime) -> None:
        with session_scope(self.engine) as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - STALE_CLAIM)
                .values(status="pending", claimed_by=None)
            )

    def _claim_batch(self, now: datetime, limit: int) -> list[int]:
        """Claim the oldest due row of each channel whose pacing interval has passed."""
        earlier = aliased(OutboxMessage)
        query = (
            select(OutboxMessage.id, OutboxMessage.channel_id)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .where(
                ~exists().where(
                    and_(
                        earlier.channel_id == OutboxMessage.channel_id,
                        earlier.id < OutboxMessage.id,
                        earlier.status.in_(("pending", "sending")),
                    )
                )
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        claimed: list[int] = []
        with session_scope(self.engine) as session:
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=OutboxMessage)
            for row_id, channel_id in session.exec(query).all():
                ready_at = self._channel_ready_at(session, channel_id)
                if ready_at > now:
                    session.execute(
                        update(OutboxMessage)
                        .where(OutboxMessage.id == row_id)
                        .values(next_attempt_at=ready_at)
                    )
                    continue
                result = session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row_id, OutboxMessage.status == "pending")
                    .values(
                        status="sending",
                        claimed_by=self.worker_id,
                        claimed_at=now,
                        attempts=OutboxMessage.attempts + 1,
                    )
                )
                if result.rowcount == 1:
                    claimed.append(row_id)
        return claimed

    def _channel_ready_at(self, session, channel_id: str) -> datetime:
        last = session.exec(
            select(func.max(OutboxMessage.sent_at)).where(
                OutboxMessage.channel_id == channel_id, OutboxMessage.status == "sent"
            )
        ).one()
        if last is None:
            return datetime.min.replace(tzinfo=utcnow().tzinfo)
        if last.tzinfo is None:  # an aggregate bypasses the column type on SQLite
            last = datetime.fromisoformat(str(last)).replace(tzinfo=utcnow().tzinfo)
        return last + timedelta(seconds=self.config.channel_interval_seconds)

    def _send(self, row_id: int) -> int:
        with session_scope(self.engine) as session:
            row = session.get(OutboxMessage, row_id)
            method, payload = row.method, dict(row.payload)
            card = session.get(Card, row.card_id) if row.card_id else None
            thread_card = session.get(Card, row.thread_card_id) if row.thread_card_id else None
            needed = card if method == "chat.update" else thread_card
            if needed is not None and needed.ts is None:
                # The card's own post has not been delivered (it failed): nothing to update or reply to.
                row.status, row.last_error = "failed", "card_not_posted"
                return 0
            payload["channel"] = (needed.channel_id if needed else None) or row.channel_id
            if method == "chat.update":
                payload["ts"] = card.ts
            if thread_card is not None:
                payload["thread_ts"] = thread_card.ts
        outcome = self._call(method, payload)
        return self._record(row_id, outcome)

    def _call(self, method: str, payload: dict) -> _Outcome:
        try:
            response = self.client.api_call(method, json=payload)
            return _Outcome(ts=response.get("ts"), channel=response.get("channel"))
        except SlackApiError as exc:
            status = exc.response.status_code
            error = (exc.response.data or {}).get("error") if isinstance(exc.response.data, dict) else None
            if status == 429:
                retry = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
                return _Outcome(error="ratelimited", retry_after=float(retry or 1), rate_limited=True)
            error = error or f"http_{status}"
            return _Outcome(error=error, transient=status >= 500 or error in TRANSIENT_ERRORS)
        except (URLError, TimeoutError, ConnectionError, OSError) as exc:
            return _Outcome(error=f"network: {exc}", transient=True)

    def _record(self, row_id: int, outcome: _Outcome) -> int:
        now = utcnow()
        with session_scope(self.engine) as session:
            row = session.get(OutboxMessage, row_id)
            row.claimed_by = None
            if outcome.error is None:
                row.status, row.sent_at, row.ts, row.last_error = "sent", now, outcome.ts, None
                if row.method == "chat.postMessage" and row.card_id:
                    card = session.get(Card, row.card_id)
                    card.ts, card.channel_id = outcome.ts, outcome.channel or card.channel_id
                return 1
            row.last_error = outcome.error
            if outcome.rate_limited:
                row.attempts -= 1  # being paced by Slack is not a failed attempt
                row.status, row.next_attempt_at = "pending", now + timedelta(seconds=outcome.retry_after)
            elif outcome.transient and row.attempts < self.config.max_attempts:
                delay = min(
                    self.config.backoff_seconds * 2 ** (row.attempts - 1), self.config.max_backoff_seconds
                )
                row.status, row.next_attempt_at = "pending", now + timedelta(seconds=delay)
            else:
                row.status = "failed"
                log.warning("outbox row %s failed for good: %s", row_id, outcome.error)
            return 0

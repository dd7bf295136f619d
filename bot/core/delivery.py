"""Delivery of outbox rows to the Slack Web API.

A row has one owner at a time. A worker claims one row just before sending it (a conditional UPDATE
that sets a fresh claim token, committed before the HTTP call) and records the outcome only while the
token is still its own. A claim older than the longest possible send (the HTTP timeout) plus a margin
belongs to a worker that died; only such a claim is handed back, so no row is sent twice while its
owner may still be sending it.

Every post carries metadata naming its row. When an attempt ended without a clean answer (a timeout, a
dropped connection, a worker that died mid-send), Slack may have stored the post anyway: the next attempt
looks for it first (`bot.core.earlier_post`) and adopts it, so a message is not posted twice.

Per channel, rows go out in order and at most one per `channel_interval_seconds`; different channels are
served at once by `senders` threads per process (each pass takes the oldest due row of each channel). 5xx answers and
network errors are retried with exponential backoff; a 429 waits for its Retry-After; any other error
is permanent. A row that gives up stays as `failed` with its last error.

A file row (`bot.core.uploads`) is drawn just before it is sent and uploaded with files_upload_v2; it is
not looked for first, so an upload whose answer was lost may show twice.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine, exists, func, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from bot.config import DeliveryConfig
from bot.core.db import among, session_scope, statement_writer
from bot.core.earlier_post import WORKER_STOPPED, find_earlier_post, outbox_metadata, outcome_unknown
from bot.core.outbox import WAKE
from bot.core.uploads import UPLOAD_METHOD, render
from models import Card, OutboxMessage, utcnow

log = logging.getLogger(__name__)

# The token itself is refused: no message can go out until an operator fixes SLACK_BOT_TOKEN.
TOKEN_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
TOKEN_PAUSE = timedelta(seconds=60)  # how long delivery waits before trying a refused token again
TRANSIENT_ERRORS = {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
# Time a worker may need around its HTTP call: committing the claim, then waiting for the DB to record
# the answer (SQLite's busy timeout is 30 s).
CLAIM_MARGIN = timedelta(seconds=60)
WAITING = ("pending", "sending")  # a row not sent yet: nothing later in its channel goes before it
_NO_SYNC = {"synchronize_session": False}  # no ORM objects are loaded before these UPDATEs
# What a claim returns of its row (RETURNING, so claiming is one statement).
_CLAIMED = (OutboxMessage.method, OutboxMessage.payload, OutboxMessage.channel_id, OutboxMessage.card_id,
            OutboxMessage.thread_card_id, OutboxMessage.attempts, OutboxMessage.last_error, OutboxMessage.created_at)  # fmt: skip


def _due(now: datetime):
    """Rows due at `now`: fresh ones (no time set: due whatever the clock of the process that wrote
    them) and retries or paced rows whose time has come on this worker's clock."""
    return or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now)


def claim_lease(config: DeliveryConfig) -> timedelta:
    """How long a claim protects its row: the longest send (the HTTP timeout) plus a margin."""
    return timedelta(seconds=config.http_timeout_seconds) + CLAIM_MARGIN


@dataclass(frozen=True)
class _Claim:
    """One row this worker owns until it records the outcome (or the lease runs out)."""

    row_id: int
    token: str
    attempts: int
    method: str
    payload: dict[str, Any]
    card_id: int | None
    look_first: bool = False  # the last attempt may have reached Slack: look for its post before posting
    queued_at: datetime | None = None


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
        self.paused_until: datetime | None = None  # set while Slack refuses the token
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None  # the senders, started on the first busy pass

    def deliver_due(
        self, now: datetime | None = None, limit: int | None = None, stop: threading.Event | None = None
    ) -> int:
        """Send the rows that are due at `now` (up to `limit`, at most one per channel), claiming each
        just before sending it; returns how many were sent. Once `stop` is set, no further row is claimed.

        The first row goes alone (a refused token then stops the pass after one call); the others go to
        `senders` threads at once, each to a different channel.
        """
        now = now or utcnow()
        if self._paused(now):
            return 0
        self._release_stale_claims()
        candidates = self._candidates(now, limit or max(50, self.config.senders * 16))
        if not candidates:
            return 0
        first, rest = candidates[0], candidates[1:]
        sent = self._deliver_one(*first, now, stop)
        if self.config.senders == 1 or len(rest) <= 1:
            return sent + sum(self._deliver_one(*candidate, now, stop) for candidate in rest)
        futures = [self._pool().submit(self._deliver_one, *candidate, now, stop) for candidate in rest]
        return sent + sum(future.result() for future in futures)

    def _deliver_one(self, row_id: int, channel_id: str, now: datetime, stop: threading.Event | None) -> int:
        """Claim, send and record one row; 1 when Slack took it."""
        if (stop is not None and stop.is_set()) or self._paused(now):
            return 0
        claim = self._claim(row_id, channel_id, now)
        if claim is None:
            return 0
        outcome = self._send(claim)
        sent = self._record(claim, outcome)
        if outcome.error in TOKEN_ERRORS:
            with self._lock:
                if not self._paused(now):
                    self.paused_until = now + TOKEN_PAUSE
                    log.error("Slack refused SLACK_BOT_TOKEN (%s): delivery paused for %s s, messages kept",
                              outcome.error, TOKEN_PAUSE.seconds)  # fmt: skip
        return sent

    def _paused(self, now: datetime) -> bool:
        return self.paused_until is not None and now < self.paused_until

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.config.senders, thread_name_prefix="delivery-send")
            return self._executor

    def close(self) -> None:
        """Let the sender threads go (once the loop has stopped)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    def run(self, stop: threading.Event) -> None:
        """Deliver until `stop` is set; wakes early when a commit adds outbox rows."""
        try:
            while not stop.is_set():
                try:
                    sent = self.deliver_due(stop=stop)
                except Exception:
                    log.exception("delivery pass failed")
                    sent = 0
                if sent:
                    log.info("delivered %s message%s", sent, "" if sent == 1 else "s")
                else:
                    WAKE.wait(self.config.poll_seconds)
                    WAKE.clear()
        finally:
            self.close()

    def _release_stale_claims(self) -> None:
        """Hand back rows whose worker cannot be sending them any more (the claim outlived any send)."""
        cutoff = utcnow() - claim_lease(self.config)
        with statement_writer(self.engine).begin() as conn:
            released = conn.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < cutoff)
                .values(status="pending", claimed_by=None, claim_token=None, last_error=WORKER_STOPPED)
            ).rowcount
        if released:
            log.warning("handed back %s outbox rows whose worker stopped while sending", released)

    def _candidates(self, now: datetime, limit: int) -> list[tuple[int, str]]:
        """The oldest row of each channel not yet sent (none waits or is being sent before it), where it is
        pending and due; in any order.

        The channels with rows waiting are walked in order, one index step each (`ix_outbox_waiting`),
        and so is each one's oldest row: a pass costs the same however many rows wait in a channel.
        """
        waiting = aliased(OutboxMessage)
        first = select(func.min(waiting.channel_id)).where(among(waiting.status, *WAITING)).scalar_subquery()
        channels = select(first.label("channel_id")).cte("channels", recursive=True)
        following = (
            select(func.min(waiting.channel_id))
            .where(among(waiting.status, *WAITING), waiting.channel_id > channels.c.channel_id)
            .scalar_subquery()
        )
        channels = channels.union_all(select(following).where(channels.c.channel_id.is_not(None)))
        oldest = (
            select(func.min(waiting.id))
            .where(among(waiting.status, *WAITING), waiting.channel_id == channels.c.channel_id)
            .scalar_subquery()
        )
        query = (
            select(OutboxMessage.id, OutboxMessage.channel_id)
            .join(channels, OutboxMessage.id == oldest)
            .where(OutboxMessage.status == "pending", _due(now))
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = list(conn.execute(query).all())
            conn.commit()  # ends the read, keeping the prepared statements (see bot.core.db.read_scope)
        random.shuffle(rows)  # workers reading the same list then rarely race for the same row
        return rows

    def _claim(self, row_id: int, channel_id: str, now: datetime) -> _Claim | None:
        """Make the row this worker's if it is still pending, due and its channel's pacing allows.

        One conditional UPDATE claims the row and returns what sending needs; only when it claims nothing
        is the channel's pacing read, to set the row's next time. The claim is committed before it is
        returned: the HTTP call happens outside any transaction.
        """
        token = uuid.uuid4().hex
        with session_scope(self.engine) as session:
            row = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id, OutboxMessage.status == "pending", _due(now))
                .where(~self._sent_recently(channel_id, now))
                .values(
                    status="sending",
                    claim_token=token,
                    claimed_by=self.worker_id,
                    claimed_at=utcnow(),
                    attempts=OutboxMessage.attempts + 1,
                )
                .returning(*_CLAIMED),
                execution_options=_NO_SYNC,
            ).first()
            if row is None:
                ready_at = self._channel_ready_at(session, channel_id)
                if ready_at > now:
                    session.execute(
                        update(OutboxMessage)
                        .where(OutboxMessage.id == row_id)
                        .values(next_attempt_at=ready_at),
                        execution_options=_NO_SYNC,
                    )
                return None
            return self._prepare(session, row_id, token, row)

    def _sent_recently(self, channel_id: str, now: datetime):
        """Whether the channel had a message sent less than `channel_interval_seconds` before `now`."""
        other = aliased(OutboxMessage)
        since = now - timedelta(seconds=self.config.channel_interval_seconds)
        return exists().where(other.channel_id == channel_id, other.status == "sent", other.sent_at > since)

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

    def _prepare(self, session: Session, row_id: int, token: str, row) -> _Claim | None:
        """The call to make for a freshly claimed row; None (row failed) when its card was never posted."""
        method, payload = row.method, dict(row.payload)
        card = session.get(Card, row.card_id) if row.card_id else None
        thread_card = session.get(Card, row.thread_card_id) if row.thread_card_id else None
        needed = card if method == "chat.update" else thread_card
        if needed is not None and needed.ts is None:
            # The card's own post has not been delivered (it failed): nothing to update or reply to.
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id, OutboxMessage.claim_token == token)
                .values(status="failed", last_error="card_not_posted", claimed_by=None, claim_token=None),
                execution_options=_NO_SYNC,
            )
            log.warning("outbox row %s (%s) failed: card_not_posted (the card it needs was never posted)",
                        row_id, method)  # fmt: skip
            return None
        payload["channel"] = (needed.channel_id if needed else None) or row.channel_id
        if method == "chat.update":
            payload["ts"] = card.ts
        if thread_card is not None:
            payload["thread_ts"] = thread_card.ts
        look_first = False
        if method == "chat.postMessage":
            payload["metadata"] = outbox_metadata(row_id)
            look_first = outcome_unknown(row.last_error)
        return _Claim(row_id, token, row.attempts, method, payload, row.card_id, look_first, row.created_at)

    def _send(self, claim: _Claim) -> _Outcome:
        """Make the call, unless Slack already has the post from an attempt whose answer was lost."""
        if claim.look_first:
            where = {"channel": claim.payload["channel"], "thread_ts": claim.payload.get("thread_ts")}
            try:
                found = find_earlier_post(self.client, row_id=claim.row_id, since=claim.queued_at, **where)
            except Exception as exc:  # any failure to read Slack back: posting beats not posting at all
                log.warning("outbox row %s: could not look for an earlier post of it in Slack (%s); posting it",
                            claim.row_id, exc)  # fmt: skip
            else:
                if found is not None:
                    log.info("outbox row %s: Slack already has it (ts %s) from an attempt whose answer was "
                             "lost; not posted again", claim.row_id, found[0])  # fmt: skip
                    return _Outcome(ts=found[0], channel=found[1])
        return self._call(claim.method, claim.payload)

    def _call(self, method: str, payload: dict) -> _Outcome:
        try:
            if method == UPLOAD_METHOD:
                return self._upload(payload)
            response = self.client.api_call(method, json=payload)
            return _Outcome(ts=response.get("ts"), channel=response.get("channel"))
        except SlackApiError as exc:
            status = exc.response.status_code
            error = (exc.response.data or {}).get("error") if isinstance(exc.response.data, dict) else None
            if status == 429:
                retry = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
                return _Outcome(error="ratelimited", retry_after=float(retry or 1), rate_limited=True)
            error = error or f"http_{status}"
            if error in TOKEN_ERRORS:  # the message is fine, the token is not: it waits for a good token
                return _Outcome(error=error, retry_after=TOKEN_PAUSE.total_seconds(), rate_limited=True)
            return _Outcome(error=error, transient=status >= 500 or error in TRANSIENT_ERRORS)
        except (URLError, TimeoutError, ConnectionError, OSError, SlackClientError) as exc:
            return _Outcome(error=f"network: {exc}", transient=True)

    def _upload(self, payload: dict) -> _Outcome:
        """Draw the file (outside any transaction) and upload it with files_upload_v2."""
        try:
            content = render(payload["renderer"], payload.get("data") or {})
        except Exception as exc:  # a file that cannot be drawn will not be drawn on a retry either
            log.exception("outbox upload %s could not be drawn", payload.get("filename"))
            return _Outcome(error=f"render_failed: {type(exc).__name__}")
        self.client.files_upload_v2(channel=payload["channel"], file=content, filename=payload["filename"],
                                    title=payload.get("title"), alt_txt=payload.get("alt_txt") or None)  # fmt: skip
        return _Outcome()

    def _record(self, claim: _Claim, outcome: _Outcome) -> int:
        """Store the outcome, only while the row is still this worker's claim; 1 when it was sent."""
        now = utcnow()
        released = {"claimed_by": None, "claim_token": None}
        if outcome.error is None:
            values = {"status": "sent", "sent_at": now, "ts": outcome.ts, "last_error": None}
        elif outcome.rate_limited:  # being paced by Slack, or a refused token, is not a failed attempt
            values = {"status": "pending", "attempts": OutboxMessage.attempts - 1,
                      "next_attempt_at": now + timedelta(seconds=outcome.retry_after)}  # fmt: skip
        elif outcome.transient and claim.attempts < self.config.max_attempts:
            delay = min(
                self.config.backoff_seconds * 2 ** (claim.attempts - 1), self.config.max_backoff_seconds
            )
            values = {"status": "pending", "next_attempt_at": now + timedelta(seconds=delay)}
        else:
            values = {"status": "failed"}
        if outcome.error is not None:
            values["last_error"] = outcome.error
        with session_scope(self.engine) as session:
            mine = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == claim.row_id, OutboxMessage.claim_token == claim.token)
                .values(**values, **released),
                execution_options=_NO_SYNC,
            ).rowcount
            if not mine:
                log.warning("outbox row %s was taken over while this worker sent it; answer %s dropped",
                            claim.row_id, outcome.error or "ok")  # fmt: skip
                return 0
            if outcome.error is None and claim.method == "chat.postMessage" and claim.card_id:
                card = session.get(Card, claim.card_id)
                card.ts, card.channel_id = outcome.ts, outcome.channel or card.channel_id
        self._log_failure(claim, outcome, values)
        return 1 if outcome.error is None else 0

    def _log_failure(self, claim: _Claim, outcome: _Outcome, values: dict[str, Any]) -> None:
        """One line per failed attempt, with Slack's error code and what happens next."""
        if outcome.error is None or outcome.error in TOKEN_ERRORS:  # a refused token is logged once a pass
            return
        row = f"outbox row {claim.row_id} ({claim.method} to {claim.payload.get('channel')})"
        if outcome.rate_limited:
            log.info("%s: rate limited by Slack, next try in %.0f s", row, outcome.retry_after)
        elif values["status"] == "pending":
            wait = (values["next_attempt_at"] - utcnow()).total_seconds()
            log.warning("%s: %s (attempt %s of %s), next try in %.0f s", row, outcome.error, claim.attempts,
                        self.config.max_attempts, max(wait, 0))  # fmt: skip
        elif outcome.transient:
            log.warning("%s failed after %s attempts: %s", row, claim.attempts, outcome.error)
        else:
            log.warning("%s failed: %s (Slack will not accept it; not retried)", row, outcome.error)

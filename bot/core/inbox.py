"""Ack first: a signed Slack request is stored and answered at once, and a worker processes it behind the ack.

Slack waits at most 3 s for the answer to a request (the ack) and then shows the person an error, or
retries an event. Answering only after the listener ran made every ack wait on the database and on the
Slack calls the listener makes, and under load on other requests' transactions. Here the HTTP process does
as little as Slack needs: it checks the signature, drops events that no listener acts on (a message in a
channel that is not linked) and stores the rest in `slack_inbox`, one short INSERT, then answers 200. An
`srm worker` (or the worker threads of `srm run`) claims each row and runs it through the same Bolt app,
middleware and listeners, in one transaction that also finishes the row: a worker that dies mid-way leaves
the row to be claimed again and nothing half-done.

What cannot wait is still answered in the ack, by the listener itself: a modal's submission (its errors or
next view are the answer), options for a select, and Slack's URL check. A command's ephemeral reply,
which used to be the ack's body, goes to the command's `response_url` once the listener has run.

Ordering: rows someone is waiting on (commands, clicks, shortcuts) come before events, oldest first.

Where: on PostgreSQL the inbox is a table of the app's database, and a request's row is deleted in the
transaction of its effects. SQLite has one writer at a time, so there the door stores requests in a
database file of its own beside the app's (`srm.db` → `srm.inbox.db`) and is that file's only writer: storing
a request never waits on a worker, even one running at a low CPU priority that holds a lock. Workers keep
their claims in a second file (`srm.inbox-claims.db`): claiming copies the request's row there (same id,
"working"), and it is marked "done" just after the request's transaction commits (a worker killed between
the two runs the request again once its claim runs out). Neither file is the app's database, so a request
that only reads never waits on the app's writers. The door's janitor deletes finished requests from the
inbox file, then their done claims.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
import uuid
import weakref
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.request.internals import extract_channel_id, parse_body
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient
from sqlalchemy import Connection, Engine, delete, func, or_, select, true, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import ScalarSelect

from bot.core.actors import Directory, linked_channel
from bot.core.db import _writer, among, make_engine, statement_writer
from bot.core.error_views import error_message
from bot.core.errors import DomainError
from bot.core.i18n import DEFAULT_LOCALE, use_locale
from models.base import utcnow
from models.slack import InboxRequest

log = logging.getLogger(__name__)

# Events whose listener answers in a channel that is not linked, and events about a person rather than a
# channel (their channel is the DM with that person); every other event in an unlinked channel is dropped at the door.
UNLINKED_EVENTS: frozenset[str] = frozenset({"reaction_added"})
PERSONAL_EVENTS: frozenset[str] = frozenset({"app_home_opened"})

# A claim older than this is taken to be a worker that died: the row is processed again (its effects were
# not committed, since the row is finished in the same transaction).
CLAIM_LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 3  # a request that stops its worker this often is set aside as failed
FAILED_KEPT = timedelta(days=30)  # a failed request stays this long for an operator to look at
WAKE = threading.Event()  # set when this process stored a request: its workers look at once


@dataclass(frozen=True)
class Incoming:
    """What the door needs to know of a request to store it."""

    kind: str
    priority: int
    event_id: str | None = None
    channel_id: str | None = None
    event_type: str | None = None
    is_command: bool = False


_stores: weakref.WeakKeyDictionary[Engine, dict[str, Engine]] = weakref.WeakKeyDictionary()
_stores_guard = threading.Lock()


def inbox_engine(engine: Engine) -> Engine:
    """Where the door stores requests: the app's database, or on SQLite a file beside it (`srm.inbox.db`)."""
    return _beside(engine, "inbox")


def claims_engine(engine: Engine) -> Engine:
    """Where workers keep their claims: the app's database, or on SQLite a file beside it
    (`srm.inbox-claims.db`), which only workers and the door's janitor write."""
    return _beside(engine, "inbox-claims")


def _beside(engine: Engine, name: str) -> Engine:
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return engine
    with _stores_guard:
        store = _stores.setdefault(engine, {}).get(name)
        if store is None:
            path = Path(engine.url.database)
            beside = path.with_name(f"{path.stem}.{name}{path.suffix or '.db'}")
            store = make_engine(engine.url.set(database=str(beside)).render_as_string(hide_password=False))
            InboxRequest.__table__.create(store, checkfirst=True)
            _stores[engine][name] = store
    return store


def classify(body: str, content_type: str) -> Incoming | None:
    """The request's kind, or None when its answer must be the ack (processed while Slack waits)."""
    try:
        parsed = parse_body(body, content_type)
    except (ValueError, TypeError):
        return None
    if parsed.get("command"):
        return Incoming("command", 0, channel_id=parsed.get("channel_id"), is_command=True)
    kind = parsed.get("type")
    if kind == "event_callback":
        event = parsed.get("event") or {}
        event_type = event.get("type")
        channel = None if event_type in PERSONAL_EVENTS else extract_channel_id(parsed)
        return Incoming("event", 1, parsed.get("event_id"), channel, event_type)
    if kind in ("block_actions", "interactive_message"):
        return Incoming("action", 0)
    if kind in ("shortcut", "message_action"):
        return Incoming("shortcut", 0)
    if kind == "view_closed":
        return Incoming("view_closed", 1)
    return None  # view_submission, block_suggestion, url_verification, ssl_check, anything new


class Door:
    """The HTTP side: `take` stores a verified request (or drops an ignored event) and says whether the ack
    can be sent now; False means the request is to be processed before answering."""

    def __init__(self, engine: Engine, signing_secret: str, directory: Directory | None = None):
        store = inbox_engine(engine)
        self.engine, self.batches = engine, _Batches(store)
        # Beside an inbox file of its own, the door also removes finished requests from it (its only writer);
        # woken now, it removes what a door before this one left.
        self.janitor = _Janitor(store, claims_engine(engine)) if store is not engine else None
        if self.janitor is not None:
            self.janitor.wake()
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self.directory = directory if directory is not None else Directory()

    def take(self, body: str, headers: Mapping[str, Any]) -> int | None:
        """Store the request; its inbox id (0 for an event dropped at the door), or None when the
        request is to be processed before answering."""
        if self.verifier is None:
            return None
        flat = {k.lower(): (v[0] if isinstance(v, list | tuple) else v) for k, v in headers.items()}
        if not self.verifier.is_valid_request(body, flat):
            return None  # Bolt answers it (401), as it always has
        content_type = flat.get("content-type", "")
        incoming = classify(body, content_type)
        if incoming is None:
            return None
        if incoming.kind == "event" and self._ignored(incoming):
            return 0
        if incoming.is_command and incoming.channel_id:
            self.directory.channel_linked(incoming.channel_id)  # the command may link it: ask again next time
        row_id = self._store(body, content_type, incoming)
        WAKE.set()
        if self.janitor is not None:
            self.janitor.wake()  # after the commit: the janitor's look for an empty file cannot miss this row
        return row_id

    def close(self) -> None:
        """Stop the writer and the janitor (for shutting down: what the janitor leaves, the next door's
        janitor removes)."""
        self.batches.close()
        if self.janitor is not None:
            self.janitor.close()

    def _ignored(self, incoming: Incoming) -> bool:
        """An event in a channel that is not linked: no listener acts on it, so it is not even stored."""
        if not incoming.channel_id or incoming.event_type in UNLINKED_EVENTS:
            return False
        return linked_channel(self.engine, incoming.channel_id, self.directory) is None

    def _store(self, body: str, content_type: str, incoming: Incoming) -> int:
        """Store one request and return its id once committed (the ack waits for that, not longer)."""
        row = {
            "kind": incoming.kind,
            "priority": incoming.priority,
            "body": body,
            "content_type": content_type[:80],
            "event_id": incoming.event_id,
            "status": "pending",
            "attempts": 0,
            "received_at": utcnow(),
        }
        return self.batches.store(row)


class _Batches:
    """Group commit: requests arriving together are stored in one transaction.

    The HTTP thread of the first request to arrive is the leader: it stores its own row at once, with
    no other thread to wake. Requests arriving while it writes wait in line; when its commit is done it
    answers them all, and the first of those still waiting stores every row in line, as the next leader
    (LevelDB's writer queue). An ack still means "stored", but twenty requests at once cost a couple of
    transactions, not twenty queued one behind the other, and no request waits on a thread that must
    first be woken and get the interpreter.

    Each batch takes a connection from the pool and gives it back. On PostgreSQL that pool is the door's
    own and checks nothing on checkout (the app's pings each connection, a round trip); a connection the
    server dropped fails the batch's INSERT, which is then tried once more on a new one.
    """

    MAX_ROWS = 200

    def __init__(self, store: Engine):
        # Each batch is one statement, its own transaction (bot.core.db.statement_writer).
        self.own = store.dialect.name == "postgresql"
        url = store.url.render_as_string(hide_password=False)
        self.writer = statement_writer(make_engine(url, ping=False) if self.own else store)
        self.guard = threading.Lock()
        self.line: deque[_InLine] = deque()  # the leader first, while it writes

    def store(self, row: dict[str, Any]) -> int:
        mine = _InLine(row, threading.Condition(self.guard))
        with self.guard:
            self.line.append(mine)
            while not mine.answered and self.line[0] is not mine:
                mine.turn.wait()
            if mine.answered:
                return mine.outcome()
            batch = list(itertools.islice(self.line, self.MAX_ROWS))
        try:
            ids: list[int] | BaseException = self._write([waiting.row for waiting in batch])
        except BaseException as exc:  # every request of the batch hears it (its ack becomes an error)
            ids = exc
        with self.guard:
            for n, waiting in enumerate(batch):
                self.line.popleft()
                waiting.answer(ids if isinstance(ids, BaseException) else ids[n])
            if self.line:
                self.line[0].turn.notify()  # the next leader
        return mine.outcome()

    def close(self) -> None:
        """Close the door's own connections (for shutting down; a later request opens another)."""
        if self.own:
            self.writer.dispose()

    def _write(self, rows: list[dict[str, Any]]) -> list[int]:
        """Store one batch; the rows' ids."""
        try:
            with self.writer.connect() as conn:
                return self._insert(conn, rows)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                log.exception("storing %s request(s) failed", len(rows))
                raise
        with self.writer.connect() as conn:  # the database dropped that connection (a restart, a timeout)
            return self._insert(conn, rows)

    @staticmethod
    def _insert(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
        """One transaction on the driver's own cursor (the ORM's bulk insert costs twice the CPU for the few
        rows a batch has). An event already stored gets id 0: Slack retried it after a late ack, and it is
        stored once and acked each time."""
        with conn.begin():
            cursor = conn.connection.driver_connection.cursor()
            try:
                return _INSERT[conn.dialect.name](cursor, rows)
            finally:
                cursor.close()


class _InLine:
    """A request waiting in the door's line to be stored, and then its id or what failed."""

    def __init__(self, row: dict[str, Any], turn: threading.Condition):
        self.row, self.turn = row, turn
        self.answered, self.result = False, None

    def answer(self, result: int | BaseException) -> None:
        self.answered, self.result = True, result
        self.turn.notify()

    def outcome(self) -> int:
        if isinstance(self.result, BaseException):
            raise self.result
        return self.result


class _Janitor:
    """Beside an inbox file (SQLite): deletes finished requests from it, so the door stays its only writer.

    A thread of the door's process, started by a new door and by a stored request. Four times a second it
    deletes from the inbox file the requests the claims file says are done or failed, then those done
    claims themselves; it ends once the inbox file is empty (the next stored request starts another) or the
    door closes. The order matters: a done row gone while its inbox row remained would look unclaimed and
    be run again. The inbox file's write lock is held only for its own DELETE of at most MAX_ROWS rows (a
    few milliseconds: the door's next batch waits for it); the claims file's DELETE may wait for a worker,
    but nothing waits on the janitor.
    """

    EVERY_SECONDS = 0.25
    MAX_ROWS = 100  # 400 requests/s, more than workers on one SQLite database finish

    def __init__(self, store: Engine, state: Engine):
        self.store, self.state = store, state
        self.store_writer, self.state_writer = _writer(store), _writer(state)
        self.thread: threading.Thread | None = None
        self.woken = False  # a request was stored since the last sweep began
        self.guard = threading.Lock()
        self.closed = threading.Event()

    def wake(self) -> None:
        with self.guard:
            self.woken = True
            if self.thread is None and not self.closed.is_set():
                self.thread = threading.Thread(target=self._run, name="inbox-janitor", daemon=True)
                self.thread.start()

    def close(self) -> None:
        self.closed.set()
        with self.guard:
            thread = self.thread
        if thread is not None:
            thread.join(10)

    def _run(self) -> None:
        # Pacing: finished rows are removed in batches, not one by one.
        while not self.closed.wait(self.EVERY_SECONDS):
            with self.guard:
                self.woken = False
            try:
                waiting = self.sweep()
            except Exception:
                log.exception("finished requests could not be removed from the inbox; trying again shortly")
                continue
            if waiting:
                continue
            with self.guard:
                if not self.woken:  # nothing stored since the sweep saw an empty file
                    self.thread = None
                    return
        with self.guard:
            self.thread = None

    def sweep(self) -> bool:
        """Remove finished requests; whether the inbox file may still hold requests."""
        [(first,)] = _read(self.store, select(func.min(InboxRequest.id)))
        finished = InboxRequest.status == "done"
        if first is not None:  # failed rows stay 30 days: only those the file may still hold are looked at
            finished = finished | ((InboxRequest.status == "failed") & (InboxRequest.id >= first))
        rows = _read(
            self.state,
            select(InboxRequest.id, InboxRequest.status)
            .where(finished)
            .order_by(InboxRequest.id)
            .limit(self.MAX_ROWS),
        )
        if not rows:
            return first is not None
        # Even when the file looked empty: a row stored since then may already be done.
        with self.store_writer.begin() as conn:
            conn.execute(delete(InboxRequest).where(InboxRequest.id.in_([r.id for r in rows])))
        done = [r.id for r in rows if r.status == "done"]
        if done:
            with self.state_writer.begin() as conn:
                conn.execute(
                    delete(InboxRequest).where(InboxRequest.id.in_(done), InboxRequest.status == "done")
                )
        return True


_COLUMNS = ("kind", "priority", "body", "content_type", "event_id", "status", "attempts", "received_at")
_TABLE = InboxRequest.__tablename__


def _insert_each(cursor: Any, rows: list[dict[str, Any]]) -> list[int]:
    """SQLite: one statement per row (no round trips to save; the file's lock is taken once)."""
    sql = (
        f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)}) VALUES ({', '.join(f':{c}' for c in _COLUMNS)}) "
        "ON CONFLICT (event_id) DO NOTHING RETURNING id"
    )
    ids = []
    for row in rows:
        # SQLite keeps UTC times as text without a zone, as models.base.UTCDateTime writes them.
        received = row["received_at"].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        cursor.execute(sql, {**row, "received_at": received})
        stored = cursor.fetchone()
        ids.append(stored[0] if stored is not None else _already_stored(row))
    return ids


def _insert_together(cursor: Any, rows: list[dict[str, Any]]) -> list[int]:
    """PostgreSQL: one statement for the whole batch, half the CPU of a statement per row in the server and
    in this process from four rows on. Ids come from a sequence in the order the rows are inserted, which
    `ORDER BY n` makes the batch's order: the smallest id returned is the first row stored, and so on. A
    row not stored is an event already in the inbox, or twice in this batch (its first copy is stored)."""
    columns = ", ".join(_COLUMNS)
    row_sql = f"({', '.join(['%s'] * (len(_COLUMNS) + 1))})"
    cursor.execute(
        f"INSERT INTO {_TABLE} ({columns}) SELECT {columns} FROM (VALUES {', '.join([row_sql] * len(rows))}) "
        f"AS batch({columns}, n) ORDER BY n ON CONFLICT (event_id) DO NOTHING RETURNING id, event_id",
        [value for n, row in enumerate(rows) for value in (*(row[c] for c in _COLUMNS), n)],
    )
    returned = cursor.fetchall()
    stored_events = {event_id for _, event_id in returned if event_id is not None}
    new_ids = iter(sorted(row_id for row_id, _ in returned))
    ids, seen = [], set()
    for row in rows:
        event_id = row["event_id"]
        first_copy = event_id is None or (event_id in stored_events and event_id not in seen)
        ids.append(next(new_ids) if first_copy else _already_stored(row))
        seen.add(event_id)
    return ids


def _already_stored(row: dict[str, Any]) -> int:
    log.debug("event %s is already in the inbox (a retry)", row["event_id"])
    return 0


# How each database's driver stores a batch (sqlite3 takes :name, psycopg %s).
_INSERT: dict[str, Callable[[Any, list[dict[str, Any]]], list[int]]] = {
    "sqlite": _insert_each,
    "postgresql": _insert_together,
}


@dataclass(frozen=True)
class Claimed:
    id: int
    token: str
    kind: str
    body: str
    content_type: str
    attempts: int


Handle = Callable[..., BoltResponse]


class Processor:
    """The worker side: claims stored requests one at a time and runs each through `handle`
    (bot.core.web.SlackRequests.handle) with a fresh signature, then sends a command's reply to its
    `response_url`. `on_done(row_id)` is told when a row is finished (tests wait on it)."""

    def __init__(
        self,
        engine: Engine,
        handle: Handle,
        signing_secret: str,
        *,
        on_done: Callable[[int], None] | None = None,
        reply_timeout: float = 10.0,
    ):
        self.engine, self.handle = engine, handle
        self.store = inbox_engine(engine)  # where the door stores requests
        # Where claims live: the same table as the store on PostgreSQL. On SQLite a file of their own: the
        # worker only reads the inbox file, so the door never waits on a worker; and a worker never needs
        # the app database's write lock for a request that only reads.
        self.state = claims_engine(engine)
        self.split = self.store is not self.state
        self.writer = statement_writer(self.state)  # every write of a claim is one statement
        self.verifier = SignatureVerifier(signing_secret)
        self.on_done, self.reply_timeout = on_done, reply_timeout
        self.closed = threading.Event()
        self.idle = threading.Condition()  # the idle threads of `run` (see there)
        self.lookout_taken = False

    def close(self) -> None:
        """Claim nothing more (requests being processed finish); for shutting down."""
        self.closed.set()
        with self.idle:
            self.idle.notify_all()  # idle threads look once more, find it closed and return to `run`

    # --- the loop ---------------------------------------------------------------------------------
    def run(self, stop: threading.Event, idle_wait: float = 0.05) -> None:
        """Process until `stop` is set.

        When the inbox is empty, one thread of the process (the lookout) looks again every `idle_wait`
        seconds, or at once when this process's door stores a request; the others wait until a thread
        claims a request (more may be waiting: the next idle thread looks) or FOLLOWER_WAIT has passed.
        An idle worker thus asks the database about as often with four threads as with one.
        """
        while not stop.is_set():
            try:
                worked = self.process_next()
            except Exception:
                log.exception("the inbox could not be read; trying again shortly")
                worked = False
            if not worked:
                self._wait_for_work(idle_wait)

    FOLLOWER_WAIT = 0.5  # seconds an idle thread other than the lookout waits before looking itself

    def _wait_for_work(self, idle_wait: float) -> None:
        with self.idle:
            if self.lookout_taken:
                self.idle.wait(self.FOLLOWER_WAIT)
                return
            self.lookout_taken = True
        try:
            WAKE.wait(idle_wait)
            WAKE.clear()
        finally:
            with self.idle:
                self.lookout_taken = False

    def drain(self) -> int:
        """Process every stored request now, in the caller's thread; how many were processed."""
        done = 0
        while self.process_next():
            done += 1
        return done

    def process_next(self) -> bool:
        """Claim and process the next stored request; False when none waits (or the processor is closed)."""
        if self.closed.is_set():
            return False
        claimed = self._claim()
        if claimed is None:
            return False
        with self.idle:
            self.idle.notify()  # another request may be waiting: one idle thread looks
        try:
            self._process(claimed)
        finally:
            if self.on_done is not None:
                self.on_done(claimed.id)
        return True

    # --- one request --------------------------------------------------------------------------------
    def _process(self, claimed: Claimed) -> None:
        if claimed.attempts > MAX_ATTEMPTS:
            self._fail(claimed, f"given up after {claimed.attempts - 1} attempts that did not finish")
            return
        request = BoltRequest(body=claimed.body, headers=self._signed_headers(claimed))
        finished_in_transaction: list[bool] = []

        def finish(session: Session) -> bool:
            """Finish the row with the request's own effects, while the claim is still ours."""
            if self.split or not session.in_transaction() or not getattr(session, "writes", True):
                return True  # claims kept elsewhere, or nothing was written: the row is finished just after
            mine = session.execute(self._finished(claimed)).rowcount
            finished_in_transaction.append(True)
            return mine == 1

        try:
            response = self.handle(request, finish=finish)
        except Exception as exc:
            log.exception("inbox request %s (%s) failed", claimed.id, claimed.kind)
            self._fail(claimed, f"{type(exc).__name__}: {exc}")
            self._tell_failure(claimed, request)
            return
        if response is None:
            log.warning("inbox request %s was taken over by another worker; its result is theirs", claimed.id)
            return
        if response.status >= 400:
            log.error("inbox request %s (%s) answered HTTP %s: %s", claimed.id, claimed.kind, response.status,
                      str(response.body)[:300])  # fmt: skip
            self._fail(claimed, f"HTTP {response.status}: {str(response.body)[:500]}")
            self._tell_failure(claimed, request)
            return
        if not finished_in_transaction:
            with self.writer.begin() as conn:
                conn.execute(self._finished(claimed))
        if claimed.kind == "command":
            self._reply(request, _reply_body(response.body))

    def _signed_headers(self, claimed: Claimed) -> dict[str, str]:
        """Bolt checks every request's signature: the stored request was checked at the door and is signed
        again now, since Slack's own signature expires after 5 minutes."""
        timestamp = str(int(time.time()))
        signature = self.verifier.generate_signature(timestamp=timestamp, body=claimed.body)
        return {"content-type": claimed.content_type, "x-slack-request-timestamp": timestamp,
                "x-slack-signature": signature}  # fmt: skip

    def _reply(self, request: BoltRequest, reply: dict[str, Any] | None) -> None:
        url = (request.body or {}).get("response_url")
        if not reply or not url:
            return
        reply = {"response_type": "ephemeral", "replace_original": False, **reply}
        try:
            answer = WebhookClient(url, timeout=int(self.reply_timeout)).send_dict(reply)
        except OSError as exc:
            log.warning("the reply to a command could not be sent: %s", exc)
            return
        if answer.status_code != 200:
            log.warning(
                "the reply to a command was refused: HTTP %s %s", answer.status_code, answer.body[:200]
            )

    def _tell_failure(self, claimed: Claimed, request: BoltRequest) -> None:
        """The person who asked hears that nothing happened (in their language when it was known)."""
        actor = request.context.get("actor")
        with use_locale(getattr(actor, "locale", None) or DEFAULT_LOCALE):
            reply = error_message(DomainError("request_failed"))
        self._reply(request, reply)

    # --- the rows -----------------------------------------------------------------------------------
    PAGE = 50  # inbox-file rows looked at per query when claims are kept apart from the file

    def _claim(self) -> Claimed | None:
        """The oldest waiting row of the most urgent kind, made this worker's in one short write
        (committed before the request runs). On PostgreSQL the look is part of that write; beside an inbox
        file (SQLite) looking costs no write lock: an idle worker only reads."""
        if not self.split:
            now = utcnow()
            return self._claim_row(self._next_in_table(now), uuid.uuid4().hex, now)
        for _ in range(5):  # another worker may take the row between the look and the write
            token, now = uuid.uuid4().hex, utcnow()
            found = self._next_in_file(now)
            if found is None:
                return None
            row_id, new = found
            claimed = self._claim_new(row_id, token, now) if new else self._claim_row(row_id, token, now)
            if claimed is not None:
                return claimed
        return None

    @staticmethod
    def _claimable(now: datetime):
        """A row no worker holds: waiting, or claimed by a worker that has died (its lease ran out).

        The states are written into the SQL, not sent as parameters: PostgreSQL then finds the next row by
        the partial index of exactly these states (ix_slack_inbox_claimable) in every plan it caches."""
        return or_(
            among(InboxRequest.status, "pending"),
            among(InboxRequest.status, "working") & (InboxRequest.claimed_at < now - CLAIM_LEASE),
        )

    def _next_in_table(self, now: datetime) -> ScalarSelect:
        """Where requests and claims share one table (PostgreSQL): the next claimable row, for the claim's
        UPDATE itself (one round trip). A row another worker is claiming this instant is passed over, not
        waited for."""
        return (
            select(InboxRequest.id)
            .where(self._claimable(now))
            .order_by(InboxRequest.priority, InboxRequest.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )

    def _next_in_file(self, now: datetime) -> tuple[int, bool] | None:
        """The next request of the inbox file that no worker holds, and whether it was never claimed.

        Two plain reads per page, without ATTACH (a writer of the claims file would then lock the
        inbox file too): a page of stored ids in claiming order, then the claims the claims file has
        of them. Done and failed requests stay in the file until the door's janitor removes them.
        """
        after = true()  # the first page starts at the beginning
        while True:
            page = _read(
                self.store,
                select(InboxRequest.priority, InboxRequest.id)
                # The door stores "pending"; the worker changes inbox-file rows no more, and a "failed"
                # one there was set aside before claims moved to a file of their own.
                .where(among(InboxRequest.status, "pending", "working"), after)
                .order_by(InboxRequest.priority, InboxRequest.id)
                .limit(self.PAGE),
            )
            if not page:
                return None
            held = dict(
                _read(
                    self.state,
                    select(InboxRequest.id, self._claimable(now)).where(
                        InboxRequest.id.in_([row.id for row in page])
                    ),
                )
            )
            for row in page:
                if row.id not in held:
                    return row.id, True
                if held[row.id]:
                    return row.id, False
            last = page[-1]
            after = or_(
                InboxRequest.priority > last.priority,
                (InboxRequest.priority == last.priority) & (InboxRequest.id > last.id),
            )

    def _claim_row(self, row_id: int | ScalarSelect, token: str, now: datetime) -> Claimed | None:
        """Claim a row of the state table (by id, or the one a subquery picks) by one conditional UPDATE:
        waiting, or whose worker died."""
        with self.writer.begin() as conn:
            row = conn.execute(
                update(InboxRequest)
                .where(InboxRequest.id == row_id, self._claimable(now))
                .values(
                    status="working",
                    claim_token=token,
                    claimed_at=now,
                    attempts=InboxRequest.attempts + 1,
                )
                .returning(
                    InboxRequest.id,
                    InboxRequest.kind,
                    InboxRequest.body,
                    InboxRequest.content_type,
                    InboxRequest.attempts,
                )
            ).first()
        if row is None:
            return None
        return Claimed(row.id, token, row.kind, row.body, row.content_type, row.attempts)

    def _claim_new(self, row_id: int, token: str, now: datetime) -> Claimed | None:
        """Claim a request of the inbox file never claimed before: its row copied into the claims file
        with the same id, where only one worker's INSERT can succeed."""
        stored = self._stored(row_id)
        if stored is None:
            return None  # finished and removed since the look
        with self.writer.begin() as conn:
            taken = conn.execute(
                sqlite_insert(InboxRequest)
                .values(
                    id=row_id, kind=stored.kind, priority=stored.priority, body=stored.body,
                    content_type=stored.content_type, received_at=stored.received_at,
                    status="working", claim_token=token, claimed_at=now, attempts=1,
                )  # no event_id (unique): a retry stored once the first was removed from the file is new
                .on_conflict_do_nothing(index_elements=[InboxRequest.id])
            ).rowcount  # fmt: skip
        if taken != 1:
            return None
        # The INSERT also succeeds when the request was finished and the janitor removed both its rows
        # after our look; it removes the inbox-file row first, so the row still there means "not run".
        if self._stored(row_id) is None:
            with self.writer.begin() as conn:  # our copy goes again
                conn.execute(
                    delete(InboxRequest).where(InboxRequest.id == row_id, InboxRequest.claim_token == token)
                )
            return None
        return Claimed(row_id, token, stored.kind, stored.body, stored.content_type, 1)

    def _stored(self, row_id: int) -> Any:
        """The inbox file's row of a request, or None once the janitor removed it."""
        rows = _read(self.store, select(InboxRequest).where(InboxRequest.id == row_id))
        return rows[0] if rows else None

    def _finished(self, claimed: Claimed):
        """The statement finishing a claimed row: in the request's transaction the row goes (PostgreSQL);
        just after it, in the claims file, it is marked done for the door's janitor to remove (SQLite). It
        changes nothing when the claim is no longer ours."""
        mine = (InboxRequest.id == claimed.id) & (InboxRequest.claim_token == claimed.token)
        if self.split:
            return update(InboxRequest).where(mine).values(status="done")
        return delete(InboxRequest).where(mine)

    def _fail(self, claimed: Claimed, error: str) -> None:
        # Only a row still being worked on: one whose transaction committed (deleted, or marked done beside
        # an inbox file) stays finished even if something failed after the commit.
        with self.writer.begin() as conn:
            conn.execute(
                update(InboxRequest)
                .where(
                    InboxRequest.id == claimed.id,
                    InboxRequest.claim_token == claimed.token,
                    InboxRequest.status == "working",
                )
                .values(status="failed", last_error=error[:2000])
            )


def forget_failed_requests(engine: Engine, now: datetime) -> int:
    """Delete failed requests received more than FAILED_KEPT before `now` (housekeeping); how many.

    They are claims (see `claims_engine`). Beside an inbox file, one the door's janitor has not yet removed
    from that file is left for next time: gone from the claims, it would look unclaimed there."""
    old = (InboxRequest.status == "failed") & (InboxRequest.received_at < now - FAILED_KEPT)
    store, claims = inbox_engine(engine), claims_engine(engine)
    if store is not claims:
        ids = [row.id for row in _read(claims, select(InboxRequest.id).where(old).limit(1000))]
        stored = {row.id for row in _read(store, select(InboxRequest.id).where(InboxRequest.id.in_(ids)))}
        old = InboxRequest.id.in_([i for i in ids if i not in stored]) & (InboxRequest.status == "failed")
    with _writer(claims).begin() as conn:
        return conn.execute(delete(InboxRequest).where(old)).rowcount


def backlog(engine: Engine) -> tuple[int, int]:
    """How many stored requests are not finished yet, and how many failed (for a benchmark or an operator)."""
    store, claims = inbox_engine(engine), claims_engine(engine)
    count = select(func.count())
    [(failed,)] = _read(claims, count.where(InboxRequest.status == "failed"))
    unfinished = among(InboxRequest.status, "pending", "working")
    if store is claims:
        [(left,)] = _read(claims, count.where(unfinished))
        return left, failed
    # Beside an inbox file: its requests, less those the claims say are done or failed (the janitor removes
    # the request first, so a finished claim may outlive its request; failed ones stay 30 days).
    waiting = {row.id for row in _read(store, select(InboxRequest.id).where(unfinished))}
    if not waiting:
        return 0, failed
    finished = _read(
        claims,
        select(InboxRequest.id).where(
            InboxRequest.id >= min(waiting), InboxRequest.status.in_(("done", "failed"))
        ),
    )
    return len(waiting - {row.id for row in finished}), failed


def _read(engine: Engine, statement: Any) -> list[Any]:
    """The rows of one read on a connection of its own, ended at once (on SQLite no lock outlives it; a
    commit, unlike a rollback, keeps the connection's prepared statements: see bot.core.db.read_scope)."""
    with engine.connect() as conn:
        rows = conn.execute(statement).all()
        conn.commit()
    return rows


def _reply_body(body: Any) -> dict[str, Any] | None:
    """A listener's ack body as a message: Bolt gives a dict as JSON text and plain text as it is."""
    if isinstance(body, dict):
        return body or None
    if not body:
        return None
    try:
        parsed = json.loads(body)
    except ValueError:
        return {"text": body}
    return parsed if isinstance(parsed, dict) else {"text": body}

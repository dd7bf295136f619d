"""Ack first: a signed request is stored in the inbox and answered at once; a worker processes it behind the ack.

These tests send requests with a client that does not process them (no `settle`), so what the person sees
in the ack and what happens once a worker runs can be told apart. Every test runs on SQLite (the inbox is
a file beside the app's database) and PostgreSQL (a table of the app's database).
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from conftest import ACME_CHANNEL, ACME_USER, BETA_CHANNEL, BETA_USER, BUYER, SIGNING_SECRET
from fakeslack import HOME_TEAM
from helpers import issue_order, order_named
from slackclient import SlackClient, click, sign, submit
from sqlalchemy import delete, func, insert, select, text, update
from sqlmodel import select as sqlmodel_select

from bot.app import make_client, scheduled_jobs
from bot.core.inbox import (
    CLAIM_LEASE,
    FAILED_KEPT,
    Processor,
    _Batches,
    _Janitor,
    backlog,
    claims_engine,
    forget_failed_requests,
    inbox_engine,
)
from bot.core.scheduler import JobContext, run_job
from models import ChannelMessage, Order, Supplier, utcnow
from models.slack import InboxRequest

_keys = itertools.count(1)
INBOX = InboxRequest.__table__


def rows_of(engine, *where) -> list:
    with engine.connect() as conn:
        rows = conn.execute(select(INBOX).where(*where).order_by(INBOX.c.id)).all()
        conn.rollback()
    return rows


def inbox(engine) -> list:
    """Every request of the inbox not finished yet, oldest first. Beside an inbox file (SQLite) a request's
    claim is a row of the claims file with the same id, "done" once its request ran."""
    if inbox_engine(engine) is engine:
        return rows_of(engine)
    # Claims first: the door's janitor deletes a request, then its done claim; read the other way round, a
    # request the janitor removed between the two reads would look stored and never claimed.
    claims = {row.id: row for row in rows_of(claims_engine(engine))}
    stored = rows_of(inbox_engine(engine))
    rows = {**{row.id: row for row in stored}, **claims}
    return [rows[i] for i in sorted(rows) if rows[i].status != "done"]


def forge_claim(engine, request_id: int, claimed_at) -> None:
    """A worker claimed the request, then died: its row "working", with a claim no live worker holds."""
    claim = {"status": "working", "claim_token": "dead", "claimed_at": claimed_at, "attempts": 1}
    if inbox_engine(engine) is engine:
        with engine.begin() as conn:
            conn.execute(update(INBOX).where(INBOX.c.id == request_id).values(**claim))
        return
    [stored] = rows_of(inbox_engine(engine), INBOX.c.id == request_id)
    with claims_engine(engine).begin() as conn:
        conn.execute(insert(INBOX).values({**stored._asdict(), "event_id": None, **claim}))


def wait_for_janitor(engine, timeout: float = 10.0) -> None:
    """Beside an inbox file, until the door's janitor has removed the finished requests from it and the
    done claims (it looks four times a second)."""
    if inbox_engine(engine) is engine:
        return
    finished = INBOX.c.status.in_(("done", "failed"))
    deadline = time.monotonic() + timeout
    while True:
        left = {row.id for row in rows_of(claims_engine(engine), finished)} & {
            row.id for row in rows_of(inbox_engine(engine))
        }
        done = rows_of(claims_engine(engine), INBOX.c.status == "done")
        if not left and not done:
            return
        assert time.monotonic() < deadline, (
            f"the janitor left {sorted(left)} in the inbox file, {len(done)} done"
        )
        time.sleep(0.05)  # polling the janitor's thread, with a deadline


def count(session, model, *where) -> int:
    return session.exec(sqlmodel_select(func.count()).select_from(model).where(*where)).one()


def send_command(url, slack, text, *, user=BUYER, channel=ACME_CHANNEL, command="/srm", signature=None):
    """A slash command as Slack sends it, not processed here: (HTTP status, body, X-Srm-Request, reply key)."""
    key = f"inbox/{next(_keys)}"
    form = urlencode({
        "token": "legacy", "team_id": HOME_TEAM, "team_domain": "home", "channel_id": channel,
        "channel_name": "supplier-shared", "user_id": user, "user_name": user.lower(), "command": command,
        "text": text, "api_app_id": "A0SRM", "response_url": slack.hook_url(key),
        "trigger_id": f"{next(_keys)}.trigger",
    })  # fmt: skip
    timestamp = str(int(time.time()))
    request = urllib.request.Request(url.rstrip("/") + "/slack/events", data=form.encode(), method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    request.add_header("X-Slack-Request-Timestamp", timestamp)
    request.add_header("X-Slack-Signature", signature or sign(SIGNING_SECRET, timestamp, form))
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(), response.headers.get("X-Srm-Request"), key
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers.get("X-Srm-Request"), key


def replies(slack, key) -> list[dict]:
    return list(slack.replies.get(key) or [])


def test_the_ack_comes_before_the_work(served, slack, engine, session):
    url, processor = served
    status, body, request_id, key = send_command(url, slack, 'supplier add "Acme Textiles" country=CN')

    # Answered at once, with nothing done yet: the request waits in the inbox.
    assert (status, body) == (200, "")
    assert request_id and int(request_id) > 0
    [row] = inbox(engine)
    assert (row.id, row.kind, row.status) == (int(request_id), "command", "pending")
    assert count(session, Supplier) == 0 and replies(slack, key) == []

    # A worker runs it: the supplier exists, the inbox is empty and the person got the reply.
    assert processor.drain() == 1
    assert session.exec(sqlmodel_select(Supplier)).one().name == "Acme Textiles"
    assert inbox(engine) == []
    [reply] = replies(slack, key)
    assert "added" in json.dumps(reply) and reply["response_type"] == "ephemeral"


def test_an_event_slack_retries_is_stored_and_processed_once(served, client, slack, engine, session, acme):
    url, processor = served
    unsettled = SlackClient(url, SIGNING_SECRET)
    event = {"type": "message", "channel": ACME_CHANNEL, "user": ACME_USER, "text": "Fabric ships Monday",
             "ts": "1788253200.000100", "channel_type": "channel"}  # fmt: skip

    assert unsettled.event(event, event_id="EvRETRY01").status == 200
    assert unsettled.event(event, event_id="EvRETRY01", retry=1).status == 200  # the ack was late
    assert [r.event_id for r in inbox(engine)] == ["EvRETRY01"]

    assert processor.drain() == 1
    assert inbox(engine) == []
    assert count(session, ChannelMessage, ChannelMessage.ts == "1788253200.000100") == 1

    # A retry that comes after the first delivery was processed changes nothing either.
    assert unsettled.event(event, event_id="EvRETRY01", retry=2).status == 200
    processor.drain()
    assert inbox(engine) == []
    assert count(session, ChannelMessage, ChannelMessage.ts == "1788253200.000100") == 1


def send_event(url, event_id, text) -> tuple[int, str | None]:
    """A supplier's message in the Acme channel as Slack delivers it, not processed: (status, X-Srm-Request)."""
    event = {"type": "message", "channel": ACME_CHANNEL, "user": ACME_USER, "text": text,
             "ts": f"1788253200.{next(_keys):06d}", "channel_type": "channel"}  # fmt: skip
    body = json.dumps({"token": "legacy", "team_id": HOME_TEAM, "api_app_id": "A0SRM", "type": "event_callback",
                       "event_id": event_id, "event_time": 1788253200, "event": event})  # fmt: skip
    timestamp = str(int(time.time()))
    request = urllib.request.Request(url.rstrip("/") + "/slack/events", data=body.encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("X-Slack-Request-Timestamp", timestamp)
    request.add_header("X-Slack-Signature", sign(SIGNING_SECRET, timestamp, body))
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers.get("X-Srm-Request")


WAITING = object()  # at_once's answer for a call that had not returned by the deadline


def at_once(sends: list, timeout: float = 60.0) -> list:
    """Each of `sends` in a thread of its own, released together; their results in order (WAITING for a
    call that had not returned within `timeout`)."""
    gate = threading.Barrier(len(sends))
    answers: list = [WAITING] * len(sends)

    def send(i):
        gate.wait()
        answers[i] = sends[i]()

    threads = [threading.Thread(target=send, args=(i,), daemon=True) for i in range(len(sends))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return answers


def test_requests_arriving_together_are_each_stored_once_under_their_own_id(served, slack, engine, acme):
    """Requests that arrive at once are stored together (one statement on PostgreSQL): each ack names the
    row holding that very request, and an event Slack sent twice, or sent again later, is stored once."""
    url, processor = served
    assert send_event(url, "EvTOGETHER-OLD", "stored before")[0] == 200
    for r in range(5):
        commands = [f"together-{r}-{n}" for n in range(8)]
        events = [f"together-{r}-e{n}" for n in range(4)]
        ids = [int(i) for i in at_once(
            [lambda t=t: send_command(url, slack, f"help {t}")[2] for t in commands]
            + [lambda t=t: send_event(url, f"Ev{t}", t)[1] for t in events]
            + [lambda t=f"together-{r}-twice": send_event(url, "Ev" + t, t)[1]] * 2
            + [lambda: send_event(url, "EvTOGETHER-OLD", "stored before")[1]]
        )]  # fmt: skip
        bodies = {row.id: row.body for row in rows_of(inbox_engine(engine), INBOX.c.id.in_(ids))}
        for text_, row_id in zip(commands + events, ids, strict=False):
            assert text_ in bodies[row_id]
        twice = ids[12:14]
        assert min(twice) == 0 and f"together-{r}-twice" in bodies[max(twice)]
        assert ids[14] == 0  # stored before
    assert processor.drain() == 1 + 5 * (8 + 4 + 1)


def test_a_batch_that_fails_fails_only_its_own_requests_and_the_next_ones_are_stored(engine):
    """Requests arriving together wait in line for one of them to store them all. When that fails, every
    request of the batch hears it (its ack becomes an error, and Slack sends it again); the requests in
    line behind it are not left waiting, and the next ones are stored."""
    batches = _Batches(inbox_engine(engine))

    def row(body: str | None) -> dict:
        return {"kind": "command", "priority": 0, "body": body, "content_type": "text/plain", "event_id": None,
                "status": "pending", "attempts": 0, "received_at": utcnow()}  # fmt: skip

    def store(body: str | None):
        try:
            return batches.store(row(body))
        except Exception as exc:  # what the request's ack would report
            return exc

    try:
        for _ in range(5):
            bodies = [None] + [f"after-{n}" for n in range(15)]  # a body is required: the first row fails
            answers = at_once([lambda b=body: store(b) for body in bodies], timeout=30)
            assert WAITING not in answers, "requests were left waiting in line"
            assert isinstance(answers[0], Exception)
            stored = {r.id: r.body for r in rows_of(inbox_engine(engine), INBOX.c.body.like("after-%"))}
            for i, body in enumerate(bodies[1:], start=1):
                assert isinstance(answers[i], Exception) or stored[answers[i]] == body
        later = store("later")
        assert [r.body for r in rows_of(inbox_engine(engine), INBOX.c.id == later)] == ["later"]
    finally:
        batches.close()


def test_a_message_in_a_channel_that_is_not_linked_is_not_stored(served, client, engine, session, acme):
    url, processor = served
    unsettled = SlackClient(url, SIGNING_SECRET)
    before = count(session, ChannelMessage)

    assert unsettled.message("hola", user=BETA_USER, channel=BETA_CHANNEL).status == 200
    assert inbox(engine) == []
    assert processor.drain() == 0
    assert count(session, ChannelMessage) == before


def test_two_workers_never_process_a_request_twice(served, slack, engine, session, acme):
    url, processor = served
    second = Processor(engine, processor.handle, SIGNING_SECRET)  # another worker, as `srm worker` builds it
    for n in range(3):
        keys = {}
        for i in range(30):
            status, body, _, key = send_command(url, slack, f"order new PO-{n}-{i} qty=10 due=2026-12-20")
            assert (status, body) == (200, "")
            keys[f"PO-{n}-{i}"] = key
        assert len(inbox(engine)) == 30

        barrier = threading.Barrier(2)
        processed = [0, 0]

        def work(slot, worker, barrier=barrier, processed=processed):
            barrier.wait()
            processed[slot] = worker.drain()

        threads = [threading.Thread(target=work, args=(s, w)) for s, w in enumerate((processor, second))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert not any(thread.is_alive() for thread in threads), f"round {n}: a worker did not finish"

        assert sum(processed) == 30, f"round {n}: {processed} requests processed for 30 stored"
        assert inbox(engine) == []
        assert count(session, Order, Order.po.startswith(f"PO-{n}-")) == 30
        for po, key in keys.items():
            sent = replies(slack, key)
            assert len(sent) == 1, f"round {n}: {po} got {len(sent)} replies"
            assert ":warning:" not in json.dumps(sent[0]), sent[0]


def test_a_request_whose_worker_died_is_processed_once_its_claim_runs_out(served, slack, engine, session):
    url, processor = served
    status, _, request_id, key = send_command(url, slack, 'supplier add "Acme Textiles" country=CN')
    assert status == 200
    forge_claim(engine, int(request_id), utcnow())  # a worker claimed it, then died

    # While the claim holds, other workers leave it alone.
    assert processor.drain() == 0
    [row] = inbox(engine)
    assert (row.status, row.claim_token) == ("working", "dead")
    assert count(session, Supplier) == 0 and replies(slack, key) == []

    # Once the claim has run out, it is processed, once.
    with time_machine.travel(utcnow() + CLAIM_LEASE + timedelta(seconds=5), tick=True):
        assert processor.drain() == 1
        assert processor.drain() == 0
    assert inbox(engine) == []
    assert count(session, Supplier) == 1
    [reply] = replies(slack, key)
    assert "added" in json.dumps(reply)


def test_a_request_no_listener_handles_fails_and_the_person_is_told(served, slack, engine, session, settings,
                                                                    config):  # fmt: skip
    url, processor = served
    status, body, request_id, key = send_command(url, slack, "anything", command="/other")
    assert (status, body) == (200, "")

    assert processor.drain() == 1
    [row] = inbox(engine)
    assert (row.id, row.status) == (int(request_id), "failed")
    assert row.last_error and "404" in row.last_error, row.last_error
    [reply] = replies(slack, key)
    assert "did not work" in reply["text"]

    # A failed request is set aside: no worker runs it again and the person hears of it once.
    assert processor.drain() == 0
    assert [r.status for r in inbox(engine)] == ["failed"] and len(replies(slack, key)) == 1

    # Housekeeping keeps it 30 days for an operator to look at, then forgets it.
    wait_for_janitor(engine)  # on SQLite, a failed request still in the inbox file is forgotten later
    ctx = JobContext(engine=engine, config=config, client=make_client(settings), worker_id="test")
    later = row.received_at + FAILED_KEPT - timedelta(hours=1)
    assert "failed requests" not in run_job(ctx, scheduled_jobs(config), "housekeeping", later)
    assert len(inbox(engine)) == 1
    assert run_job(ctx, scheduled_jobs(config), "housekeeping", later + timedelta(hours=2)).endswith(
        "and 1 failed requests"
    )
    assert inbox(engine) == []


def test_a_bad_signature_is_refused_and_nothing_is_stored(served, slack, engine, session):
    url, processor = served
    status, _, request_id, key = send_command(
        url, slack, 'supplier add "Acme Textiles" country=CN', signature="v0=" + "0" * 64
    )
    assert status == 401 and request_id is None
    assert inbox(engine) == []
    assert processor.drain() == 0
    assert count(session, Supplier) == 0 and replies(slack, key) == []


def test_a_modal_submission_is_still_answered_in_the_ack(served, client, slack, engine, session, acme):
    url, processor = served
    issue_order(client)
    order = order_named(session)
    click(client, "order_propose_date", str(order.id), user=ACME_USER, channel=ACME_CHANNEL)
    view = slack.wait_for(lambda: slack.calls_to("views.open"), what="modal")[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view

    # The same due date is refused in the modal itself: the answer is the ack, with no worker running.
    unsettled = SlackClient(url, SIGNING_SECRET)
    answer = submit(unsettled, view, {"date": "2026-12-15", "reason": "x"}, user=ACME_USER).json()
    assert answer["response_action"] == "errors" and "date" in answer["errors"]
    assert inbox(engine) == []
    assert processor.drain() == 0


def test_requests_are_stored_on_after_the_database_dropped_the_doors_connection(
    served, slack, engine, session
):
    """The door's pool does not check a connection before each batch; when PostgreSQL closed it (a restart,
    an idle timeout), the next request is still stored and acked, on a new connection."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a server that closes connections is PostgreSQL's")
    url, processor = served
    assert send_command(url, slack, "help")[0] == 200
    with engine.connect() as conn:  # every other connection to the database goes, the door's among them
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )

    status, body, request_id, key = send_command(url, slack, "help")
    assert (status, body) == (200, "") and int(request_id) > 0
    assert [row.id for row in inbox(engine)][-1] == int(request_id)
    assert processor.drain() == 2
    assert "/srm" in json.dumps(replies(slack, key))


class Killed(BaseException):
    """The worker's process ends here (nothing in the worker catches it)."""


def test_a_worker_killed_just_after_the_request_committed_does_not_run_it_again(served, slack, engine, session,
                                                                                acme):  # fmt: skip
    """On PostgreSQL the row goes in the request's own transaction. (On SQLite the claim is marked done in
    its own file just after the commit: a worker killed between the two runs the request again.)"""
    if claims_engine(engine) is not engine:
        pytest.skip("the claim is finished in the request's transaction only on PostgreSQL")
    url, processor = served
    status, _, _, key = send_command(url, slack, "order new PO-K-1 qty=10 due=2026-12-20")
    assert status == 200

    def commit_then_die(request, finish):
        processor.handle(request, finish=finish)
        raise Killed

    with pytest.raises(Killed):
        Processor(engine, commit_then_die, SIGNING_SECRET).drain()
    assert count(session, Order, Order.po == "PO-K-1") == 1

    # The request was finished in its own transaction: once the dead worker's claim has run out, no worker
    # runs it again.
    with time_machine.travel(utcnow() + CLAIM_LEASE + timedelta(seconds=5), tick=True):
        assert processor.drain() == 0
    assert inbox(engine) == []
    assert count(session, Order, Order.po == "PO-K-1") == 1 and replies(slack, key) == []


@contextmanager
def write_lock(path: str) -> Iterator[None]:
    """Another process's writer: SQLite's write lock on the database file at `path`, held until the block ends."""
    raw = sqlite3.connect(path, isolation_level=None)
    try:
        raw.execute("BEGIN IMMEDIATE")
        yield
    finally:
        raw.execute("ROLLBACK")
        raw.close()


def test_on_sqlite_the_door_and_the_workers_never_wait_on_each_other(served, slack, engine, session):
    if inbox_engine(engine) is engine:
        pytest.skip("only where the inbox is a file of its own (SQLite)")
    url, processor = served

    # Storing a request never writes the app's database: it is acked while another writer holds it.
    with write_lock(engine.url.database):
        started = time.monotonic()
        status, body, request_id, key = send_command(url, slack, 'supplier add "Acme Textiles" country=CN')
        assert (status, body) == (200, "") and int(request_id) > 0
        assert time.monotonic() - started < 5  # waiting for the lock would take SQLite's busy timeout (30 s)

    # A worker never writes the inbox file: it claims and finishes the request while another writer holds it.
    with write_lock(inbox_engine(engine).url.database):
        worker = threading.Thread(target=processor.drain, daemon=True)
        worker.start()
        deadline = time.monotonic() + 10
        while int(request_id) not in processor.finished:
            assert time.monotonic() < deadline, "the worker waited on the inbox file's write lock"
            time.sleep(0.01)  # polling the worker's thread, with a deadline
        worker.join(10)
        assert inbox(engine) == [] and count(session, Supplier) == 1
    [reply] = replies(slack, key)
    assert "added" in json.dumps(reply)


def test_finished_requests_are_removed_by_the_janitor_and_never_run_again(
    served, slack, engine, session, acme
):
    url, processor = served
    keys = [send_command(url, slack, f"order new PO-J-{n} qty=10 due=2026-12-20")[3] for n in range(3)]
    assert backlog(engine) == (3, 0)

    assert processor.drain() == 3
    assert backlog(engine) == (0, 0)
    assert processor.drain() == 0  # done, whether or not the janitor has run yet

    # Once the janitor has run, no row is left behind, and nothing is run again.
    wait_for_janitor(engine)
    assert rows_of(inbox_engine(engine)) == [] and rows_of(claims_engine(engine)) == []
    assert processor.drain() == 0
    assert count(session, Order, Order.po.startswith("PO-J-")) == 3
    assert [len(replies(slack, key)) for key in keys] == [1, 1, 1]


def test_a_worker_that_looked_before_the_janitor_ran_does_not_run_the_request_again(served, slack, engine,
                                                                                      session):  # fmt: skip
    if inbox_engine(engine) is engine:
        pytest.skip("only where the inbox is a file of its own (SQLite)")
    url, processor = served
    _, _, request_id, key = send_command(url, slack, 'supplier add "Acme Textiles" country=CN')
    late = Processor(engine, processor.handle, SIGNING_SECRET)
    seen = late._stored(int(request_id))  # what a slow worker read of the inbox file, before:
    assert processor.drain() == 1  # another worker ran the request
    wait_for_janitor(engine)  # and the janitor removed it from the file and its claim

    # The slow worker's copy of the request into the claims file succeeds (no row has its id any
    # more), but the request is gone from the inbox file: it was finished, and is not run again.
    looks = [seen]
    late._stored = lambda row_id: looks.pop() if looks else Processor._stored(late, row_id)
    assert late._claim_new(int(request_id), "late", utcnow()) is None
    assert rows_of(claims_engine(engine)) == [] and rows_of(inbox_engine(engine)) == []
    assert late.drain() == 0
    assert count(session, Supplier) == 1 and len(replies(slack, key)) == 1


def test_a_request_claimed_by_a_worker_that_died_long_ago_is_processed_once(served, slack, engine, session):
    url, processor = served
    status, _, request_id, key = send_command(url, slack, 'supplier add "Acme Textiles" country=CN')
    assert status == 200
    forge_claim(engine, int(request_id), utcnow() - CLAIM_LEASE - timedelta(minutes=1))
    [row] = inbox(engine)
    assert (row.status, row.claim_token) == ("working", "dead")

    assert processor.drain() == 1
    assert processor.drain() == 0
    wait_for_janitor(engine)
    assert processor.drain() == 0
    assert rows_of(inbox_engine(engine)) == [] and rows_of(claims_engine(engine)) == []
    assert count(session, Supplier) == 1
    [reply] = replies(slack, key)
    assert "added" in json.dumps(reply)


def test_a_backlog_is_processed_clicks_and_commands_first_then_events_oldest_first(
    served, slack, engine, acme
):
    """However many requests wait, each claim takes the next one in order: what a person waits on (commands,
    clicks) before events, each oldest first; a request whose worker died long ago keeps its place, and
    one a live worker holds is left to it."""
    url, _ = served
    events = [int(send_event(url, f"EvBACKLOG{n}", f"backlog {n}")[1]) for n in range(3)]
    commands = [int(send_command(url, slack, f"help backlog {n}")[2]) for n in range(3)]
    forge_claim(engine, events[0], utcnow() - CLAIM_LEASE - timedelta(minutes=1))  # its worker died
    forge_claim(engine, commands[1], utcnow())  # a live worker is processing it now

    order: list[int] = []
    processor = Processor(engine, served[1].handle, SIGNING_SECRET, on_done=order.append)
    assert processor.drain() == 5
    assert order == [commands[0], commands[2], *events]
    assert [row.id for row in inbox(engine)] == [commands[1]]


def test_requests_stored_while_the_worker_was_idle_are_taken_up_by_all_its_threads(served, slack, engine):
    """An idle worker's threads do not each poll the database: one looks, and a thread that claims a
    request has the next idle one look too, so a burst is taken up by every thread at once."""
    url, served_processor = served
    processor = Processor(engine, served_processor.handle, SIGNING_SECRET)
    processor.FOLLOWER_WAIT = 60  # the idle threads look only when woken
    slack.answer_slowly("users.info", seconds=0.5)  # people the app has never seen: each is looked up
    stop = threading.Event()
    threads = [threading.Thread(target=processor.run, args=(stop,), daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        keys = [send_command(url, slack, "help", user=f"U0IDLE{n}")[3] for n in range(4)]
        slack.wait_for(lambda: all(replies(slack, key) for key in keys), timeout=20, what="four replies")
    finally:
        stop.set()
        processor.close()
        for thread in threads:
            thread.join(timeout=10)
    assert slack.max_in_flight["users.info"] == 4
    assert inbox(engine) == []


def store_as_the_door(engine, received_at) -> int:
    """A request stored in the inbox file, without a door (so no janitor of its runs in the test)."""
    row = {"kind": "command", "priority": 0, "body": "text=x", "content_type": "text/plain",
           "status": "pending", "attempts": 0, "received_at": received_at}  # fmt: skip
    with inbox_engine(engine).begin() as conn:
        return conn.execute(insert(INBOX).values(row)).inserted_primary_key[0]


def claim_row(engine, request_id: int, status: str) -> None:
    """The request's claim, as a worker leaves it."""
    [stored] = rows_of(inbox_engine(engine), INBOX.c.id == request_id)
    with claims_engine(engine).begin() as conn:
        conn.execute(insert(INBOX).values({**stored._asdict(), "status": status, "claim_token": "t"}))


def never_run(*args, **kwargs):
    raise AssertionError("a finished request was run again")


def test_a_failed_request_still_in_the_inbox_file_is_not_forgotten_yet(engine):
    if inbox_engine(engine) is engine:
        pytest.skip("only where the inbox is a file of its own (SQLite)")
    request_id = store_as_the_door(engine, utcnow() - FAILED_KEPT - timedelta(days=1))
    claim_row(engine, request_id, "failed")
    worker = Processor(engine, never_run, SIGNING_SECRET)

    # Forgotten while its inbox-file row remains, it would look unclaimed and be run again.
    assert forget_failed_requests(engine, utcnow()) == 0
    assert worker.drain() == 0

    with inbox_engine(engine).begin() as conn:  # the janitor's part
        conn.execute(delete(INBOX).where(INBOX.c.id == request_id))
    assert forget_failed_requests(engine, utcnow()) == 1
    assert rows_of(claims_engine(engine)) == [] and worker.drain() == 0


class Unwritable:
    def begin(self):
        raise OSError("the inbox file cannot be written just now")


def test_the_janitor_removes_a_request_from_the_inbox_file_before_its_done_row(engine):
    if inbox_engine(engine) is engine:
        pytest.skip("only where the inbox is a file of its own (SQLite)")
    request_id = store_as_the_door(engine, utcnow())
    claim_row(engine, request_id, "done")
    worker = Processor(engine, never_run, SIGNING_SECRET)

    # While the request cannot be removed from the inbox file, its done row stays: gone, the request
    # would look unclaimed and be run again.
    stuck = _Janitor(inbox_engine(engine), claims_engine(engine))
    stuck.store_writer = Unwritable()
    with pytest.raises(OSError):
        stuck.sweep()
    assert [row.status for row in rows_of(claims_engine(engine))] == ["done"]
    assert worker.drain() == 0

    janitor = _Janitor(inbox_engine(engine), claims_engine(engine))
    assert janitor.sweep() is True  # removed some: it looks again
    assert rows_of(inbox_engine(engine)) == [] and rows_of(claims_engine(engine)) == []
    assert janitor.sweep() is False  # nothing left: its thread would end
    assert worker.drain() == 0


def test_healthz_counts_the_requests_acked_and_not_processed_yet(served, slack, engine):
    url, processor = served

    def health() -> dict:
        with urllib.request.urlopen(url + "/healthz", timeout=10) as response:
            return json.loads(response.read())

    assert health()["inbox"] == {"waiting": 0, "failed": 0}
    for _ in range(2):
        assert send_command(url, slack, "help")[0] == 200
    assert health()["inbox"] == {"waiting": 2, "failed": 0}  # no worker ran: an operator sees it grow

    assert processor.drain() == 2
    assert health() == {"status": "ok", "database": "ok", "inbox": {"waiting": 0, "failed": 0}}

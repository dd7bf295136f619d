"""Outbox delivery: sent once, retried on 5xx, paced per channel, honouring 429, kept when it gives up."""

import itertools
import threading
from datetime import timedelta

import pytest
import time_machine
from conftest import ACME_CHANNEL, BETA_CHANNEL, INTERNAL_CHANNEL
from sqlmodel import select

from bot.app import make_client
from bot.config import DeliveryConfig
from bot.core.db import make_engine, session_scope
from bot.core.delivery import Delivery, claim_lease
from bot.core.outbox import enqueue, post_card, post_in_thread, update_card
from models import Card, OutboxMessage, utcnow


def _delivery(engine, settings, worker_id="w1", **overrides):
    options = {"channel_interval_seconds": 0, "backoff_seconds": 0.01, "max_backoff_seconds": 0.05,
               "max_attempts": 3, "poll_seconds": 0.02} | overrides  # fmt: skip
    return Delivery(
        engine=engine, client=make_client(settings), config=DeliveryConfig(**options), worker_id=worker_id
    )


def _drain(delivery, slack, until, what):
    def step():
        delivery.deliver_due()
        return until()

    return slack.wait_for(step, what=what)


def _post(engine, text, channel=ACME_CHANNEL):
    with session_scope(engine) as session:
        enqueue(session=session, channel_id=channel, payload={"text": text})


def _rows(engine):
    with session_scope(engine) as session:
        return session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_card_is_posted_then_updated_in_place_and_replied_to_in_its_thread(engine, settings, slack):
    with session_scope(engine) as session:
        card = post_card(session=session, kind="order", object_type="order", object_id=1, channel_id=ACME_CHANNEL,
                         payload={"text": "PO-1: issued"})  # fmt: skip
        update_card(session=session, card=card, payload={"text": "PO-1: confirmed"})
        post_in_thread(session=session, card=card, payload={"text": "Confirmed by the supplier"})
    delivery = _delivery(engine, settings)
    _drain(
        delivery,
        slack,
        lambda: len(slack.calls_to("chat.update")) and len(slack.posts()) == 2,
        "all three calls",
    )
    with session_scope(engine) as session:
        card = session.exec(select(Card)).one()
    first, reply = slack.posts()
    update = slack.calls_to("chat.update")[0].params
    assert first["text"] == "PO-1: issued" and card.ts
    assert (update["ts"], update["text"]) == (card.ts, "PO-1: confirmed")
    assert slack.messages[(ACME_CHANNEL, card.ts)]["text"] == "PO-1: confirmed"
    assert (reply["thread_ts"], reply["text"]) == (card.ts, "Confirmed by the supplier")
    assert {r.status for r in _rows(engine)} == {"sent"}


def test_nothing_is_sent_for_a_rolled_back_change(engine, settings, slack):
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        enqueue(session=session, channel_id=ACME_CHANNEL, payload={"text": "never"})
        raise RuntimeError("the change failed")
    assert _delivery(engine, settings).deliver_due() == 0
    assert slack.posts() == [] and _rows(engine) == []


def test_a_message_written_by_a_process_whose_clock_is_ahead_is_sent_at_once(engine, settings, slack):
    """The writer's clock does not delay a fresh message: another worker, behind it, sends it now."""
    with time_machine.travel(utcnow() + timedelta(hours=1), tick=True):
        _post(engine, "Written an hour ahead")
    delivery = _delivery(engine, settings)
    assert delivery.deliver_due() == 1
    assert [p["text"] for p in slack.posts(ACME_CHANNEL)] == ["Written an hour ahead"]


def test_server_errors_are_retried_and_the_message_sent_once(engine, settings, slack):
    slack.fail_next("chat.postMessage", status=503, times=2)
    _post(engine, "after two failures")
    delivery = _delivery(engine, settings)
    _drain(delivery, slack, lambda: slack.messages, "delivery after retries")
    row = _rows(engine)[0]
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
    assert len(slack.messages) == 1 and len(slack.posts()) == 3


def test_rate_limit_waits_for_retry_after(engine, settings, slack):
    slack.fail_next("chat.postMessage", status=429, error="ratelimited", retry_after=1)
    _post(engine, "paced by Slack")
    delivery = _delivery(engine, settings)
    _drain(delivery, slack, lambda: slack.messages, "delivery after 429")
    first, second = slack.calls_to("chat.postMessage")
    assert second.at - first.at >= 0.95
    assert _rows(engine)[0].attempts == 1  # being rate limited is not a failed attempt


def test_gives_up_after_max_attempts_and_keeps_the_last_error(engine, settings, slack):
    slack.fail_next("chat.postMessage", status=500, times=10, error="internal_error")
    _post(engine, "doomed")
    delivery = _delivery(engine, settings, max_attempts=3)
    _drain(delivery, slack, lambda: _rows(engine)[0].status == "failed", "giving up")
    row = _rows(engine)[0]
    assert (row.attempts, row.last_error) == (3, "internal_error")
    assert len(slack.posts()) == 3 and not slack.messages


def test_permanent_errors_fail_at_once_without_blocking_other_channels(engine, settings, slack):
    _post(engine, "to a channel the bot left", channel="C0GONE")
    _post(engine, "fine", channel=BETA_CHANNEL)
    delivery = _delivery(engine, settings)
    _drain(delivery, slack, lambda: slack.messages, "other channel")
    gone, fine = _rows(engine)
    assert (gone.status, gone.attempts, gone.last_error) == ("failed", 1, "channel_not_found")
    assert fine.status == "sent"


def test_a_message_waiting_for_its_retry_holds_back_its_channel_and_no_other(engine, settings, slack):
    for n in range(1, 4):
        _post(engine, f"acme {n}")
    slack.fail_next("chat.postMessage", status=503)
    delivery = _delivery(engine, settings, backoff_seconds=60, max_backoff_seconds=60)
    assert delivery.deliver_due() == 0  # "acme 1" failed and waits a minute; nothing behind it goes
    _post(engine, "beta 1", channel=BETA_CHANNEL)
    assert delivery.deliver_due() == 1
    assert [m["text"] for m in slack.messages.values()] == ["beta 1"]

    later = utcnow() + timedelta(seconds=61)
    while delivery.deliver_due(now=later):
        pass
    acme = [
        c.params["text"] for c in slack.calls_to("chat.postMessage") if c.params["channel"] == ACME_CHANNEL
    ]
    assert acme == ["acme 1", "acme 1", "acme 2", "acme 3"]  # the failed try, then the channel in order
    assert {r.status for r in _rows(engine)} == {"sent"}


def test_a_refused_token_keeps_the_messages_and_pauses_delivery(engine, settings, slack):
    slack.token_error = "invalid_auth"
    _post(engine, "one")
    _post(engine, "two", channel=BETA_CHANNEL)
    delivery = _delivery(engine, settings)
    assert delivery.deliver_due() == 0
    assert delivery.deliver_due() == 0  # paused: Slack is not asked again for a while
    assert len(slack.posts()) == 1
    assert [(r.status, r.attempts) for r in _rows(engine)] == [("pending", 0), ("pending", 0)]
    slack.token_error = None  # the operator fixed SLACK_BOT_TOKEN
    assert delivery.deliver_due(now=utcnow() + timedelta(seconds=61)) == 2
    assert {r.status for r in _rows(engine)} == {"sent"}


def test_at_most_one_message_per_second_per_channel(engine, settings, slack):
    for n in range(3):
        _post(engine, f"acme {n}")
    _post(engine, "beta 0", channel=BETA_CHANNEL)
    delivery = _delivery(engine, settings, channel_interval_seconds=1.0)
    _drain(delivery, slack, lambda: len(slack.messages) == 4, "four messages")
    acme = [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == ACME_CHANNEL]
    assert [c.params["text"] for c in acme] == ["acme 0", "acme 1", "acme 2"]
    gaps = [b.at - a.at for a, b in itertools.pairwise(acme)]
    assert min(gaps) >= 0.95, gaps
    beta = next(c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == BETA_CHANNEL)
    assert beta.at - acme[0].at < 0.9  # other channels are not held back


def test_senders_post_to_different_channels_at_once_and_to_each_channel_in_order(engine, settings, slack):
    channels = (ACME_CHANNEL, BETA_CHANNEL, INTERNAL_CHANNEL)
    for n in range(9):
        _post(engine, f"m{n}", channel=channels[n % 3])
    slack.answer_slowly("chat.postMessage", seconds=0.2)
    slack.fail_next("chat.postMessage", status=429, retry_after=0)
    delivery = _delivery(engine, settings, senders=3)
    _drain(delivery, slack, lambda: len(slack.messages) == 9, "every message")
    assert slack.max_in_flight["chat.postMessage"] >= 2  # different channels at the same time
    for i, channel in enumerate(channels):
        posted = [
            m["text"]
            for (c, _ts), m in sorted(slack.messages.items(), key=lambda kv: float(kv[0][1]))
            if c == channel
        ]
        assert posted == [f"m{n}" for n in range(i, 9, 3)]  # each channel in the order queued, once each
    assert {r.status for r in _rows(engine)} == {"sent"}


def test_two_workers_send_each_row_exactly_once_in_order(engine, settings, slack):
    channels = [ACME_CHANNEL, BETA_CHANNEL, INTERNAL_CHANNEL]
    for n in range(30):
        _post(engine, f"m{n}", channel=channels[n % 3])
    workers = [_delivery(engine, settings, worker_id=f"w{i}") for i in range(2)]
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(stop,)) for w in workers]
    for thread in threads:
        thread.start()
    try:
        slack.wait_for(lambda: len(slack.messages) == 30, what="30 messages")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
    texts = [c.params["text"] for c in slack.calls_to("chat.postMessage")]
    assert sorted(texts) == sorted(f"m{n}" for n in range(30))  # none twice
    for channel in channels:
        sent = [
            int(c.params["text"][1:])
            for c in slack.calls_to("chat.postMessage")
            if c.params["channel"] == channel
        ]
        assert sent == sorted(sent)
    assert {r.claimed_by for r in _rows(engine)} == {None}


def _bulk_channels(slack, count):
    """`count` channels with the bot in them: one row each, so every row is due at once."""
    channels = [f"C0BULK{n:03}" for n in range(count)]
    for channel in channels:
        slack.add_channel(channel, name=channel.lower())
    return channels


def _run_workers(workers, until, slack, what):
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(stop,)) for w in workers]
    for thread in threads:
        thread.start()
    try:
        slack.wait_for(until, timeout=30, what=what)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)


@pytest.mark.parametrize("engines", ["one engine", "an engine each"])
def test_two_workers_on_a_slow_slack_send_each_message_once(engine, db_url, settings, slack, engines):
    """Each answer takes 8 simulated seconds (the client times out at 10): 60 messages take longer
    than any claim may live, and still none is sent twice. One sender per worker: the simulated clock is
    shared, so concurrent senders would each add their 8 s to every call in flight (a call that seems to
    outlive its claim, which a real call bounded by the timeout cannot)."""
    channels = _bulk_channels(slack, 60)
    for n, channel in enumerate(channels):
        _post(engine, f"m{n}", channel=channel)
    extra = [make_engine(db_url) for _ in range(2)] if engines == "an engine each" else []
    workers = [
        _delivery(own, settings, worker_id=f"w{i}", http_timeout_seconds=10, senders=1)
        for i, own in enumerate(extra or [engine, engine])
    ]
    try:
        with time_machine.travel(utcnow(), tick=True) as clock:
            slack.answer_slowly("chat.postMessage", seconds=0.01, clock_step=lambda: clock.shift(8))
            _run_workers(workers, lambda: {r.status for r in _rows(engine)} == {"sent"}, slack, "all sent")
    finally:
        for own in extra:
            own.dispose()
    texts = [c.params["text"] for c in slack.calls_to("chat.postMessage")]
    assert sorted(texts) == sorted(f"m{n}" for n in range(60))  # each exactly once
    rows = _rows(engine)
    assert {(r.status, r.attempts, r.claimed_by, r.claim_token) for r in rows} == {("sent", 1, None, None)}


def _stuck_worker(engine, settings, slack):
    """A worker whose `chat.postMessage` call hangs until the returned event is set."""
    release = slack.hold_next("chat.postMessage")
    worker = _delivery(engine, settings, worker_id="stuck")
    results: list[int] = []
    thread = threading.Thread(target=lambda: results.append(worker.deliver_due()))
    thread.start()
    slack.wait_for(lambda: slack.calls_to("chat.postMessage"), what="the stuck worker's call")
    return release, thread, results


def test_a_claim_is_handed_back_only_once_it_outlived_the_send_timeout(engine, settings, slack):
    _post(engine, "once")
    release, stuck, _ = _stuck_worker(engine, settings, slack)
    other = _delivery(engine, settings, worker_id="other")
    lease = claim_lease(other.config)
    assert lease >= timedelta(seconds=other.config.http_timeout_seconds + 30)
    try:
        with time_machine.travel(utcnow() + lease - timedelta(seconds=5)):
            assert other.deliver_due() == 0  # still within its lease: the call may be under way
        with time_machine.travel(utcnow() + lease + timedelta(seconds=1)):
            assert other.deliver_due() == 1  # no call lasts that long: its worker is gone
    finally:
        release.set()
        stuck.join(timeout=15)


def test_a_worker_whose_claim_was_taken_over_cannot_overwrite_the_row(engine, settings, slack):
    _post(engine, "once")
    slack.fail_next("chat.postMessage", status=200, error="msg_too_long")  # the stuck call's late answer
    release, stuck, results = _stuck_worker(engine, settings, slack)
    try:
        with time_machine.travel(utcnow() + timedelta(minutes=10)):
            assert _delivery(engine, settings, worker_id="other").deliver_due() == 1
    finally:
        release.set()
        stuck.join(timeout=15)
    assert results == [0]
    row = _rows(engine)[0]
    ((_, ts),) = slack.messages
    assert (row.status, row.ts, row.last_error, row.claim_token) == ("sent", ts, None, None)
    assert len(slack.posts()) == 2  # the stuck call and the one that took over


def test_a_late_answer_does_not_move_the_card_of_the_worker_that_took_over(engine, settings, slack):
    with session_scope(engine) as session:
        post_card(session=session, kind="order", object_type="order", object_id=1, channel_id=ACME_CHANNEL,
                  payload={"text": "PO-1: issued"})  # fmt: skip
    release, stuck, results = _stuck_worker(engine, settings, slack)
    try:
        with time_machine.travel(utcnow() + timedelta(minutes=10)):
            assert _delivery(engine, settings, worker_id="other").deliver_due() == 1
        taken_over_ts = _rows(engine)[0].ts
    finally:
        release.set()
        stuck.join(timeout=15)
    assert results == [0] and len(slack.messages) == 2  # the stuck call did reach Slack, late
    with session_scope(engine) as session:
        card = session.exec(select(Card)).one()
    assert card.ts == taken_over_ts == _rows(engine)[0].ts

"""A post whose answer was lost (timeout, dropped connection, dead worker) is looked for before it is
posted again: Slack shows each message once."""

import logging
from datetime import timedelta

from conftest import ACME_CHANNEL
from sqlalchemy import update
from sqlmodel import select
from test_outbox import _delivery, _drain, _post, _rows

from bot.app import make_client
from bot.core.db import session_scope
from bot.core.earlier_post import outbox_metadata
from bot.core.outbox import post_card, post_in_thread, update_card
from models import Card, OutboxMessage, utcnow


def _card(engine, text="PO-1: issued"):
    with session_scope(engine) as session:
        card = post_card(session=session, kind="order", object_type="order", object_id=1,
                         channel_id=ACME_CHANNEL, payload={"text": text})  # fmt: skip
        return card.id


def _card_ts(engine, card_id):
    with session_scope(engine) as session:
        return session.get(Card, card_id).ts


def test_every_post_names_its_outbox_row_in_its_metadata(engine, settings, slack):
    _post(engine, "hello")
    _drain(_delivery(engine, settings), slack, lambda: slack.posts(), "the post")
    (row,) = _rows(engine)
    ((key, message),) = slack.messages.items()
    assert (
        message["metadata"]
        == outbox_metadata(row.id)
        == {
            "event_type": "srm_outbox",
            "event_payload": {"outbox_id": row.id},
        }
    )
    assert row.ts == key[1]


def test_a_card_whose_answer_was_lost_is_adopted_and_updated_not_posted_twice(engine, settings, slack):
    card_id = _card(engine)
    with session_scope(engine) as session:
        update_card(session=session, card=session.get(Card, card_id), payload={"text": "PO-1: confirmed"})
    slack.lose_answer_next("chat.postMessage")  # Slack stores the card, the client sees a dropped connection
    delivery = _delivery(engine, settings)
    _drain(delivery, slack, lambda: slack.calls_to("chat.update"), "the card's update")
    ((key, message),) = slack.messages.items()
    assert len(slack.posts()) == 1 and message["text"] == "PO-1: confirmed"
    card_row = _rows(engine)[0]
    assert (card_row.status, card_row.ts, card_row.attempts) == ("sent", key[1], 2)
    assert _card_ts(engine, card_id) == key[1] == slack.calls_to("chat.update")[0].params["ts"]
    (lookup,) = slack.calls_to("conversations.history")
    assert lookup.params["channel"] == ACME_CHANNEL and lookup.params["include_all_metadata"] in ("1", "true")
    assert float(lookup.params["oldest"]) < card_row.created_at.timestamp()
    assert {r.status for r in _rows(engine)} == {"sent"}


def test_an_earlier_post_is_found_behind_several_pages_of_newer_messages(engine, settings, slack):
    card_id = _card(engine)
    slack.lose_answer_next("chat.postMessage")
    delivery = _delivery(engine, settings, backoff_seconds=60)
    assert delivery.deliver_due() == 0  # the answer was lost; the row waits for its retry
    busy = make_client(settings)
    for n in range(450):  # a busy channel: the card is now behind two full pages
        busy.chat_postMessage(channel=ACME_CHANNEL, text=f"chatter {n}")
    with session_scope(engine) as session:
        session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    _drain(delivery, slack, lambda: _card_ts(engine, card_id), "the adopted card")
    cards = [m for m in slack.messages.values() if m["text"] == "PO-1: issued"]
    assert len(cards) == 1 and len(slack.calls_to("conversations.history")) == 3


def test_a_thread_reply_whose_answer_was_lost_is_found_in_its_thread(engine, settings, slack):
    card_id = _card(engine)
    delivery = _delivery(engine, settings)
    _drain(delivery, slack, lambda: _card_ts(engine, card_id), "the card")
    with session_scope(engine) as session:
        post_in_thread(session=session, card=session.get(Card, card_id), payload={"text": "Confirmed"})
    slack.lose_answer_next("chat.postMessage")
    _drain(delivery, slack, lambda: {r.status for r in _rows(engine)} == {"sent"}, "the reply")
    assert len(slack.posts()) == 2 and len(slack.messages) == 2
    (lookup,) = slack.calls_to("conversations.replies")
    assert lookup.params["ts"] == _card_ts(engine, card_id)
    reply = _rows(engine)[1]
    assert slack.messages[(ACME_CHANNEL, reply.ts)]["text"] == "Confirmed"


def test_a_post_that_never_reached_slack_is_posted_on_retry(engine, settings, slack):
    _post(engine, "hello")
    slack.lose_answer_next("chat.postMessage", carried_out=False)
    _drain(_delivery(engine, settings), slack, lambda: slack.messages, "the retried post")
    ((key, _),) = slack.messages.items()
    (row,) = _rows(engine)
    assert (row.status, row.ts, row.attempts) == ("sent", key[1], 2)
    assert len(slack.calls_to("conversations.history")) == 1  # looked, found nothing, posted


def test_a_clean_error_answer_is_retried_without_looking(engine, settings, slack):
    _post(engine, "hello")
    slack.fail_next("chat.postMessage", status=503)
    _drain(_delivery(engine, settings), slack, lambda: slack.messages, "the retried post")
    assert slack.calls_to("conversations.history") == [] and len(slack.messages) == 1


def test_when_the_lookup_fails_the_row_is_posted_again_and_says_so(engine, settings, slack, caplog):
    _post(engine, "hello")
    slack.lose_answer_next("chat.postMessage")
    slack.fail_next("conversations.history", status=500, error="internal_error")
    with caplog.at_level(logging.WARNING, logger="bot.core.delivery"):
        _drain(
            _delivery(engine, settings), slack, lambda: {r.status for r in _rows(engine)} == {"sent"}, "sent"
        )
    assert len(slack.messages) == 2  # Slack could not be asked: a second post beats none
    (row,) = _rows(engine)
    assert row.ts == sorted(ts for _, ts in slack.messages)[-1]
    assert any("could not look for an earlier post" in r.getMessage() for r in caplog.records)


def test_a_row_handed_back_from_a_dead_worker_adopts_the_post_it_made(engine, settings, slack):
    card_id = _card(engine)
    (row,) = _rows(engine)
    # The dead worker's post reached Slack; the worker stopped before recording it.
    ts = "1699999999.000100"
    slack.messages[(ACME_CHANNEL, ts)] = {"channel": ACME_CHANNEL, "text": "PO-1: issued",
                                          "metadata": outbox_metadata(row.id)}  # fmt: skip
    with session_scope(engine) as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id)
            .values(
                status="sending",
                claim_token="dead",
                claimed_by="dead",
                attempts=1,
                claimed_at=utcnow() - timedelta(hours=1),
            )
        )
    delivery = _delivery(engine, settings)
    _drain(delivery, slack, lambda: _card_ts(engine, card_id), "the adopted card")
    assert slack.posts() == [] and _card_ts(engine, card_id) == ts
    with session_scope(engine) as session:
        row = session.exec(select(OutboxMessage)).one()
        assert (row.status, row.ts, row.claim_token) == ("sent", ts, None)


def test_a_post_answered_after_the_client_timed_out_is_not_posted_again(engine, settings, slack):
    _post(engine, "hello")
    delivery = _delivery(engine, settings)
    delivery.client = make_client(settings, timeout=1)
    slack.lose_answer_next("chat.postMessage", late_by=1.5)  # stored at once, answered after 1.5 s
    _drain(delivery, slack, lambda: {r.status for r in _rows(engine)} == {"sent"}, "the adopted post")
    ((key, _),) = slack.messages.items()
    (row,) = _rows(engine)
    assert len(slack.posts()) == 1 and (row.ts, row.attempts) == (key[1], 2)

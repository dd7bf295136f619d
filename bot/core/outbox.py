"""The outbox: Slack messages written in the same transaction as the change behind them.

`post_card`, `update_card` and `post_in_thread` only add rows; `bot.delivery` sends them.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event, insert
from sqlmodel import Session

from models import Card, OutboxMessage, utcnow

# Set after a commit that added outbox rows, so an in-process delivery loop wakes at once.
WAKE = threading.Event()


def enqueue(
    *,
    session: Session,
    channel_id: str,
    payload: dict[str, Any],
    method: str = "chat.postMessage",
    card: Card | None = None,
    thread_card: Card | None = None,
) -> OutboxMessage:
    """Queue one Web API call; it is sent after (and only if) the surrounding transaction commits."""
    if (card is not None and card.id is None) or (thread_card is not None and thread_card.id is None):
        session.flush()
    message = OutboxMessage(
        method=method,
        channel_id=channel_id,
        payload=payload,
        card_id=card.id if card else None,
        thread_card_id=thread_card.id if thread_card else None,
    )
    session.add(message)
    session.info["outbox_added"] = True
    return message


def enqueue_many(*, session: Session, calls: list[tuple[str, str, dict[str, Any]]]) -> list[int]:
    """Queue many plain calls `(method, channel_id, payload)` with one statement, in order (a job writing
    to many channels at once); returns their row ids in the same order. Sent after (and only if) the
    surrounding transaction commits."""
    if not calls:
        return []
    table = OutboxMessage.__table__
    now = utcnow()
    rows = [{"method": method, "channel_id": channel_id, "payload": payload, "status": "pending", "attempts": 0,
             "created_at": now} for method, channel_id, payload in calls]  # fmt: skip
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids = list(session.execute(statement, rows).scalars())
    session.info["outbox_added"] = True
    return ids


def post_many(*, session: Session, messages: list[tuple[str, dict[str, Any]]]) -> list[int]:
    """Queue many `chat.postMessage` calls `(channel_id, payload)`; see `enqueue_many`."""
    return enqueue_many(
        session=session, calls=[("chat.postMessage", channel, payload) for channel, payload in messages]
    )


def post_card(
    *,
    session: Session,
    kind: str,
    object_type: str,
    object_id: int,
    channel_id: str,
    payload: dict[str, Any],
    thread_card: Card | None = None,
) -> Card:
    """Create a card (a message later updated in place) and queue its first post, in a thread if given
    (`thread_card`, or a `thread_ts` in the payload)."""
    card = Card(kind=kind, object_type=object_type, object_id=object_id, channel_id=channel_id)
    session.add(card)
    session.flush()
    enqueue(session=session, channel_id=channel_id, payload=payload, card=card, thread_card=thread_card)
    return card


def update_card(*, session: Session, card: Card, payload: dict[str, Any]) -> OutboxMessage:
    """Queue a `chat.update` of the card; its `ts` is filled in at delivery time."""
    return enqueue(
        session=session, channel_id=card.channel_id, payload=payload, method="chat.update", card=card
    )


def post_in_thread(*, session: Session, card: Card, payload: dict[str, Any]) -> OutboxMessage:
    """Queue a reply in the card's thread."""
    return enqueue(session=session, channel_id=card.channel_id, payload=payload, thread_card=card)


def post_message(*, session: Session, channel_id: str, payload: dict[str, Any]) -> OutboxMessage:
    """Queue a plain message (with `thread_ts` in the payload to reply in a thread)."""
    return enqueue(session=session, channel_id=channel_id, payload=payload)


@event.listens_for(Session, "after_commit")
def _wake_delivery(session: Session) -> None:
    if session.info.pop("outbox_added", False):
        WAKE.set()


@event.listens_for(Session, "after_rollback")
def _forget_rollback(session: Session) -> None:
    session.info.pop("outbox_added", None)

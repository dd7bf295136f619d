"""Storing what people write in linked channels (author, side, text, files, time)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select

from bot.core.actors import Actor
from bot.core.db import lock_row
from bot.core.upsert import insert_or_ignore
from models import ChannelMessage, MessageRevision


@dataclass(frozen=True)
class PostedMessage:
    channel_id: str
    ts: str
    thread_ts: str | None
    user_id: str
    text: str
    files: list[dict[str, Any]] = field(default_factory=list)


def side_of(actor: Actor, supplier_id: int) -> str:
    if actor.is_buyer:
        return "buyer"
    return "supplier" if supplier_id in actor.supplier_ids else "other"


def slack_time(ts: str) -> datetime:
    """A Slack timestamp ("1764000000.000100") as an aware UTC time."""
    return datetime.fromtimestamp(float(ts), tz=UTC)


def store_message(
    *,
    session: Session,
    actor: Actor,
    supplier_id: int,
    posted: PostedMessage,
    edited_at: datetime | None = None,
) -> bool:
    """Store a message of supplier `supplier_id`'s channel once; False when it was stored before."""
    values = {
        "supplier_id": supplier_id,
        "channel_id": posted.channel_id,
        "ts": posted.ts,
        "thread_ts": posted.thread_ts if posted.thread_ts != posted.ts else None,
        "user_id": posted.user_id,
        "side": side_of(actor, supplier_id),
        "text": posted.text,
        "files": posted.files,
        "posted_at": slack_time(posted.ts),
        "stored_at": datetime.now(UTC),
        "edited_at": edited_at,
    }
    return insert_or_ignore(session, ChannelMessage, values, ["channel_id", "ts"])


def stored_message(*, session: Session, channel_id: str | None, ts: str | None) -> ChannelMessage | None:
    """A message stored from a linked channel, if it was."""
    query = select(ChannelMessage).where(ChannelMessage.channel_id == channel_id, ChannelMessage.ts == ts)
    return session.exec(query).first()


def record_edit(
    *, session: Session, channel_id: str, ts: str, text: str, files: list[dict[str, Any]], edited_at: datetime
) -> ChannelMessage | None:
    """The stored message now says `text`; what it said before is kept as a revision. None when the
    message was never stored. Slack also reports unfurls and reply counts as changes: same text and files
    change nothing. An edit older than the one shown (a late retry) is kept as a revision only."""
    message = stored_message(session=session, channel_id=channel_id, ts=ts)
    if message is None:
        return None
    lock_row(session, message)
    if (message.text, message.files) == (text, files):
        return message
    if message.edited_at is not None and edited_at < message.edited_at:
        session.add(MessageRevision(message_id=message.id, text=text, files=files, written_at=edited_at))
        return message
    session.add(MessageRevision(message_id=message.id, text=message.text, files=message.files,
                                written_at=message.edited_at or message.posted_at))  # fmt: skip
    message.text, message.files, message.edited_at = text, files, edited_at
    return message


def record_deletion(
    *, session: Session, channel_id: str, ts: str, deleted_at: datetime
) -> ChannelMessage | None:
    """Mark a stored message deleted (its text stays); None when it was never stored."""
    message = stored_message(session=session, channel_id=channel_id, ts=ts)
    if message is None:
        return None
    lock_row(session, message)
    if message.deleted_at is None:
        message.deleted_at = deleted_at
    return message


def revisions(*, session: Session, message_id: int) -> list[MessageRevision]:
    """Earlier versions of a message, oldest first."""
    query = select(MessageRevision).where(MessageRevision.message_id == message_id)
    return list(session.exec(query.order_by(MessageRevision.replaced_at, MessageRevision.id)))

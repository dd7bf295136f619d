"""Storing what people write in linked channels (author, side, text, files, time)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select

from bot.core.actors import Actor
from bot.core.upsert import insert_or_ignore
from models import ChannelMessage


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


def store_message(*, session: Session, actor: Actor, supplier_id: int, posted: PostedMessage) -> bool:
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
        "posted_at": datetime.fromtimestamp(float(posted.ts), tz=UTC),
        "stored_at": datetime.now(UTC),
    }
    return insert_or_ignore(session, ChannelMessage, values, ["channel_id", "ts"])


def stored_message(*, session: Session, channel_id: str | None, ts: str | None) -> ChannelMessage | None:
    """A message stored from a linked channel, if it was."""
    query = select(ChannelMessage).where(ChannelMessage.channel_id == channel_id, ChannelMessage.ts == ts)
    return session.exec(query).first()

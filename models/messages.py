"""Every message posted in a linked channel: later the input of response-time and activity indicators."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class ChannelMessage(SQLModel, table=True):
    __tablename__ = "channel_message"
    __table_args__ = (
        UniqueConstraint("channel_id", "ts"),
        Index("ix_channel_message_thread", "channel_id", "thread_ts"),
    )
    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    channel_id: str = Field(max_length=32)
    ts: str = Field(max_length=32)
    thread_ts: str | None = Field(default=None, max_length=32)
    user_id: str = Field(max_length=32)
    side: str = Field(max_length=16, description="buyer | supplier | other")
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    files: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    posted_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    stored_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    edited_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime), description="latest edit")
    deleted_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime), description="deleted in Slack; the text is kept"
    )


class MessageRevision(SQLModel, table=True):
    """An earlier version of an edited message, written (posted or edited) at `written_at`."""

    __tablename__ = "message_revision"
    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="channel_message.id", index=True)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    files: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    written_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))

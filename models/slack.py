"""Slack-side state: cached users, posted cards, the outbox and seen events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, text
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class SlackUser(SQLModel, table=True):
    """A cached `users.info` answer; trusted until `fetched_at` + the configured expiry."""

    __tablename__ = "slack_user"
    user_id: str = Field(primary_key=True, max_length=32)
    team_id: str = Field(default="", max_length=32)
    name: str = Field(default="", max_length=200)
    real_name: str = Field(default="", max_length=200)
    is_bot: bool = False
    is_restricted: bool = False
    is_ultra_restricted: bool = False
    is_stranger: bool = False
    deleted: bool = False
    locale: str | None = Field(default=None, max_length=20)
    tz: str | None = Field(default=None, max_length=64)
    fetched_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class Card(SQLModel, table=True):
    """A bot message that is updated in place (order card, ticket card, welcome)."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    object_type: str = Field(max_length=32)
    object_id: int = Field(index=True)
    channel_id: str = Field(max_length=32)
    ts: str | None = Field(default=None, max_length=32, description="set when delivered")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class OutboxMessage(SQLModel, table=True):
    """A Slack Web API call to make once, written in the same transaction as the change behind it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_channel", "channel_id", "status"),
        # Each channel's oldest row not yet sent, one index step per channel however many wait behind it
        # (bot.core.delivery).
        Index(
            "ix_outbox_waiting",
            "channel_id",
            "id",
            postgresql_where=text("status IN ('pending', 'sending')"),
            sqlite_where=text("status IN ('pending', 'sending')"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    method: str = Field(max_length=40, description="chat.postMessage | chat.update")
    channel_id: str = Field(max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    card_id: int | None = Field(default=None, foreign_key="card.id", description="card posted or updated")
    thread_card_id: int | None = Field(default=None, foreign_key="card.id", description="reply in its thread")
    status: str = Field(default="pending", max_length=16, description="pending | sending | sent | failed")
    attempts: int = 0
    next_attempt_at: datetime | None = Field(
        default=None,
        sa_column=Column(UTCDateTime),
        description="null: due now (a fresh row does not depend on its writer's clock); else not before",
    )
    claim_token: str | None = Field(default=None, max_length=32, description="the sending worker's claim")
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, index=True))


class ProcessedEvent(SQLModel, table=True):
    """An Events API `event_id` already handled (Slack retries deliveries up to 3 times)."""

    __tablename__ = "processed_event"
    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class InboxRequest(SQLModel, table=True):
    """A signed Slack request, stored once its signature checked and answered at once: a worker processes it.

    The HTTP answer (the ack) waits only for this row; what the request asks for happens behind it, and the
    row is deleted in the same transaction as its effects (so a worker that dies mid-way leaves it to redo).
    On SQLite the table lives in two files beside the database instead: srm.inbox.db, the requests the door
    stored, and srm.inbox-claims.db, the workers' claims by the same id, marked done (bot.core.inbox).
    """

    __tablename__ = "slack_inbox"
    # Ids are never reused (SQLite would give a deleted row's id again): an id names one request in the logs.
    __table_args__ = (
        Index("ix_slack_inbox_next", "status", "priority", "id"),
        # The claim's order among the rows a worker may take (bot.core.inbox): one index step per claim
        # instead of sorting every waiting row.
        Index(
            "ix_slack_inbox_claimable",
            "priority",
            "id",
            postgresql_where=text("status IN ('pending', 'working')"),
            sqlite_where=text("status IN ('pending', 'working')"),
        ),
        {"sqlite_autoincrement": True},
    )
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24, description="command | action | shortcut | event | view_closed")
    priority: int = Field(
        default=0, description="0: someone waits on the answer (commands, clicks); 1: events"
    )
    body: str = Field(sa_column=Column(Text, nullable=False))
    content_type: str = Field(max_length=80)
    event_id: str | None = Field(
        default=None, max_length=64, unique=True, description="Slack's retries land once"
    )
    status: str = Field(
        default="pending", max_length=16, description="pending | working | failed | done (SQLite)"
    )
    attempts: int = 0
    claim_token: str | None = Field(default=None, max_length=32)
    claimed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))

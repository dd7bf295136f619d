"""Problem tickets: opened where the problem is seen, worked in one thread, timed against SLAs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow

TICKET_TYPES = ("quality", "delivery", "documents", "payment", "other")
SEVERITIES = ("low", "medium", "high", "critical")
TICKET_STATUSES = ("open", "acknowledged", "resolved", "closed")
RESPONSIBLE = ("buyer", "supplier", "third_party")


class Ticket(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("source_channel_id", "source_ts", name="uq_ticket_source_message"),
        Index("ix_ticket_status", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    order_id: int | None = Field(default=None, foreign_key="purchase_order.id", index=True)
    title: str = Field(max_length=200)
    type: str = Field(default="other", max_length=16)
    severity: str = Field(default="medium", max_length=16)
    status: str = Field(default="open", max_length=16)
    responsible: str = Field(max_length=16, description="buyer | supplier | third_party")
    source: str = Field(max_length=16, description="command | shortcut | reaction | order_button")
    quote: str = Field(default="", sa_column=Column(Text, nullable=False))
    source_permalink: str | None = Field(default=None, max_length=500)
    source_channel_id: str | None = Field(default=None, max_length=32)
    source_ts: str | None = Field(
        default=None, max_length=32, description="the message a 🎫 or shortcut used"
    )
    channel_id: str = Field(max_length=32)
    thread_ts: str | None = Field(
        default=None, max_length=32, description="thread it lives in, if not its card's"
    )
    card_id: int | None = Field(default=None, foreign_key="card.id")
    opened_by: str = Field(max_length=32)
    opened_side: str = Field(max_length=16, description="buyer | supplier")
    opened_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    first_response_due: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    resolution_due: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    first_response_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    first_response_by: str | None = Field(default=None, max_length=32)
    resolved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    resolved_by: str | None = Field(default=None, max_length=32)
    resolution: str = Field(default="", sa_column=Column(Text, nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    closed_by: str | None = Field(default=None, max_length=32)
    reopened: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))

    @property
    def number(self) -> str:
        return f"T-{self.id}"

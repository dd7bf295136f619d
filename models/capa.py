"""Corrective actions (CAPA, 8D-style): opened from a ticket or by a downgrade, planned by the supplier,
accepted, implemented and verified by the buyers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, Index, Text
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow

CAPA_KINDS = ("ticket", "rectification")
CAPA_STATUSES = ("open", "planned", "accepted", "implemented", "verified")


class CorrectiveAction(SQLModel, table=True):
    __tablename__ = "corrective_action"
    __table_args__ = (Index("ix_corrective_action_status_due", "status", "due_at"),)
    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    kind: str = Field(max_length=16, description=" | ".join(CAPA_KINDS))
    status: str = Field(default="open", max_length=16, description=" | ".join(CAPA_STATUSES))
    reason: str = Field(default="", sa_column=Column(Text, nullable=False), description="why it was opened")
    due_date: date = Field(sa_column=Column(Date, nullable=False))
    due_at: datetime = Field(
        sa_column=Column(UTCDateTime, nullable=False), description="end of due_date in default_timezone"
    )
    root_cause: str = Field(default="", sa_column=Column(Text, nullable=False))
    containment: str = Field(default="", sa_column=Column(Text, nullable=False))
    actions: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False), description="[{text, due}]"
    )
    return_reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    channel_id: str | None = Field(default=None, max_length=32)
    card_id: int | None = Field(default=None, foreign_key="card.id")
    opened_by: str = Field(max_length=32)
    opened_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    planned_by: str | None = Field(default=None, max_length=32)
    planned_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    accepted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    implemented_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    verified_by: str | None = Field(default=None, max_length=32)
    verified_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))

    @property
    def number(self) -> str:
        return f"CA-{self.id}"

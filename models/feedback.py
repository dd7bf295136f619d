"""Two-way feedback: each evaluation period the supplier's people rate the buying side."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow

FEEDBACK_DIMENSIONS = ("payment", "specifications", "communication", "forecast", "fairness")


class FeedbackInvitation(SQLModel, table=True):
    """One invitation to rate the buyers, per linked channel and period."""

    __tablename__ = "feedback_invitation"
    __table_args__ = (UniqueConstraint("channel_id", "period_start"),)
    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    channel_id: str = Field(max_length=32)
    period_start: date = Field(sa_column=Column(Date, nullable=False))
    period_end: date = Field(sa_column=Column(Date, nullable=False))
    invited_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class FeedbackResponse(SQLModel, table=True):
    """One contact's ratings (1-5) of the buying side for one period; answering again replaces it.

    `contact_id` only keeps one answer per person: no surface or export shows it."""

    __tablename__ = "feedback_response"
    __table_args__ = (UniqueConstraint("supplier_id", "period_start", "contact_id"),)
    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    period_start: date = Field(sa_column=Column(Date, nullable=False))
    period_end: date = Field(sa_column=Column(Date, nullable=False))
    contact_id: str = Field(max_length=32)
    payment: int
    specifications: int
    communication: int
    forecast: int
    fairness: int
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))
    answered_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))

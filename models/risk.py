"""Risk early warning: one alert per (supplier, kind, subject), the outside feeds' last good copies and the
euro reference rates as they were fetched."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, Float, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow

ALERT_SEVERITIES = ("low", "medium", "high")
ALERT_STATUSES = ("open", "acknowledged", "snoozed", "resolved", "false_positive")


class RiskAlert(SQLModel, table=True):
    """A supplier risk; `dedupe_key` is `<supplier id>:<kind>:<subject>`, so evaluating again finds it."""

    __tablename__ = "risk_alert"
    __table_args__ = (Index("ix_risk_alert_status", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    kind: str = Field(max_length=32)
    subject: str = Field(default="", max_length=200, description="what the alert is about, e.g. an order")
    dedupe_key: str = Field(max_length=260, unique=True)
    severity: str = Field(max_length=8, description=" | ".join(ALERT_SEVERITIES))
    status: str = Field(default="open", max_length=16, description=" | ".join(ALERT_STATUSES))
    details: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False), description="what the summary shows"
    )
    opened_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    escalated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    resolved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    acknowledged_by: str | None = Field(default=None, max_length=32)
    acknowledged_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    snoozed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class RiskFeed(SQLModel, table=True):
    """One feed URL: its last good copy, the validators for a conditional GET, and whether it is stale."""

    __tablename__ = "risk_feed"
    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=1000, unique=True)
    kind: str = Field(max_length=16, description="gdacs | sanctions | fx")
    body: str | None = Field(default=None, sa_column=Column(Text), description="the last good copy")
    etag: str | None = Field(default=None, max_length=300)
    last_modified: str | None = Field(default=None, max_length=100)
    fetched_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime), description="last good")
    checked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    error: str = Field(default="", sa_column=Column(Text, nullable=False), description="empty: healthy")
    stale_since: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    stale_notified: bool = Field(default=False, description="the admins were told of this outage")


class FxRate(SQLModel, table=True):
    """A euro reference rate: 1 EUR = `rate` units of `currency` on `day` (kept as fetched)."""

    __tablename__ = "fx_rate"
    __table_args__ = (UniqueConstraint("currency", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    currency: str = Field(max_length=3)
    day: date = Field(sa_column=Column(Date, nullable=False))
    rate: float = Field(sa_column=Column(Float, nullable=False))
    fetched_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class RiskAlertPost(SQLModel, table=True):
    """A card showing an alert to one audience: updated in place, its thread told of escalation and
    resolution in the language and zone it was first written for."""

    __tablename__ = "risk_alert_post"
    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="risk_alert.id", index=True)
    card_id: int = Field(foreign_key="card.id")
    audience: str = Field(max_length=16, description="buyers | supplier")
    locale: str = Field(max_length=20, description="the reader's; the supplier's for its channel")
    timezone: str | None = Field(default=None, max_length=64)

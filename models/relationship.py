"""Relationship depth: each supplier's tier (policy) and loyalty, and the history of its tier."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, Index, Text
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow

TIERS = ("strategic", "core", "transactional")
DEFAULT_TIER = "transactional"
TIER_CHANGE_STATUSES = ("set", "proposed", "approved", "rejected", "superseded")


class SupplierRelationship(SQLModel, table=True):
    """A supplier's tier and loyalty; a supplier without a row is `transactional` since it was created."""

    __tablename__ = "supplier_relationship"
    supplier_id: int = Field(foreign_key="supplier.id", primary_key=True)
    tier: str = Field(default=DEFAULT_TIER, max_length=16, description=" | ".join(TIERS))
    tier_since: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    loyalty: float | None = Field(default=None, description="0-100, from relationship.loyalty_formula")
    loyalty_period: date | None = Field(
        default=None,
        sa_column=Column(Date),
        description="first day of the evaluated period it was computed for",
    )
    loyalty_streak: int = Field(default=0, description="evaluations in a row at or above promote_at")


class TierChange(SQLModel, table=True):
    """A tier set by an admin (`set`), or a promotion proposed from loyalty and decided by an admin."""

    __tablename__ = "tier_change"
    __table_args__ = (Index("ix_tier_change_supplier_status", "supplier_id", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id")
    from_tier: str = Field(max_length=16)
    to_tier: str = Field(max_length=16)
    status: str = Field(max_length=16, description=" | ".join(TIER_CHANGE_STATUSES))
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    loyalty: float | None = Field(default=None, description="the loyalty behind a proposal")
    proposed_by: str = Field(max_length=32)
    proposed_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    decided_by: str | None = Field(default=None, max_length=32)
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))

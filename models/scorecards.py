"""Scorecards: reviewers' manual ratings, one stored evaluation per supplier and period, and the level
history (the supplier's "management file"): every proposed, approved, rejected or admin-set level."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, Float, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow

LEVEL_CHANGE_STATUSES = ("proposed", "approved", "rejected", "superseded", "set")


class ScorecardRating(SQLModel, table=True):
    """One reviewer's 0-100 rating of one dimension of a supplier for one period (rating again replaces)."""

    __tablename__ = "scorecard_rating"
    __table_args__ = (UniqueConstraint("supplier_id", "period_start", "dimension", "reviewer_id"),)
    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    period_start: date = Field(sa_column=Column(Date, nullable=False))
    dimension: str = Field(max_length=48)
    score: int = Field(description="0-100")
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))
    reviewer_id: str = Field(max_length=32)
    department: str | None = Field(default=None, max_length=64, description="procurement, quality, R&D, …")
    rated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class ScorecardEvaluation(SQLModel, table=True):
    """A supplier's evaluation for one period: its variables, criterion scores, score and band."""

    __tablename__ = "scorecard_evaluation"
    __table_args__ = (
        UniqueConstraint("supplier_id", "period_start"),
        Index("ix_scorecard_evaluation_period", "period_start"),
    )
    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    period_start: date = Field(sa_column=Column(Date, nullable=False), description="first day, inclusive")
    period_end: date = Field(sa_column=Column(Date, nullable=False), description="last day, inclusive")
    score: float | None = Field(default=None, sa_column=Column(Float), description="null: not enough data")
    level: str | None = Field(default=None, max_length=32, description="the band of this period's score")
    variables: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    criteria: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False), description="name -> 0-100 or null"
    )
    evaluated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class LevelChange(SQLModel, table=True):
    """A step in a supplier's level history: proposed by an evaluation and decided by an admin, or set."""

    __tablename__ = "level_change"
    __table_args__ = (Index("ix_level_change_supplier_status", "supplier_id", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    evaluation_id: int | None = Field(default=None, foreign_key="scorecard_evaluation.id")
    from_level: str | None = Field(default=None, max_length=32)
    to_level: str = Field(max_length=32)
    status: str = Field(default="proposed", max_length=16, description=" | ".join(LEVEL_CHANGE_STATUSES))
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    proposed_by: str = Field(default="system", max_length=32)
    proposed_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    decided_by: str | None = Field(default=None, max_length=32)
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    card_id: int | None = Field(default=None, foreign_key="card.id", description="the approval card")

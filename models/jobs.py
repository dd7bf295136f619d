"""Claims on scheduled work, so that N workers do each unit of work once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class JobClaim(SQLModel, table=True):
    __tablename__ = "job_claim"
    __table_args__ = (UniqueConstraint("job", "period", "recipient"),)
    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=48)
    period: str = Field(max_length=48, description="e.g. 2026-11-22 or 2026-11-22T07")
    recipient: str = Field(default="*", max_length=64)
    worker: str = Field(default="", max_length=64)
    claimed_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))

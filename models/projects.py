"""Co-creation projects with a supplier (joint R&D, cost-down, market) and the value they realise."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, Numeric, Text
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow

PROJECT_KINDS = ("rnd", "cost", "market")
PROJECT_STATUSES = ("open", "closed")


class Project(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    title: str = Field(max_length=200)
    kind: str = Field(max_length=16, description=" | ".join(PROJECT_KINDS))
    status: str = Field(default="open", max_length=16, description=" | ".join(PROJECT_STATUSES))
    target_amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 2)))
    currency: str = Field(max_length=3, description="ISO 4217; every value entry is in it")
    channel_id: str | None = Field(default=None, max_length=32)
    card_id: int | None = Field(default=None, foreign_key="card.id")
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    opened_by: str = Field(max_length=32)
    opened_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    closed_by: str | None = Field(default=None, max_length=32)
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))

    @property
    def number(self) -> str:
        return f"P-{self.id}"


class ProjectValue(SQLModel, table=True):
    """Value a project realised, recorded by a buyer; entries add up."""

    __tablename__ = "project_value"
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    amount: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    currency: str = Field(max_length=3)
    supplier_share: int = Field(description="0-100: the supplier's share of this value, in per cent")
    recorded_by: str = Field(max_length=32)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))

"""Suppliers, the Slack channels linked to them, and their contacts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class SupplierBase(SQLModel):
    name: str = Field(max_length=200)
    country: str = Field(max_length=2, description="ISO 3166-1 alpha-2")
    locale: str = Field(max_length=20, description="Babel locale id, e.g. zh_CN")
    timezone: str = Field(max_length=64, description="IANA zone")


class Supplier(SupplierBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name_key: str = Field(max_length=200, unique=True, description="casefolded name, for uniqueness")
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    level: str | None = Field(
        default=None, max_length=32, description="the level in force after approvals; null: not yet evaluated"
    )
    level_since: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    legal_names: list[str] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False, server_default="[]"),
        description="registered legal names and other names it trades under (sanctions screening)",
    )


class SupplierChannel(SQLModel, table=True):
    """A Slack channel in which the supplier's people and the buyers work together."""

    __tablename__ = "supplier_channel"
    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    channel_id: str = Field(max_length=32, unique=True)
    channel_name: str = Field(default="", max_length=200)
    is_shared: bool = Field(default=False, description="Slack Connect channel")
    linked_by: str = Field(max_length=32)
    linked_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class SupplierContact(SQLModel, table=True):
    """A person who acts for a supplier: an external member or guest of its channel."""

    __tablename__ = "supplier_contact"
    __table_args__ = (UniqueConstraint("supplier_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    user_id: str = Field(max_length=32, index=True)
    kind: str = Field(max_length=16, description="external | guest | added")
    first_seen_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    first_seen_via: str = Field(default="", max_length=32)

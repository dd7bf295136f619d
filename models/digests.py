"""Daily digests: one row per recipient and local day (the claim that makes it once), and preferences."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow

DIGEST_STATUSES = ("sent", "empty")


class Digest(SQLModel, table=True):
    """A recipient's digest for one of its local days; the unique key is the claim (N workers, reruns)."""

    __tablename__ = "digest"
    __table_args__ = (UniqueConstraint("recipient", "local_date"),)
    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=32, description="a supplier's channel id or a buyer's user id")
    kind: str = Field(max_length=16, description="supplier | buyer")
    supplier_id: int | None = Field(default=None, foreign_key="supplier.id", index=True)
    local_date: date = Field(sa_column=Column(Date, nullable=False, index=True))
    timezone: str = Field(max_length=64)
    status: str = Field(max_length=16, description=" | ".join(DIGEST_STATUSES))
    items: int = 0
    outbox_id: int | None = Field(default=None, foreign_key="outbox.id")
    worker: str = Field(default="", max_length=64)
    sent_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class DigestPreference(SQLModel, table=True):
    """A buyer's own digest time, days and on/off (null: the app.yaml default)."""

    __tablename__ = "digest_preference"
    user_id: str = Field(primary_key=True, max_length=32)
    enabled: bool = True
    time: str | None = Field(default=None, max_length=5, description="HH:MM local")
    weekdays: str | None = Field(default=None, max_length=16, description="e.g. 0,1,2,3,4 (0 = Monday)")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class SupplierDigestSetting(SQLModel, table=True):
    """A supplier channel's digest time or off, set by buyers (`/srm supplier set "<name>" digest=…`)."""

    __tablename__ = "supplier_digest_setting"
    supplier_id: int = Field(primary_key=True, foreign_key="supplier.id")
    enabled: bool = True
    time: str | None = Field(default=None, max_length=5, description="HH:MM local; null: the default")
    updated_by: str = Field(max_length=32)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))

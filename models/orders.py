"""Purchase orders and everything that happens to them: confirmations, date proposals, production
updates, receipts and inspections. Each row is a scorecard input later, so who and when are exact."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Date, Index, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow

ORDER_STATUSES = (
    "issued", "confirmed", "in_production", "shipped", "partially_received", "received", "closed", "cancelled",
)  # fmt: skip


class Order(SQLModel, table=True):
    __tablename__ = "purchase_order"
    __table_args__ = (
        UniqueConstraint("supplier_id", "po_key"),
        Index("ix_order_status", "status"),
        # Covers the per-supplier aggregates over issue dates (loyalty: first order, orders in 12 months).
        Index("ix_purchase_order_supplier_issued", "supplier_id", "issued_at", "status"),
        # The newest orders across suppliers (a buyer's order list), read backwards without sorting them all.
        Index("ix_purchase_order_issued", "issued_at", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    po: str = Field(max_length=64)
    po_key: str = Field(max_length=64, description="casefolded PO, unique per supplier")
    item: str = Field(default="", max_length=500)
    quantity: int
    unit_price: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 4)))
    currency: str | None = Field(default=None, max_length=3)
    due_date: date = Field(sa_column=Column(Date, nullable=False), description="the agreed due date")
    original_due_date: date = Field(sa_column=Column(Date, nullable=False))
    status: str = Field(default="issued", max_length=24)
    progress_percent: int = 0
    stage: str | None = Field(default=None, max_length=32)
    eta: date | None = Field(default=None, sa_column=Column(Date))
    channel_id: str = Field(max_length=32)
    card_id: int | None = Field(default=None, foreign_key="card.id")
    issued_by: str = Field(max_length=32)
    issued_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    confirmed_by: str | None = Field(default=None, max_length=32)
    confirmed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class DateProposal(SQLModel, table=True):
    """A supplier's proposal of a new due date; the agreed date changes only when a buyer accepts."""

    __tablename__ = "date_proposal"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="purchase_order.id", index=True)
    proposed_date: date = Field(sa_column=Column(Date, nullable=False))
    previous_date: date = Field(sa_column=Column(Date, nullable=False))
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=16, description="pending | accepted | declined")
    proposed_by: str = Field(max_length=32)
    proposed_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    decided_by: str | None = Field(default=None, max_length=32)
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    card_id: int | None = Field(default=None, foreign_key="card.id")


class ProductionUpdate(SQLModel, table=True):
    __tablename__ = "production_update"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="purchase_order.id", index=True)
    percent: int
    stage: str | None = Field(default=None, max_length=32)
    eta: date | None = Field(default=None, sa_column=Column(Date))
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    source: str = Field(max_length=16, description="button | message")
    author_id: str = Field(max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True)
    )


class Receipt(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("order_id", "reference", name="uq_receipt_order_reference"),)
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="purchase_order.id", index=True)
    quantity: int
    received_on: date = Field(sa_column=Column(Date, nullable=False))
    on_time: bool = Field(description="received on or before the agreed due date at that time")
    due_date: date = Field(sa_column=Column(Date, nullable=False), description="the agreed due date then")
    recorded_by: str = Field(max_length=32)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    reference: str | None = Field(
        default=None, max_length=64, description="delivery note or ERP id; unique per order when set"
    )


class Inspection(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("order_id", "reference", name="uq_inspection_order_reference"),)
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="purchase_order.id", index=True)
    sampled: int
    defects: int
    accepted: bool
    max_defect_percent: float = Field(description="the lot rule applied")
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    inspected_by: str = Field(max_length=32)
    inspected_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    inspected_on: date = Field(
        sa_column=Column(Date, nullable=False, index=True), description="the local date of the inspection"
    )
    reference: str | None = Field(
        default=None, max_length=64, description="inspection report or ERP id; unique per order when set"
    )

"""SQLModel tables by domain. Importing this package registers every table on SQLModel.metadata."""

from models.audit import AuditEvent
from models.base import UTCDateTime, utcnow
from models.jobs import JobClaim
from models.messages import ChannelMessage, MessageRevision
from models.orders import DateProposal, Inspection, Order, ProductionUpdate, Receipt
from models.slack import Card, OutboxMessage, ProcessedEvent, SlackUser
from models.suppliers import Supplier, SupplierChannel, SupplierContact
from models.tickets import Ticket

__all__ = [
    "AuditEvent",
    "Card",
    "ChannelMessage",
    "DateProposal",
    "Inspection",
    "JobClaim",
    "MessageRevision",
    "Order",
    "OutboxMessage",
    "ProcessedEvent",
    "ProductionUpdate",
    "Receipt",
    "SlackUser",
    "Supplier",
    "SupplierChannel",
    "SupplierContact",
    "Ticket",
    "UTCDateTime",
    "utcnow",
]

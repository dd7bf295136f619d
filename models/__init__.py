"""SQLModel tables by domain. Importing this package registers every table on SQLModel.metadata."""

from models.audit import AuditEvent
from models.base import UTCDateTime, utcnow
from models.capa import CorrectiveAction
from models.digests import Digest, DigestPreference, SupplierDigestSetting
from models.feedback import FeedbackInvitation, FeedbackResponse
from models.jobs import JobClaim
from models.messages import ChannelMessage, MessageRevision
from models.orders import DateProposal, Inspection, Order, ProductionUpdate, Receipt
from models.projects import Project, ProjectValue
from models.relationship import SupplierRelationship, TierChange
from models.risk import FxRate, RiskAlert, RiskAlertPost, RiskFeed
from models.scorecards import LevelChange, ScorecardEvaluation, ScorecardRating
from models.slack import Card, InboxRequest, OutboxMessage, ProcessedEvent, SlackUser
from models.suppliers import Supplier, SupplierChannel, SupplierContact
from models.tickets import Ticket

__all__ = [
    "AuditEvent",
    "Card",
    "ChannelMessage",
    "CorrectiveAction",
    "DateProposal",
    "Digest",
    "DigestPreference",
    "FeedbackInvitation",
    "FeedbackResponse",
    "FxRate",
    "InboxRequest",
    "Inspection",
    "JobClaim",
    "LevelChange",
    "MessageRevision",
    "Order",
    "OutboxMessage",
    "ProcessedEvent",
    "ProductionUpdate",
    "Project",
    "ProjectValue",
    "Receipt",
    "RiskAlert",
    "RiskAlertPost",
    "RiskFeed",
    "ScorecardEvaluation",
    "ScorecardRating",
    "SlackUser",
    "Supplier",
    "SupplierChannel",
    "SupplierContact",
    "SupplierDigestSetting",
    "SupplierRelationship",
    "Ticket",
    "TierChange",
    "UTCDateTime",
    "utcnow",
]

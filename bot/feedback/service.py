"""Feedback rules: one invitation per linked channel and period; one answer per contact and period
(answering again replaces it); only the supplier's own people answer; buyers see means, never who.

Nothing here knows about Slack.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, select

from bot.config import AppConfig
from bot.core.actors import Actor
from bot.core.audit import record_event
from bot.core.errors import DomainError, Forbidden
from bot.core.roles import require_supplier_of
from bot.core.upsert import insert_or_ignore, insert_or_update
from models import FeedbackInvitation, FeedbackResponse, Supplier, SupplierChannel, utcnow
from models.feedback import FEEDBACK_DIMENSIONS

COMMENT_MAX = 3000


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive


def last_complete_period(config: AppConfig, at: datetime) -> Period:
    """The last whole scorecard period (`month` or `quarter`, in `default_timezone`) before `at`."""
    local = at.astimezone(ZoneInfo(config.default_timezone)).date()
    months = 3 if config.scorecards.period == "quarter" else 1
    current = date(local.year, (local.month - 1) // months * months + 1, 1)
    end = current - timedelta(days=1)
    return Period(date(end.year, (end.month - 1) // months * months + 1, 1), end)


def create_invitations(*, session: Session, period_start: date, period_end: date) -> list[FeedbackInvitation]:
    """One invitation per linked channel for the period; channels already invited are left out."""
    new_channels = []
    for link in session.exec(select(SupplierChannel).order_by(SupplierChannel.id)).all():
        values = {"supplier_id": link.supplier_id, "channel_id": link.channel_id, "period_start": period_start,
                  "period_end": period_end, "invited_at": utcnow()}  # fmt: skip
        if insert_or_ignore(session, FeedbackInvitation, values, ["channel_id", "period_start"]):
            new_channels.append(link.channel_id)
    if not new_channels:
        return []
    query = select(FeedbackInvitation).where(
        FeedbackInvitation.period_start == period_start, FeedbackInvitation.channel_id.in_(new_channels)
    )
    return list(session.exec(query.order_by(FeedbackInvitation.id)).all())


def invitation_for(*, session: Session, actor: Actor, invitation_id: int | str | None) -> FeedbackInvitation:
    """The invitation a button or form names, for one of its supplier's own people (buyers rate nobody)."""
    try:
        invitation = session.get(FeedbackInvitation, int(str(invitation_id)))
    except (TypeError, ValueError):
        invitation = None
    if invitation is None:
        raise Forbidden("feedback_unavailable")
    require_supplier_of(actor, invitation.supplier_id, refusal="feedback_unavailable")
    return invitation


def _rating(value: str | None, dimension: str) -> int:
    try:
        rating = int(str(value))
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise DomainError("feedback_rating", value=value, field=dimension)
    return rating


def answer(*, session: Session, actor: Actor, invitation: FeedbackInvitation, ratings: dict[str, str | None],
           comment: str) -> bool:  # fmt: skip
    """Store the contact's answer for the period, replacing an earlier one; True when it replaced one."""
    require_supplier_of(actor, invitation.supplier_id, refusal="feedback_unavailable")
    scores = {d: _rating(ratings.get(d), d) for d in FEEDBACK_DIMENSIONS}
    key = (FeedbackResponse.supplier_id == invitation.supplier_id,
           FeedbackResponse.period_start == invitation.period_start, FeedbackResponse.contact_id == actor.user_id)  # fmt: skip
    replaced = session.exec(select(func.count()).select_from(FeedbackResponse).where(*key)).one() > 0
    values = {"supplier_id": invitation.supplier_id, "period_start": invitation.period_start,
              "period_end": invitation.period_end, "contact_id": actor.user_id, "comment": (comment or "").strip()[:COMMENT_MAX],
              "answered_at": utcnow(), **scores}  # fmt: skip
    insert_or_update(session, FeedbackResponse, values, ["supplier_id", "period_start", "contact_id"])
    # Audited without naming the contact: buyers never learn who answered.
    record_event(session=session, actor_id="anonymous", actor_role="supplier", object_type="feedback",
                 object_id=f"{invitation.supplier_id}:{invitation.period_start.isoformat()}",
                 action="replaced" if replaced else "answered", after=scores)  # fmt: skip
    return replaced


@dataclass(frozen=True)
class DimensionMean:
    supplier_id: int
    supplier: str
    period_start: date
    period_end: date
    dimension: str
    responses: int
    mean: float


def feedback_means(*, session: Session, supplier_id: int | None = None,
                   period_start: date | None = None) -> list[DimensionMean]:  # fmt: skip
    """Per supplier, period and dimension: how many answered and the mean rating (never who)."""
    columns = [func.avg(getattr(FeedbackResponse, d)) for d in FEEDBACK_DIMENSIONS]
    query = (
        select(FeedbackResponse.supplier_id, Supplier.name, FeedbackResponse.period_start,
               func.max(FeedbackResponse.period_end), func.count(), *columns)
        .join(Supplier, Supplier.id == FeedbackResponse.supplier_id)
        .group_by(FeedbackResponse.supplier_id, Supplier.name, FeedbackResponse.period_start)
        .order_by(Supplier.name, FeedbackResponse.period_start)
    )  # fmt: skip
    if supplier_id is not None:
        query = query.where(FeedbackResponse.supplier_id == supplier_id)
    if period_start is not None:
        query = query.where(FeedbackResponse.period_start == period_start)
    return [
        DimensionMean(sid, name, start, end, dimension, count, float(mean))
        for sid, name, start, end, count, *means in session.exec(query)
        for dimension, mean in zip(FEEDBACK_DIMENSIONS, means, strict=True)
    ]


@dataclass(frozen=True)
class PeriodFeedback:
    """All suppliers' answers of one period: the mean of each dimension over every answer, how many
    answered, and the suppliers whose overall mean (of their answers' dimensions) is lowest."""

    period_start: date
    period_end: date
    responses: int
    suppliers: int
    means: dict[str, float]
    lowest: list[tuple[str, float]]


def latest_period_feedback(
    *, session: Session, until: date | None = None, lowest: int = 3
) -> PeriodFeedback | None:
    """The latest period with answers (starting on or before `until`), in three aggregate queries."""
    query = select(func.max(FeedbackResponse.period_start))
    if until is not None:
        query = query.where(FeedbackResponse.period_start <= until)
    start = session.exec(query).one()
    if start is None:
        return None
    in_period = FeedbackResponse.period_start == start
    end, responses, suppliers, *means = session.exec(
        select(func.max(FeedbackResponse.period_end), func.count(), func.count(func.distinct(FeedbackResponse.supplier_id)),
               *[func.avg(getattr(FeedbackResponse, d)) for d in FEEDBACK_DIMENSIONS]).where(in_period)).one()  # fmt: skip
    overall = func.avg(
        sum(getattr(FeedbackResponse, d) for d in FEEDBACK_DIMENSIONS) / float(len(FEEDBACK_DIMENSIONS))
    )
    worst = session.exec(
        select(Supplier.name, overall).join(Supplier, Supplier.id == FeedbackResponse.supplier_id).where(in_period)
        .group_by(Supplier.id, Supplier.name).order_by(overall, Supplier.name).limit(lowest)).all()  # fmt: skip
    return PeriodFeedback(period_start=start, period_end=end, responses=responses, suppliers=suppliers,
                          means={d: float(m) for d, m in zip(FEEDBACK_DIMENSIONS, means, strict=True)},
                          lowest=[(name, float(mean)) for name, mean in worst])  # fmt: skip

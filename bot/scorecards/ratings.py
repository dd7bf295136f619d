"""Reviewers' manual ratings: buyers rate a supplier 0-100 per `scorecards.ratings` dimension for a
period; each feeds `rating_<dimension>` when that period is evaluated. Rating again replaces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot.config import AppConfig
from bot.core.actors import Actor
from bot.core.audit import record_event
from bot.core.errors import DomainError, Forbidden
from bot.core.upsert import insert_or_update
from bot.scorecards.periods import Period, period_containing, period_starting
from bot.scorecards.views import DEPARTMENTS
from models import ScorecardRating, Supplier

PERIODS_OFFERED = 4  # the current period and the three before it


def periods_to_rate(config: AppConfig, now: datetime) -> list[Period]:
    """The periods a reviewer may rate, the current one first."""
    policy, zone = config.scorecards, config.default_timezone
    periods = [period_containing(now, policy.period, zone)]
    while len(periods) < PERIODS_OFFERED:
        periods.append(period_containing(periods[-1].starts_at - timedelta(seconds=1), policy.period, zone))
    return periods


@dataclass(frozen=True)
class Rated:
    period: Period
    dimensions: list[str]


def _score(value: str | None, dimension: str) -> int | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not text.isdigit() or not 0 <= int(text) <= 100:
        raise DomainError("rating_range", field=f"rating_{dimension}", value=text)
    return int(text)


def rate(*, session: Session, actor: Actor, supplier: Supplier, period_start: str | None, values: dict[str, str | None],
         comment: str, department: str | None, config: AppConfig, now: datetime) -> Rated:  # fmt: skip
    """Store the reviewer's ratings of the dimensions given (others untouched), one audit event."""
    if not actor.is_buyer:
        raise Forbidden("buyers_only")
    offered = {p.start.isoformat(): p for p in periods_to_rate(config, now)}
    period = offered.get(period_start or "")
    if period is None:
        raise DomainError("rating_period", field="period")
    if department is not None and department not in DEPARTMENTS:
        raise DomainError("rating_department", field="department")
    scores = {d: _score(values.get(f"rating_{d}"), d) for d in config.scorecards.ratings}
    scores = {d: s for d, s in scores.items() if s is not None}
    if not scores:
        first = config.scorecards.ratings[0] if config.scorecards.ratings else "period"
        raise DomainError("rating_nothing", field=f"rating_{first}")
    for dimension, value in scores.items():
        insert_or_update(session, ScorecardRating, {
            "supplier_id": supplier.id, "period_start": period.start, "dimension": dimension, "score": value,
            "comment": (comment or "").strip()[:3000], "reviewer_id": actor.user_id, "department": department,
            "rated_at": now}, ["supplier_id", "period_start", "dimension", "reviewer_id"])  # fmt: skip
    record_event(session=session, actor_id=actor.user_id, actor_role=actor.role, object_type="supplier",
                 object_id=supplier.id, action="rated", after={"period_start": period.start.isoformat(),
                                                                "scores": scores, "department": department})  # fmt: skip
    return Rated(period=period, dimensions=sorted(scores))


def period_of(config: AppConfig, start: date) -> Period:
    return period_starting(start, config.scorecards.period, config.default_timezone)

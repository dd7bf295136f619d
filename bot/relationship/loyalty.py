"""Loyalty 0-100 per supplier from `relationship.loyalty_formula`, after each scorecard evaluation.

The variables, for every supplier at once by SQL aggregates grouped by supplier, as of the end of the
evaluated period: `relationship_months` (whole months since its first order), `orders_12m` (orders, not
cancelled, issued in the 12 months before), `score_mean` (mean score of the last 4 evaluated periods; null
without one) and `capa_on_time_rate` (% of CAPAs due in those 12 months verified by their due date; 100
when none was due: no corrective action, nothing late). A formula over a null is null: no loyalty yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import Float, and_, bindparam, case, cast, func, insert, update
from sqlmodel import Session, select

from bot.config import AppConfig
from bot.core.actors import SYSTEM
from bot.core.audit import record_event
from bot.expressions import Formula, parse
from bot.relationship import tiers
from models import CorrectiveAction, Order, ScorecardEvaluation, Supplier, SupplierRelationship, TierChange

Values = dict[str, float | int | None]


@cache
def _formula(text: str) -> Formula:
    return parse(text)


def _months_between(start: datetime, end: datetime) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return max(months - (1 if (end.day, end.time()) < (start.day, start.time()) else 0), 0)


def loyalty_variables(*, session: Session, as_of: datetime, period_start: date) -> dict[int, Values]:
    """supplier id → the loyalty variables as of `as_of` (the evaluated period's end), every supplier."""
    year_ago = tiers.add_months(as_of, -12)
    values: dict[int, Values] = {
        supplier_id: {
            "relationship_months": 0,
            "orders_12m": 0,
            "score_mean": None,
            "capa_on_time_rate": 100.0,
        }
        for supplier_id in session.exec(select(Supplier.id))
    }
    # One pass over the orders: the first one ever issued and those of the last 12 months.
    recent = case((Order.issued_at >= year_ago, 1), else_=0)
    orders = (
        select(Order.supplier_id, func.min(Order.issued_at), func.sum(recent))
        .where(Order.status != "cancelled", Order.issued_at < as_of)
        .group_by(Order.supplier_id)
    )
    for supplier_id, first, count in session.exec(orders):
        if supplier_id in values:
            values[supplier_id]["relationship_months"] = _months_between(first, as_of) if first else 0
            values[supplier_id]["orders_12m"] = int(count or 0)
    last_four = (
        select(ScorecardEvaluation.period_start).where(ScorecardEvaluation.period_start <= period_start)
        .distinct().order_by(ScorecardEvaluation.period_start.desc()).limit(4).subquery()
    )  # fmt: skip
    scores = select(ScorecardEvaluation.supplier_id, cast(func.avg(ScorecardEvaluation.score), Float)).where(
        ScorecardEvaluation.period_start.in_(select(last_four.c.period_start)), ScorecardEvaluation.score.is_not(None)
    )  # fmt: skip
    for supplier_id, mean in session.exec(scores.group_by(ScorecardEvaluation.supplier_id)):
        if supplier_id in values:
            values[supplier_id]["score_mean"] = float(mean)
    on_time = case((and_(CorrectiveAction.verified_at.is_not(None),
                         CorrectiveAction.verified_at < CorrectiveAction.due_at), 1), else_=0)  # fmt: skip
    capas = select(CorrectiveAction.supplier_id, func.count(), func.sum(on_time)).where(
        CorrectiveAction.due_at >= year_ago, CorrectiveAction.due_at <= as_of
    )
    for supplier_id, count, in_time in session.exec(capas.group_by(CorrectiveAction.supplier_id)):
        if supplier_id in values and count:
            values[supplier_id]["capa_on_time_rate"] = float(in_time or 0) / count * 100
    return values


def loyalty_of(formula: str, values: Values) -> float | None:
    """The formula's value clamped to 0-100; None when a variable it names is null."""
    value = _formula(formula).evaluate(values)
    return None if value is None else min(max(value, 0.0), 100.0)


@dataclass
class LoyaltyRun:
    computed: int = 0
    proposals: list[TierChange] | None = None


def store_loyalty(
    *, session: Session, config: AppConfig, period_start: date, as_of: datetime, now: datetime
) -> LoyaltyRun:
    """Compute and store every supplier's loyalty for one evaluated period (in the caller's transaction,
    claimed once by the caller); propose a promotion where loyalty reached `promote_at` twice in a row."""
    policy = config.relationship
    values = loyalty_variables(session=session, as_of=as_of, period_start=period_start)
    stored = tiers.relationships(session)
    created = {
        s.id: s.created_at
        for s in session.exec(select(Supplier).where(Supplier.id.not_in(list(stored) or [-1])))
    }
    if created:
        session.execute(insert(SupplierRelationship.__table__), [
            {"supplier_id": sid, "tier": "transactional", "tier_since": at, "loyalty_streak": 0}
            for sid, at in created.items()])  # fmt: skip
    rows, due = [], []
    for supplier_id, variables in values.items():
        loyalty = loyalty_of(policy.loyalty_formula, variables)
        before = stored.get(supplier_id)
        streak = (
            (before.loyalty_streak if before else 0) + 1
            if loyalty is not None and loyalty >= policy.promote_at
            else 0
        )
        tier = before.tier if before else "transactional"
        if streak >= 2 and tier != "strategic":
            due.append((supplier_id, loyalty))
            streak = 0  # a new proposal needs two more evaluations
        rows.append({"b_id": supplier_id, "b_loyalty": loyalty, "b_streak": streak})
    table = SupplierRelationship.__table__
    if rows:
        session.execute(
            update(table).where(table.c.supplier_id == bindparam("b_id"))
            .values(loyalty=bindparam("b_loyalty"), loyalty_streak=bindparam("b_streak"), loyalty_period=period_start),
            rows,
        )  # fmt: skip
    record_event(session=session, actor_id=SYSTEM.user_id, actor_role="system", object_type="loyalty_period",
                 object_id=period_start.isoformat(), action="computed",
                 after={"suppliers": len(rows), "scored": sum(1 for r in rows if r["b_loyalty"] is not None)})  # fmt: skip
    proposals = [p for sid, loyalty in due if (p := tiers.propose_promotion(session=session, supplier_id=sid,
                                                                            loyalty=loyalty, now=now))]  # fmt: skip
    return LoyaltyRun(computed=len(rows), proposals=proposals)

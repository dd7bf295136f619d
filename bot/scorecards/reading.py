"""What the scorecard surfaces read: evaluations with their trend, the portfolio of a period, proposals.

Every read covers all suppliers at once (GROUP BY, IN lists), never one query per supplier.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from bot.scorecards.facts import Fact, card_facts, portfolio_sections
from bot.scorecards.periods import Period
from bot.scorecards.views import Portfolio, Proposal, Scorecard
from models import LevelChange, ScorecardEvaluation, Supplier, SupplierChannel

TREND_PERIODS = 6
PORTFOLIO_ROWS = 5


def linked_channels(session: Session) -> dict[int, list[str]]:
    """Every linked supplier's channels, in the order they were linked."""
    found: dict[int, list[str]] = {}
    query = select(SupplierChannel.supplier_id, SupplierChannel.channel_id).order_by(SupplierChannel.id)
    for supplier_id, channel_id in session.exec(query):
        found.setdefault(supplier_id, []).append(channel_id)
    return found


def _trends(
    session: Session, supplier_ids: list[int], until: date
) -> dict[int, list[tuple[date, float | None]]]:
    """Each supplier's scores of its latest evaluated periods up to `until`, oldest first."""
    starts = list(session.exec(
        select(ScorecardEvaluation.period_start).where(ScorecardEvaluation.period_start <= until)
        .group_by(ScorecardEvaluation.period_start).order_by(ScorecardEvaluation.period_start.desc())
        .limit(TREND_PERIODS)))  # fmt: skip
    trends: dict[int, list[tuple[date, float | None]]] = {s: [] for s in supplier_ids}
    if not starts or not supplier_ids:
        return trends
    rows = session.exec(
        select(ScorecardEvaluation.supplier_id, ScorecardEvaluation.period_start, ScorecardEvaluation.score)
        .where(ScorecardEvaluation.period_start.in_(starts), ScorecardEvaluation.supplier_id.in_(supplier_ids))
        .order_by(ScorecardEvaluation.period_start))  # fmt: skip
    for supplier_id, start, score in rows:
        trends[supplier_id].append((start, score))
    return trends


def _card(supplier: Supplier, evaluation: ScorecardEvaluation, trend, order: list[str],
          facts: tuple[Fact, ...] = ()) -> Scorecard:  # fmt: skip
    criteria = [(name, evaluation.criteria.get(name)) for name in order if name in evaluation.criteria]
    criteria += [(n, v) for n, v in evaluation.criteria.items() if n not in order]
    return Scorecard(supplier=supplier.name, period_start=evaluation.period_start, period_end=evaluation.period_end,
                     score=evaluation.score, level=evaluation.level, current_level=supplier.level,
                     criteria=criteria, trend=trend, facts=facts)  # fmt: skip


def period_scorecards(
    session: Session, period_start: date, supplier_ids: Iterable[int], criteria: list[str]
) -> dict[int, tuple[str, Scorecard]]:
    """The period's scorecard of each of `supplier_ids` that was evaluated, with the supplier's locale."""
    ids = list(supplier_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(Supplier, ScorecardEvaluation).join(ScorecardEvaluation, ScorecardEvaluation.supplier_id == Supplier.id)
        .where(ScorecardEvaluation.period_start == period_start, Supplier.id.in_(ids))).all()  # fmt: skip
    trends = _trends(session, ids, period_start)
    facts = card_facts(session, [s.id for s, _e in rows])
    return {s.id: (s.locale, _card(s, e, trends[s.id], criteria, facts[s.id])) for s, e in rows}


def latest_scorecard(session: Session, supplier: Supplier, criteria: list[str]) -> Scorecard | None:
    """The supplier's latest evaluated period, or None before its first evaluation."""
    evaluation = session.exec(
        select(ScorecardEvaluation).where(ScorecardEvaluation.supplier_id == supplier.id)
        .order_by(ScorecardEvaluation.period_start.desc())).first()  # fmt: skip
    if evaluation is None:
        return None
    trend = _trends(session, [supplier.id], evaluation.period_start)[supplier.id]
    return _card(supplier, evaluation, trend, criteria, card_facts(session, [supplier.id])[supplier.id])


def portfolio(session: Session, period: Period) -> Portfolio:
    """Suppliers per level in force, the biggest score changes since the previous period, the weakest, and
    the sections other domains add."""
    period_start, period_end = period.start, period.end
    counts = list(session.exec(select(Supplier.level, func.count()).group_by(Supplier.level)
                               .order_by(func.count().desc())).all())  # fmt: skip
    current, previous = aliased(ScorecardEvaluation), aliased(ScorecardEvaluation)
    before = session.exec(select(func.max(ScorecardEvaluation.period_start))
                          .where(ScorecardEvaluation.period_start < period_start)).one()  # fmt: skip
    movers = []
    if before is not None:
        change = func.abs(current.score - previous.score)
        movers = [(name, old, new) for name, old, new, _ in session.exec(
            select(Supplier.name, previous.score, current.score, change)
            .join(current, current.supplier_id == Supplier.id)
            .join(previous, previous.supplier_id == Supplier.id)
            .where(current.period_start == period_start, previous.period_start == before,
                   current.score.is_not(None), previous.score.is_not(None), change > 0)
            .order_by(change.desc(), Supplier.name).limit(PORTFOLIO_ROWS))]  # fmt: skip
    weakest = []
    for name, score, criteria in session.exec(
        select(Supplier.name, ScorecardEvaluation.score, ScorecardEvaluation.criteria)
        .join(ScorecardEvaluation, ScorecardEvaluation.supplier_id == Supplier.id)
        .where(ScorecardEvaluation.period_start == period_start, ScorecardEvaluation.score.is_not(None))
        .order_by(ScorecardEvaluation.score, Supplier.name).limit(PORTFOLIO_ROWS)):  # fmt: skip
        weak = sorted(((v, c) for c, v in criteria.items() if v is not None))[:2]
        weakest.append((name, score, [(c, v) for v, c in weak]))
    unscored = session.exec(select(func.count()).select_from(ScorecardEvaluation).where(
        ScorecardEvaluation.period_start == period_start, ScorecardEvaluation.score.is_(None))).one()  # fmt: skip
    return Portfolio(period_start=period_start, period_end=period_end, level_counts=counts, movers=movers,
                     weakest=weakest, unscored=unscored,
                     sections=portfolio_sections(session, period))  # fmt: skip


def proposals(session: Session, change_ids: Iterable[int]) -> list[tuple[LevelChange, Proposal]]:
    """Level changes with what their cards show (supplier, levels, the evaluation behind them)."""
    ids = list(change_ids)
    if not ids:
        return []
    # populate_existing: a proposal's state may have been changed by a bulk UPDATE in this transaction.
    rows = session.exec(
        select(LevelChange, Supplier.name, ScorecardEvaluation)
        .join(Supplier, Supplier.id == LevelChange.supplier_id)
        .outerjoin(ScorecardEvaluation, ScorecardEvaluation.id == LevelChange.evaluation_id)
        .where(LevelChange.id.in_(ids))
        .order_by(LevelChange.id)
        .execution_options(populate_existing=True)
    )
    return [(change, Proposal(change_id=change.id, supplier=name, from_level=change.from_level,
                              to_level=change.to_level, score=evaluation.score if evaluation else None,
                              period_start=evaluation.period_start if evaluation else None,
                              period_end=evaluation.period_end if evaluation else None, status=change.status,
                              decided_by=change.decided_by)) for change, name, evaluation in rows]  # fmt: skip


def superseded_with_cards(session: Session, *, at, supplier_id: int | None = None) -> list[int]:
    """Proposals with a card that stopped standing at `at` (replaced by an evaluation or a blacklisting)."""
    query = select(LevelChange.id).where(LevelChange.status == "superseded", LevelChange.decided_at == at,
                                         LevelChange.card_id.is_not(None))  # fmt: skip
    if supplier_id is not None:
        query = query.where(LevelChange.supplier_id == supplier_id)
    return list(session.exec(query))


def evaluated_at(session: Session, period_start: date):
    """When the period was evaluated (None before)."""
    return session.exec(
        select(func.max(ScorecardEvaluation.evaluated_at)).where(
            ScorecardEvaluation.period_start == period_start
        )
    ).one()

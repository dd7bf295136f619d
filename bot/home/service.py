"""What the buyers' Home tab shows: the portfolio in a few aggregate queries (never one per supplier), and
the latest scorecard of a supplier. Other domains add sections from the composition root
(`register_home_section`): this package imports none of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func
from sqlmodel import Session, select

from bot.core.actors import Actor
from bot.core.errors import DomainError
from bot.core.roles import require_buyer
from models import LevelChange, Order, ScorecardEvaluation, Supplier, Ticket

SHOWN = 5  # lines per list
SCORECARDS_SHOWN = 10  # suppliers with a scorecard button
DUE_SOON = timedelta(hours=4)
OPEN_TICKET = ("open", "acknowledged")
OPEN_ORDER = ("issued", "confirmed", "in_production", "shipped", "partially_received")


@dataclass(frozen=True)
class Dashboard:
    levels: list[tuple[str | None, int]]  # level in force (None: not evaluated yet) → suppliers
    tickets: dict[str, int]  # SLA state (breached, due_soon, on_track) → open tickets
    overdue: list[tuple[str, str, date]]  # (PO, supplier, agreed due date), the most late first
    overdue_total: int
    approvals: list[tuple[str, str | None, str]]  # (supplier, from level, to level)
    approvals_total: int
    scorecards: list[tuple[int, str, float | None, str | None]]  # (supplier id, name, score, level)
    facts: dict[int, tuple[Fact, ...]] = field(default_factory=dict)  # shown next to a listed supplier


Fact = Callable[[], str]  # a short text, rendered in the current locale
SupplierFacts = Callable[[Session, list[int]], "dict[int, list[Fact]]"]
_FACTS: list[SupplierFacts] = []


HomeSection = Callable[[Session, Actor, datetime], "list[dict[str, Any]]"]
_SECTIONS: list[HomeSection] = []


def register_home_section(section: HomeSection) -> None:
    """Add blocks to the buyers' Home tab: `section(session, actor, now)` → Block Kit blocks (few)."""
    if section not in _SECTIONS:
        _SECTIONS.append(section)


def register_supplier_facts(provider: SupplierFacts) -> None:
    """Facts shown next to each supplier of the latest-scorecards list: `provider(session, supplier_ids)` →
    supplier id → facts, for all of them at once (a few aggregate queries)."""
    if provider not in _FACTS:
        _FACTS.append(provider)


def _facts(session: Session, supplier_ids: list[int]) -> dict[int, tuple[Fact, ...]]:
    found: dict[int, list[Fact]] = {supplier_id: [] for supplier_id in supplier_ids}
    for provider in _FACTS if supplier_ids else []:
        for supplier_id, facts in provider(session, supplier_ids).items():
            found.get(supplier_id, []).extend(facts)
    return {supplier_id: tuple(facts) for supplier_id, facts in found.items()}


def extra_sections(*, session: Session, actor: Actor, now: datetime) -> list[dict[str, Any]]:
    return [block for section in _SECTIONS for block in section(session, actor, now)]


def dashboard(*, session: Session, actor: Actor, now: datetime, today: date) -> Dashboard:
    """The buyers' portfolio at `now` (`today`: the buyer's local date, for overdue orders)."""
    require_buyer(actor)
    levels = session.exec(
        select(Supplier.level, func.count()).group_by(Supplier.level).order_by(Supplier.level)
    ).all()
    due = case((Ticket.first_response_at.is_(None), Ticket.first_response_due), else_=Ticket.resolution_due)
    state = case((due < now, "breached"), (due < now + DUE_SOON, "due_soon"), else_="on_track")
    tickets = dict(
        session.exec(select(state, func.count()).where(Ticket.status.in_(OPEN_TICKET)).group_by(state)).all()
    )
    late = (Order.status.in_(OPEN_ORDER), Order.due_date < today)
    overdue = session.exec(
        select(Order.po, Supplier.name, Order.due_date)
        .join(Supplier, Supplier.id == Order.supplier_id)
        .where(*late)
        .order_by(Order.due_date, Order.id)
        .limit(SHOWN)
    ).all()
    overdue_total = session.exec(select(func.count()).select_from(Order).where(*late)).one()
    proposed = LevelChange.status == "proposed"
    approvals = session.exec(
        select(Supplier.name, LevelChange.from_level, LevelChange.to_level)
        .join(Supplier, Supplier.id == LevelChange.supplier_id)
        .where(proposed)
        .order_by(LevelChange.proposed_at, LevelChange.id)
        .limit(SHOWN)
    ).all()
    approvals_total = session.exec(select(func.count()).select_from(LevelChange).where(proposed)).one()
    scorecards = _latest_scores(session)
    return Dashboard(
        levels=[(level, n) for level, n in levels],
        tickets=tickets,
        overdue=[tuple(row) for row in overdue],
        overdue_total=overdue_total,
        approvals=[tuple(row) for row in approvals],
        approvals_total=approvals_total,
        scorecards=scorecards,
        facts=_facts(session, [row[0] for row in scorecards]),
    )


def _latest_evaluations():
    """Per supplier, the start of its latest evaluated period (a subquery grouped by supplier)."""
    return (
        select(ScorecardEvaluation.supplier_id, func.max(ScorecardEvaluation.period_start).label("start"))
        .group_by(ScorecardEvaluation.supplier_id)
        .subquery()
    )


def _latest_scores(session: Session) -> list[tuple[int, str, float | None, str | None]]:
    """The suppliers whose latest scorecard most needs a look: lowest scores first."""
    latest = _latest_evaluations()
    rows = session.exec(
        select(Supplier.id, Supplier.name, ScorecardEvaluation.score, ScorecardEvaluation.level)
        .join(ScorecardEvaluation, ScorecardEvaluation.supplier_id == Supplier.id)
        .join(
            latest,
            and_(latest.c.supplier_id == Supplier.id, latest.c.start == ScorecardEvaluation.period_start),
        )
        .order_by(ScorecardEvaluation.score.is_(None), ScorecardEvaluation.score, Supplier.name_key)
        .limit(SCORECARDS_SHOWN)
    ).all()
    return [tuple(row) for row in rows]


def latest_scorecard(
    *, session: Session, actor: Actor, supplier_id: str | int | None
) -> tuple[Supplier, ScorecardEvaluation | None]:
    """A supplier's latest evaluation, for buyers (the id comes from a button: re-checked)."""
    require_buyer(actor)
    supplier = session.get(Supplier, int(supplier_id)) if str(supplier_id or "").isdigit() else None
    if supplier is None:
        raise DomainError("supplier_not_found", name=str(supplier_id or ""))
    evaluation = session.exec(
        select(ScorecardEvaluation)
        .where(ScorecardEvaluation.supplier_id == supplier.id)
        .order_by(ScorecardEvaluation.period_start.desc())
        .limit(1)
    ).first()
    return supplier, evaluation

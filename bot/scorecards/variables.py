"""Scorecard variables of every supplier for one period, each computed by SQL aggregates grouped by
supplier: a handful of statements per period, whatever the number of suppliers, the same on SQLite and
PostgreSQL. Counts and sums over nothing are 0; ratios, medians and means over nothing are null.

Other domains add variables by registering a `VariableProvider` from the composition root (bot/app.py),
so that this module never imports them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, or_, select, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement, Select
from sqlmodel import Session

from bot.config import SCORECARD_VARIABLES, ScorecardsConfig
from bot.scorecards.periods import Period
from models import Inspection, Order, Receipt, ScorecardRating, Ticket

Values = dict[str, float | int | None]


@dataclass(frozen=True)
class VariableProvider:
    """Computes some variables for all suppliers of one period: {supplier id: {variable: value}}."""

    name: str
    names: Callable[[ScorecardsConfig], Sequence[str]]
    compute: Callable[[Session, Period, ScorecardsConfig], dict[int, Values]]
    counts: frozenset[str] = frozenset()  # 0, not null, for a supplier the answer leaves out


class hours_between(FunctionElement):
    """Exact hours from the first timestamp to the second (microseconds included)."""

    type = Float()
    inherit_cache = True
    name = "hours_between"


@compiles(hours_between, "postgresql")
def _hours_postgresql(element, compiler, **kw) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS DOUBLE PRECISION) / 3600.0"


@compiles(hours_between, "sqlite")
def _hours_sqlite(element, compiler, **kw) -> str:
    # Timestamps are stored as 'YYYY-MM-DD HH:MM:SS.ffffff': whole seconds from strftime, then microseconds.
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    seconds = f"(CAST(strftime('%s', {end}) AS INTEGER) - CAST(strftime('%s', {start}) AS INTEGER))"
    micros = f"(CAST(substr({end}, 21, 6) AS INTEGER) - CAST(substr({start}, 21, 6) AS INTEGER))"
    return f"(({seconds} + {micros} / 1000000.0) / 3600.0)"


def _ratio(part, whole, scale: float) -> float | None:
    return None if not whole else part / whole * scale


def _delivery(session: Session, period: Period) -> dict[int, Values]:
    """orders_due, qty_due, qty_on_time, on_time_rate, otif_rate: orders due in the period."""
    due = (
        select(Order.id, Order.supplier_id, Order.quantity, Order.due_date)
        .where(Order.status != "cancelled", Order.due_date >= period.start, Order.due_date <= period.end)
        .cte("due")
        .prefix_with("MATERIALIZED")
    )
    received = (
        select(Receipt.order_id, func.sum(Receipt.quantity).label("qty"))
        .join(due, due.c.id == Receipt.order_id)
        .where(Receipt.received_on <= due.c.due_date)
        .group_by(Receipt.order_id)
        .subquery()
    )
    rejected = (
        select(Inspection.order_id, func.count().label("n"))
        .join(due, due.c.id == Inspection.order_id)
        .where(Inspection.inspected_on <= period.end, ~_accepted())
        .group_by(Inspection.order_id)
        .subquery()
    )
    on_time = func.coalesce(received.c.qty, 0)
    full = on_time >= due.c.quantity
    query = (
        select(
            due.c.supplier_id,
            func.count(),
            func.sum(due.c.quantity),
            func.sum(case((full, due.c.quantity), else_=on_time)),
            func.sum(case((and_(full, rejected.c.n.is_(None)), 1), else_=0)),
        )
        .select_from(due)
        .outerjoin(received, received.c.order_id == due.c.id)
        .outerjoin(rejected, rejected.c.order_id == due.c.id)
        .group_by(due.c.supplier_id)
    )
    return {
        supplier: {"orders_due": n, "qty_due": int(qty), "qty_on_time": int(ok),
                   "on_time_rate": _ratio(int(ok), int(qty), 100), "otif_rate": _ratio(int(otif), n, 100)}
        for supplier, n, qty, ok, otif in session.execute(query)
    }  # fmt: skip


def _accepted() -> ColumnElement[bool]:
    """The lot rule, as recorded: defects / sampled * 100 <= max_defect_percent."""
    return Inspection.defects * 100 <= Inspection.max_defect_percent * Inspection.sampled


def _quality(session: Session, period: Period) -> dict[int, Values]:
    """sampled, defects, defect_ppm, lot_acceptance_rate: inspections dated in the period."""
    query = (
        select(
            Order.supplier_id,
            func.sum(Inspection.sampled),
            func.sum(Inspection.defects),
            func.count(),
            func.sum(case((_accepted(), 1), else_=0)),
        )
        .join(Order, Order.id == Inspection.order_id)
        .where(Inspection.inspected_on >= period.start, Inspection.inspected_on <= period.end)
        .group_by(Order.supplier_id)
    )
    return {
        supplier: {"sampled": int(sampled), "defects": int(defects),
                   "defect_ppm": _ratio(int(defects), int(sampled), 1_000_000),
                   "lot_acceptance_rate": _ratio(int(accepted), n, 100)}
        for supplier, sampled, defects, n, accepted in session.execute(query)
    }  # fmt: skip


def _medians(session: Session, values: Select) -> dict[int, float]:
    """The median of each supplier's values (`values` selects supplier_id, value): statistics.median's,
    the mean of the two middle values for an even count, picked with window functions in SQL."""
    # Materialised first: otherwise the planner may read the rows in supplier order through an index (for
    # the window's partitions), a random walk over the whole table.
    inner = values.cte().prefix_with("MATERIALIZED")
    ranked = select(
        inner.c.supplier_id,
        inner.c.value,
        func.row_number().over(partition_by=inner.c.supplier_id, order_by=inner.c.value).label("rn"),
        func.count().over(partition_by=inner.c.supplier_id).label("n"),
    ).subquery()
    middle = or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    query = (
        select(ranked.c.supplier_id, cast(func.avg(ranked.c.value), Float))
        .where(middle)
        .group_by(ranked.c.supplier_id)
    )
    return {supplier: float(median) for supplier, median in session.execute(query)}


def _within(column, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.starts_at, column < period.ends_at)


def _responsiveness(session: Session, period: Period) -> dict[int, Values]:
    """confirmation_hours, first_response_hours, resolution_hours (medians), sla_breaches."""
    confirmation = select(
        Order.supplier_id.label("supplier_id"),
        hours_between(Order.issued_at, Order.confirmed_at).label("value"),
    ).where(_within(Order.issued_at, period), Order.confirmed_at.is_not(None), Order.status != "cancelled")
    # The supplier side answers tickets the buyers opened (a ticket's first response is the other side's).
    first_response = select(
        Ticket.supplier_id.label("supplier_id"),
        hours_between(Ticket.opened_at, Ticket.first_response_at).label("value"),
    ).where(
        _within(Ticket.opened_at, period),
        Ticket.opened_side == "buyer",
        Ticket.first_response_at.is_not(None),
    )
    resolution = select(
        Ticket.supplier_id.label("supplier_id"),
        hours_between(Ticket.opened_at, Ticket.resolved_at).label("value"),
    ).where(Ticket.responsible == "supplier", _within(Ticket.resolved_at, period))
    found: dict[int, Values] = {}
    for name, values in (
        ("confirmation_hours", confirmation),
        ("first_response_hours", first_response),
        ("resolution_hours", resolution),
    ):
        for supplier, median in _medians(session, values).items():
            found.setdefault(supplier, {})[name] = median
    for supplier, breaches in session.execute(_breaches(period)):
        found.setdefault(supplier, {})["sla_breaches"] = int(breaches)
    return found


def _breaches(period: Period) -> Select:
    """SLA breaches of supplier-responsible tickets whose target fell in the period: the first response
    (owed by the supplier on tickets the buyers opened) or the resolution came after it, or not yet."""
    late_first = and_(
        Ticket.opened_side == "buyer",
        _within(Ticket.first_response_due, period),
        or_(Ticket.first_response_at.is_(None), Ticket.first_response_at > Ticket.first_response_due),
    )
    late_resolution = and_(
        _within(Ticket.resolution_due, period),
        or_(Ticket.resolved_at.is_(None), Ticket.resolved_at > Ticket.resolution_due),
    )
    return (
        select(
            Ticket.supplier_id,
            func.sum(case((late_first, 1), else_=0) + case((late_resolution, 1), else_=0)),
        )
        .where(
            Ticket.responsible == "supplier",
            or_(_within(Ticket.first_response_due, period), _within(Ticket.resolution_due, period)),
        )
        .group_by(Ticket.supplier_id)
    )


def _ratings(session: Session, period: Period, config: ScorecardsConfig) -> dict[int, Values]:
    """rating_<dimension>: the mean of reviewers' ratings of the period, per configured dimension."""
    if not config.ratings:
        return {}
    query = (
        select(ScorecardRating.supplier_id, ScorecardRating.dimension, cast(func.avg(ScorecardRating.score), Float))
        .where(ScorecardRating.period_start == period.start, ScorecardRating.dimension.in_(config.ratings))
        .group_by(ScorecardRating.supplier_id, ScorecardRating.dimension)
    )  # fmt: skip
    found: dict[int, Values] = {}
    for supplier, dimension, mean in session.execute(query):
        found.setdefault(supplier, {})[f"rating_{dimension}"] = float(mean)
    return found


def _builtin(session: Session, period: Period, config: ScorecardsConfig) -> dict[int, Values]:
    found: dict[int, Values] = {}
    for part in (_delivery(session, period), _quality(session, period), _responsiveness(session, period),
                 _ratings(session, period, config)):  # fmt: skip
        for supplier, values in part.items():
            found.setdefault(supplier, {}).update(values)
    return found


BUILTIN = VariableProvider(
    name="builtin",
    names=lambda config: (*SCORECARD_VARIABLES, *(f"rating_{dimension}" for dimension in config.ratings)),
    compute=_builtin,
    counts=frozenset({"orders_due", "qty_due", "qty_on_time", "sampled", "defects", "sla_breaches"}),
)

_providers: dict[str, VariableProvider] = {BUILTIN.name: BUILTIN}


def register_provider(provider: VariableProvider) -> None:
    """Add (or replace, under the same name) a provider of more variables; called by the composition root."""
    _providers[provider.name] = provider


def providers() -> list[VariableProvider]:
    return list(_providers.values())


def variable_names(config: ScorecardsConfig) -> list[str]:
    """Every variable the registered providers compute, in their order."""
    return [name for provider in providers() for name in provider.names(config)]


def compute_variables(
    *, session: Session, period: Period, config: ScorecardsConfig, supplier_ids: Iterable[int]
) -> dict[int, Values]:
    """Every registered variable of each of `supplier_ids` for `period` (suppliers without data included)."""
    result: dict[int, Values] = {supplier: {} for supplier in supplier_ids}
    if session.get_bind().dialect.name == "postgresql":
        # These one-off aggregates over many rows look costly enough to PostgreSQL's planner to compile them
        # to machine code first, which takes longer than running them (seconds at a million orders).
        session.execute(text("SET LOCAL jit = off"))
    for provider in providers():
        names = provider.names(config)
        empty: dict[str, Any] = {n: (0 if n in provider.counts else None) for n in names}
        found = provider.compute(session, period, config)
        for supplier, values in result.items():
            values.update(empty)
            values.update({n: v for n, v in found.get(supplier, {}).items() if n in empty})
    return result

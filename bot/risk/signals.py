"""Every risk signal as of a moment: from stored data (SQL aggregates over all suppliers at once) and from
the outside feeds' parsed content. A signal is what would make an alert: (supplier, kind, subject),
severity and the details its summary shows. Nothing here writes."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import mean
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, select

from bot.capa import service as capa_service
from bot.config import SUPPORTED_LOCALES, AppConfig
from bot.orders.holidays import holidays_near
from bot.risk.feeds.gdacs import Disaster
from bot.risk.feeds.sanctions import Entry, screen
from bot.scorecards.periods import Period, last_complete_period, period_starting
from bot.scorecards.variables import compute_variables
from models import FxRate, LevelChange, Order, ProductionUpdate, ScorecardEvaluation, Supplier

OPEN_ORDER = ("issued", "confirmed", "in_production", "shipped", "partially_received")
NOT_STARTED_SHIPPING = ("issued", "confirmed", "in_production")
HOLIDAY_LANGUAGES = SUPPORTED_LOCALES  # a holiday is named in each reader's language


@dataclass(frozen=True)
class Signal:
    supplier_id: int
    kind: str
    subject: str
    severity: str
    details: dict = field(default_factory=dict, compare=False)

    @property
    def key(self) -> str:
        return f"{self.supplier_id}:{self.kind}:{self.subject}"


@dataclass
class Evaluation:
    """The signals found, the kinds evaluated (alerts of other kinds are left as they are), the feeds without
    a usable copy (their kinds not evaluated) and why parts of a feed's content were skipped."""

    signals: list[Signal] = field(default_factory=list)
    evaluated: set[str] = field(default_factory=set)
    unavailable: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def add(self, kind: str, signals: Iterable[Signal]) -> None:
        self.evaluated.add(kind)
        self.signals.extend(signals)


def _local_today(zone: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


def _zones(session: Session) -> dict[int, tuple[str, str, str]]:
    """supplier id → (time zone, country, locale)."""
    query = select(Supplier.id, Supplier.timezone, Supplier.country, Supplier.locale)
    return {sid: (tz, country, locale) for sid, tz, country, locale in session.exec(query)}


def unconfirmed_orders(session: Session, config: AppConfig, now: datetime) -> list[Signal]:
    """Orders still not confirmed `unconfirmed_hours` after issue (high at twice that)."""
    hours = config.risk.thresholds.unconfirmed_hours
    query = select(Order.id, Order.supplier_id, Order.po, Order.issued_at).where(
        Order.status == "issued", Order.issued_at <= now - timedelta(hours=hours)
    )
    signals = []
    for order_id, supplier_id, po, issued_at in session.exec(query):
        waited = (now - issued_at).total_seconds() / 3600
        signals.append(Signal(supplier_id, "unconfirmed_order", f"order:{order_id}",
                              "high" if waited >= 2 * hours else "medium", {"po": po, "hours": int(waited)}))  # fmt: skip
    return signals


def stale_orders(session: Session, config: AppConfig, now: datetime) -> list[Signal]:
    """Confirmed or in-production orders without a production update for `stale_days` (medium at twice)."""
    days = config.risk.thresholds.stale_days
    latest = (
        select(ProductionUpdate.order_id, func.max(ProductionUpdate.created_at).label("at"))
        .where(ProductionUpdate.created_at <= now)
        .group_by(ProductionUpdate.order_id)
        .subquery()
    )
    last = func.coalesce(latest.c.at, Order.confirmed_at, Order.issued_at)
    query = (
        select(Order.id, Order.supplier_id, Order.po, last)
        .outerjoin(latest, latest.c.order_id == Order.id)
        .where(Order.status.in_(("confirmed", "in_production")), last <= now - timedelta(days=days))
    )
    signals = []
    for order_id, supplier_id, po, at in session.exec(query):
        quiet = (now - at).total_seconds() / 86400
        signals.append(Signal(supplier_id, "stale_order", f"order:{order_id}",
                              "medium" if quiet >= 2 * days else "low", {"po": po, "days": int(quiet)}))  # fmt: skip
    return signals


def behind_schedule(session: Session, config: AppConfig, now: datetime) -> list[Signal]:
    """Orders due within `behind_days` (in the supplier's zone) with progress below the threshold."""
    limits = config.risk.thresholds
    zones = _zones(session)
    horizon = now.date() + timedelta(days=limits.behind_days + 1)
    query = select(Order.id, Order.supplier_id, Order.po, Order.due_date, Order.progress_percent).where(
        Order.status.in_(NOT_STARTED_SHIPPING), Order.due_date <= horizon,
        Order.progress_percent < limits.behind_progress_percent,
    )  # fmt: skip
    signals = []
    for order_id, supplier_id, po, due, progress in session.exec(query):
        left = (due - _local_today(zones[supplier_id][0], now)).days
        if left > limits.behind_days:
            continue
        details = {"po": po, "due": due.isoformat(), "days_left": left, "progress": progress}
        signals.append(Signal(supplier_id, "behind_schedule", f"order:{order_id}",
                              "high" if left <= 2 else "medium", details))  # fmt: skip
    return signals


def _periods(config: AppConfig, now: datetime) -> list[Period]:
    """The last complete scorecard period and the three before it, newest first."""
    kind, zone = config.scorecards.period, config.default_timezone
    periods = [last_complete_period(now, kind, zone)]
    for _ in range(3):
        periods.append(last_complete_period(periods[-1].starts_at, kind, zone))
    return [period_starting(p.start, kind, zone) for p in periods]


def _trend(current: float | None, history: Sequence[float | None]) -> tuple[float | None, float | None]:
    past = [v for v in history if v is not None]
    return current, (mean(past) if past else None)


def _period_values(session: Session, config: AppConfig, period: Period, ids: list[int]) -> dict[int, dict]:
    """The scorecard variables of a period: as the scorecards job stored them when it evaluated the period,
    else computed now (SQL aggregates over all suppliers at once)."""
    query = select(ScorecardEvaluation.supplier_id, ScorecardEvaluation.variables).where(
        ScorecardEvaluation.period_start == period.start, ScorecardEvaluation.period_end == period.end
    )
    stored = dict(session.exec(query).all())
    if not stored:
        return compute_variables(session=session, period=period, config=config.scorecards, supplier_ids=ids)
    empty = {"on_time_rate": None, "lot_acceptance_rate": None, "defect_ppm": None, "sla_breaches": 0}
    return {sid: empty | {k: v for k, v in stored.get(sid, {}).items() if k in empty} for sid in ids}


def kpi_signals(session: Session, config: AppConfig, now: datetime) -> list[Signal]:
    """on_time_drop, quality_drop and sla_breaches from the scorecard variables of the last complete period
    against the supplier's trailing three-period mean (a threshold or a drop)."""
    limits = config.risk.thresholds
    ids = list(session.exec(select(Supplier.id)))
    periods = _periods(config, now)
    values = [_period_values(session, config, p, ids) for p in periods]
    label = periods[0].start.isoformat()[: 7 if periods[0].kind == "month" else 10]
    signals = []
    for sid in ids:
        series = [v[sid] for v in values]
        rate, trailing = _trend(series[0]["on_time_rate"], [s["on_time_rate"] for s in series[1:]])
        if rate is not None:
            drop = None if trailing is None else trailing - rate
            if rate < limits.on_time_min or (drop is not None and drop > limits.on_time_drop_points):
                severe = rate < limits.on_time_min - 20 or (drop or 0) > 2 * limits.on_time_drop_points
                signals.append(Signal(sid, "on_time_drop", "", "high" if severe else "medium",
                                      {"rate": rate, "mean": trailing, "period": label}))  # fmt: skip
        lots, trailing = _trend(
            series[0]["lot_acceptance_rate"], [s["lot_acceptance_rate"] for s in series[1:]]
        )
        ppm = series[0]["defect_ppm"]
        if lots is not None:
            drop = None if trailing is None else trailing - lots
            spike = ppm is not None and ppm > limits.defect_ppm_max
            if (
                spike
                or lots < limits.lot_acceptance_min
                or (drop is not None and drop > limits.lot_acceptance_drop_points)
            ):
                severe = lots < limits.lot_acceptance_min - 20 or (spike and ppm > 2 * limits.defect_ppm_max)
                signals.append(Signal(sid, "quality_drop", "", "high" if severe else "medium",
                                      {"rate": lots, "mean": trailing, "ppm": ppm, "period": label}))  # fmt: skip
        breaches = series[0]["sla_breaches"] or 0
        if breaches >= limits.sla_breaches:
            signals.append(Signal(sid, "sla_breaches", "", "high" if breaches >= 2 * limits.sla_breaches else "medium",
                                  {"count": breaches, "period": label}))  # fmt: skip
    return signals


def level_downs(session: Session, config: AppConfig, now: datetime) -> list[Signal]:
    """The supplier's latest approved or set level change, when it moved to a lower band."""
    rank = {band.name: index for index, band in enumerate(config.scorecards.bands())}
    latest = (
        select(func.max(LevelChange.id))
        .where(LevelChange.status.in_(("approved", "set")),
               func.coalesce(LevelChange.decided_at, LevelChange.proposed_at) <= now)
        .group_by(LevelChange.supplier_id)
    )  # fmt: skip
    query = select(LevelChange).where(LevelChange.id.in_(latest))
    signals = []
    for change in session.exec(query):
        before, after = rank.get(change.from_level or ""), rank.get(change.to_level)
        if before is None or after is None or after >= before:
            continue
        severe = before - after >= 2 or after == 0
        signals.append(Signal(change.supplier_id, "level_down", f"level_change:{change.id}",
                              "high" if severe else "medium", {"from": change.from_level, "to": change.to_level}))  # fmt: skip
    return signals


def overdue_capas(session: Session, now: datetime) -> list[Signal]:
    """One per CAPA past its due date and not verified (high two weeks after)."""
    return [
        Signal(capa.supplier_id, "capa_overdue", capa.number,
               "high" if now - capa.due_at >= timedelta(days=14) else "medium",
               {"number": capa.number, "due": capa.due_date.isoformat()})
        for capa in capa_service.overdue(session=session, now=now)
    ]  # fmt: skip


def disasters(session: Session, events: Sequence[Disaster]) -> list[Signal]:
    """Orange and red events naming a supplier's country."""
    by_country: dict[str, list[int]] = {}
    for sid, country in session.exec(select(Supplier.id, Supplier.country)):
        by_country.setdefault(country.upper(), []).append(sid)
    signals = []
    for event in events:
        for country in sorted(event.countries):
            for sid in by_country.get(country, []):
                details = {
                    "title": event.title,
                    "type": event.event_type,
                    "country": country,
                    "link": event.link,
                }
                signals.append(Signal(sid, "disaster", event.key, event.severity, details))
    return signals


def sanctions(session: Session, config: AppConfig, entries: Sequence[Entry]) -> list[Signal]:
    """Supplier names against the listed names; high from 97 %, medium below."""
    rows = session.exec(select(Supplier.id, Supplier.name, Supplier.legal_names))
    suppliers = [(sid, name, tuple(legal or ())) for sid, name, legal in rows]
    matches = screen(suppliers, entries, config.risk.thresholds.sanctions_match_percent)
    return [
        Signal(m.supplier_id, "sanctions", m.entry.uid, "high" if m.percent >= 97 else "medium",
               {"list": m.entry.list_name, "entry": m.entry.uid, "listed_name": m.listed_name,
                "programme": m.entry.programme, "percent": m.percent})
        for m in matches
    ]  # fmt: skip


def _rate_on(history: dict[str, tuple[list[date], list[float]]], currency: str, day: date) -> float | None:
    """1 EUR in `currency` on the latest day on or before `day` (EUR itself is 1)."""
    if currency == "EUR":
        return 1.0
    days, rates = history.get(currency, ([], []))
    index = bisect_right(days, day)
    return rates[index - 1] if index else None


def fx_moves(session: Session, config: AppConfig, now: datetime, skipped: list[str]) -> list[Signal]:
    """Open orders priced in another currency than the home one whose rate moved more than the threshold
    since the order was issued (from the latest rate on or before the issue date)."""
    home, limit = config.risk.home_currency, config.risk.thresholds.fx_move_percent
    priced_in = func.coalesce(Order.currency, config.orders.default_currency)  # no currency: the default one
    query = select(Order.id, Order.supplier_id, Order.po, priced_in, Order.issued_at).where(
        Order.status.in_(OPEN_ORDER), priced_in != home
    )
    orders = list(session.exec(query))
    currencies = {o[3] for o in orders} | {home}
    history: dict[str, tuple[list[date], list[float]]] = {}
    rates = select(FxRate.currency, FxRate.day, FxRate.rate).where(FxRate.currency.in_(currencies))
    for currency, day, rate in session.exec(rates.order_by(FxRate.currency, FxRate.day)):
        days, values = history.setdefault(currency, ([], []))
        days.append(day)
        values.append(rate)
    today, missing, signals = now.date(), set(), []
    for order_id, supplier_id, po, currency, issued_at in orders:
        issued = issued_at.date()
        base = (_rate_on(history, home, issued), _rate_on(history, currency, issued))
        current = (_rate_on(history, home, today), _rate_on(history, currency, today))
        if None in base or None in current:
            missing.add(currency if currency not in history and currency != "EUR" else home)
            continue
        before, after = base[0] / base[1], current[0] / current[1]  # home units per unit of `currency`
        move = (after / before - 1) * 100
        if abs(move) > limit:
            details = {"po": po, "currency": currency, "home": home, "move": round(move, 2),
                       "issued": issued.isoformat()}  # fmt: skip
            signals.append(Signal(supplier_id, "fx", f"order:{order_id}",
                                  "high" if abs(move) > 2 * limit else "medium", details))  # fmt: skip
    skipped.extend(f"fx: no euro reference rate for {c}" for c in sorted(missing))
    return signals


def upcoming_holidays(session: Session, config: AppConfig, now: datetime) -> list[Signal]:
    """Open orders due within `holiday_days_ahead` on, or just after, a public holiday of the supplier's
    country (the holiday names kept in each catalog's language)."""
    limits = config.risk.thresholds
    zones = _zones(session)
    horizon = now.date() + timedelta(days=limits.holiday_days_ahead + 1)
    query = select(Order.id, Order.supplier_id, Order.po, Order.due_date).where(
        Order.status.in_(NOT_STARTED_SHIPPING), Order.due_date <= horizon, Order.due_date >= now.date() - timedelta(days=1)
    )  # fmt: skip
    signals, near = [], {}
    for order_id, supplier_id, po, due in session.exec(query):
        zone, country, _ = zones[supplier_id]
        left = (due - _local_today(zone, now)).days
        if not 0 <= left <= limits.holiday_days_ahead:
            continue
        if (country, due) not in near:  # many orders share a country and a due date
            near[(country, due)] = {lang: holidays_near(country, due, limits.holiday_after_days, lang)
                                    for lang in HOLIDAY_LANGUAGES}  # fmt: skip
        found = near[(country, due)]["en"]
        if not found:
            continue
        names = {lang: [name for _, name in days] for lang, days in near[(country, due)].items()}
        details = {"po": po, "due": due.isoformat(), "country": country, "days": [d.isoformat() for d, _ in found],
                   "names": names}  # fmt: skip
        signals.append(
            Signal(supplier_id, "holiday", f"order:{order_id}", "medium" if left <= 7 else "low", details)
        )
    return signals

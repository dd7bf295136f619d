"""What one domain shows on another's surface: risk alerts and suppliers' holiday periods in the buyers'
digest; active risks, tiers and the suppliers' feedback on the buyers' Home tab; tier, loyalty and risk
exposure next to the level on scorecards; feedback means and co-creation value in the buyers' portfolio.
Registered by the composition root (bot/app.py), so the surfaces' packages import none of these domains."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from bot.core.actors import Actor
from bot.core.blocks import context, section
from bot.core.i18n import _, current_locale, format_date, format_decimal, ngettext
from bot.core.text import neutralise
from bot.digests.content import Composition, Line, Reader, Section
from bot.feedback import service as feedback
from bot.feedback.views import dimension_label
from bot.projects.views import money
from bot.relationship import tiers
from bot.relationship.guides import holiday_periods
from bot.relationship.views import loyalty_text, tier_label
from bot.risk import service as risk
from bot.risk.texts import kind_label, summary
from bot.risk.views import ICONS
from bot.scorecards.periods import Period
from models import Order, ProjectValue, Supplier, SupplierRelationship
from models.relationship import DEFAULT_TIER, TIERS

SHOWN = 8  # lines per digest section; the rest are counted
TOP = 3  # suppliers named under a portfolio figure
FEW = 500  # up to this many suppliers are read by id; more (a whole evaluation): every row at once
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
OPEN_ORDER = ("issued", "confirmed", "in_production", "shipped", "partially_received")
HOLIDAY_DAYS = 14  # the buyers hear of a supplier country's holiday period this long before it starts


def _names(session: Session, supplier_ids: set[int]) -> dict[int, str]:
    if not supplier_ids:
        return {}
    return dict(session.exec(select(Supplier.id, Supplier.name).where(Supplier.id.in_(supplier_ids))).all())


def _alert_line(alert: risk.AlertRow, supplier: str) -> Line:
    details = dict(alert.details) | {"severity": alert.severity}
    return Line(lambda reader: "• {icon} *{kind}* · {supplier} · {summary}".format(
        icon=ICONS.get(alert.severity, ""), kind=kind_label(alert.kind), supplier=neutralise(supplier),
        summary=summary(alert.kind, details, neutralise)))  # fmt: skip


def risk_alerts_for_buyers(composition: Composition, day: date) -> Section | None:
    """Risk alerts opened or escalated in the last day, the most severe first."""
    session = composition.session
    alerts = risk.open_alerts(session, since=composition.now - timedelta(days=1))
    if not alerts:
        return None
    alerts.sort(key=lambda a: (SEVERITY_ORDER.get(a.severity, 3), -a.opened_at.timestamp()))
    names = _names(session, {a.supplier_id for a in alerts})
    lines = [_alert_line(a, names.get(a.supplier_id, "")) for a in alerts[:SHOWN]]
    return Section("risks", lambda: _("New and escalated risk alerts"), lines, True, len(alerts))


def _holiday_line(country: str, suppliers: list[str], start: date, days: int) -> Line:
    def render(reader: Reader) -> str:
        periods = [p for p in holiday_periods(country, start, days, current_locale()) if p.end >= start]
        if not periods:
            return ""
        period = periods[0]
        when = format_date(period.start, "medium")
        if period.end != period.start:
            when = _("{start} to {end}").format(start=when, end=format_date(period.end, "medium"))
        return "• :calendar: " + _("{holiday}, {when}: {suppliers} in {country}").format(
            suppliers=", ".join(neutralise(s) for s in suppliers), country=country,
            holiday=", ".join(period.names), when=when)  # fmt: skip

    return Line(render)


def holidays_for_buyers(composition: Composition, day: date) -> Section | None:
    """Public holiday periods starting in the next two weeks in the countries of suppliers with open
    orders (one query for the countries; holiday calendars are computed per country, not per supplier)."""
    query = (
        select(Supplier.country, Supplier.name)
        .join(Order, Order.supplier_id == Supplier.id)
        .where(Order.status.in_(OPEN_ORDER))
        .group_by(Supplier.country, Supplier.name)
        .order_by(Supplier.country, func.lower(Supplier.name))
    )
    by_country: dict[str, list[str]] = defaultdict(list)
    for country, name in composition.session.exec(query):
        by_country[country].append(name)
    lines = []
    for country, suppliers in by_country.items():
        periods = holiday_periods(country, day, HOLIDAY_DAYS, "en")
        if any(p.start >= day for p in periods):
            start = min(p.start for p in periods if p.start >= day)
            lines.append(_holiday_line(country, suppliers[:5], start, HOLIDAY_DAYS))
    if not lines:
        return None
    return Section("holidays_ahead", lambda: _("Holiday periods ahead at suppliers"), lines[:SHOWN], True,
                   len(lines))  # fmt: skip


def active_risks_on_home(session: Session, actor: Actor, now: datetime) -> list[dict[str, Any]]:
    """The suppliers with the highest risk exposure and how many alerts each has open."""
    scores = risk.exposure(session, now=now)
    if not scores:
        return [section("*" + _("Active risks") + "*\n" + _("No open risk alerts."))]
    top = sorted(scores.items(), key=lambda item: -item[1])[:5]
    counts: dict[int, int] = defaultdict(int)
    for alert in risk.open_alerts(session, supplier_ids=[s for s, _score in top]):
        counts[alert.supplier_id] += 1
    names = _names(session, {s for s, _score in top})
    lines = [
        "• *{name}* · {exposure} · {alerts}".format(
            name=neutralise(names.get(supplier_id, "")),
            exposure=_("exposure {score}/100").format(score=round(score)),
            alerts=ngettext("{count} open alert", "{count} open alerts", counts[supplier_id]).format(
                count=counts[supplier_id]
            ),
        )
        for supplier_id, score in top
    ]
    return [section("*" + _("Active risks") + "*\n" + "\n".join(lines))]


Fact = Callable[[], str]
Blocks = Callable[[], "list[dict[str, Any]]"]


def relationship_facts(session: Session, supplier_ids: list[int]) -> dict[int, list[Fact]]:
    """Each supplier's tier, and its loyalty once computed (one query for all)."""
    rows = tiers.tiers_and_loyalty(session, supplier_ids if len(supplier_ids) <= FEW else None)
    facts: dict[int, list[Fact]] = {}
    for supplier_id in supplier_ids:
        tier, loyalty = rows.get(supplier_id, (DEFAULT_TIER, None))
        facts[supplier_id] = [_tier_fact(tier)] + ([_loyalty_fact(loyalty)] if loyalty is not None else [])
    return facts


def _tier_fact(tier: str) -> Fact:
    return lambda: _fact_text(current_locale(), "tier", tier)


def _loyalty_fact(loyalty: float) -> Fact:
    return lambda: _fact_text(current_locale(), "loyalty", round(loyalty))


def _exposure_fact(score: float) -> Fact:
    return lambda: _fact_text(current_locale(), "exposure", round(score))


@lru_cache(maxsize=2048)
def _fact_text(locale: str, kind: str, value: str | int) -> str:
    """A fact's words in `locale` (an evaluation renders thousands of cards with few distinct facts)."""
    if kind == "tier":
        return _("Tier: {tier}").format(tier=tier_label(str(value)))
    if kind == "loyalty":
        return _("Loyalty: {loyalty}/100").format(loyalty=loyalty_text(float(value)))
    return _("Risk exposure: {score}/100").format(score=format_decimal(value))


def exposure_facts(session: Session, supplier_ids: list[int]) -> dict[int, list[Fact]]:
    """Each supplier's risk exposure 0-100 (one query for all): the figure only, never what raised it, as
    the scorecard also goes to the supplier's own channel."""
    scores = risk.exposure(session, supplier_ids if len(supplier_ids) <= FEW else None)
    return {supplier_id: [_exposure_fact(scores.get(supplier_id, 0.0))] for supplier_id in supplier_ids}


def _mean(value: float) -> str:
    return format_decimal(round(value, 1))


def _feedback_blocks(summary: feedback.PeriodFeedback | None) -> Blocks | None:
    """Means per dimension over every answer of the period, the overall mean, the lowest-rating suppliers."""
    if summary is None:
        return None
    overall = sum(summary.means.values()) / len(summary.means)

    def render() -> list[dict[str, Any]]:
        title = _("*How suppliers rate us*, {start} to {end}").format(
            start=format_date(summary.period_start), end=format_date(summary.period_end))  # fmt: skip
        counted = ngettext("{n} answer", "{n} answers", summary.responses).format(
            n=format_decimal(summary.responses))  # fmt: skip
        lines = [f"• {dimension_label(d)}: *{_mean(mean)}*" for d, mean in summary.means.items()]
        lines.append(_("Overall: *{mean}* of 5").format(mean=_mean(overall)))
        blocks = [section(f"{title} ({counted})\n" + "\n".join(lines))]
        if summary.suppliers > 1:
            named = ", ".join(f"{neutralise(name)} {_mean(mean)}" for name, mean in summary.lowest)
            blocks.append(context(_("Lowest overall ratings: {suppliers}").format(suppliers=named)))
        return blocks

    return render


def feedback_in_portfolio(session: Session, period: Period) -> Blocks | None:
    """The suppliers' ratings of the buyers: the period's, else the latest before it (a period's
    invitations go out when it is evaluated, so its answers come later)."""
    return _feedback_blocks(feedback.latest_period_feedback(session=session, until=period.start, lowest=TOP))


def cocreation_in_portfolio(session: Session, period: Period) -> Blocks | None:
    """The value co-creation projects realised in the period: the total per currency and the top suppliers
    (one query grouped by supplier and currency)."""
    rows = session.exec(
        select(Supplier.name, ProjectValue.currency, func.sum(ProjectValue.amount))
        .join(Supplier, Supplier.id == ProjectValue.supplier_id)
        .where(ProjectValue.recorded_at >= period.starts_at, ProjectValue.recorded_at < period.ends_at)
        .group_by(Supplier.id, Supplier.name, ProjectValue.currency)
    ).all()
    if not rows:
        return None
    totals: dict[str, Any] = defaultdict(int)
    for _name, currency, amount in rows:
        totals[currency] += amount
    top = sorted(rows, key=lambda row: (-row[2], row[0].casefold()))[:TOP]
    suppliers = len({name for name, _currency, _amount in rows})

    def render() -> list[dict[str, Any]]:
        total = " · ".join(money(amount, currency) for currency, amount in sorted(totals.items()))
        counted = ngettext("{n} supplier", "{n} suppliers", suppliers).format(n=format_decimal(suppliers))
        lines = [f"• {neutralise(name)}: {money(amount, currency)}" for name, currency, amount in top]
        text = _("*Co-creation value realised*: {total} ({suppliers})").format(total=total, suppliers=counted)
        return [section(text + "\n" + "\n".join(lines))]

    return render


def relationship_on_home(session: Session, actor: Actor, now: datetime) -> list[dict[str, Any]]:
    """Suppliers per tier (one GROUP BY; a supplier without a relationship row is transactional)."""
    tier = func.coalesce(SupplierRelationship.tier, DEFAULT_TIER)
    counts = dict(session.exec(
        select(tier, func.count()).select_from(Supplier)
        .outerjoin(SupplierRelationship, SupplierRelationship.supplier_id == Supplier.id).group_by(tier)).all())  # fmt: skip
    if not counts:
        return []
    shown = " · ".join(f"{tier_label(t)}: {format_decimal(counts[t])}" for t in TIERS if counts.get(t))
    return [section("*" + _("Suppliers per tier") + "*\n" + shown)]


def feedback_on_home(session: Session, actor: Actor, now: datetime) -> list[dict[str, Any]]:
    """The suppliers' latest ratings of the buyers."""
    render = _feedback_blocks(feedback.latest_period_feedback(session=session, lowest=TOP))
    return render() if render else []

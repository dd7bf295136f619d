"""What one domain shows on another's surface: risk alerts and suppliers' holiday periods in the buyers'
digest, active risks on the buyers' Home tab. Registered by the composition root (bot/app.py), so the
digests and Home packages import neither the risk nor the relationship domain."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from bot.core.actors import Actor
from bot.core.blocks import section
from bot.core.i18n import _, current_locale, format_date, ngettext
from bot.core.text import neutralise
from bot.digests.content import Composition, Line, Reader, Section
from bot.relationship.guides import holiday_periods
from bot.risk import service as risk
from bot.risk.texts import kind_label, summary
from bot.risk.views import ICONS
from models import Order, Supplier

SHOWN = 8  # lines per digest section; the rest are counted
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

"""Risk alerts: one per (supplier, kind, subject), opened, escalated, resolved and reopened from the signals;
acknowledged, snoozed or marked a false positive by buyers. Exposure 0-100 per supplier.

Knows nothing of Slack. Every change is a conditional update (two workers may evaluate at once) with an
audit event."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import or_, text, update
from sqlalchemy.dialects import sqlite
from sqlmodel import Session, select

from bot.core.actors import SYSTEM, Actor
from bot.core.audit import record_event, record_events
from bot.core.db import lock_row
from bot.core.errors import DomainError, Forbidden
from bot.core.i18n import use_locale
from bot.core.roles import require_buyer
from bot.risk.signals import Evaluation, Signal
from bot.risk.texts import summary
from models import RiskAlert, Supplier, utcnow

SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}
ACTIVE = ("open", "acknowledged", "snoozed")
EXPOSURE_WEIGHT = {"low": 10.0, "medium": 25.0, "high": 50.0}
EXPOSURE_AGE_DAYS = 30  # an alert's weight doubles over its first 30 days open
_NO_SYNC = {"synchronize_session": False}


@dataclass(frozen=True)
class Change:
    """What happened to an alert in one evaluation."""

    alert_id: int
    what: str  # opened | reopened (a resolved alert raised again) | escalated | woke (snooze over) | resolved
    before: str | None = None  # the previous severity of an escalation


class AlertRow(NamedTuple):
    """An alert as the digests and Home read it: render its summary with bot.risk.views.summary."""

    id: int
    supplier_id: int
    kind: str
    subject: str
    severity: str
    status: str
    details: dict[str, Any]
    opened_at: datetime
    escalated_at: datetime | None


def _audit(
    session: Session, actor: Actor, alert_id: int, action: str, before: dict | None, after: dict | None
) -> None:
    record_event(session=session, actor_id=actor.user_id, actor_role=actor.role, object_type="risk_alert",
                 object_id=alert_id, action=action, before=before, after=after)  # fmt: skip


def _conditional(session: Session, alert_id: int, where: Iterable, **values: Any) -> bool:
    statement = update(RiskAlert).where(RiskAlert.id == alert_id, *where).values(**values)
    return bool(session.execute(statement, execution_options=_NO_SYNC).rowcount)


# Figures that change with every run while the condition stays the same: not a reason to rewrite a row.
VOLATILE = frozenset({"hours", "days", "days_left"})
CHUNK = 1000


class _Known(NamedTuple):
    id: int
    status: str
    severity: str
    details: dict[str, Any]
    snoozed_until: datetime | None


def _steady(details: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in details.items() if k not in VOLATILE}


def apply(*, session: Session, evaluation: Evaluation, now: datetime) -> list[Change]:
    """Bring the alerts of the evaluated kinds in line with the signals found as of `now` (new alerts and
    resolutions in bulk: a run may raise thousands at once)."""
    if not evaluation.evaluated:
        return []
    query = select(RiskAlert.dedupe_key, RiskAlert.id, RiskAlert.status, RiskAlert.severity, RiskAlert.details,
                   RiskAlert.snoozed_until).where(RiskAlert.kind.in_(sorted(evaluation.evaluated)))  # fmt: skip
    known = {key: _Known(*rest) for key, *rest in session.exec(query)}
    signals = list({signal.key: signal for signal in evaluation.signals}.values())
    changes = _open(session, [s for s in signals if s.key not in known], now)
    for signal in signals:
        if signal.key in known and (change := _update(session, signal, known[signal.key], now)):
            changes.append(change)
    seen = {signal.key for signal in signals}
    gone = [alert for key, alert in known.items() if key not in seen and alert.status in ACTIVE]
    return changes + _resolve(session, gone, now)


def _events(changes: list[Change], action: str, before: dict | None, after: dict) -> list[dict[str, Any]]:
    return [{"actor_id": SYSTEM.user_id, "actor_role": SYSTEM.role, "object_type": "risk_alert",
             "object_id": c.alert_id, "action": action, "before": before, "after": after} for c in changes]  # fmt: skip


# PostgreSQL takes a chunk of new alerts as arrays, in one short statement (a multi-row VALUES list of
# thousands of parameters costs more to prepare than to run).
_PG_OPEN = text("""
INSERT INTO risk_alert (supplier_id, kind, subject, dedupe_key, severity, status, details, opened_at, updated_at)
SELECT t.supplier_id, t.kind, t.subject, t.dedupe_key, t.severity, 'open', CAST(t.details AS JSON), :now, :now
FROM unnest(CAST(:supplier_ids AS INTEGER[]), CAST(:kinds AS VARCHAR[]), CAST(:subjects AS VARCHAR[]),
            CAST(:keys AS VARCHAR[]), CAST(:severities AS VARCHAR[]), CAST(:details AS TEXT[]))
     AS t(supplier_id, kind, subject, dedupe_key, severity, details)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id
""")


def _insert_new(session: Session, signals: list[Signal], now: datetime) -> list[int]:
    """Insert a chunk of new alerts; the ids of those this call inserted (not those another worker did)."""
    if session.get_bind().dialect.name == "postgresql":
        params = {"now": now, "supplier_ids": [s.supplier_id for s in signals], "kinds": [s.kind for s in signals],
                  "subjects": [s.subject[:200] for s in signals], "keys": [s.key for s in signals],
                  "severities": [s.severity for s in signals], "details": [json.dumps(s.details) for s in signals]}  # fmt: skip
        return [alert_id for (alert_id,) in session.execute(_PG_OPEN, params)]
    statement = (
        sqlite.insert(RiskAlert.__table__)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(RiskAlert.__table__.c.id)
    )
    rows = [{"supplier_id": s.supplier_id, "kind": s.kind, "subject": s.subject[:200], "dedupe_key": s.key,
             "severity": s.severity, "status": "open", "details": s.details, "opened_at": now, "updated_at": now}
            for s in signals]  # fmt: skip
    return [alert_id for (alert_id,) in session.execute(statement, rows)]


def _open(session: Session, signals: list[Signal], now: datetime) -> list[Change]:
    """Insert the new alerts; one that another worker raised just now is left to it."""
    ids: list[int] = []
    for start in range(0, len(signals), CHUNK):
        ids += _insert_new(session, signals[start : start + CHUNK], now)
    changes = [Change(alert_id, "opened") for alert_id in sorted(ids)]
    record_events(session=session, events=_events(changes, "opened", None, {"status": "open"}))
    return changes


def _resolve(session: Session, gone: list[_Known], now: datetime) -> list[Change]:
    """The alerts whose condition cleared (unless someone changed them meanwhile)."""
    changes: list[Change] = []
    for start in range(0, len(gone), CHUNK):
        ids = [alert.id for alert in gone[start : start + CHUNK]]
        statement = (
            update(RiskAlert)
            .where(RiskAlert.id.in_(ids), RiskAlert.status.in_(ACTIVE))
            .values(status="resolved", resolved_at=now, updated_at=now)
            .returning(RiskAlert.id)
        )
        changes += [
            Change(alert_id, "resolved")
            for (alert_id,) in session.execute(statement, execution_options=_NO_SYNC)
        ]
    changes.sort(key=lambda c: c.alert_id)
    record_events(
        session=session, events=_events(changes, "resolved", {"status": "active"}, {"status": "resolved"})
    )
    return changes


def _update(session: Session, signal: Signal, alert: _Known, now: datetime) -> Change | None:
    """A known alert: reopened, escalated, woken from its snooze, or its figures brought up to date."""
    values = {"severity": signal.severity, "details": signal.details, "updated_at": now}
    if alert.status == "false_positive":
        return None
    if alert.status == "resolved":
        if _conditional(session, alert.id, [RiskAlert.status == "resolved"], status="open", opened_at=now,
                        resolved_at=None, escalated_at=None, acknowledged_by=None, acknowledged_at=None,
                        snoozed_until=None, **values):  # fmt: skip
            _audit(session, SYSTEM, alert.id, "reopened", {"status": "resolved"}, {"status": "open"})
            return Change(alert.id, "reopened")
        return None
    if SEVERITY_RANK[signal.severity] > SEVERITY_RANK[alert.severity]:
        # A rise needs attention again: a snooze or an acknowledgement ends with it.
        if _conditional(session, alert.id, [RiskAlert.severity == alert.severity], status="open", escalated_at=now,
                        snoozed_until=None, **values):  # fmt: skip
            _audit(session, SYSTEM, alert.id, "escalated", {"severity": alert.severity, "status": alert.status},
                   {"severity": signal.severity, "status": "open"})  # fmt: skip
            return Change(alert.id, "escalated", alert.severity)
        return None
    if _steady(signal.details) != _steady(alert.details) or signal.severity != alert.severity:
        _conditional(session, alert.id, [], **values)  # quieter, or new figures: kept without a post
    woke = alert.status == "snoozed" and alert.snoozed_until is not None and alert.snoozed_until <= now
    if woke and _conditional(session, alert.id, [RiskAlert.status == "snoozed"], status="open", snoozed_until=None,
                             updated_at=now):  # fmt: skip
        _audit(session, SYSTEM, alert.id, "snooze_ended", {"status": "snoozed"}, {"status": "open"})
        return Change(alert.id, "woke")
    return None


def alert_for(*, session: Session, actor: Actor, alert_id: str | int | None) -> RiskAlert:
    """The alert a button names, for a buyer (button values can be forged)."""
    require_buyer(actor)
    try:
        alert = session.get(RiskAlert, int(str(alert_id)))
    except (TypeError, ValueError):
        alert = None
    if alert is None:
        raise Forbidden("risk_unavailable")
    return alert


def _decide(session: Session, actor: Actor, alert: RiskAlert, to: str, action: str, allowed: tuple[str, ...],
            **values: Any) -> RiskAlert:  # fmt: skip
    lock_row(session, alert)
    require_buyer(actor)
    if alert.status not in allowed:
        raise DomainError("risk_state", status=alert.status)
    before, now = alert.status, utcnow()
    alert.status, alert.updated_at = to, now
    for name, value in values.items():
        setattr(alert, name, value)
    _audit(session, actor, alert.id, action, {"status": before}, {"status": to} | {
        k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in values.items()})  # fmt: skip
    return alert


def acknowledge(*, session: Session, actor: Actor, alert: RiskAlert) -> RiskAlert:
    return _decide(session, actor, alert, "acknowledged", "acknowledged", ("open", "snoozed"),
                   acknowledged_by=actor.user_id, acknowledged_at=utcnow())  # fmt: skip


def snooze(*, session: Session, actor: Actor, alert: RiskAlert, days: int) -> RiskAlert:
    return _decide(session, actor, alert, "snoozed", "snoozed", ("open", "acknowledged", "snoozed"),
                   snoozed_until=utcnow() + timedelta(days=days))  # fmt: skip


def mark_false_positive(*, session: Session, actor: Actor, alert: RiskAlert) -> RiskAlert:
    """A sanctions match that is not the supplier: kept, and never raised again for that list entry."""
    if alert.kind != "sanctions":
        raise DomainError("risk_not_sanctions")
    return _decide(session, actor, alert, "false_positive", "false_positive", ACTIVE)


def _rows(query) -> list[AlertRow]:
    return [AlertRow(a.id, a.supplier_id, a.kind, a.subject, a.severity, a.status, a.details, a.opened_at,
                     a.escalated_at) for a in query]  # fmt: skip


def open_alerts(
    session: Session, supplier_ids: Iterable[int] | None = None, since: datetime | None = None
) -> list[AlertRow]:
    """Alerts not resolved nor false positives (snoozed ones only once their snooze is over), newest first;
    `since`: only those opened or escalated from then."""
    now = utcnow()
    query = select(RiskAlert).where(
        RiskAlert.status.in_(ACTIVE),
        or_(RiskAlert.status != "snoozed", RiskAlert.snoozed_until <= now),
    )
    if supplier_ids is not None:
        query = query.where(RiskAlert.supplier_id.in_(list(supplier_ids) or [-1]))
    if since is not None:
        query = query.where(or_(RiskAlert.opened_at >= since, RiskAlert.escalated_at >= since))
    return _rows(session.exec(query.order_by(RiskAlert.opened_at.desc(), RiskAlert.id.desc())))


def exposure(
    session: Session, supplier_ids: Iterable[int] | None = None, now: datetime | None = None
) -> dict[int, float]:
    """Risk exposure 0-100 per supplier with unresolved alerts: each alert weighs by severity (low 10,
    medium 25, high 50), up to twice that as it ages over 30 days, half while acknowledged or snoozed."""
    now = now or utcnow()
    query = select(RiskAlert.supplier_id, RiskAlert.severity, RiskAlert.status, RiskAlert.opened_at).where(
        RiskAlert.status.in_(ACTIVE)
    )
    if supplier_ids is not None:
        query = query.where(RiskAlert.supplier_id.in_(list(supplier_ids) or [-1]))
    totals: dict[int, float] = {}
    for supplier_id, severity, status, opened_at in session.exec(query):
        age = max((now - opened_at).total_seconds() / 86400, 0)
        weight = EXPOSURE_WEIGHT[severity] * (1 + min(age, EXPOSURE_AGE_DAYS) / EXPOSURE_AGE_DAYS)
        totals[supplier_id] = totals.get(supplier_id, 0.0) + weight * (1 if status == "open" else 0.5)
    return {supplier_id: round(min(total, 100.0), 1) for supplier_id, total in totals.items()}


class ExportRow(NamedTuple):
    supplier_id: int
    supplier: str
    kind: str
    severity: str
    status: str
    opened_at: datetime
    resolved_at: datetime | None
    summary: str
    subject: str
    escalated_at: datetime | None


def risk_rows(session: Session) -> Iterator[ExportRow]:
    """Every alert with its supplier's name and its summary in English, oldest first (`srm export risks`)."""
    query = select(RiskAlert, Supplier.name).join(Supplier, Supplier.id == RiskAlert.supplier_id)
    with use_locale("en"):
        for a, name in session.exec(query.order_by(RiskAlert.opened_at, RiskAlert.id)):
            text = summary(a.kind, dict(a.details) | {"severity": a.severity})
            yield ExportRow(a.supplier_id, name, a.kind, a.severity, a.status, a.opened_at, a.resolved_at, text,
                            a.subject, a.escalated_at)  # fmt: skip

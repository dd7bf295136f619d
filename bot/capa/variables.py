"""Scorecard variables of corrective actions, for every supplier of a period in one query each.

`capas_opened`: CAPAs opened in the period; `capa_on_time_rate`: % of the CAPAs due in the period that
were verified by the end of their due date (null when none was due). Suppliers absent from the result
have 0 and null.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func
from sqlmodel import Session, select

from models import CorrectiveAction

VARIABLES = ("capas_opened", "capa_on_time_rate")


def _bounds(start: date, end: date, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    return datetime.combine(start, time(), zone), datetime.combine(end + timedelta(days=1), time(), zone)


def capa_variables(*, session: Session, period_start: date, period_end: date,
                   timezone: str) -> dict[int, dict[str, float | None]]:  # fmt: skip
    """supplier id → {capas_opened, capa_on_time_rate} for the period (both dates inclusive, in `timezone`)."""
    since, until = _bounds(period_start, period_end, timezone)
    values: dict[int, dict[str, float | None]] = {}
    opened = (
        select(CorrectiveAction.supplier_id, func.count())
        .where(CorrectiveAction.opened_at >= since, CorrectiveAction.opened_at < until)
        .group_by(CorrectiveAction.supplier_id)
    )
    for supplier_id, count in session.exec(opened):
        values[supplier_id] = {"capas_opened": float(count), "capa_on_time_rate": None}
    on_time = case((and_(CorrectiveAction.verified_at.is_not(None),
                         CorrectiveAction.verified_at < CorrectiveAction.due_at), 1), else_=0)  # fmt: skip
    due = (
        select(CorrectiveAction.supplier_id, func.count(), func.sum(on_time))
        .where(CorrectiveAction.due_date >= period_start, CorrectiveAction.due_date <= period_end)
        .group_by(CorrectiveAction.supplier_id)
    )
    for supplier_id, count, in_time in session.exec(due):
        row = values.setdefault(supplier_id, {"capas_opened": 0.0, "capa_on_time_rate": None})
        row["capa_on_time_rate"] = float(in_time or 0) / count * 100
    return values

"""Scorecard variables of corrective actions, for every supplier of a period in one query each.

`capas_opened`: CAPAs opened in the period; `capa_on_time_rate`: % of the CAPAs due in the period that
were verified by the end of their due date (null when none was due). Suppliers absent from the result
have 0 and null.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, case, func
from sqlmodel import Session, select

from models import CorrectiveAction

VARIABLES = ("capas_opened", "capa_on_time_rate")


def capa_variables(*, session: Session, period_start: date, period_end: date, starts_at: datetime,
                   ends_at: datetime) -> dict[int, dict[str, int | float | None]]:  # fmt: skip
    """supplier id → {capas_opened, capa_on_time_rate} for the period: its first and last day (inclusive) and
    the UTC instants it starts at and ends before (the scorecards' period)."""
    values: dict[int, dict[str, int | float | None]] = {}
    opened = (
        select(CorrectiveAction.supplier_id, func.count())
        .where(CorrectiveAction.opened_at >= starts_at, CorrectiveAction.opened_at < ends_at)
        .group_by(CorrectiveAction.supplier_id)
    )
    for supplier_id, count in session.exec(opened):
        values[supplier_id] = {"capas_opened": count, "capa_on_time_rate": None}
    on_time = case((and_(CorrectiveAction.verified_at.is_not(None),
                         CorrectiveAction.verified_at < CorrectiveAction.due_at), 1), else_=0)  # fmt: skip
    due = (
        select(CorrectiveAction.supplier_id, func.count(), func.sum(on_time))
        .where(CorrectiveAction.due_date >= period_start, CorrectiveAction.due_date <= period_end)
        .group_by(CorrectiveAction.supplier_id)
    )
    for supplier_id, count, in_time in session.exec(due):
        row = values.setdefault(supplier_id, {"capas_opened": 0, "capa_on_time_rate": None})
        row["capa_on_time_rate"] = float(in_time or 0) / count * 100
    return values

"""Scorecard variable of co-creation projects, for every supplier of a period in one query.

`cocreation_value`: the value its projects realised in the period (entries recorded in it, summed as
recorded, whatever their currency); 0 for a supplier without any."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, cast, func
from sqlmodel import Session, select

from models import ProjectValue

VARIABLES = ("cocreation_value",)


def cocreation_variables(
    *, session: Session, starts_at: datetime, ends_at: datetime
) -> dict[int, dict[str, float]]:
    """supplier id → {cocreation_value} for the period starting at `starts_at` and ending before `ends_at`."""
    query = (
        select(ProjectValue.supplier_id, cast(func.sum(ProjectValue.amount), Float))
        .where(ProjectValue.recorded_at >= starts_at, ProjectValue.recorded_at < ends_at)
        .group_by(ProjectValue.supplier_id)
    )
    return {supplier_id: {"cocreation_value": float(total)} for supplier_id, total in session.exec(query)}

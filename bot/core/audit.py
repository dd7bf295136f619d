"""Audit events: who changed what, from which state to which, when (UTC)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from models import AuditEvent, utcnow


def record_event(
    *,
    session: Session,
    actor_id: str,
    actor_role: str,
    object_type: str,
    object_id: str | int,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit row to the session's transaction (committed with the change it describes)."""
    event = AuditEvent(
        actor_id=actor_id,
        actor_role=actor_role,
        object_type=object_type,
        object_id=str(object_id),
        action=action,
        before=before,
        after=after,
    )
    session.add(event)
    return event


def record_denial(
    *, session: Session, actor_id: str, actor_role: str, object_type: str, object_id, action: str
):
    """Keep a refused attempt in the audit trail (the caller commits it without the refused change)."""
    return record_event(
        session=session,
        actor_id=actor_id,
        actor_role=actor_role,
        object_type=object_type or "request",
        object_id=object_id if object_id is not None else "?",
        action=f"denied:{action}",
    )


def record_events(*, session: Session, events: list[dict[str, Any]]) -> None:
    """Add many audit rows at once (keys as record_event's; `at` now), for jobs that change many objects."""
    if not events:
        return
    at = utcnow()
    rows = [
        {"at": at, "before": None, "after": None} | event | {"object_id": str(event["object_id"])}
        for event in events
    ]
    session.execute(insert(AuditEvent.__table__), rows)

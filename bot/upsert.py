"""INSERT … ON CONFLICT for both SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def insert_or_update(session: Session, model: type, values: dict[str, Any], keys: list[str]) -> None:
    """Insert `values`, or update the row that has the same `keys`."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(**values)
    updates = {k: statement.excluded[k] for k in values if k not in keys}
    session.execute(statement.on_conflict_do_update(index_elements=keys, set_=updates))


def insert_or_ignore(session: Session, model: type, values: dict[str, Any], keys: list[str]) -> bool:
    """Insert `values` unless a row with the same `keys` exists; True when this call inserted it."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    key = getattr(model, keys[0])
    statement = (
        dialect.insert(model).values(**values).on_conflict_do_nothing(index_elements=keys).returning(key)
    )
    return session.execute(statement).first() is not None

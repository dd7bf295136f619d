"""INSERT … ON CONFLICT for both SQLite and PostgreSQL (statements built once, values bound per call)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def _dialect(session: Session):
    return postgresql if session.get_bind().dialect.name == "postgresql" else sqlite


# Statements on the table, not the mapped class: a plain INSERT, without the ORM's bulk-insert machinery
# (several times the cost of the statement itself on the request path).
@cache
def _update_statement(dialect, model: type, columns: tuple[str, ...], keys: tuple[str, ...]):
    statement = dialect.insert(model.__table__)
    updates = {c: statement.excluded[c] for c in columns if c not in keys}
    return statement.on_conflict_do_update(index_elements=list(keys), set_=updates)


@cache
def _ignore_statement(dialect, model: type, keys: tuple[str, ...]):
    table = model.__table__
    statement = dialect.insert(table).on_conflict_do_nothing(index_elements=list(keys))
    return statement.returning(table.c[keys[0]])


def insert_or_update(session: Session, model: type, values: dict[str, Any], keys: list[str]) -> None:
    """Insert `values`, or update the row that has the same `keys`."""
    statement = _update_statement(_dialect(session), model, tuple(sorted(values)), tuple(keys))
    session.execute(statement, values)


def insert_or_ignore(session: Session, model: type, values: dict[str, Any], keys: list[str]) -> bool:
    """Insert `values` unless a row with the same `keys` exists; True when this call inserted it."""
    statement = _ignore_statement(_dialect(session), model, tuple(keys))
    return session.execute(statement, values).first() is not None

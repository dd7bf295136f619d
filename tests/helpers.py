"""Small assertions shared by the tests."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from bot.core.i18n import _, use_locale
from models import AuditEvent, OutboxMessage, Supplier, SupplierChannel


def counts(session: Session) -> dict[str, int]:
    """Rows that a refused request must not have added."""
    session.expire_all()
    return {
        model.__name__: session.exec(select(func.count()).select_from(model)).one()
        for model in (Supplier, SupplierChannel, AuditEvent, OutboxMessage)
    }


def translated(locale: str, message: str, **params: object) -> str:
    """`message` as a reader of `locale` sees it."""
    with use_locale(locale):
        text = _(message)
    return text.format(**params) if params else text

"""Co-creation project rules: buyers open a project with a supplier, record realised value (entries add
up, each with the supplier's share) and close it. Nothing here knows about Slack; every change is one
transaction with one audit event."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from babel.numbers import list_currencies
from sqlalchemy import func
from sqlmodel import Session, select

from bot.core.actors import Actor
from bot.core.audit import record_event
from bot.core.db import lock_row
from bot.core.errors import DomainError
from bot.core.roles import require_buyer, visible_to
from models import Card, ChannelMessage, Project, ProjectValue, Supplier, SupplierChannel, utcnow
from models.projects import PROJECT_KINDS

TITLE_MAX = 200
AMOUNT_MAX = Decimal("1e14")
SUMMARY_MAX = 2000


@dataclass(frozen=True)
class ProjectTotals:
    """What a project realised so far: the sum of its value entries and the latest entry's share."""

    realised: Decimal
    supplier_share: int | None
    entries: int


def _audit(session: Session, actor: Actor, project: Project, action: str, before: dict | None,
           after: dict | None) -> None:  # fmt: skip
    record_event(session=session, actor_id=actor.user_id, actor_role=actor.role, object_type="project",
                 object_id=project.id, action=action, before=before, after=after)  # fmt: skip


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def parse_currency(value: str | None, default: str) -> str:
    currency = (value or "").strip().upper() or default
    if currency not in _currencies():
        raise DomainError("project_currency_unknown", currency=value)
    return currency


def parse_amount(value: str | None, *, field: str, zero: bool = False) -> Decimal:
    """A money amount above 0 (or from 0 when `zero`), at most 2 decimals kept."""
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise DomainError("project_amount_invalid", value=value, field=field) from None
    if not amount.is_finite() or amount < 0 or (amount == 0 and not zero) or amount > AMOUNT_MAX:
        raise DomainError("project_amount_invalid", value=value, field=field)
    return amount.quantize(Decimal("0.01"))


def parse_share(value: str | None) -> int:
    """The supplier's share in per cent, a whole number from 0 to 100."""
    try:
        share = int(str(value).strip().removesuffix("%"))
    except (TypeError, ValueError):
        raise DomainError("project_share_invalid", value=value) from None
    if not 0 <= share <= 100:
        raise DomainError("project_share_invalid", value=value)
    return share


def parse_kind(value: str | None) -> str:
    kind = (value or "").strip().lower()
    if kind not in PROJECT_KINDS:
        raise DomainError("project_kind_unknown", value=value or "", allowed=", ".join(PROJECT_KINDS))
    return kind


def supplier_for(session: Session, name: str | None, channel_supplier_id: int | None) -> Supplier:
    """The supplier named by supplier=, or the one whose channel the command ran in."""
    if name:
        supplier = session.exec(
            select(Supplier).where(Supplier.name_key == " ".join(name.split()).casefold())
        ).first()
        if supplier is None:
            raise DomainError("supplier_not_found", name=name)
        return supplier
    if channel_supplier_id is None:
        raise DomainError("project_supplier_needed")
    return session.get(Supplier, channel_supplier_id)


def open_project(*, session: Session, actor: Actor, supplier: Supplier, title: str, kind: str,
                 target: str | None, currency: str | None, default_currency: str) -> Project:  # fmt: skip
    """A buyer opens a co-creation project with a supplier."""
    require_buyer(actor)
    title = " ".join((title or "").split())
    if not title or len(title) > TITLE_MAX:
        raise DomainError("project_title_invalid", max=TITLE_MAX)
    kind = parse_kind(kind)
    target_amount = parse_amount(target, field="target", zero=True) if target is not None else None
    channel = session.exec(select(SupplierChannel.channel_id).where(SupplierChannel.supplier_id == supplier.id)
                           .order_by(SupplierChannel.id)).first()  # fmt: skip
    project = Project(supplier_id=supplier.id, title=title, kind=kind, target_amount=target_amount,
                      currency=parse_currency(currency, default_currency), channel_id=channel,
                      opened_by=actor.user_id, opened_at=utcnow())  # fmt: skip
    session.add(project)
    session.flush()
    _audit(session, actor, project, "opened", None,
           {"title": title, "kind": kind, "target_amount": None if target_amount is None else str(target_amount),
            "currency": project.currency, "supplier_id": supplier.id})  # fmt: skip
    return project


def project_for(*, session: Session, actor: Actor, ref: str | int | None) -> Project:
    """The project a command names (`P-<n>`), for someone who may see its supplier."""
    try:
        project = session.get(Project, int(str(ref).strip().upper().removeprefix("P-")))
    except (TypeError, ValueError):
        project = None
    if project is None or not actor.can_act_for(project.supplier_id):
        raise DomainError("project_not_found", ref=ref or "")
    return project


def record_value(*, session: Session, actor: Actor, project: Project, amount: str | None, currency: str | None,
                 supplier_share: str | None) -> ProjectValue:  # fmt: skip
    """A buyer records value a project realised, in the project's currency; entries add up."""
    require_buyer(actor)
    lock_row(session, project)
    if project.status != "open":
        raise DomainError("project_closed", number=project.number)
    value = parse_amount(amount, field="amount")
    share = parse_share(supplier_share)
    if parse_currency(currency, project.currency) != project.currency:
        raise DomainError("project_currency_other", number=project.number, currency=project.currency)
    entry = ProjectValue(project_id=project.id, supplier_id=project.supplier_id, amount=value,
                         currency=project.currency, supplier_share=share, recorded_by=actor.user_id,
                         recorded_at=utcnow())  # fmt: skip
    session.add(entry)
    session.flush()
    _audit(session, actor, project, "value_recorded", None,
           {"amount": str(value), "currency": project.currency, "supplier_share": share, "entry_id": entry.id})  # fmt: skip
    return entry


def close_project(*, session: Session, actor: Actor, project: Project, summary: str | None = None) -> Project:
    """A buyer closes an open project, with a summary of what it achieved (optional)."""
    require_buyer(actor)
    lock_row(session, project)
    if project.status != "open":
        raise DomainError("project_closed", number=project.number)
    totals = totals_of(session, project.id)
    project.status, project.closed_by, project.closed_at = "closed", actor.user_id, utcnow()
    project.summary = (summary or "").strip()[:SUMMARY_MAX]
    session.add(project)
    _audit(session, actor, project, "closed", {"status": "open"},
           {"status": "closed", "realised_amount": str(totals.realised), "entries": totals.entries})  # fmt: skip
    return project


def totals_of(session: Session, project_id: int) -> ProjectTotals:
    realised, entries = session.exec(
        select(func.coalesce(func.sum(ProjectValue.amount), 0), func.count()).where(ProjectValue.project_id == project_id)
    ).one()  # fmt: skip
    share = session.exec(select(ProjectValue.supplier_share).where(ProjectValue.project_id == project_id)
                         .order_by(ProjectValue.id.desc())).first()  # fmt: skip
    return ProjectTotals(Decimal(realised).quantize(Decimal("0.01")), share, entries)


def thread_replies(session: Session, project: Project) -> int:
    """Messages people wrote in the project card's thread (stored like every message of a linked channel)."""
    card = session.get(Card, project.card_id) if project.card_id else None
    if card is None or card.ts is None:
        return 0
    query = select(func.count()).where(
        ChannelMessage.channel_id == card.channel_id, ChannelMessage.thread_ts == card.ts
    )
    return session.exec(query).one()


def visible_projects(*, session: Session, actor: Actor, limit: int = 40) -> list[tuple[Project, str]]:
    """Projects with their supplier's name, newest first; a supplier contact sees only its own."""
    query = select(Project, Supplier.name).join(Supplier).order_by(Project.id.desc()).limit(limit)
    return list(session.exec(visible_to(actor, query, Project.supplier_id)).all())

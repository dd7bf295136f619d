"""Project workflows: a rule from bot.projects.service plus the card and thread notes it causes, in the same
transaction. The card is in the supplier's language; notes also in the buyers'."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from bot.config import AppConfig
from bot.core.actors import Actor
from bot.core.blocks import bilingual
from bot.core.i18n import use_locale
from bot.core.outbox import post_card, post_in_thread, update_card
from bot.projects import service as projects
from bot.projects.views import closing_note, project_card, value_note
from models import Card, Project, ProjectValue, Supplier


def _render(session: Session, project: Project) -> dict:
    supplier = session.get(Supplier, project.supplier_id)
    with use_locale(supplier.locale):
        return project_card(project, supplier.name, projects.totals_of(session, project.id))


def _note(session: Session, project: Project, config: AppConfig, render: Callable[[], str]) -> None:
    card = session.get(Card, project.card_id) if project.card_id else None
    if card is None:
        return
    locales = [session.get(Supplier, project.supplier_id).locale, config.default_locale]
    post_in_thread(session=session, card=card, payload=bilingual(render, locales))


def _refresh(session: Session, project: Project) -> None:
    if project.card_id:
        update_card(
            session=session, card=session.get(Card, project.card_id), payload=_render(session, project)
        )


def open_project(*, session: Session, actor: Actor, supplier: Supplier, title: str, kind: str, target: str | None,
                 currency: str | None, config: AppConfig) -> Project:  # fmt: skip
    """Open the project and post its card in the supplier's channel (kept without one when it has none)."""
    project = projects.open_project(session=session, actor=actor, supplier=supplier, title=title, kind=kind,
                                    target=target, currency=currency,
                                    default_currency=config.orders.default_currency)  # fmt: skip
    if project.channel_id:
        card = post_card(session=session, kind="project", object_type="project", object_id=project.id,
                         channel_id=project.channel_id, payload=_render(session, project))  # fmt: skip
        project.card_id = card.id
        session.add(project)
    return project


def record_value(*, session: Session, actor: Actor, project: Project, amount: str | None, currency: str | None,
                 supplier_share: str | None, config: AppConfig) -> ProjectValue:  # fmt: skip
    entry = projects.record_value(session=session, actor=actor, project=project, amount=amount, currency=currency,
                                  supplier_share=supplier_share)  # fmt: skip
    _refresh(session, project)
    _note(session, project, config, lambda: value_note(project, entry.amount, entry.supplier_share,
                                                        projects.totals_of(session, project.id)))  # fmt: skip
    return entry


def close_project(*, session: Session, actor: Actor, project: Project, summary: str | None,
                  config: AppConfig) -> Project:  # fmt: skip
    projects.close_project(session=session, actor=actor, project=project, summary=summary)
    _refresh(session, project)
    totals, replies = projects.totals_of(session, project.id), projects.thread_replies(session, project)
    _note(session, project, config, lambda: closing_note(project, totals, replies))
    return project

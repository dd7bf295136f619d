"""Workflows that cross domains: a rule change plus the Slack messages it causes, in one transaction."""

from __future__ import annotations

from sqlmodel import Session

from bot.config import AppConfig
from bot.core.actors import Actor
from bot.core.i18n import use_locale
from bot.core.outbox import post_card
from bot.suppliers import service as suppliers
from bot.suppliers.views import welcome_message
from models import Supplier


def add_supplier(
    *,
    session: Session,
    actor: Actor,
    name: str,
    country: str,
    channel: suppliers.ChannelInfo,
    locale: str | None = None,
    tz: str | None = None,
    config: AppConfig,
) -> Supplier:
    """Create the supplier, link the channel and queue a welcome there in the supplier's language."""
    supplier = suppliers.create_supplier(
        session=session, actor=actor, name=name, country=country, channel=channel, locale=locale, tz=tz
    )
    _welcome(session, supplier, channel, config)
    return supplier


def link_supplier(
    *, session: Session, actor: Actor, name: str, channel: suppliers.ChannelInfo, config: AppConfig
) -> Supplier:
    """Link the channel to an existing supplier and queue a welcome there in the supplier's language."""
    supplier = suppliers.link_channel(session=session, actor=actor, name=name, channel=channel)
    _welcome(session, supplier, channel, config)
    return supplier


def _welcome(session: Session, supplier: Supplier, channel: suppliers.ChannelInfo, config: AppConfig) -> None:
    with use_locale(supplier.locale):
        payload = welcome_message(supplier, tickets=config.tickets.enabled)
    post_card(
        session=session,
        kind="welcome",
        object_type="supplier",
        object_id=supplier.id,
        channel_id=channel.channel_id,
        payload=payload | {"unfurl_links": False, "unfurl_media": False},
    )

"""Supplier rules: creating a supplier with its linked channel, listing and showing suppliers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.core import geo
from bot.core.actors import Actor
from bot.core.audit import record_event
from bot.core.db import lock_row
from bot.core.errors import DomainError
from bot.core.roles import require_buyer, visible_to
from models import Supplier, SupplierChannel, SupplierContact

NAME_MAX = 200


@dataclass(frozen=True)
class ChannelInfo:
    """What the bot knows of the channel a command was run in (from conversations.info)."""

    channel_id: str
    name: str
    is_direct: bool
    is_shared: bool


@dataclass(frozen=True)
class SupplierSummary:
    supplier: Supplier
    channel_ids: list[str]
    contacts: int


def create_supplier(
    *,
    session: Session,
    actor: Actor,
    name: str,
    country: str,
    channel: ChannelInfo,
    locale: str | None = None,
    tz: str | None = None,
) -> Supplier:
    """Create a supplier and link `channel` to it; raises DomainError and changes nothing on bad input."""
    require_buyer(actor)
    name = _valid_name(name)
    country = _valid_country(country)
    _check_locale(locale)
    _check_timezone(tz)
    zone = tz or geo.default_timezone(country)
    if zone is None:
        raise DomainError("timezone_needed", country=country)
    if channel.is_direct:
        raise DomainError("not_in_direct_message")
    _refuse_linked_channel(session, channel.channel_id)
    if session.exec(select(Supplier.id).where(Supplier.name_key == name.casefold())).first() is not None:
        raise DomainError("supplier_exists", name=name)
    supplier = Supplier(
        name=name,
        name_key=name.casefold(),
        country=country,
        created_by=actor.user_id,
        locale=geo.normalise_locale(locale) if locale else geo.default_locale(country),
        timezone=zone,
    )
    try:
        with session.begin_nested():  # a concurrent add of the same name or channel loses cleanly
            session.add(supplier)
            session.flush()
            session.add(_channel_link(supplier, channel, actor))
            session.flush()
    except IntegrityError as exc:
        raise DomainError("supplier_exists", name=name) from exc
    record_event(
        session=session,
        actor_id=actor.user_id,
        actor_role=actor.role,
        object_type="supplier",
        object_id=supplier.id,
        action="created",
        after={
            "name": name,
            "country": country,
            "locale": supplier.locale,
            "timezone": zone,
            "channel_id": channel.channel_id,
        },
    )
    return supplier


def _valid_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX:
        raise DomainError("supplier_name_invalid", max=NAME_MAX)
    return name


def _valid_country(country: str) -> str:
    country = country.strip().upper()
    if not geo.is_country(country):
        raise DomainError("unknown_country", country=country)
    return country


def _check_locale(locale: str | None) -> None:
    if locale is not None and geo.normalise_locale(locale) is None:
        raise DomainError("unknown_locale", locale=locale)


def _check_timezone(tz: str | None) -> None:
    if tz is not None and not geo.is_timezone(tz):
        raise DomainError("unknown_timezone", tz=tz)


def name_key(name: str) -> str:
    """What makes two supplier names the same supplier: spacing and case do not count."""
    return " ".join(name.split()).casefold()


def _summary_query():
    """Suppliers with their linked channel ids and contact count, in one SQL statement."""
    channels = (
        select(func.aggregate_strings(SupplierChannel.channel_id, " "))
        .where(SupplierChannel.supplier_id == Supplier.id)
        .scalar_subquery()
    )
    contacts = (
        select(func.count(SupplierContact.id))
        .where(SupplierContact.supplier_id == Supplier.id)
        .scalar_subquery()
    )
    return select(Supplier, channels, contacts)


def _summary(row) -> SupplierSummary:
    supplier, channels, contacts = row
    return SupplierSummary(supplier, sorted((channels or "").split()), int(contacts or 0))


def visible_suppliers(*, session: Session, actor: Actor) -> list[SupplierSummary]:
    """Buyers see every supplier; a supplier contact sees only its own."""
    query = _summary_query().order_by(Supplier.name_key)
    query = visible_to(actor, query, Supplier.id)
    return [_summary(row) for row in session.exec(query)]


def find_supplier(*, session: Session, actor: Actor, name: str) -> SupplierSummary:
    """One supplier by name (case-insensitive), if the actor may see it."""
    row = session.exec(_summary_query().where(Supplier.name_key == " ".join(name.split()).casefold())).first()
    if row is None or not actor.can_act_for(row[0].id):
        raise DomainError("supplier_not_found", name=name)
    return _summary(row)


def primary_channel(*, session: Session, supplier_id: int) -> str | None:
    """The first channel linked to the supplier (where its order cards go)."""
    query = select(SupplierChannel.channel_id).where(SupplierChannel.supplier_id == supplier_id)
    return session.exec(query.order_by(SupplierChannel.id)).first()


EDITABLE = ("name", "country", "locale", "tz")


def edit_supplier(*, session: Session, actor: Actor, name: str, changes: dict[str, str]) -> Supplier:
    """Change a supplier's name, country, locale or time zone (each checked as `supplier add` checks it).

    Only what is given changes: a new country keeps the supplier's locale and zone unless they are given
    too. Audited with before → after; raises DomainError and changes nothing on bad input.
    """
    require_buyer(actor)
    supplier = supplier_named(session, name)
    lock_row(session, supplier)
    wanted: dict[str, str] = {}
    if "name" in changes:
        wanted["name"] = _valid_name(changes["name"])
    if "country" in changes:
        wanted["country"] = _valid_country(changes["country"])
    if "locale" in changes:
        _check_locale(changes["locale"])
        wanted["locale"] = geo.normalise_locale(changes["locale"])
    if "tz" in changes:
        _check_timezone(changes["tz"])
        wanted["timezone"] = changes["tz"]
    new_key = wanted.get("name", supplier.name).casefold()
    if (
        new_key != supplier.name_key
        and session.exec(
            select(Supplier.id).where(Supplier.name_key == new_key, Supplier.id != supplier.id)
        ).first()
        is not None
    ):
        raise DomainError("supplier_exists", name=wanted["name"])
    before = {key: getattr(supplier, key) for key in wanted if getattr(supplier, key) != wanted[key]}
    if not before:
        return supplier
    after = {key: wanted[key] for key in before}
    try:
        with session.begin_nested():  # a concurrent add or rename to the same name loses cleanly
            for key, value in after.items():
                setattr(supplier, key, value)
            supplier.name_key = supplier.name.casefold()
            session.add(supplier)
            session.flush()
    except IntegrityError as exc:
        raise DomainError("supplier_exists", name=after.get("name", supplier.name)) from exc
    _audit(session, actor, supplier, "edited", before=before, after=after)
    return supplier


MAX_LEGAL_NAMES = 10


def set_legal_names(*, session: Session, actor: Actor, name: str, value: str) -> Supplier:
    """A supplier's legal names (`;`-separated; empty clears them), screened against sanctions lists with
    its name. Buyers only; audited with before → after."""
    require_buyer(actor)
    supplier = supplier_named(session, name)
    lock_row(session, supplier)
    names = list(dict.fromkeys(_valid_name(part) for part in value.split(";") if part.strip()))
    if len(names) > MAX_LEGAL_NAMES:
        raise DomainError("too_many_legal_names", limit=MAX_LEGAL_NAMES)
    before = list(supplier.legal_names or [])
    if names == before:
        return supplier
    supplier.legal_names = names
    session.add(supplier)
    session.flush()
    _audit(session, actor, supplier, "legal_names_set", before={"legal_names": before},
           after={"legal_names": names})  # fmt: skip
    return supplier


CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,31}$")


def import_supplier(
    *, session: Session, actor: Actor, name: str, country: str, locale: str | None = None,
    tz: str | None = None, channel_id: str | None = None,
) -> str:  # fmt: skip
    """Create a supplier, or update the one with this name (case-insensitive), checked as `supplier add`
    and `supplier edit` check them; link `channel_id` when given. Returns created, updated or unchanged.

    A new supplier's locale and zone come from its country unless given; a known one keeps its own
    unless given (as `supplier edit` does). No welcome is posted: the channel is only recorded."""
    require_buyer(actor)
    name, country = _valid_name(name), _valid_country(country)
    _check_locale(locale)
    _check_timezone(tz)
    if channel_id is not None and not CHANNEL_ID.match(channel_id):
        raise DomainError("not_a_channel_id", value=channel_id)
    supplier = session.exec(select(Supplier).where(Supplier.name_key == name.casefold())).first()
    linked_to = _channel_owner(session, channel_id)
    if linked_to is not None and (supplier is None or linked_to.id != supplier.id):
        raise DomainError("channel_already_linked", supplier=linked_to.name)
    channel = ChannelInfo(channel_id, "", False, False) if channel_id and linked_to is None else None
    if supplier is None:
        zone = tz or geo.default_timezone(country)
        if zone is None:
            raise DomainError("timezone_needed", country=country)
        supplier = Supplier(name=name, name_key=name.casefold(), country=country, created_by=actor.user_id,
                            locale=geo.normalise_locale(locale) if locale else geo.default_locale(country),
                            timezone=zone)  # fmt: skip
        session.add(supplier)
        session.flush()
        after = {"name": name, "country": country, "locale": supplier.locale, "timezone": zone}
        _link_and_audit(session, actor, supplier, channel, "created", None, after)
        return "created"
    wanted = {"country": country} | ({"locale": geo.normalise_locale(locale)} if locale else {})
    wanted |= {"timezone": tz} if tz else {}
    before = {key: getattr(supplier, key) for key in wanted if getattr(supplier, key) != wanted[key]}
    if not before and channel is None:
        return "unchanged"
    for key in before:
        setattr(supplier, key, wanted[key])
    session.add(supplier)
    action = "edited" if before else "channel_linked"
    _link_and_audit(session, actor, supplier, channel, action, before or None, {k: wanted[k] for k in before})
    return "updated"


def _channel_owner(session: Session, channel_id: str | None) -> Supplier | None:
    if channel_id is None:
        return None
    query = select(Supplier).join(SupplierChannel).where(SupplierChannel.channel_id == channel_id)
    return session.exec(query).first()


def _link_and_audit(session: Session, actor: Actor, supplier: Supplier, channel: ChannelInfo | None,
                    action: str, before: dict | None, after: dict) -> None:  # fmt: skip
    if channel is not None:
        session.add(_channel_link(supplier, channel, actor))
        after = after | {"channel_id": channel.channel_id}
    session.flush()
    _audit(session, actor, supplier, action, before=before, after=after)


def link_channel(*, session: Session, actor: Actor, name: str, channel: ChannelInfo) -> Supplier:
    """Link `channel` to an existing supplier (a supplier may have several channels)."""
    require_buyer(actor)
    supplier = supplier_named(session, name)
    lock_row(session, supplier)
    if channel.is_direct:
        raise DomainError("not_in_direct_message")
    _refuse_linked_channel(session, channel.channel_id)
    try:
        with session.begin_nested():  # a concurrent link of the same channel loses cleanly
            session.add(_channel_link(supplier, channel, actor))
            session.flush()
    except IntegrityError as exc:  # another request linked it meanwhile
        _refuse_linked_channel(session, channel.channel_id)
        raise DomainError("channel_already_linked", supplier=supplier.name) from exc
    _audit(session, actor, supplier, "channel_linked", after={"channel_id": channel.channel_id})
    return supplier


def unlink_channels(*, session: Session, actor: Actor, name: str) -> tuple[Supplier, list[str]]:
    """Remove every channel link of a supplier (the supplier, its orders, tickets and history stay).

    Returns the supplier and the channel ids that were unlinked.
    """
    require_buyer(actor)
    supplier = supplier_named(session, name)
    lock_row(session, supplier)
    links = session.exec(
        select(SupplierChannel).where(SupplierChannel.supplier_id == supplier.id).order_by(SupplierChannel.id)
    ).all()
    if not links:
        raise DomainError("supplier_not_linked", name=supplier.name)
    channel_ids = [link.channel_id for link in links]
    for link in links:
        session.delete(link)
    session.flush()
    _audit(session, actor, supplier, "channels_unlinked", before={"channel_ids": channel_ids}, after={})
    return supplier, channel_ids


def _refuse_linked_channel(session: Session, channel_id: str) -> None:
    linked = session.exec(
        select(Supplier.name).join(SupplierChannel).where(SupplierChannel.channel_id == channel_id)
    ).first()
    if linked is not None:
        raise DomainError("channel_already_linked", supplier=linked)


def supplier_named(session: Session, name: str) -> Supplier:
    supplier = session.exec(
        select(Supplier).where(Supplier.name_key == " ".join(name.split()).casefold())
    ).first()
    if supplier is None:
        raise DomainError("supplier_not_found", name=name)
    return supplier


def _audit(
    session: Session, actor: Actor, supplier: Supplier, action: str, *, before=None, after=None
) -> None:
    record_event(
        session=session,
        actor_id=actor.user_id,
        actor_role=actor.role,
        object_type="supplier",
        object_id=supplier.id,
        action=action,
        before=before,
        after=after,
    )


def _channel_link(supplier: Supplier, channel: ChannelInfo, actor: Actor) -> SupplierChannel:
    """The row that links `channel` to `supplier` (added and link share it)."""
    return SupplierChannel(supplier_id=supplier.id, channel_id=channel.channel_id, channel_name=channel.name,
                           is_shared=channel.is_shared, linked_by=actor.user_id)  # fmt: skip

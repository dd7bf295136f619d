"""Who is acting: buyer, supplier contact or admin, resolved from Slack's user record (cached)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from bot.config import AppConfig
from bot.core.audit import record_event
from bot.core.i18n import resolve_locale
from bot.core.upsert import insert_or_ignore, insert_or_update
from models import SlackUser, Supplier, SupplierChannel, SupplierContact, utcnow

UserFetcher = Callable[[str], dict[str, Any] | None]


@dataclass(frozen=True)
class Actor:
    """The person behind a request, with the rights the bot gives them."""

    user_id: str
    kind: str  # member | guest | external | bot | unknown
    is_buyer: bool = False
    is_admin: bool = False
    supplier_ids: frozenset[int] = field(default_factory=frozenset)
    locale: str = "en"
    tz: str | None = None  # zone to show times in: their own, else their channel's supplier's
    profile_tz: str | None = None  # their own zone from their Slack profile, when Slack gives one
    channel_supplier_id: int | None = None  # the supplier whose channel the request came from

    @property
    def role(self) -> str:
        if self.is_admin:
            return "admin"
        if self.is_buyer:
            return "buyer"
        return "supplier" if self.supplier_ids else "outsider"

    def can_act_for(self, supplier_id: int) -> bool:
        """Buyers act on every supplier; a contact only on the suppliers whose channels they are in."""
        return self.is_buyer or supplier_id in self.supplier_ids


SYSTEM = Actor(user_id="system", kind="bot", is_buyer=True)


@dataclass(frozen=True)
class UserFacts:
    """What the bot needs of a Slack user record."""

    team_id: str = ""
    is_bot: bool = False
    is_guest: bool = False
    is_stranger: bool = False
    deleted: bool = False
    locale: str | None = None
    tz: str | None = None
    fetched_at: datetime | None = None

    @classmethod
    def of(cls, row: SlackUser) -> UserFacts:
        return cls(row.team_id, row.is_bot, row.is_restricted or row.is_ultra_restricted, row.is_stranger,
                   row.deleted, row.locale, row.tz, row.fetched_at)  # fmt: skip


@dataclass(frozen=True)
class ChannelSupplier:
    id: int
    locale: str
    timezone: str


class Directory:
    """Process memory in front of the lookups every request makes (one per app).

    Users expire like the DB cache. Channel links and contacts are only ever added, so what is
    remembered stays true; what is not linked yet is always asked of the DB.
    """

    def __init__(self) -> None:
        self.users: dict[str, UserFacts] = {}
        self.channels: dict[str, ChannelSupplier] = {}
        self.contacts: dict[str, frozenset[int]] = {}
        self.lock = threading.Lock()


def get_slack_user(
    *,
    session: Session,
    user_id: str,
    fetch: UserFetcher,
    max_age: timedelta,
    directory: Directory | None = None,
) -> UserFacts | None:
    """The Slack user from memory, the DB cache, or `fetch` (users.info) once older than `max_age`."""
    now = utcnow()
    remembered = directory.users.get(user_id) if directory else None
    if remembered is not None and now - remembered.fetched_at < max_age:
        return remembered
    row = session.get(SlackUser, user_id)
    if row is None or now - row.fetched_at >= max_age:
        info = fetch(user_id)
        if info is not None:
            insert_or_update(session, SlackUser, _user_values(user_id, info, now), keys=["user_id"])
            session.expire_all()
            row = session.get(SlackUser, user_id)
    if row is None:
        return None
    facts = UserFacts.of(row)
    if directory is not None:
        directory.users[user_id] = facts
    return facts


def _user_values(user_id: str, info: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "team_id": info.get("team_id") or "",
        "name": (info.get("name") or "")[:200],
        "real_name": (info.get("real_name") or info.get("profile", {}).get("real_name") or "")[:200],
        "is_bot": bool(info.get("is_bot")) or user_id == "USLACKBOT",
        "is_restricted": bool(info.get("is_restricted")),
        "is_ultra_restricted": bool(info.get("is_ultra_restricted")),
        "is_stranger": bool(info.get("is_stranger")),
        "deleted": bool(info.get("deleted")),
        "locale": info.get("locale"),
        "tz": info.get("tz"),
        "fetched_at": now,
    }


def classify(user: UserFacts | None, home_team_id: str | None) -> str:
    """member (full member of the installing workspace), guest, external, bot or unknown."""
    if user is None or user.deleted:
        return "unknown"
    if user.is_bot:
        return "bot"
    if user.is_stranger or (home_team_id and user.team_id and user.team_id != home_team_id):
        return "external"
    return "guest" if user.is_guest else "member"


def supplier_for_channel(*, session: Session, channel_id: str | None) -> Supplier | None:
    """The supplier whose shared channel this is, if any."""
    if not channel_id:
        return None
    return session.exec(
        select(Supplier).join(SupplierChannel).where(SupplierChannel.channel_id == channel_id)
    ).first()


def _channel_supplier(
    session: Session, channel_id: str | None, directory: Directory | None
) -> ChannelSupplier | None:
    if not channel_id:
        return None
    if directory is not None and channel_id in directory.channels:
        return directory.channels[channel_id]
    supplier = supplier_for_channel(session=session, channel_id=channel_id)
    if supplier is None:
        return None
    found = ChannelSupplier(supplier.id, supplier.locale, supplier.timezone)
    if directory is not None:
        directory.channels[channel_id] = found
    return found


def record_contact(*, session: Session, supplier_id: int, user_id: str, kind: str, via: str) -> bool:
    """Remember a supplier-side person the first time they are seen; True when new."""
    values = {"supplier_id": supplier_id, "user_id": user_id, "kind": kind, "first_seen_via": via}
    if not insert_or_ignore(
        session, SupplierContact, values | {"first_seen_at": utcnow()}, ["supplier_id", "user_id"]
    ):
        return False
    record_event(
        session=session,
        actor_id=user_id,
        actor_role="supplier",
        object_type="supplier",
        object_id=supplier_id,
        action="contact_added",
        after={"user_id": user_id, "kind": kind, "via": via},
    )
    return True


def _contact_suppliers(
    session: Session,
    user_id: str,
    kind: str,
    channel: ChannelSupplier | None,
    via: str,
    directory: Directory | None,
) -> frozenset[int]:
    """The suppliers a supplier-side person acts for, recording the channel's supplier when new."""
    known = directory.contacts.get(user_id) if directory else None
    if known is None or (channel is not None and channel.id not in known):
        if channel is not None:
            record_contact(session=session, supplier_id=channel.id, user_id=user_id, kind=kind, via=via)
        known = frozenset(
            session.exec(select(SupplierContact.supplier_id).where(SupplierContact.user_id == user_id)).all()
        )
        if directory is not None and (channel is None or channel.id in known):
            directory.contacts[user_id] = known
    return known


def resolve_actor(
    *,
    session: Session,
    config: AppConfig,
    user_id: str,
    channel_id: str | None,
    home_team_id: str | None,
    fetch: UserFetcher,
    is_in_buyer_group: Callable[[str], bool] | None = None,
    via: str = "request",
    directory: Directory | None = None,
) -> Actor:
    """Resolve rights and reading preferences for `user_id` acting in `channel_id`."""
    max_age = timedelta(minutes=config.slack.user_cache_minutes)
    user = get_slack_user(session=session, user_id=user_id, fetch=fetch, max_age=max_age, directory=directory)
    kind = classify(user, home_team_id)
    channel = _channel_supplier(session, channel_id, directory)
    supplier_ids: frozenset[int] = frozenset()
    is_admin = kind == "member" and user_id in config.admins
    is_buyer = kind == "member" and (is_admin or is_in_buyer_group is None or is_in_buyer_group(user_id))
    if kind in ("external", "guest"):
        supplier_ids = _contact_suppliers(session, user_id, kind, channel, via, directory)
    locale = resolve_locale(
        [user.locale if user else None, channel.locale if channel else None], default=config.default_locale
    )
    return Actor(
        user_id=user_id,
        kind=kind,
        is_buyer=is_buyer,
        is_admin=is_admin,
        supplier_ids=supplier_ids,
        locale=locale,
        tz=(user.tz if user else None) or (channel.timezone if channel else None),
        profile_tz=user.tz if user else None,
        channel_supplier_id=channel.id if channel else None,
    )

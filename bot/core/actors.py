"""Who is acting: buyer, supplier contact or admin, resolved from Slack's user record (cached)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.config import AppConfig
from bot.core.audit import record_event
from bot.core.db import read_scope, session_scope
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


MembersFetcher = Callable[[str], "frozenset[str] | None"]


@dataclass(frozen=True)
class Contact:
    """The suppliers a supplier-side person acts for, and when that was last checked."""

    supplier_ids: frozenset[int]
    checked_at: datetime


class Directory:
    """Process memory in front of the lookups every request makes (one per app).

    Users expire like the DB cache. A linked channel is trusted for `linked_ttl`, an unlinked one is
    remembered for `unlinked_ttl` (so ignored events cost no query); both are forgotten at once when this
    process links, unlinks or edits the supplier (`channel_linked`, `forget_supplier`, after the commit).
    Other processes (more HTTP workers, `srm worker`) are not told: they see an unlink or an edit of the
    supplier's locale and zone once their memory of that channel expires, within `linked_ttl`.
    A contact's suppliers are read again, and their channel membership re-checked, once older than the
    user cache; a contact who leaves a channel is forgotten at once.
    """

    def __init__(
        self, unlinked_ttl: timedelta = timedelta(seconds=10), linked_ttl: timedelta = timedelta(seconds=30)
    ) -> None:
        self.users: dict[str, UserFacts] = {}
        self.channels: dict[
            str, tuple[ChannelSupplier, datetime]
        ] = {}  # channel -> (supplier, trusted until)
        self.unlinked: dict[str, datetime] = {}
        self.unlinked_ttl = unlinked_ttl
        self.linked_ttl = linked_ttl
        self.contacts: dict[str, Contact] = {}

    def channel_linked(self, channel_id: str) -> None:
        self.unlinked.pop(channel_id, None)

    def forget_supplier(self, supplier_id: int) -> None:
        """Forget the channels remembered as linked to `supplier_id` (edited or unlinked)."""
        for channel_id in [c for c, (s, _) in self.channels.items() if s.id == supplier_id]:
            self.channels.pop(channel_id, None)

    def forget_contact(self, user_id: str) -> None:
        self.contacts.pop(user_id, None)


def get_slack_user(
    *,
    engine: Engine,
    user_id: str,
    fetch: UserFetcher,
    max_age: timedelta,
    directory: Directory | None = None,
) -> UserFacts | None:
    """The Slack user from memory, the DB cache, or `fetch` (users.info) once older than `max_age`.

    The lookup runs with no transaction open; the answer is stored in a short transaction of its own.
    """
    now = utcnow()
    remembered = directory.users.get(user_id) if directory else None
    if remembered is not None and now - remembered.fetched_at < max_age:
        return remembered
    with read_scope(engine) as session:
        row = session.get(SlackUser, user_id)
        facts = UserFacts.of(row) if row is not None else None
    if facts is None or now - facts.fetched_at >= max_age:
        info = fetch(user_id)
        if info is not None:
            values = _user_values(user_id, info, now)
            with session_scope(engine) as session:
                insert_or_update(session, SlackUser, values, keys=["user_id"])
            facts = UserFacts.of(SlackUser(**values))
    if facts is not None and directory is not None:
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


def linked_channel(
    engine: Engine, channel_id: str | None, directory: Directory | None
) -> ChannelSupplier | None:
    """The supplier linked to `channel_id` (from memory when known, else one short read)."""
    if not channel_id:
        return None
    if directory is not None:
        linked, trusted_until = directory.channels.get(channel_id, (None, None))
        if linked is not None and utcnow() < trusted_until:
            return linked
        until = directory.unlinked.get(channel_id)
        if until is not None and utcnow() < until:
            return None
    with read_scope(engine) as session:
        supplier = supplier_for_channel(session=session, channel_id=channel_id)
        found = ChannelSupplier(supplier.id, supplier.locale, supplier.timezone) if supplier else None
    if directory is not None:
        if found is None:
            directory.unlinked[channel_id] = utcnow() + directory.unlinked_ttl
        else:
            directory.channels[channel_id] = (found, utcnow() + directory.linked_ttl)
            directory.unlinked.pop(channel_id, None)
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


def revoke_contact(*, session: Session, supplier_id: int, user_id: str, reason: str) -> bool:
    """Stop `user_id` acting for `supplier_id` (they left its channel); True when they were a contact."""
    contact = session.exec(
        select(SupplierContact)
        .where(SupplierContact.supplier_id == supplier_id, SupplierContact.user_id == user_id)
        .with_for_update()
    ).first()
    if contact is None:
        return False
    session.delete(contact)
    record_event(
        session=session,
        actor_id=user_id,
        actor_role="supplier",
        object_type="supplier",
        object_id=supplier_id,
        action="contact_revoked",
        before={"user_id": user_id, "kind": contact.kind},
        after={"reason": reason},
    )
    return True


def _contact_suppliers(
    engine: Engine,
    user_id: str,
    kind: str,
    channel: ChannelSupplier | None,
    via: str,
    directory: Directory | None,
    max_age: timedelta,
    members: MembersFetcher | None,
) -> frozenset[int]:
    """The suppliers a supplier-side person acts for, recording the channel's supplier when new.

    An entry older than `max_age` is read again, and the person's membership of the other suppliers'
    channels is checked with Slack (no transaction open): who has left is revoked.
    """
    now = utcnow()
    known = directory.contacts.get(user_id) if directory else None
    fresh = known is not None and now - known.checked_at < max_age
    if fresh and (channel is None or channel.id in known.supplier_ids):
        return known.supplier_ids
    with read_scope(engine) as session:
        ids = frozenset(
            session.exec(select(SupplierContact.supplier_id).where(SupplierContact.user_id == user_id)).all()
        )
        elsewhere = (
            _channels_of(session, ids - {channel.id} if channel else ids) if known and not fresh else {}
        )
    if channel is not None and channel.id not in ids:
        with session_scope(engine) as session:
            record_contact(session=session, supplier_id=channel.id, user_id=user_id, kind=kind, via=via)
        ids |= {channel.id}
    if elsewhere and members is not None:
        ids -= _left(engine, user_id, elsewhere, members)
    if directory is not None:
        directory.contacts[user_id] = Contact(ids, now)
    return ids


def _channels_of(session: Session, supplier_ids: frozenset[int]) -> dict[int, list[str]]:
    if not supplier_ids:
        return {}
    rows = session.exec(
        select(SupplierChannel.supplier_id, SupplierChannel.channel_id).where(
            SupplierChannel.supplier_id.in_(supplier_ids)
        )
    ).all()
    channels: dict[int, list[str]] = {}
    for supplier_id, channel_id in rows:
        channels.setdefault(supplier_id, []).append(channel_id)
    return channels


def _left(engine: Engine, user_id: str, channels: dict[int, list[str]], members: MembersFetcher) -> set[int]:
    """The suppliers whose every channel Slack says `user_id` is no longer in (revoked, audited)."""
    gone = set()
    for supplier_id, channel_ids in channels.items():
        answers = [members(channel_id) for channel_id in channel_ids]
        if answers and all(a is not None and user_id not in a for a in answers):
            gone.add(supplier_id)
    if gone:
        with session_scope(engine) as session:
            for supplier_id in sorted(gone):
                revoke_contact(
                    session=session, supplier_id=supplier_id, user_id=user_id, reason="not_in_channel"
                )
    return gone


def resolve_actor(
    *,
    engine: Engine,
    config: AppConfig,
    user_id: str,
    channel_id: str | None,
    home_team_id: str | None,
    fetch: UserFetcher,
    is_in_buyer_group: Callable[[str], bool] | None = None,
    via: str = "request",
    directory: Directory | None = None,
    members: MembersFetcher | None = None,
    channel: ChannelSupplier | None = None,
    new_contacts: bool = True,
) -> Actor:
    """Resolve rights and reading preferences for `user_id` acting in `channel_id`.

    Runs in short transactions of its own, none open while Slack is asked (users.info, members).
    """
    max_age = timedelta(minutes=config.slack.user_cache_minutes)
    user = get_slack_user(engine=engine, user_id=user_id, fetch=fetch, max_age=max_age, directory=directory)
    kind = classify(user, home_team_id)
    if channel is None:
        channel = linked_channel(engine, channel_id, directory)
    supplier_ids: frozenset[int] = frozenset()
    is_admin = kind == "member" and user_id in config.admins
    is_buyer = kind == "member" and (is_admin or is_in_buyer_group is None or is_in_buyer_group(user_id))
    if kind in ("external", "guest"):
        seen_in = channel if new_contacts else None
        supplier_ids = _contact_suppliers(engine, user_id, kind, seen_in, via, directory, max_age, members)
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

"""Who is acting: buyer, supplier contact or admin, resolved from Slack's user record (cached)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlmodel import Session, select

from bot.audit import record_event
from bot.config import AppConfig
from bot.i18n import resolve_locale
from bot.upsert import insert_or_ignore, insert_or_update
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
    tz: str | None = None

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


def get_slack_user(
    *, session: Session, user_id: str, fetch: UserFetcher, max_age: timedelta, now: datetime | None = None
) -> SlackUser | None:
    """The cached Slack user, refreshed through `fetch` (users.info) once older than `max_age`."""
    now = now or utcnow()
    cached = session.get(SlackUser, user_id)
    if cached is not None and now - cached.fetched_at < max_age:
        return cached
    info = fetch(user_id)
    if info is None:
        return cached
    values = {
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
    insert_or_update(session, SlackUser, values, keys=["user_id"])
    session.expire_all()
    return session.get(SlackUser, user_id)


def classify(user: SlackUser | None, home_team_id: str | None) -> str:
    """member (full member of the installing workspace), guest, external, bot or unknown."""
    if user is None or user.deleted:
        return "unknown"
    if user.is_bot:
        return "bot"
    if user.is_stranger or (home_team_id and user.team_id and user.team_id != home_team_id):
        return "external"
    if user.is_restricted or user.is_ultra_restricted:
        return "guest"
    return "member"


def supplier_for_channel(*, session: Session, channel_id: str | None) -> Supplier | None:
    """The supplier whose shared channel this is, if any (remembered for the rest of the transaction)."""
    if not channel_id:
        return None
    known = session.info.setdefault("channel_suppliers", {})
    if channel_id not in known:
        known[channel_id] = session.exec(
            select(Supplier).join(SupplierChannel).where(SupplierChannel.channel_id == channel_id)
        ).first()
    return known[channel_id]


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_channel_suppliers(session: Session) -> None:
    session.info.pop("channel_suppliers", None)


def record_contact(*, session: Session, supplier_id: int, user_id: str, kind: str, via: str) -> bool:
    """Remember a supplier-side person the first time they are seen; True when new."""
    known = select(SupplierContact.id).where(
        SupplierContact.supplier_id == supplier_id, SupplierContact.user_id == user_id
    )
    if session.exec(known).first() is not None:
        return False  # the common case reads only, so it never waits for SQLite's write lock
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
) -> Actor:
    """Resolve rights and reading preferences for `user_id` acting in `channel_id`."""
    user = get_slack_user(
        session=session,
        user_id=user_id,
        fetch=fetch,
        max_age=timedelta(minutes=config.slack.user_cache_minutes),
    )
    kind = classify(user, home_team_id)
    channel_supplier = supplier_for_channel(session=session, channel_id=channel_id)
    supplier_ids: set[int] = set()
    is_admin = kind == "member" and user_id in config.admins
    is_buyer = kind == "member" and (is_admin or is_in_buyer_group is None or is_in_buyer_group(user_id))
    if kind in ("external", "guest"):
        if channel_supplier is not None:
            record_contact(
                session=session, supplier_id=channel_supplier.id, user_id=user_id, kind=kind, via=via
            )
        supplier_ids = set(
            session.exec(select(SupplierContact.supplier_id).where(SupplierContact.user_id == user_id)).all()
        )
    locale = resolve_locale(
        [user.locale if user else None, channel_supplier.locale if channel_supplier else None],
        default=config.default_locale,
    )
    return Actor(
        user_id=user_id,
        kind=kind,
        is_buyer=is_buyer,
        is_admin=is_admin,
        supplier_ids=frozenset(supplier_ids),
        locale=locale,
        tz=(user.tz if user else None) or (channel_supplier.timezone if channel_supplier else None),
    )

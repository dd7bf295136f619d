"""Who gets a digest and when: every linked supplier channel and every buyer who has used the bot, each
at its local send time on its working days."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlmodel import Session, select

from bot.config import AppConfig
from bot.core.i18n import resolve_locale
from bot.digests.workdays import is_working_day, parse_clock, send_moment, zone_or_utc
from models import (
    DigestPreference,
    SlackUser,
    Supplier,
    SupplierChannel,
    SupplierContact,
    SupplierDigestSetting,
)


@dataclass(frozen=True)
class Recipient:
    """A digest reader: a supplier's channel (in the supplier's zone and language) or a buyer (DM)."""

    key: str  # the channel or user id: one digest per key and local day
    kind: str  # supplier | buyer
    locale: str
    zone: str
    clock: time
    country: str | None  # whose public holidays are skipped
    weekdays: frozenset[int] | None  # the days the reader chose; None: the working week of `country`
    supplier_id: int | None = None
    supplier_name: str = ""

    def due_day(self, now: datetime, *, working_days_only: bool) -> date | None:
        """The recipient's local day at `now` if its digest time has passed on it and it is a working
        day for them; else None."""
        zone = zone_or_utc(self.zone)
        day = now.astimezone(zone).date()
        if self.weekdays is not None and day.weekday() not in self.weekdays:
            return None  # days the reader chose
        if working_days_only and not is_working_day(day, country=self.country, weekdays=self.weekdays):
            return None
        return day if now >= send_moment(day, self.clock, zone) else None


def supplier_recipients(session: Session, config: AppConfig) -> list[Recipient]:
    """Every linked supplier channel whose digest is not turned off."""
    rows = session.exec(
        select(SupplierChannel.channel_id, Supplier, SupplierDigestSetting)
        .join(Supplier, Supplier.id == SupplierChannel.supplier_id)
        .outerjoin(SupplierDigestSetting, SupplierDigestSetting.supplier_id == Supplier.id)
        .order_by(SupplierChannel.id)
    ).all()
    default = parse_clock(config.digests.time)
    return [
        Recipient(
            key=channel_id,
            kind="supplier",
            locale=resolve_locale([s.locale], config.default_locale),
            zone=s.timezone,
            clock=parse_clock(setting.time) if setting and setting.time else default,
            country=s.country,
            weekdays=None,
            supplier_id=s.id,
            supplier_name=s.name,
        )
        for channel_id, s, setting in rows
        if setting is None or setting.enabled
    ]


def buyer_recipients(
    session: Session, config: AppConfig, *, home_team: str | None, members: Collection[str] | None
) -> list[Recipient]:
    """Every buyer the bot has met (a full member of the home workspace in the user cache, not a
    supplier's contact), unless they turned their digest off; `members`: only these (the buyers' group)."""
    contacts = select(SupplierContact.user_id)
    query = (
        select(SlackUser, DigestPreference)
        .outerjoin(DigestPreference, DigestPreference.user_id == SlackUser.user_id)
        .where(
            ~SlackUser.is_bot, ~SlackUser.deleted, ~SlackUser.is_restricted, ~SlackUser.is_ultra_restricted
        )
        .where(~SlackUser.is_stranger, SlackUser.user_id.not_in(contacts), SlackUser.user_id != "USLACKBOT")
        .order_by(SlackUser.user_id)
    )
    if home_team:
        query = query.where(SlackUser.team_id.in_((home_team, "")))
    country = config.digests.buyer_country  # None: Saturday and Sunday off, no public holidays
    recipients = []
    for user, preference in session.exec(query).all():
        if (members is not None and user.user_id not in members) or (preference and not preference.enabled):
            continue
        clock = preference.time if preference and preference.time else config.digests.time
        days = _weekdays(preference.weekdays) if preference and preference.weekdays else None
        recipients.append(Recipient(
            key=user.user_id, kind="buyer", locale=resolve_locale([user.locale], config.default_locale),
            zone=user.tz or config.default_timezone, clock=parse_clock(clock), country=country, weekdays=days,
        ))  # fmt: skip
    return recipients


def _weekdays(text: str) -> frozenset[int]:
    return frozenset(int(d) for d in text.split(",") if d.strip().isdigit() and 0 <= int(d) <= 6)

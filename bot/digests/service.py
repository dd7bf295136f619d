"""Composing and queuing digests, each claimed by (recipient, local day) in the transaction that queues
it, so N workers, reruns and restarts send at most one a day; and the digest preferences."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from bot.config import AppConfig
from bot.core.actors import SYSTEM, Actor
from bot.core.audit import record_event, record_events
from bot.core.errors import DomainError
from bot.core.i18n import use_locale
from bot.core.outbox import post_many
from bot.core.upsert import insert_or_update
from bot.digests import sections as _builtin_sections  # noqa: F401  (registers the built-in sections)
from bot.digests.content import (
    Composition,
    Links,
    Reader,
    SupplierTarget,
    buyer_sections,
    supplier_sections,
    worth_sending,
)
from bot.digests.recipients import Recipient
from bot.digests.views import digest_message
from bot.digests.workdays import zone_or_utc
from models import Digest, DigestPreference, SupplierDigestSetting, utcnow


def already_sent(session: Session, due: Sequence[tuple[Recipient, date]]) -> set[tuple[str, date]]:
    """The (recipient, local day) pairs among `due` that already have their digest (or had nothing)."""
    days = {day for _r, day in due}
    if not days:
        return set()
    rows = session.exec(select(Digest.recipient, Digest.local_date).where(Digest.local_date.in_(days))).all()
    return {(recipient, day) for recipient, day in rows}


def queue_digests(
    *, session: Session, due: Sequence[tuple[Recipient, date]], now: datetime, config: AppConfig, links: Links,
    worker: str = "",
) -> int:  # fmt: skip
    """Compose each due recipient's digest and queue it, unless another run claimed that recipient's
    day first; returns how many were queued. Nothing to say: the day is claimed, nothing is posted.

    Claims, outbox rows and audit events go in a few statements for the whole batch."""
    composed = _compose(Composition(session=session, now=now, config=config, links=links), due)
    claimed = _claim(session, [(r, day, items) for r, day, _found, items in composed.values()], worker)
    to_send = [composed[key] for key in claimed if composed[key][3]]
    messages = []
    for recipient, day, found, _items in to_send:
        reader = Reader(zone=zone_or_utc(recipient.zone), today=day, now=now)
        with use_locale(recipient.locale):
            name = recipient.supplier_name or None
            messages.append((recipient.key, digest_message(found, reader, supplier_name=name)))
    outbox_ids = post_many(session=session, messages=messages)
    table = Digest.__table__
    if outbox_ids:
        session.execute(
            update(table)
            .where(table.c.recipient == bindparam("key"), table.c.local_date == bindparam("day"))
            .values(outbox_id=bindparam("row_id")),
            [{"key": r.key, "day": day, "row_id": row_id}
             for (r, day, _found, _items), row_id in zip(to_send, outbox_ids, strict=True)],
        )  # fmt: skip
    record_events(session=session, events=[
        {"actor_id": SYSTEM.user_id, "actor_role": "system", "object_type": "digest", "object_id": r.key,
         "action": "sent", "after": {"local_date": day.isoformat(), "items": items}}
        for r, day, _found, items in to_send])  # fmt: skip
    return len(to_send)


def _compose(composition: Composition, due: Sequence[tuple[Recipient, date]]) -> dict[str, tuple]:
    """Each recipient's sections and item count: suppliers' for all of them at once, buyers' once a day."""
    targets = {
        r.supplier_id: SupplierTarget(r.supplier_id, r.supplier_name, r.country or "", r.locale, r.zone, day)
        for r, day in due
        if r.kind == "supplier"
    }
    per_supplier = supplier_sections(composition, list(targets.values())) if targets else {}
    composed = {}
    for recipient, day in due:
        if recipient.kind == "supplier":
            found = per_supplier.get(recipient.supplier_id, [])
        else:
            found = buyer_sections(composition, day)
        composed[recipient.key] = (recipient, day, found, worth_sending(found))
    return composed


def _claim(session: Session, due: list[tuple[Recipient, date, int]], worker: str) -> list[str]:
    """Claim each recipient's local day (one statement); returns the recipients this call claimed."""
    if not due:
        return []
    table = Digest.__table__
    rows = [{"recipient": r.key, "kind": r.kind, "supplier_id": r.supplier_id, "local_date": day,
             "timezone": r.zone, "status": "sent" if items else "empty", "items": items, "worker": worker,
             "sent_at": utcnow(), "outbox_id": None} for r, day, items in due]  # fmt: skip
    statement = _insert(session)(table).on_conflict_do_nothing(index_elements=["recipient", "local_date"])
    return list(session.execute(statement.returning(table.c.recipient), rows).scalars())


def _insert(session: Session):
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


# --- preferences ---------------------------------------------------------------------------------------


def clock_value(value: str) -> str | None:
    """`HH:MM` (or `H:MM`) normalised to HH:MM; `off` → None; anything else is refused."""
    text = value.strip().lower()
    if text == "off":
        return None
    hours, sep, minutes = text.partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
        raise DomainError("digest_time_invalid", value=value)
    if int(hours) > 23 or int(minutes) > 59:
        raise DomainError("digest_time_invalid", value=value)
    return f"{int(hours):02d}:{minutes}"


def set_supplier_digest(
    *, session: Session, actor: Actor, supplier_id: int, value: str
) -> SupplierDigestSetting:
    """A supplier channel's digest time (`HH:MM`) or `off`, set by a buyer; audited before → after."""
    clock = clock_value(value)
    current = session.exec(
        select(SupplierDigestSetting)
        .where(SupplierDigestSetting.supplier_id == supplier_id)
        .with_for_update()
    ).first()
    before = {"enabled": current.enabled, "time": current.time} if current else None
    after = {"enabled": clock is not None, "time": clock}
    values = {"supplier_id": supplier_id, "updated_by": actor.user_id, "updated_at": utcnow()} | after
    insert_or_update(session, SupplierDigestSetting, values, keys=["supplier_id"])
    record_event(session=session, actor_id=actor.user_id, actor_role=actor.role, object_type="supplier",
                 object_id=supplier_id, action="digest_set", before=before, after=after)  # fmt: skip
    return SupplierDigestSetting(**values)


def buyer_preference(*, session: Session, user_id: str) -> DigestPreference | None:
    return session.get(DigestPreference, user_id)


def set_buyer_preference(
    *, session: Session, actor: Actor, enabled: bool, time: str | None, weekdays: Sequence[int] | None
) -> DigestPreference:
    """A buyer's own digest: on or off, time (None: the default) and days (None: the working week)."""
    clock = clock_value(time) if time else None
    if weekdays is not None and not weekdays:
        raise DomainError("digest_days_invalid")
    days = ",".join(str(d) for d in sorted(set(weekdays))) if weekdays is not None else None
    current = session.exec(
        select(DigestPreference).where(DigestPreference.user_id == actor.user_id).with_for_update()
    ).first()
    before = (
        {"enabled": current.enabled, "time": current.time, "weekdays": current.weekdays} if current else None
    )
    after = {"enabled": enabled, "time": clock, "weekdays": days}
    values = {"user_id": actor.user_id, "updated_at": utcnow()} | after
    insert_or_update(session, DigestPreference, values, keys=["user_id"])
    record_event(session=session, actor_id=actor.user_id, actor_role=actor.role, object_type="digest_preference",
                 object_id=actor.user_id, action="set", before=before, after=after)  # fmt: skip
    return DigestPreference(**values)

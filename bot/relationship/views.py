"""Relationship surfaces: the tier and loyalty lines of the supplier card, the tier proposal card, the
review reminder and the note that tells a supplier its new tier."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.blocks import context, message, section
from bot.core.i18n import _, format_date, format_decimal
from bot.core.ids import Action
from bot.core.text import neutralise
from models import SupplierRelationship, TierChange


def tier_label(tier: str) -> str:
    return {"strategic": _("Strategic"), "core": _("Core"), "transactional": _("Transactional")}.get(
        tier, tier
    )


def loyalty_text(loyalty: float | None) -> str:
    return "—" if loyalty is None else format_decimal(round(loyalty))


def relationship_fields(row: SupplierRelationship | None, history: list[TierChange], since: datetime,
                        reader_tz: str | None) -> list[dict[str, Any]]:  # fmt: skip
    """The supplier card's relationship lines: tier since when, loyalty, and the latest tier changes."""
    tier = row.tier if row else "transactional"
    lines = [
        _("*Tier*: {tier} (since {date})").format(tier=tier_label(tier), date=format_date(since.date())),
        _("*Loyalty*: {loyalty} / 100").format(loyalty=loyalty_text(row.loyalty if row else None)),
    ]
    blocks = [section("\n".join(lines))]
    if history:
        entries = [
            _("{date}: {before} → {after} by <@{user}>: {reason}").format(
                date=format_date(change.decided_at.date()), before=tier_label(change.from_tier),
                after=tier_label(change.to_tier), user=change.decided_by, reason=neutralise(change.reason))
            for change in history
        ]  # fmt: skip
        blocks.append(context(_("Tier history") + "\n" + "\n".join(entries)))
    return blocks


def tier_set_answer(supplier: str, change: TierChange) -> dict[str, Any]:
    if change.from_tier == change.to_tier:
        text = _(":white_check_mark: *{supplier}* stays {tier}; the review is recorded.")
    else:
        text = _(":white_check_mark: *{supplier}* is now {tier} (was {before}).")
    text = text.format(supplier=neutralise(supplier), tier=tier_label(change.to_tier),
                       before=tier_label(change.from_tier))  # fmt: skip
    return message(text, [section(text)])


def promotion_card(change: TierChange, supplier: str) -> dict[str, Any]:
    """The proposal for the admins: Approve / Reject while it waits, the decision afterwards."""
    text = _(":arrow_up: Tier promotion proposed for *{supplier}*: {before} → {after} (loyalty {loyalty}).").format(
        supplier=neutralise(supplier), before=tier_label(change.from_tier), after=tier_label(change.to_tier),
        loyalty=loyalty_text(change.loyalty))  # fmt: skip
    blocks = [section(text)]
    if change.status == "proposed":
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "action_id": str(Action.TIER_APPROVE), "text": {"type": "plain_text", "text": _("Approve promotion")},
             "style": "primary", "value": str(change.id)},
            {"type": "button", "action_id": str(Action.TIER_REJECT), "text": {"type": "plain_text", "text": _("Reject promotion")},
             "value": str(change.id)},
        ]})  # fmt: skip
    else:
        decided = {"approved": _("Approved by <@{user}>"), "rejected": _("Rejected by <@{user}>")}.get(
            change.status, _("Replaced: <@{user}> set the tier by hand.")
        )
        blocks.append(context(decided.format(user=change.decided_by)))
    return message(text, blocks)


def tier_told(tier: str) -> dict[str, Any]:
    """The supplier's channel learns its new tier, in its language."""
    text = _(":handshake: Our relationship with you is now *{tier}*. Thank you for the work together.").format(
        tier=tier_label(tier))  # fmt: skip
    return message(text, [section(text)])


def review_reminder(supplier: str, tier: str, since: datetime) -> dict[str, Any]:
    text = _(
        ":calendar: *{supplier}*'s tier ({tier}, since {date}) is due for review. Confirm or change it with "
        '`/srm supplier set "{supplier}" tier=<tier> reason="…"`.'
    ).format(supplier=neutralise(supplier), tier=tier_label(tier), date=format_date(since.date()))
    return message(text, [section(text)])

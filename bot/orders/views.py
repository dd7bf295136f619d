"""Order surfaces: the order card in the supplier's channel, thread notes, list and detail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency

from bot.core.blocks import bilingual, context, header, message, section
from bot.core.i18n import _, current_locale, format_date, format_decimal, use_locale
from bot.core.ids import Action
from bot.core.text import neutralise
from models import DateProposal, Order

BUTTONS_BY_STATUS = {
    "issued": (Action.ORDER_CONFIRM, Action.ORDER_PROPOSE_DATE, Action.ORDER_UPDATE),
    "confirmed": (Action.ORDER_PROPOSE_DATE, Action.ORDER_UPDATE),
    "in_production": (Action.ORDER_PROPOSE_DATE, Action.ORDER_UPDATE),
    "shipped": (Action.ORDER_UPDATE,),
}


def status_label(status: str) -> str:
    return {
        "issued": _("Issued, waiting for confirmation"),
        "confirmed": _("Confirmed"),
        "in_production": _("In production"),
        "shipped": _("Shipped"),
        "partially_received": _("Partially received"),
        "received": _("Received"),
        "closed": _("Closed"),
        "cancelled": _("Cancelled"),
    }.get(status, status)


def stage_label(stage: str | None) -> str:
    if not stage:
        return ""
    known = {
        "materials": _("materials"),
        "cutting": _("cutting"),
        "sewing": _("sewing"),
        "finishing": _("finishing"),
        "packing": _("packing"),
        "shipped": _("shipped"),
    }
    return known.get(stage, stage)


def button_label(action: Action) -> str:
    return {
        Action.ORDER_CONFIRM: _("Confirm"),
        Action.ORDER_PROPOSE_DATE: _("Propose new date"),
        Action.ORDER_UPDATE: _("Post update"),
        Action.ORDER_REPORT_PROBLEM: _("Report problem"),
    }[action]


def progress_bar(percent: int) -> str:
    filled = round(percent / 10)
    return "▰" * filled + "▱" * (10 - filled) + f" {percent}%"


@dataclass(frozen=True)
class OrderCard:
    """Everything the order card shows, gathered by the flow."""

    order: Order
    received: int
    holidays: list[tuple[date, str]] = field(default_factory=list)
    pending_proposal: DateProposal | None = None
    report_problem: bool = False


def _price(order: Order) -> str | None:
    if order.unit_price is None:
        return None
    return format_currency(Decimal(order.unit_price), order.currency or "USD", locale=current_locale())


def order_card(card: OrderCard) -> dict[str, Any]:
    """The card posted in the supplier's channel and updated in place, in the current locale."""
    o = card.order
    due = format_date(o.due_date)
    if o.due_date != o.original_due_date:
        due += " " + _("(originally {date})").format(date=format_date(o.original_due_date))
    progress = progress_bar(o.progress_percent)
    if o.stage:
        progress += " · " + stage_label(o.stage)
    fields = [
        (_("Item"), neutralise(o.item) or "—"),
        (_("Quantity"), format_decimal(o.quantity)),
        (_("Due date"), due),
        (_("Status"), status_label(o.status)),
        (_("Progress"), progress),
        (_("Received"), f"{format_decimal(card.received)} / {format_decimal(o.quantity)}"),
    ]
    if price := _price(o):
        fields.append((_("Unit price"), price))
    if o.eta:
        fields.append((_("Expected ready"), format_date(o.eta)))
    title = _("Purchase order {po}").format(po=o.po)
    blocks = [
        header(title),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in fields]},
    ]
    if card.holidays:
        days = ", ".join(f"{format_date(d)} ({neutralise(name)})" for d, name in card.holidays)
        blocks.append(
            context(
                ":calendar: " + _("Public holidays on or just before the due date: {days}").format(days=days)
            )
        )
    if card.pending_proposal is not None:
        blocks.append(context(":hourglass: " + _("New date {date} proposed; waiting for the buyer.").format(
            date=format_date(card.pending_proposal.proposed_date))))  # fmt: skip
    actions = list(BUTTONS_BY_STATUS.get(o.status, ()))
    if card.report_problem and o.status not in ("closed", "cancelled"):
        actions.append(Action.ORDER_REPORT_PROBLEM)
    if actions:
        blocks.append({
            "type": "actions", "block_id": f"order:{o.id}",
            "elements": [
                {"type": "button", "action_id": str(a), "value": str(o.id),
                 "text": {"type": "plain_text", "text": button_label(a)}}
                | ({"style": "primary"} if a == Action.ORDER_CONFIRM else {})
                for a in actions
            ],
        })  # fmt: skip
    return message(f"{title}: {status_label(o.status)}", blocks)


def proposal_request(proposal: DateProposal, order: Order, locales: list[str]) -> dict[str, Any]:
    """Posted in the order's thread: a supplier proposes a date; buyers accept or decline."""
    payload = bilingual(
        lambda: ":date: " + _("<@{user}> proposes a new due date for {po}: *{new}* (now {old}). Reason: {reason}").format(
            user=proposal.proposed_by, po=order.po, new=format_date(proposal.proposed_date),
            old=format_date(proposal.previous_date), reason=neutralise(proposal.reason)),
        locales,
    )  # fmt: skip
    if proposal.status == "pending":
        with use_locale(locales[-1]):
            payload["blocks"].append({
                "type": "actions", "block_id": f"proposal:{proposal.id}",
                "elements": [
                    {"type": "button", "action_id": str(Action.ORDER_PROPOSAL_ACCEPT), "value": str(proposal.id),
                     "style": "primary", "text": {"type": "plain_text", "text": _("Accept")}},
                    {"type": "button", "action_id": str(Action.ORDER_PROPOSAL_DECLINE), "value": str(proposal.id),
                     "text": {"type": "plain_text", "text": _("Decline")}},
                ],
            })  # fmt: skip
    else:
        decided = (
            (lambda: ":white_check_mark: " + _("Accepted by <@{user}>.").format(user=proposal.decided_by))
            if proposal.status == "accepted"
            else (lambda: ":x: " + _("Declined by <@{user}>.").format(user=proposal.decided_by))
        )
        payload["blocks"] += bilingual(decided, locales)["blocks"]
    return payload


def order_line(order: Order, supplier: str) -> str:
    return _("*{po}* · {supplier} · {qty} · due {due} · {status}").format(
        po=neutralise(order.po), supplier=neutralise(supplier), qty=format_decimal(order.quantity),
        due=format_date(order.due_date), status=status_label(order.status),
    )  # fmt: skip


def order_list(rows: list[tuple[Order, str]]) -> dict[str, Any]:
    if not rows:
        text = _("No orders found.")
        return message(text, [section(text)])
    lines = [order_line(o, s) for o, s in rows]
    return message(
        _("Orders"),
        [header(_("Orders"))] + [section("\n".join(lines[i : i + 20])) for i in range(0, len(lines), 20)],
    )


def order_detail(card: OrderCard, supplier: str, link: str | None) -> dict[str, Any]:
    payload = order_card(OrderCard(card.order, card.received, card.holidays, card.pending_proposal))
    payload["blocks"] = [b for b in payload["blocks"] if b["type"] != "actions"]
    extra = _("Supplier: {supplier}").format(supplier=neutralise(supplier))
    if link:
        extra += " · " + _("<{link}|Open the order thread>").format(link=link)
    payload["blocks"].append(context(extra))
    return payload

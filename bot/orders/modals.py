"""Modals of the order flow: new order, propose a new date, post a production update."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.core.i18n import _
from bot.core.ids import View
from bot.orders.views import stage_label


def _text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _input(
    block_id: str, label: str, element: dict[str, Any], optional: bool = False, hint: str | None = None
):
    block = {
        "type": "input",
        "block_id": block_id,
        "label": _text(label),
        "element": element | {"action_id": "value"},
    }
    if optional:
        block["optional"] = True
    if hint:
        block["hint"] = _text(hint)
    return block


def _modal(
    callback_id: View, title: str, blocks: list[dict[str, Any]], metadata: dict[str, Any]
) -> dict[str, Any]:
    return {
        "type": "modal", "callback_id": str(callback_id), "title": _text(title[:24]),
        "submit": _text(_("Send")), "close": _text(_("Cancel")), "blocks": blocks,
        "private_metadata": json.dumps(metadata),
    }  # fmt: skip


def propose_date_modal(order_id: int, po: str, current: date) -> dict[str, Any]:
    blocks = [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _("Order {po}").format(po=po)}]},
        _input("date", _("New due date"), {"type": "datepicker", "initial_date": current.isoformat()}),
        _input("reason", _("Reason"), {"type": "plain_text_input", "multiline": True, "max_length": 2000}),
    ]
    return _modal(View.ORDER_PROPOSE_DATE, _("Propose new date"), blocks, {"order_id": order_id})


def update_modal(order_id: int, po: str, stages: list[str], last_percent: int | None) -> dict[str, Any]:
    percent = {"type": "number_input", "is_decimal_allowed": False, "min_value": "0", "max_value": "100"}
    if last_percent is not None:
        percent["initial_value"] = str(last_percent)
    options = [{"text": _text(stage_label(s)[:75]), "value": s} for s in stages]
    blocks = [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _("Order {po}").format(po=po)}]},
        _input("percent", _("Progress (%)"), percent),
        _input("stage", _("Stage"), {"type": "static_select", "options": options[:100]}, optional=True),
        _input("eta", _("Expected ready date"), {"type": "datepicker"}, optional=True),
        _input("note", _("Note"), {"type": "plain_text_input", "multiline": True, "max_length": 2000}, optional=True,
               hint=_("Needed when progress is lower than the last update.")),
    ]  # fmt: skip
    return _modal(View.ORDER_UPDATE, _("Post update"), blocks, {"order_id": order_id})


def new_order_modal(channel_id: str, suppliers: list[tuple[int, str]] | None) -> dict[str, Any]:
    """`suppliers` is None inside a linked channel (the channel names the supplier)."""
    blocks = []
    if suppliers is not None:
        options = [{"text": _text(name[:75]), "value": str(sid)} for sid, name in suppliers[:100]]
        blocks.append(_input("supplier", _("Supplier"), {"type": "static_select", "options": options}))
    blocks += [
        _input("po", _("PO number"), {"type": "plain_text_input", "max_length": 64}),
        _input("qty", _("Quantity"), {"type": "number_input", "is_decimal_allowed": False, "min_value": "1"}),
        _input("due", _("Due date"), {"type": "datepicker"}),
        _input("item", _("Item"), {"type": "plain_text_input", "max_length": 500}, optional=True),
        _input("price", _("Unit price"), {"type": "number_input", "is_decimal_allowed": True, "min_value": "0"}, optional=True),
        _input("currency", _("Currency (ISO 4217)"), {"type": "plain_text_input", "max_length": 3}, optional=True),
    ]  # fmt: skip
    return _modal(View.ORDER_NEW, _("New order"), blocks, {"channel_id": channel_id})

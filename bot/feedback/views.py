"""Feedback surfaces: the invitation in the supplier's channel, the rating form, the buyers' means."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.core.blocks import context, header, message, section
from bot.core.i18n import _, format_date, format_decimal
from bot.core.ids import Action, View
from bot.core.text import neutralise
from models.feedback import FEEDBACK_DIMENSIONS


def dimension_label(value: str) -> str:
    return {"payment": _("Payment on time"), "specifications": _("Clear specifications"),
            "communication": _("Communication"), "forecast": _("Forecast accuracy"),
            "fairness": _("Fairness")}.get(value, value)  # fmt: skip


def _period(start: date, end: date) -> str:
    return _("{start} to {end}").format(start=format_date(start), end=format_date(end))


def invitation_message(invitation_id: int, start: date, end: date) -> dict[str, Any]:
    """The invitation, in the current locale (the supplier's)."""
    text = _("How did we work with you from {start} to {end}? Rate us as buyers: payment, specifications, "
             "communication, forecast and fairness. Your answer is anonymous to the buyers.").format(
        start=format_date(start), end=format_date(end))  # fmt: skip
    button = {"type": "button", "action_id": str(Action.FEEDBACK_GIVE), "value": str(invitation_id),
              "text": {"type": "plain_text", "text": _("Give feedback")}, "style": "primary"}  # fmt: skip
    blocks = [section(":speech_balloon: " + text), {"type": "actions", "block_id": f"feedback:{invitation_id}",
                                                    "elements": [button]}]  # fmt: skip
    return message(text, blocks) | {"unfurl_links": False}


def _text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _rating_select(dimension: str) -> dict[str, Any]:
    labels = {1: _("1 · poor"), 2: "2", 3: _("3 · fair"), 4: "4", 5: _("5 · excellent")}
    options = [{"text": _text(labels[n]), "value": str(n)} for n in range(1, 6)]
    return {"type": "input", "block_id": dimension, "label": _text(dimension_label(dimension)),
            "element": {"type": "static_select", "action_id": "value", "options": options}}  # fmt: skip


def feedback_modal(invitation_id: int, start: date, end: date) -> dict[str, Any]:
    blocks = [context(_("Buyers see only the means per question, never who answered. Answering again "
                        "replaces your earlier answer for {period}.").format(period=_period(start, end)))]  # fmt: skip
    blocks += [_rating_select(d) for d in FEEDBACK_DIMENSIONS]
    blocks.append({"type": "input", "block_id": "comment", "label": _text(_("Comment")), "optional": True,
                   "element": {"type": "plain_text_input", "action_id": "value", "multiline": True,
                               "max_length": 3000}})  # fmt: skip
    return {"type": "modal", "callback_id": str(View.FEEDBACK_GIVE), "title": _text(_("Rate the buyers")[:24]),
            "submit": _text(_("Send")), "close": _text(_("Cancel")), "blocks": blocks,
            "private_metadata": json.dumps({"invitation_id": invitation_id})}  # fmt: skip


def feedback_summary(rows: list[tuple[str, date, date, list[tuple[str, int, float]]]]) -> dict[str, Any]:
    """Buyers' view: per supplier and period, the mean of each dimension and how many answered."""
    if not rows:
        text = _("No feedback from suppliers yet.")
        return message(text, [section(text)])
    title = _("How suppliers rate us")
    blocks = [header(title)]
    for supplier, start, end, dimensions in rows[:45]:
        lines = [_("{dimension}: {mean} of 5 ({responses} answers)").format(
            dimension=dimension_label(d), mean=format_decimal(round(mean, 2)), responses=count)
            for d, count, mean in dimensions]  # fmt: skip
        blocks.append(section(f"*{neutralise(supplier)}* · {_period(start, end)}\n" + "\n".join(lines)))
    return message(title, blocks)

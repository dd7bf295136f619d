"""Corrective action surfaces: the CAPA card, the plan and return forms, the list."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.core.blocks import context, header, message, section
from bot.core.i18n import _, format_date
from bot.core.ids import Action, View
from bot.core.text import neutralise
from models import CorrectiveAction

PLAN_ROWS = 3


def capa_status_label(value: str) -> str:
    return {"open": _("Open, waiting for the supplier's plan"), "planned": _("Plan submitted"),
            "accepted": _("Plan accepted"), "implemented": _("Implemented, waiting for verification"),
            "verified": _("Verified")}.get(value, value)  # fmt: skip


def capa_kind_label(value: str) -> str:
    return {"ticket": _("From a ticket"), "rectification": _("Rectification")}.get(value, value)


def _quote(text: str, limit: int = 1500) -> str:
    return neutralise(text[:limit])


def _plan_blocks(capa: CorrectiveAction) -> list[dict[str, Any]]:
    blocks = [section(_("*Root cause*: {text}").format(text=_quote(capa.root_cause))),
              section(_("*Containment*: {text}").format(text=_quote(capa.containment)))]  # fmt: skip
    lines = [
        _("• {text} (due {due})").format(text=_quote(a["text"], 600), due=format_date(date.fromisoformat(a["due"])))
        for a in capa.actions
    ]  # fmt: skip
    if lines:
        blocks.append(section(_("*Actions*") + "\n" + "\n".join(lines)))
    return blocks


def _buttons(capa: CorrectiveAction) -> list[tuple[Action, str]]:
    return {
        "open": [(Action.CAPA_PLAN, _("Submit plan"))],
        "planned": [(Action.CAPA_ACCEPT, _("Accept plan")), (Action.CAPA_RETURN, _("Return with a reason"))],
        "accepted": [(Action.CAPA_DONE, _("Mark implemented"))],
        "implemented": [(Action.CAPA_VERIFY, _("Verify (effective)")), (Action.CAPA_REJECT, _("Not effective"))],
    }.get(capa.status, [])  # fmt: skip


def capa_card(capa: CorrectiveAction, ticket: str | None, supplier: str) -> dict[str, Any]:
    """The CAPA card in the supplier's channel, in the current locale (the supplier's)."""
    fields = [
        (_("Supplier"), neutralise(supplier)),
        (_("Kind"), capa_kind_label(capa.kind)),
        (_("Status"), capa_status_label(capa.status)),
        (_("Ticket"), ticket or "—"),
        (_("Due"), format_date(capa.due_date)),
        (_("Opened by"), f"<@{capa.opened_by}>" if capa.opened_by != "system" else _("the bot")),
    ]
    blocks = [
        header(f"{capa.number} · " + _("Corrective action")),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in fields]},
    ]
    if capa.reason:
        blocks.append(section(_("*Why*: {text}").format(text=_quote(capa.reason))))
    if capa.root_cause:
        blocks += _plan_blocks(capa)
    if capa.return_reason and capa.status == "open":
        blocks.append(section(_("*Returned by the buyers*: {text}").format(text=_quote(capa.return_reason))))
    elements = [{"type": "button", "action_id": str(a), "value": str(capa.id), "text": {"type": "plain_text", "text": t}}
                for a, t in _buttons(capa)]  # fmt: skip
    if elements:
        blocks.append({"type": "actions", "block_id": f"capa:{capa.id}", "elements": elements})
    blocks.append(context(_("The supplier plans and implements; the buyers accept, return and verify.")))
    fallback = f"{capa.number} · {_('Corrective action')}: {capa_status_label(capa.status)}"
    return message(fallback, blocks) | {"unfurl_links": False}


def capa_line(capa: CorrectiveAction, supplier: str) -> str:
    return f"*{capa.number}* · {neutralise(supplier)} · {capa_kind_label(capa.kind)} · {capa_status_label(capa.status)} · {format_date(capa.due_date)}"  # fmt: skip


def capa_list(rows: list[tuple[CorrectiveAction, str]]) -> dict[str, Any]:
    if not rows:
        text = _("No corrective actions found.")
        return message(text, [section(text)])
    lines = [capa_line(c, s) for c, s in rows]
    title = _("Corrective actions")
    return message(
        title, [header(title)] + [section("\n".join(lines[i : i + 20])) for i in range(0, len(lines), 20)]
    )


def _text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _input(
    block_id: str, label: str, *, multiline: bool = True, optional: bool = False, max_length: int = 3000
):
    return {"type": "input", "block_id": block_id, "label": _text(label), "optional": optional,
            "element": {"type": "plain_text_input", "action_id": "value", "multiline": multiline,
                        "max_length": max_length}}  # fmt: skip


def _date_input(block_id: str, label: str, optional: bool) -> dict[str, Any]:
    return {"type": "input", "block_id": block_id, "label": _text(label), "optional": optional,
            "element": {"type": "datepicker", "action_id": "value"}}  # fmt: skip


def plan_modal(capa: CorrectiveAction) -> dict[str, Any]:
    """The supplier's plan: root cause, containment, up to three actions each with a due date."""
    blocks = [context(f"{capa.number} · {_quote(capa.reason, 500)}"),
              _input("root_cause", _("Root cause")), _input("containment", _("Containment (immediate action)"))]  # fmt: skip
    for n in range(1, PLAN_ROWS + 1):
        optional = n > 1
        blocks.append(_input(f"action_{n}", _("Action {n}").format(n=n), multiline=False, optional=optional,
                             max_length=500))  # fmt: skip
        blocks.append(_date_input(f"due_{n}", _("Action {n} due").format(n=n), optional))
    return {"type": "modal", "callback_id": str(View.CAPA_PLAN), "title": _text(_("Corrective plan")[:24]),
            "submit": _text(_("Send")), "close": _text(_("Cancel")), "blocks": blocks,
            "private_metadata": json.dumps({"capa_id": capa.id})}  # fmt: skip


def return_modal(capa: CorrectiveAction) -> dict[str, Any]:
    blocks = [
        context(f"{capa.number} · {_quote(capa.reason, 500)}"),
        _input("reason", _("Why is the plan returned?")),
    ]
    return {"type": "modal", "callback_id": str(View.CAPA_RETURN), "title": _text(_("Return the plan")[:24]),
            "submit": _text(_("Send")), "close": _text(_("Cancel")), "blocks": blocks,
            "private_metadata": json.dumps({"capa_id": capa.id})}  # fmt: skip

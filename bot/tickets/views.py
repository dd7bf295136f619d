"""Ticket surfaces: the ticket card, its modals, list and detail."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.core.blocks import context, header, message, section
from bot.core.i18n import _, format_datetime
from bot.core.ids import Action, View
from bot.core.text import neutralise
from models import Ticket
from models.tickets import RESPONSIBLE, SEVERITIES, TICKET_TYPES


def severity_label(value: str) -> str:
    return {"low": _("low"), "medium": _("medium"), "high": _("high"), "critical": _("critical")}.get(
        value, value
    )


def type_label(value: str) -> str:
    return {"quality": _("quality"), "delivery": _("delivery"), "documents": _("documents"),
            "payment": _("payment"), "other": _("other")}.get(value, value)  # fmt: skip


def ticket_status_label(value: str) -> str:
    return {"open": _("Open"), "acknowledged": _("Acknowledged"), "resolved": _("Resolved, waiting for the buyer"),
            "closed": _("Closed")}.get(value, value)  # fmt: skip


def responsible_label(value: str) -> str:
    return {"buyer": _("Buyer"), "supplier": _("Supplier"), "third_party": _("Carrier / third party")}.get(
        value, value
    )


def _when(moment: datetime | None, tz: str) -> str:
    return format_datetime(moment, tz, "short") + f" ({tz})" if moment else "—"


def ticket_card(ticket: Ticket, po: str | None, tz: str) -> dict[str, Any]:
    """The card in the ticket's thread, in the current locale; times in the supplier's zone."""
    title = f"{ticket.number} · {ticket.title}"
    fields = [
        (_("Type"), type_label(ticket.type)),
        (_("Severity"), severity_label(ticket.severity)),
        (_("Status"), ticket_status_label(ticket.status)),
        (_("Order"), neutralise(po) if po else "—"),
        (_("Opened by"), f"<@{ticket.opened_by}>"),
        (_("Responsible"), responsible_label(ticket.responsible)),
        (_("First response due"), _("done {when}").format(when=_when(ticket.first_response_at, tz))
         if ticket.first_response_at else _when(ticket.first_response_due, tz)),
        (_("Resolution due"), _when(ticket.resolution_due, tz)),
    ]  # fmt: skip
    blocks = [
        header(title),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in fields]},
    ]
    if ticket.quote:
        quote = "\n".join("> " + line for line in neutralise(ticket.quote[:1500]).splitlines()[:10])
        blocks.append(section(quote))
    if ticket.resolution:
        blocks.append(section(_("*Resolution*: {text}").format(text=neutralise(ticket.resolution[:2500]))))
    if ticket.source_permalink:
        blocks.append(context(_("<{link}|Original message>").format(link=ticket.source_permalink)))
    buttons = []
    if ticket.status == "open" and ticket.first_response_at is None:
        buttons.append((Action.TICKET_ACK, _("Acknowledge")))
    if ticket.status in ("open", "acknowledged"):
        buttons.append((Action.TICKET_RESOLVE, _("Resolve")))
    if ticket.status == "resolved":
        buttons.append((Action.TICKET_CLOSE, _("Close (verified)")))
    if ticket.status in ("resolved", "closed"):
        buttons.append((Action.TICKET_REOPEN, _("Reopen")))
    buttons.append((Action.TICKET_CAPA, _("Corrective action")))  # buyers only, checked when pressed
    elements = [{"type": "button", "action_id": str(a), "value": str(ticket.id), "text": {"type": "plain_text", "text": t}}
                for a, t in buttons]  # fmt: skip
    if ticket.status != "closed":
        options = {
            r: {"text": {"type": "plain_text", "text": responsible_label(r)}, "value": f"{ticket.id}:{r}"}
            for r in RESPONSIBLE
        }
        elements.append({"type": "static_select", "action_id": str(Action.TICKET_RESPONSIBLE),
                         "placeholder": {"type": "plain_text", "text": _("Responsible")},
                         "initial_option": options[ticket.responsible], "options": list(options.values())})  # fmt: skip
    if elements:
        blocks.append({"type": "actions", "block_id": f"ticket:{ticket.id}", "elements": elements})
    fallback = f"{ticket.number} · {neutralise(ticket.title)}: {ticket_status_label(ticket.status)}"
    return message(fallback, blocks) | {"unfurl_links": False}


def ticket_line(ticket: Ticket, supplier: str) -> str:
    return f"*{ticket.number}* · {neutralise(ticket.title)} · {neutralise(supplier)} · {severity_label(ticket.severity)} · {ticket_status_label(ticket.status)}"  # fmt: skip


def ticket_list(rows: list[tuple[Ticket, str]]) -> dict[str, Any]:
    if not rows:
        text = _("No tickets found.")
        return message(text, [section(text)])
    lines = [ticket_line(t, s) for t, s in rows]
    return message(
        _("Tickets"),
        [header(_("Tickets"))] + [section("\n".join(lines[i : i + 20])) for i in range(0, len(lines), 20)],
    )


def _text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _select(block_id: str, label: str, values: tuple[str, ...], render, initial: str) -> dict[str, Any]:
    options = {v: {"text": _text(render(v)), "value": v} for v in values}
    return {"type": "input", "block_id": block_id, "label": _text(label),
            "element": {"type": "static_select", "action_id": "value", "options": list(options.values()),
                        "initial_option": options[initial]}}  # fmt: skip


def new_ticket_modal(
    metadata: dict[str, Any], title: str = "", quote: str = "", severity: str = "medium"
) -> dict[str, Any]:
    """Ticket form; `metadata` says where it was opened (re-checked on submit)."""
    blocks = [
        {"type": "input", "block_id": "title", "label": _text(_("Title")),
         "element": {"type": "plain_text_input", "action_id": "value", "max_length": 200, "initial_value": title[:200]}},
        _select("type", _("Type"), TICKET_TYPES, type_label, "other"),
        _select("severity", _("Severity"), SEVERITIES, severity_label, severity),
    ]  # fmt: skip
    if quote:
        blocks.append(context("> " + neutralise(quote[:1500]).replace("\n", "\n> ")))
    return {"type": "modal", "callback_id": str(View.TICKET_NEW), "title": _text(_("Report a problem")[:24]),
            "submit": _text(_("Send")), "close": _text(_("Cancel")), "blocks": blocks,
            "private_metadata": json.dumps(metadata)}  # fmt: skip


def resolve_modal(ticket: Ticket) -> dict[str, Any]:
    blocks = [
        context(f"{ticket.number} · {neutralise(ticket.title)}"),
        {"type": "input", "block_id": "resolution", "label": _text(_("Resolution")),
         "element": {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 3000}},
    ]  # fmt: skip
    return {"type": "modal", "callback_id": str(View.TICKET_RESOLVE), "title": _text(_("Resolve ticket")[:24]),
            "submit": _text(_("Send")), "close": _text(_("Cancel")), "blocks": blocks,
            "private_metadata": json.dumps({"ticket_id": ticket.id})}  # fmt: skip

"""What ticket rules refuse, in the reader's language (registered with the core error texts)."""

from __future__ import annotations

from bot.core.error_views import register_error_texts
from bot.core.i18n import _
from bot.tickets.views import ticket_status_label

TEXTS = {
    "ticket_title": lambda p: _("Give the ticket a title of 1 to {max} characters.").format(**p),
    "unknown_severity": lambda p: _("Unknown severity {value}; use one of: {allowed}.").format(**p),
    "unknown_ticket_type": lambda p: _("Unknown type {value}; use one of: {allowed}.").format(**p),
    "unknown_ticket_status": lambda p: _("Unknown status {value}; use one of: {allowed}.").format(**p),
    "order_of_other_supplier": lambda p: _("Order {po} belongs to another supplier.").format(**p),
    "ticket_exists": lambda p: _("This message already has a ticket {number}.").format(**p),
    "ticket_unavailable": lambda p: _("This ticket does not exist or is not yours to act on."),
    "ack_other_side": lambda p: _("The other side acknowledges a ticket; you opened this one."),
    "ticket_state": lambda p: _("Ticket {number} is {status}; that is not possible now.").format(
        number=p["number"], status=ticket_status_label(p["status"]).lower()
    ),
    "resolution_needed": lambda p: _("Please describe the resolution."),
    "unknown_responsible": lambda p: _("Unknown responsible party {value}.").format(**p),
}

register_error_texts(TEXTS)

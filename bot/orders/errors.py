"""What order rules refuse, in the reader's language (registered with the core error texts)."""

from __future__ import annotations

from bot.core.error_views import register_error_texts
from bot.core.i18n import _
from bot.orders.views import status_label

TEXTS = {
    "not_a_whole_number": lambda p: _("{field} must be a whole number, not “{value}”.").format(**p),
    "must_be_positive": lambda p: _("{field} must be greater than 0.").format(**p),
    "must_not_be_negative": lambda p: _("{field} cannot be negative.").format(**p),
    "not_a_date": lambda p: _("{field} must be a date written YYYY-MM-DD, not “{value}”.").format(**p),
    "due_in_past": lambda p: _(
        "The due date {due} has already passed (today is {today}); choose today or a later date."
    ).format(**p),
    "po_invalid": lambda p: _(
        "“{po}” is not a usable PO number: use letters, digits and . _ / # - (at most 64)."
    ).format(**p),
    "not_a_price": lambda p: _("“{value}” is not a price. Write it like 12.50.").format(**p),
    "unknown_currency": lambda p: _(
        "“{currency}” is not an ISO 4217 currency code such as USD, EUR or CNY."
    ).format(**p),
    "item_too_long": lambda p: _("The item description can have at most {max} characters.").format(**p),
    "duplicate_po": lambda p: _("{supplier} already has an order {po}.").format(**p),
    "order_not_found": lambda p: _("No order {po} was found for you.").format(**p),
    "order_unavailable": lambda p: _("This order does not exist or is not yours to act on."),
    "po_ambiguous": lambda p: _('Several suppliers have an order {po}; add supplier="<name>".').format(**p),
    "supplier_only": lambda p: _("Only the supplier's own people can do that on this order."),
    "order_state": lambda p: _("Order {po} is {status}; that is not possible now.").format(
        po=p["po"], status=status_label(p["status"]).lower()
    ),
    "already_confirmed": lambda p: _("Order {po} is already confirmed.").format(**p),
    "same_date": lambda p: _("That is already the due date of {po}.").format(**p),
    "reason_needed": lambda p: _("Please give a reason for the new date."),
    "proposal_pending": lambda p: _("A new date for {po} is already waiting for the buyer's answer.").format(
        **p
    ),
    "proposal_not_found": lambda p: _("That date proposal no longer exists."),
    "proposal_decided": lambda p: _("The date proposal for {po} has already been answered.").format(**p),
    "receive_too_much": lambda p: _(
        "That is more than ordered: at most {remaining} more can be received for {po}."
    ).format(**p),
    "defects_exceed_sample": lambda p: _(
        "There cannot be more defects ({defects}) than units sampled ({sampled})."
    ).format(**p),
    "percent_range": lambda p: _("Progress must be a whole number from 0 to 100, not “{value}”.").format(**p),
    "percent_lower": lambda p: _(
        "Progress {value}% is lower than the last update ({previous}%); add a note saying why."
    ).format(**p),
    "unknown_status": lambda p: _("Unknown status {status}; use one of: {statuses}.").format(**p),
    "unknown_stage": lambda p: _("Unknown stage {stage}; use one of: {stages}.").format(**p),
}

register_error_texts(TEXTS)

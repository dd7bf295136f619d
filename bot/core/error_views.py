"""Domain errors rendered in the reader's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.core.blocks import message, section
from bot.core.errors import DomainError
from bot.core.i18n import _
from bot.core.text import neutralise
from bot.orders.views import status_label
from bot.tickets.views import ticket_status_label


def error_text(error: DomainError) -> str:
    """The reader's-language sentence for a refused request."""
    p = {k: neutralise(str(v)) for k, v in error.params.items()}
    texts = {
        "buyers_only": lambda: _("Only buyers of this workspace can do that."),
        "supplier_name_invalid": lambda: _(
            "Give the supplier a name of 1 to {max} characters, in double quotes."
        ).format(**p),
        "unknown_country": lambda: _(
            "“{country}” is not an ISO country code. Use two letters, such as CN, VN or MX."
        ).format(**p),
        "unknown_locale": lambda: _(
            "“{locale}” is not a locale. Use a code such as zh_CN, es_MX or en_US."
        ).format(**p),
        "unknown_timezone": lambda: _(
            "“{tz}” is not a time zone. Use an IANA name such as Asia/Shanghai."
        ).format(**p),
        "timezone_needed": lambda: _(
            "No time zone is known for {country}; add tz=<IANA zone>, such as tz=Europe/Belgrade."
        ).format(**p),
        "not_in_direct_message": lambda: _(
            "Run this in the supplier's shared channel, not in a direct message."
        ),
        "channel_already_linked": lambda: _("This channel is already linked to supplier {supplier}.").format(
            **p
        ),
        "supplier_exists": lambda: _("A supplier named {name} already exists.").format(**p),
        "supplier_not_found": lambda: _("No supplier named {name} was found.").format(**p),
        "channel_not_found": lambda: _(
            "The bot cannot see this channel. Invite it first: /invite @SRM, then run the command again."
        ),
        "not_in_channel": lambda: _(
            "The bot is not a member of this channel. Invite it first: /invite @SRM, then run the command again."
        ),
        "slack_unavailable": lambda: _(
            "Slack did not answer in time. Nothing was changed; please try again in a minute."
        ),
        **_order_texts(error, p),
        **_ticket_texts(error, p),
    }
    render = texts.get(error.code)
    return (
        render() if render else _("That did not work ({code}). Nothing was changed.").format(code=error.code)
    )


def error_message(error: DomainError) -> dict[str, Any]:
    text = ":warning: " + error_text(error)
    return message(text, [section(text)])


def _order_texts(error: DomainError, p: dict[str, str]) -> dict[str, Callable[[], str]]:
    return {
        "not_a_whole_number": lambda: _("{field} must be a whole number, not “{value}”.").format(**p),
        "must_be_positive": lambda: _("{field} must be greater than 0.").format(**p),
        "must_not_be_negative": lambda: _("{field} cannot be negative.").format(**p),
        "not_a_date": lambda: _("{field} must be a date written YYYY-MM-DD, not “{value}”.").format(**p),
        "po_invalid": lambda: _(
            "“{po}” is not a usable PO number: use letters, digits and . _ / # - (at most 64)."
        ).format(**p),
        "not_a_price": lambda: _("“{value}” is not a price. Write it like 12.50.").format(**p),
        "unknown_currency": lambda: _(
            "“{currency}” is not an ISO 4217 currency code such as USD, EUR or CNY."
        ).format(**p),
        "item_too_long": lambda: _("The item description can have at most {max} characters.").format(**p),
        "duplicate_po": lambda: _("{supplier} already has an order {po}.").format(**p),
        "order_not_found": lambda: _("No order {po} was found for you.").format(**p),
        "order_unavailable": lambda: _("This order does not exist or is not yours to act on."),
        "po_ambiguous": lambda: _('Several suppliers have an order {po}; add supplier="<name>".').format(**p),
        "supplier_needed": lambda: _('Run this in a supplier\'s channel, or add supplier="<name>".'),
        "supplier_only": lambda: _("Only the supplier's own people can do that on this order."),
        "order_state": lambda: _("Order {po} is {status}; that is not possible now.").format(
            po=p["po"], status=status_label(str(error.params["status"])).lower()
        ),
        "already_confirmed": lambda: _("Order {po} is already confirmed.").format(**p),
        "same_date": lambda: _("That is already the due date of {po}.").format(**p),
        "reason_needed": lambda: _("Please give a reason for the new date."),
        "proposal_pending": lambda: _(
            "A new date for {po} is already waiting for the buyer's answer."
        ).format(**p),
        "proposal_not_found": lambda: _("That date proposal no longer exists."),
        "proposal_decided": lambda: _("The date proposal for {po} has already been answered.").format(**p),
        "receive_too_much": lambda: _(
            "That is more than ordered: at most {remaining} more can be received for {po}."
        ).format(**p),
        "defects_exceed_sample": lambda: _(
            "There cannot be more defects ({defects}) than units sampled ({sampled})."
        ).format(**p),
        "percent_range": lambda: _("Progress must be a whole number from 0 to 100, not “{value}”.").format(
            **p
        ),
        "percent_lower": lambda: _(
            "Progress {value}% is lower than the last update ({previous}%); add a note saying why."
        ).format(**p),
        "unknown_stage": lambda: _("Unknown stage {stage}; use one of: {stages}.").format(**p),
    }


def _ticket_texts(error: DomainError, p: dict[str, str]) -> dict[str, Callable[[], str]]:
    return {
        "ticket_title": lambda: _("Give the ticket a title of 1 to {max} characters.").format(**p),
        "unknown_severity": lambda: _("Unknown severity {value}; use one of: {allowed}.").format(**p),
        "unknown_ticket_type": lambda: _("Unknown type {value}; use one of: {allowed}.").format(**p),
        "unknown_ticket_status": lambda: _("Unknown status {value}; use one of: {allowed}.").format(**p),
        "order_of_other_supplier": lambda: _("Order {po} belongs to another supplier.").format(**p),
        "ticket_exists": lambda: _("This message already has a ticket {number}.").format(**p),
        "ticket_unavailable": lambda: _("This ticket does not exist or is not yours to act on."),
        "ack_other_side": lambda: _("The other side acknowledges a ticket; you opened this one."),
        "ticket_state": lambda: _("Ticket {number} is {status}; that is not possible now.").format(
            number=p["number"], status=ticket_status_label(str(error.params["status"])).lower()
        ),
        "resolution_needed": lambda: _("Please describe the resolution."),
        "unknown_responsible": lambda: _("Unknown responsible party {value}.").format(**p),
    }

"""`/srm ticket new | list | show`."""

from __future__ import annotations

from typing import Any

from bot.core.blocks import message, section
from bot.core.errors import DomainError
from bot.core.help import Grammar
from bot.core.i18n import _
from bot.core.text import neutralise
from bot.orders import service as orders
from bot.suppliers import service as suppliers
from bot.tickets import flows as ticket_flows
from bot.tickets import service as tickets
from bot.tickets.views import new_ticket_modal, ticket_card, ticket_list
from handlers.common import open_modal, usage_problem
from handlers.request import CommandRequest, CommandSet, reads_only
from models import Order, Supplier


def _where(request: CommandRequest) -> tuple[Supplier, str, Order | None]:
    """The ticket's supplier, channel and order from order=, supplier= or the channel."""
    options, session, actor = request.args.options, request.session, request.actor
    supplier = None
    if options.get("supplier"):
        supplier = suppliers.find_supplier(session=session, actor=actor, name=options["supplier"]).supplier
    elif actor.channel_supplier_id is not None:
        supplier = session.get(Supplier, actor.channel_supplier_id)
    order = None
    if options.get("order"):
        order = orders.find_order(session=session, actor=actor, po=options["order"],
                                  supplier_id=supplier.id if supplier else None)  # fmt: skip
        supplier = supplier or session.get(Supplier, order.supplier_id)
    if supplier is None:
        raise DomainError("supplier_needed")
    if order is not None:
        return supplier, order.channel_id, order
    channel = request.channel_id if actor.channel_supplier_id == supplier.id else None
    return supplier, channel or suppliers.primary_channel(session=session, supplier_id=supplier.id), None


def new(request: CommandRequest) -> dict[str, Any]:
    """Open a ticket; without arguments, the form."""
    args = request.args
    if not args.words and not args.options:
        return _open_modal(request)
    if usage := usage_problem(request, allowed={"order", "severity", "type", "supplier"}):
        return usage
    supplier, channel_id, order = _where(request)
    new_ticket = tickets.NewTicket(title=args.words[0], type=args.options.get("type"),
                                   severity=args.options.get("severity"), order=order, source="command")  # fmt: skip
    ticket = ticket_flows.open_ticket(session=request.session, actor=request.actor, supplier=supplier,
                                      channel_id=channel_id, new=new_ticket, config=request.config)  # fmt: skip
    text = ":ticket: " + _("{number} opened for {supplier}; its card is being posted in <#{channel}>.").format(
        number=ticket.number, supplier=neutralise(supplier.name), channel=channel_id)  # fmt: skip
    return message(text, [section(text)])


def _open_modal(request: CommandRequest) -> dict[str, Any]:
    if request.actor.channel_supplier_id is None:
        raise DomainError("supplier_needed")
    view = new_ticket_modal(
        {"channel_id": request.channel_id}, severity=request.config.tickets.default_severity
    )
    open_modal(request.client, request.trigger_id, view, request.channel_id, request.actor.user_id)
    return {}


@reads_only
def list_all(request: CommandRequest) -> dict[str, Any]:
    if usage := usage_problem(request, allowed={"status"}, words=0):
        return usage
    rows = tickets.visible_tickets(
        session=request.session, actor=request.actor, status=request.args.options.get("status")
    )
    return ticket_list(rows)


@reads_only
def show(request: CommandRequest) -> dict[str, Any]:
    if usage := usage_problem(request, allowed=set(), word="T-<n>"):
        return usage
    ticket = tickets.ticket_for(session=request.session, actor=request.actor, ticket_id=request.args.words[0])
    order = request.session.get(Order, ticket.order_id) if ticket.order_id else None
    supplier = request.session.get(Supplier, ticket.supplier_id)
    payload = ticket_card(ticket, order.po if order else None, request.actor.tz or supplier.timezone)
    payload["blocks"] = [b for b in payload["blocks"] if b["type"] != "actions"]
    return payload


def _grammar() -> Grammar:
    return [
        (
            '/srm ticket new "<title>" [order=<PO>] [severity=low|medium|high|critical] [type=quality|delivery|documents|payment|other]',
            _("Open a problem ticket; without arguments, a form."),
        ),
        ("/srm ticket list [status=<s>] | /srm ticket show T-<n>", _("List tickets, or show one.")),
    ]


COMMANDS = CommandSet(
    verbs={("ticket", "new"): new, ("ticket", "list"): list_all, ("ticket", "show"): show},
    grammar=_grammar,
    hint="ticket …",
    topic="tickets",
)

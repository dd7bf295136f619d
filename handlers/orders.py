"""`/srm order new | show | list | close | cancel`, `/srm receive`, `/srm inspect`."""

from __future__ import annotations

from typing import Any

from bot.core import help as help_views
from bot.core.blocks import message, section
from bot.core.errors import DomainError
from bot.core.help import Grammar
from bot.core.i18n import _
from bot.core.text import neutralise
from bot.orders import flows as order_flows
from bot.orders import service as orders
from bot.orders.modals import new_order_modal
from bot.orders.views import OrderCard, order_detail, order_list, status_label
from bot.scorecards import levels
from bot.scorecards.views import level_warning
from bot.suppliers import service as suppliers
from handlers.common import buyers_only, open_modal, usage_problem
from handlers.request import CommandRequest, CommandSet, reads_only
from models import Supplier
from models.orders import ORDER_STATUSES


def _done(text: str) -> dict[str, Any]:
    return message(text, [section(text)])


def _supplier(request: CommandRequest) -> Supplier:
    """The supplier named by supplier=, or the one whose channel this is."""
    name = request.args.options.get("supplier")
    if name:
        return suppliers.find_supplier(session=request.session, actor=request.actor, name=name).supplier
    if request.actor.channel_supplier_id is None:
        raise DomainError("supplier_needed")
    return request.session.get(Supplier, request.actor.channel_supplier_id)


def _order(request: CommandRequest):
    name = request.args.options.get("supplier")
    supplier_id = _supplier(request).id if name else request.actor.channel_supplier_id
    return orders.find_order(
        session=request.session, actor=request.actor, po=request.args.words[0], supplier_id=supplier_id
    )


def new(request: CommandRequest) -> dict[str, Any]:
    """Issue an order; without arguments, open the form."""
    args = request.args
    if not args.words and not args.options:
        return _open_new_order_modal(request)
    if usage := usage_problem(
        request, allowed={"qty", "due", "item", "price", "currency", "supplier"}, required=("qty", "due")
    ):
        return usage
    buyers_only(request.actor)
    supplier = _supplier(request)
    policy = levels.check_new_order(config=request.config, supplier=supplier)  # a blocking level refuses
    channel_id = (
        request.channel_id
        if request.actor.channel_supplier_id == supplier.id
        else suppliers.primary_channel(session=request.session, supplier_id=supplier.id)
    )
    new_order = orders.NewOrder(po=args.words[0], quantity=args.options["qty"], due=args.options["due"],
                                item=args.options.get("item", ""), price=args.options.get("price"),
                                currency=args.options.get("currency"))  # fmt: skip
    order = order_flows.issue(session=request.session, actor=request.actor, supplier=supplier, channel_id=channel_id,
                              new=new_order, config=request.config)  # fmt: skip
    done = ":white_check_mark: " + _("Order *{po}* issued to {supplier}; its card is being posted in <#{channel}>.").format(
        po=neutralise(order.po), supplier=neutralise(supplier.name), channel=channel_id)  # fmt: skip
    if policy.warned:
        return _done(done + "\n" + level_warning(supplier.name, policy.level))
    return _done(done)


def _open_new_order_modal(request: CommandRequest) -> dict[str, Any]:
    buyers_only(request.actor)
    choices = None
    if request.actor.channel_supplier_id is None:
        choices = [
            (s.supplier.id, s.supplier.name)
            for s in suppliers.visible_suppliers(session=request.session, actor=request.actor)
        ]
        if not choices:
            raise DomainError("supplier_needed")
    view = new_order_modal(request.channel_id, choices)
    open_modal(request.client, request.trigger_id, view, request.channel_id, request.actor.user_id)
    return {}


@reads_only
def show(request: CommandRequest) -> dict[str, Any]:
    if usage := usage_problem(request, allowed={"supplier"}):
        return usage
    order = _order(request)
    supplier = request.session.get(Supplier, order.supplier_id)
    card = OrderCard(order, orders.received_quantity(request.session, order.id))
    return order_detail(card, supplier.name, None)


@reads_only
def list_all(request: CommandRequest) -> dict[str, Any]:
    if usage := usage_problem(request, allowed={"status"}, words=0):
        return usage
    status = request.args.options.get("status")
    if status is not None and status not in ORDER_STATUSES:
        return help_views.help_message(request.grammar(), _("Unknown status {status}; use one of: {statuses}.").format(
            status=neutralise(status), statuses=", ".join(ORDER_STATUSES)))  # fmt: skip
    return order_list(orders.visible_orders(session=request.session, actor=request.actor, status=status))


def _end(request: CommandRequest, flow) -> dict[str, Any]:
    """Close or cancel: the flow changes the status; the answer names the new one."""
    if usage := usage_problem(request, allowed={"supplier"}):
        return usage
    order = flow(session=request.session, actor=request.actor, order=_order(request), config=request.config)
    return _done(
        _("Order *{po}*: {status}.").format(po=neutralise(order.po), status=status_label(order.status))
    )


def close(request: CommandRequest) -> dict[str, Any]:
    return _end(request, order_flows.close)


def cancel(request: CommandRequest) -> dict[str, Any]:
    return _end(request, order_flows.cancel)


def receive(request: CommandRequest) -> dict[str, Any]:
    if usage := usage_problem(request, allowed={"qty", "date", "supplier"}, required=("qty",)):
        return usage
    buyers_only(request.actor)
    order = _order(request)
    receipt = order_flows.receive(session=request.session, actor=request.actor, order=order,
                                  quantity=request.args.options["qty"], day=request.args.options.get("date"),
                                  config=request.config)  # fmt: skip
    received = orders.received_quantity(request.session, order.id)
    timing = _("on time") if receipt.on_time else _("late")
    return _done(":package: " + _("Recorded {qty} received for *{po}* ({timing}); {received} of {total} in all.").format(
        qty=receipt.quantity, po=neutralise(order.po), timing=timing, received=received, total=order.quantity))  # fmt: skip


def inspect(request: CommandRequest) -> dict[str, Any]:
    if usage := usage_problem(
        request, allowed={"sampled", "defects", "note", "supplier"}, required=("sampled", "defects")
    ):
        return usage
    buyers_only(request.actor)
    options = request.args.options
    inspection = order_flows.inspect(session=request.session, actor=request.actor, order=_order(request),
                                     sampled=options["sampled"], defects=options["defects"],
                                     note=options.get("note", ""), config=request.config)  # fmt: skip
    verdict = _("accepted") if inspection.accepted else _("rejected")
    return _done(
        ":mag: "
        + _("Inspection recorded: lot {verdict}. The supplier has been told in its thread.").format(
            verdict=verdict
        )
    )


def _grammar() -> Grammar:
    return [
        (
            '/srm order new <PO> qty=<n> due=<YYYY-MM-DD> [item="…"] [price=<p>] [currency=<ISO4217>]',
            _(
                'Issue an order in a supplier\'s channel (or add supplier="<name>"); without arguments, a form.'
            ),
        ),
        ("/srm order show <PO> | /srm order list [status=<s>]", _("Show one order, or list orders.")),
        ("/srm order close <PO> | /srm order cancel <PO>", _("Close a fully received order, or cancel one.")),
        (
            "/srm receive <PO> qty=<n> [date=<YYYY-MM-DD>]",
            _("Record goods received (partial receipts add up)."),
        ),
        (
            '/srm inspect <PO> sampled=<n> defects=<n> [note="…"]',
            _("Record an inspection; the supplier is told the result."),
        ),
    ]


COMMANDS = CommandSet(
    verbs={
        ("order", "new"): new,
        ("order", "show"): show,
        ("order", "list"): list_all,
        ("order", "close"): close,
        ("order", "cancel"): cancel,
        ("receive",): receive,
        ("inspect",): inspect,
    },
    grammar=_grammar,
    hint="order … | receive … | inspect …",
    topic="orders",
)

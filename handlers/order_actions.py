"""Buttons and modals of the order card: Confirm, Propose new date, Post update, Accept / Decline, and
the new-order form.

Supplier contacts cannot use slash commands, so every supplier action is here. Button values and
private_metadata come from the client: each action re-checks the actor's rights on the order it names.
"""

from __future__ import annotations

from functools import partial

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.core.actors import supplier_for_channel
from bot.core.errors import DomainError
from bot.core.ids import Action, View
from bot.core.manifest_parts import SlackNeeds
from bot.core.roles import require_buyer
from bot.orders import flows as order_flows
from bot.orders import production
from bot.orders import service as orders
from bot.orders.modals import propose_date_modal, update_modal
from bot.scorecards import levels
from bot.scorecards.views import level_warning
from bot.suppliers import service as suppliers
from handlers.common import Interaction, Submission, attempt, open_form, submit, tell
from models import Order, Supplier

NEEDS = SlackNeeds(
    scopes=("chat:write", "reactions:write"),
    interactivity=True,
    offers=("orders", "production updates"),
    story="Buyers post order cards in each supplier's shared channel; suppliers confirm, propose new dates "
    "and post production updates with buttons and thread replies; buyers record receipts and inspections.",
)

# Which modal block shows a refused value (otherwise the field the error names).
ERROR_BLOCKS = {
    "same_date": "date", "proposal_pending": "date", "reason_needed": "reason", "percent_range": "percent",
    "percent_lower": "percent", "unknown_stage": "stage", "po_invalid": "po", "duplicate_po": "po",
    "not_a_price": "price", "unknown_currency": "currency", "item_too_long": "item",
}  # fmt: skip


def register(app: App) -> None:
    app.action(str(Action.ORDER_CONFIRM))(confirm_order)
    app.action(str(Action.ORDER_PROPOSE_DATE))(open_propose_date)
    app.action(str(Action.ORDER_UPDATE))(open_update)
    app.action(str(Action.ORDER_PROPOSAL_ACCEPT))(accept_date)
    app.action(str(Action.ORDER_PROPOSAL_DECLINE))(decline_date)
    app.view(str(View.ORDER_PROPOSE_DATE))(submit_propose_date)
    app.view(str(View.ORDER_UPDATE))(submit_update)
    app.view(str(View.ORDER_NEW))(submit_new_order)


def _order(it: Interaction | Submission, order_id) -> Order:
    return orders.order_for(session=it.session, actor=it.actor, order_id=order_id)


def confirm_order(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Confirm: the supplier accepts the order as issued."""
    ack()
    attempt(Interaction.of_action(body, context, client), _confirm, object_type="order")


def _confirm(it: Interaction) -> None:
    order_flows.confirm(session=it.session, actor=it.actor, order=_order(it, it.value), config=it.config)


def open_propose_date(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Propose new date: the form, for the supplier side of an open order."""
    ack()
    open_form(Interaction.of_action(body, context, client), _propose_date_form, object_type="order")


def _propose_date_form(it: Interaction) -> dict:
    order = _order(it, it.value)
    orders.check_can_propose(it.actor, order)
    return propose_date_modal(order.id, order.po, order.due_date)


def open_update(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Post update: the progress form, for the supplier side until the goods arrive."""
    ack()
    open_form(Interaction.of_action(body, context, client), _update_form, object_type="order")


def _update_form(it: Interaction) -> dict:
    order = _order(it, it.value)
    production.check_can_update(it.actor, order)
    last = production.last_percent(it.session, order.id)
    return update_modal(order.id, order.po, it.config.orders.stages, last)


def accept_date(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """A buyer accepts a proposed due date."""
    ack()
    attempt(
        Interaction.of_action(body, context, client),
        partial(_decide, accept=True),
        object_type="date_proposal",
    )


def decline_date(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """A buyer declines a proposed due date."""
    ack()
    attempt(
        Interaction.of_action(body, context, client),
        partial(_decide, accept=False),
        object_type="date_proposal",
    )


def _decide(it: Interaction, *, accept: bool) -> None:
    order_flows.decide(
        session=it.session, actor=it.actor, proposal_id=it.value, accept=accept, config=it.config
    )


def submit_propose_date(ack: Ack, view: dict, context: BoltContext, client: WebClient) -> None:
    form = Submission.of(view, context, client)
    submit(ack, form, _propose_date, object_type="order", object_id=form.metadata.get("order_id"),
           error_blocks=ERROR_BLOCKS)  # fmt: skip


def _propose_date(form: Submission) -> None:
    order_flows.propose(session=form.session, actor=form.actor, order=_order(form, form.metadata.get("order_id")),
                        proposed=form.values.get("date"), reason=form.values.get("reason") or "", config=form.config)  # fmt: skip


def submit_update(ack: Ack, view: dict, context: BoltContext, client: WebClient) -> None:
    form = Submission.of(view, context, client)
    submit(ack, form, _post_update, object_type="order", object_id=form.metadata.get("order_id"),
           error_blocks=ERROR_BLOCKS)  # fmt: skip


def _post_update(form: Submission) -> None:
    order = _order(form, form.metadata.get("order_id"))
    order_flows.post_update(session=form.session, actor=form.actor, order=order, values=form.values, config=form.config)  # fmt: skip


def submit_new_order(ack: Ack, view: dict, context: BoltContext, client: WebClient) -> None:
    form = Submission.of(view, context, client)
    submit(ack, form, _issue, object_type="order", error_blocks=ERROR_BLOCKS)


def _issue(form: Submission) -> None:
    require_buyer(form.actor)
    values = form.values
    if values.get("supplier"):
        supplier = _chosen_supplier(form, values["supplier"])
    else:
        supplier = supplier_for_channel(session=form.session, channel_id=form.metadata.get("channel_id"))
    if supplier is None:
        raise DomainError("supplier_needed")
    new = orders.NewOrder(po=values.get("po") or "", quantity=values.get("qty"), due=values.get("due"),
                          item=values.get("item") or "", price=values.get("price"), currency=values.get("currency"))  # fmt: skip
    policy = levels.check_new_order(config=form.config, supplier=supplier)  # a blocking level refuses
    channel_id = suppliers.primary_channel(session=form.session, supplier_id=supplier.id)
    order_flows.issue(session=form.session, actor=form.actor, supplier=supplier, channel_id=channel_id, new=new,
                      config=form.config)  # fmt: skip
    if policy.warned:
        tell(form.client, form.metadata.get("channel_id"), form.actor.user_id,
             level_warning(supplier.name, policy.level))  # fmt: skip


def _chosen_supplier(form: Submission, supplier_id: str) -> Supplier | None:
    """The supplier picked in the new-order form (client data: it must exist)."""
    try:
        return form.session.get(Supplier, int(supplier_id))
    except (TypeError, ValueError):
        return None

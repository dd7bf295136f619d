"""Buttons and modals of the order card: Confirm, Propose new date, Post update, Accept / Decline.

Supplier contacts cannot use slash commands, so every supplier action is here. Button values and
private_metadata come from the client: each action re-checks the actor's rights on the order it names.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.config import AppConfig
from bot.core.actors import supplier_for_channel
from bot.core.error_views import error_text
from bot.core.errors import DomainError, Forbidden
from bot.core.ids import Action, View
from bot.core.manifest_parts import SlackNeeds
from bot.orders import flows as order_flows
from bot.orders import production
from bot.orders import service as orders
from bot.orders.modals import propose_date_modal, submitted_values, update_modal
from bot.suppliers import service as suppliers
from handlers.common import open_modal, refusable, tell_error, view_metadata
from models import Supplier

log = logging.getLogger(__name__)

NEEDS = SlackNeeds(scopes=("chat:write", "reactions:write"), interactivity=True)

# Which modal block shows a refused value.
ERROR_BLOCKS = {
    "not_a_date": None, "same_date": "date", "proposal_pending": "date", "reason_needed": "reason",
    "percent_range": "percent", "percent_lower": "percent", "unknown_stage": "stage",
    "po_invalid": "po", "duplicate_po": "po", "not_a_whole_number": None, "must_be_positive": None,
    "not_a_price": "price", "unknown_currency": "currency", "item_too_long": "item",
}  # fmt: skip


def _button(body: dict) -> tuple[str | None, str, str | None]:
    action = body["actions"][0]
    return action.get("value"), body["user"]["id"], (body.get("channel") or {}).get("id")


def register(app: App, config: AppConfig) -> None:
    def confirm(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
        ack()
        value, user, channel = _button(body)
        session, actor = context["session"], context["actor"]
        try:
            with refusable(session, actor, action="order_confirm", object_type="order", object_id=value):
                order = orders.order_for(session=session, actor=actor, order_id=value)
                order_flows.confirm(session=session, actor=actor, order=order, config=config)
        except DomainError as error:
            tell_error(client, channel, user, error)

    def modal_button(build):
        def handler(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
            ack()
            value, user, channel = _button(body)
            session, actor = context["session"], context["actor"]
            action = body["actions"][0]["action_id"]
            try:
                with refusable(session, actor, action=action, object_type="order", object_id=value):
                    order = orders.order_for(session=session, actor=actor, order_id=value)
                    view = build(session, actor, order)
            except DomainError as error:
                tell_error(client, channel, user, error)
                return
            open_modal(client, body["trigger_id"], view, channel, user)

        return handler

    def build_propose(session, actor, order):
        if order.supplier_id not in actor.supplier_ids:
            raise Forbidden("supplier_only")
        if order.status not in orders.CAN_PROPOSE:
            raise DomainError("order_state", po=order.po, status=order.status)
        return propose_date_modal(order.id, order.po, order.due_date)

    def build_update(session, actor, order):
        if order.supplier_id not in actor.supplier_ids:
            raise Forbidden("supplier_only")
        if order.status not in production.CAN_UPDATE:
            raise DomainError("order_state", po=order.po, status=order.status)
        return update_modal(
            order.id, order.po, config.orders.stages, production.last_percent(session, order.id)
        )

    def decide(accept: bool):
        def handler(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
            ack()
            value, user, channel = _button(body)
            session, actor = context["session"], context["actor"]
            action = "order_proposal_accept" if accept else "order_proposal_decline"
            try:
                with refusable(session, actor, action=action, object_type="date_proposal", object_id=value):
                    order_flows.decide(
                        session=session, actor=actor, proposal_id=value, accept=accept, config=config
                    )
            except DomainError as error:
                tell_error(client, channel, user, error)

        return handler

    def submit(work):
        def handler(ack: Ack, view: dict, context: BoltContext) -> None:
            session, actor = context["session"], context["actor"]
            metadata = view_metadata(view)
            values = submitted_values(view)
            try:
                with refusable(session, actor, action=view["callback_id"], object_type="order",
                               object_id=metadata.get("order_id")):  # fmt: skip
                    work(session, actor, metadata, values)
            except DomainError as error:
                ack(response_action="errors", errors={_error_block(error, view): error_text(error)[:150]})
                return
            ack()

        return handler

    def submit_propose(session, actor, metadata, values):
        order = orders.order_for(session=session, actor=actor, order_id=metadata.get("order_id"))
        order_flows.propose(session=session, actor=actor, order=order, proposed=values.get("date"),
                            reason=values.get("reason") or "", config=config)  # fmt: skip

    def submit_update(session, actor, metadata, values):
        order = orders.order_for(session=session, actor=actor, order_id=metadata.get("order_id"))
        order_flows.post_update(session=session, actor=actor, order=order, values=values, config=config)

    def submit_new(session, actor, metadata, values):
        if not actor.is_buyer:
            raise Forbidden("buyers_only")
        if values.get("supplier"):
            supplier = _chosen_supplier(session, values["supplier"])
        else:
            supplier = supplier_for_channel(session=session, channel_id=metadata.get("channel_id"))
        if supplier is None:
            raise DomainError("supplier_needed")
        new = orders.NewOrder(po=values.get("po") or "", quantity=values.get("qty"), due=values.get("due"),
                              item=values.get("item") or "", price=values.get("price"), currency=values.get("currency"))  # fmt: skip
        order_flows.issue(session=session, actor=actor, supplier=supplier, channel_id=suppliers.primary_channel(session=session, supplier_id=supplier.id),
                          new=new, config=config)  # fmt: skip

    app.action(str(Action.ORDER_CONFIRM))(confirm)
    app.action(str(Action.ORDER_PROPOSE_DATE))(modal_button(build_propose))
    app.action(str(Action.ORDER_UPDATE))(modal_button(build_update))
    app.action(str(Action.ORDER_PROPOSAL_ACCEPT))(decide(True))
    app.action(str(Action.ORDER_PROPOSAL_DECLINE))(decide(False))
    app.view(str(View.ORDER_PROPOSE_DATE))(submit(submit_propose))
    app.view(str(View.ORDER_UPDATE))(submit(submit_update))
    app.view(str(View.ORDER_NEW))(submit(submit_new))


def _error_block(error: DomainError, view: dict) -> str:
    block = ERROR_BLOCKS.get(error.code) or error.params.get("field")
    ids = [b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"]
    return block if block in ids else (ids[0] if ids else "value")


def _chosen_supplier(session, supplier_id: str) -> Supplier | None:
    """The supplier picked in the new-order form (client data: it must exist)."""
    try:
        return session.get(Supplier, int(supplier_id))
    except (TypeError, ValueError):
        return None

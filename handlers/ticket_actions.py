"""Ticket entry points and card buttons: message shortcut, 🎫 reaction, Report problem on an order card,
the ticket modal, and Acknowledge / Resolve / Close / Reopen / Responsible.

Button values, select values and private_metadata come from the client: each is re-checked here.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import select

from bot.config import AppConfig
from bot.core.actors import supplier_for_channel
from bot.core.error_views import error_text
from bot.core.errors import DomainError, Forbidden
from bot.core.i18n import _
from bot.core.ids import Action, Shortcut, View
from bot.core.manifest_parts import Shortcut as ShortcutNeed
from bot.core.manifest_parts import SlackNeeds
from bot.orders import service as orders
from bot.orders.modals import submitted_values
from bot.tickets import flows as ticket_flows
from bot.tickets import service as tickets
from bot.tickets.views import new_ticket_modal, resolve_modal
from handlers.common import open_modal, refusable, tell, tell_error, view_metadata
from models import ChannelMessage, Supplier

log = logging.getLogger(__name__)

TICKET_EMOJI = "ticket"
NEEDS = SlackNeeds(
    scopes=("reactions:read", "chat:write"),
    events=("reaction_added",),
    shortcuts=(
        ShortcutNeed(
            str(Shortcut.TICKET_FROM_MESSAGE), "Report a problem", "Open a problem ticket about this message"
        ),
    ),
    interactivity=True,
)


def _first_line(text: str, limit: int = 120) -> str:
    line = next((ln.strip() for ln in (text or "").splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _stored_text(session, channel_id: str, ts: str) -> str:
    query = select(ChannelMessage.text).where(
        ChannelMessage.channel_id == channel_id, ChannelMessage.ts == ts
    )
    return session.exec(query).first() or ""


def _permalink(client: WebClient, channel_id: str, ts: str) -> str | None:
    try:
        return client.chat_getPermalink(channel=channel_id, message_ts=ts).get("permalink")
    except (SlackApiError, OSError):
        return None


def register(app: App, config: AppConfig) -> None:
    def on_reaction(ack: Ack, event: dict, context: BoltContext, client: WebClient) -> None:
        ack()
        item = event.get("item") or {}
        if event.get("reaction") != TICKET_EMOJI or item.get("type") != "message":
            return
        session, actor = context["session"], context["actor"]
        channel_id, ts = item.get("channel"), item.get("ts")
        if actor is None or actor.channel_supplier_id is None:
            tell(client, channel_id, event.get("user"), ":information_source: " + _(
                "🎫 opens a ticket only in a supplier's linked channel."))  # fmt: skip
            return
        if tickets.existing_for_message(session, channel_id, ts) is not None:
            return  # one ticket per message, however many 🎫
        text = _stored_text(session, channel_id, ts)
        thread = session.exec(select(ChannelMessage.thread_ts).where(
            ChannelMessage.channel_id == channel_id, ChannelMessage.ts == ts)).first()  # fmt: skip
        new = tickets.NewTicket(title=_first_line(text) or _("Problem reported with 🎫"), source="reaction",
                                quote=text, permalink=_permalink(client, channel_id, ts), source_channel_id=channel_id,
                                source_ts=ts, thread_ts=thread or ts)  # fmt: skip
        try:
            with refusable(session, actor, action="ticket_reaction", object_type="message", object_id=ts):
                ticket_flows.open_ticket(session=session, actor=actor, supplier=session.get(Supplier, actor.channel_supplier_id),
                                         channel_id=channel_id, new=new, config=config)  # fmt: skip
        except DomainError as error:
            if error.code != "ticket_exists":
                tell_error(client, channel_id, event.get("user"), error)

    def from_message(ack: Ack, shortcut: dict, context: BoltContext, client: WebClient) -> None:
        ack()
        actor, channel_id = context["actor"], (shortcut.get("channel") or {}).get("id")
        user = shortcut["user"]["id"]
        if actor is None or actor.channel_supplier_id is None:
            tell(client, channel_id, user, ":information_source: " + _(
                "Problems can be reported on messages in a supplier's linked channel."))  # fmt: skip
            return
        msg = shortcut.get("message") or {}
        metadata = {
            "channel_id": channel_id,
            "ts": msg.get("ts"),
            "thread_ts": msg.get("thread_ts") or msg.get("ts"),
        }
        view = new_ticket_modal(metadata, title=_first_line(msg.get("text", "")), quote=msg.get("text", ""),
                                severity=config.tickets.default_severity)  # fmt: skip
        open_modal(client, shortcut["trigger_id"], view, channel_id, user)

    def report_problem(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
        ack()
        value, user = body["actions"][0].get("value"), body["user"]["id"]
        channel_id = (body.get("channel") or {}).get("id")
        session, actor = context["session"], context["actor"]
        try:
            with refusable(
                session, actor, action="order_report_problem", object_type="order", object_id=value
            ):
                order = orders.order_for(session=session, actor=actor, order_id=value)
        except DomainError as error:
            tell_error(client, channel_id, user, error)
            return
        view = new_ticket_modal({"order_id": order.id}, title="", severity=config.tickets.default_severity)
        open_modal(client, body["trigger_id"], view, channel_id, user)

    def submit_new(ack: Ack, view: dict, body: dict, context: BoltContext, client: WebClient) -> None:
        session, actor = context["session"], context["actor"]
        meta, values = view_metadata(view), submitted_values(view)
        try:
            with refusable(session, actor, action="ticket_new", object_type="ticket"):
                supplier, channel_id, new = _new_from_form(session, actor, meta, values, client)
                ticket_flows.open_ticket(session=session, actor=actor, supplier=supplier, channel_id=channel_id,
                                         new=new, config=config)  # fmt: skip
        except DomainError as error:
            block = (
                "title"
                if error.code == "ticket_title"
                else ("severity" if error.code == "unknown_severity" else "title")
            )
            ack(response_action="errors", errors={block: error_text(error)[:150]})
            return
        ack()

    def button(work, name: str):
        def handler(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
            ack()
            value, user = body["actions"][0].get("value"), body["user"]["id"]
            channel_id = (body.get("channel") or {}).get("id")
            session, actor = context["session"], context["actor"]
            try:
                with refusable(session, actor, action=name, object_type="ticket", object_id=value):
                    ticket = tickets.ticket_for(session=session, actor=actor, ticket_id=value)
                    work(session, actor, ticket, body, client)
            except DomainError as error:
                tell_error(client, channel_id, user, error)

        return handler

    def ack_ticket(session, actor, ticket, body, client):
        ticket_flows.acknowledge(session=session, actor=actor, ticket=ticket, config=config)

    def open_resolve(session, actor, ticket, body, client):
        tickets.side(actor, ticket.supplier_id)
        if ticket.status not in tickets.OPEN:
            raise DomainError("ticket_state", number=ticket.number, status=ticket.status)
        open_modal(
            client,
            body["trigger_id"],
            resolve_modal(ticket),
            (body.get("channel") or {}).get("id"),
            body["user"]["id"],
        )

    def close_ticket(session, actor, ticket, body, client):
        ticket_flows.close(session=session, actor=actor, ticket=ticket, config=config)

    def reopen_ticket(session, actor, ticket, body, client):
        ticket_flows.reopen(session=session, actor=actor, ticket=ticket, config=config)

    def responsible(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
        ack()
        selected = (body["actions"][0].get("selected_option") or {}).get("value", "")
        ticket_id, _sep, who = selected.partition(":")
        channel_id, user = (body.get("channel") or {}).get("id"), body["user"]["id"]
        session, actor = context["session"], context["actor"]
        try:
            with refusable(
                session, actor, action="ticket_responsible", object_type="ticket", object_id=ticket_id
            ):
                ticket = tickets.ticket_for(session=session, actor=actor, ticket_id=ticket_id)
                ticket_flows.set_responsible(
                    session=session, actor=actor, ticket=ticket, responsible=who, config=config
                )
        except DomainError as error:
            tell_error(client, channel_id, user, error)

    def submit_resolve(ack: Ack, view: dict, context: BoltContext) -> None:
        session, actor = context["session"], context["actor"]
        ticket_id = view_metadata(view).get("ticket_id")
        try:
            with refusable(
                session, actor, action="ticket_resolve", object_type="ticket", object_id=ticket_id
            ):
                ticket = tickets.ticket_for(session=session, actor=actor, ticket_id=ticket_id)
                ticket_flows.resolve(session=session, actor=actor, ticket=ticket,
                                     resolution=submitted_values(view).get("resolution") or "", config=config)  # fmt: skip
        except DomainError as error:
            ack(response_action="errors", errors={"resolution": error_text(error)[:150]})
            return
        ack()

    app.event("reaction_added")(on_reaction)
    app.shortcut(str(Shortcut.TICKET_FROM_MESSAGE))(from_message)
    app.action(str(Action.ORDER_REPORT_PROBLEM))(report_problem)
    app.view(str(View.TICKET_NEW))(submit_new)
    app.view(str(View.TICKET_RESOLVE))(submit_resolve)
    app.action(str(Action.TICKET_ACK))(button(ack_ticket, "ticket_ack"))
    app.action(str(Action.TICKET_RESOLVE))(button(open_resolve, "ticket_resolve"))
    app.action(str(Action.TICKET_CLOSE))(button(close_ticket, "ticket_close"))
    app.action(str(Action.TICKET_REOPEN))(button(reopen_ticket, "ticket_reopen"))
    app.action(str(Action.TICKET_RESPONSIBLE))(responsible)


def _new_from_form(session, actor, meta: dict, values: dict, client: WebClient):
    """Where a submitted ticket form belongs; every part of the metadata is checked, not trusted."""
    common = {
        "title": values.get("title") or "",
        "type": values.get("type"),
        "severity": values.get("severity"),
    }
    if meta.get("order_id") is not None:
        order = orders.order_for(session=session, actor=actor, order_id=meta["order_id"])
        supplier = session.get(Supplier, order.supplier_id)
        return supplier, order.channel_id, tickets.NewTicket(**common, order=order, source="order_button")
    channel_id = meta.get("channel_id")
    supplier = _supplier_of_channel(session, channel_id)
    if supplier is None or not actor.can_act_for(supplier.id):
        raise Forbidden("ticket_unavailable")
    if meta.get("ts"):
        ts = str(meta["ts"])
        quote = _stored_text(session, channel_id, ts)
        thread_ts = str(meta.get("thread_ts") or ts)
        return supplier, channel_id, tickets.NewTicket(
            **common, source="shortcut", quote=quote, permalink=_permalink(client, channel_id, ts),
            source_channel_id=channel_id, source_ts=ts, thread_ts=thread_ts,
        )  # fmt: skip
    return supplier, channel_id, tickets.NewTicket(**common, source="command")


def _supplier_of_channel(session, channel_id) -> Supplier | None:
    return supplier_for_channel(session=session, channel_id=channel_id)

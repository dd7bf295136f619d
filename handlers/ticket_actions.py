"""Ticket entry points and card buttons: message shortcut, 🎫 reaction, Report problem on an order card,
the ticket modal, and Acknowledge / Resolve / Close / Reopen / Responsible.

Button values, select values and private_metadata come from the client: each is re-checked here.
"""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.conversation.service import stored_message
from bot.core.actors import supplier_for_channel
from bot.core.errors import Forbidden
from bot.core.i18n import _
from bot.core.ids import Action, Shortcut, View
from bot.core.manifest_parts import Shortcut as ShortcutNeed
from bot.core.manifest_parts import SlackNeeds
from bot.orders import service as orders
from bot.tickets import flows as ticket_flows
from bot.tickets import service as tickets
from bot.tickets.views import new_ticket_modal, resolve_modal
from handlers.common import Interaction, Submission, attempt, claim_event, open_form, open_modal, submit, tell
from models import Supplier, Ticket

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
    offers=("problem tickets",),
    story="Either side opens problem tickets with response-time targets, from a command, a message or a "
    "ticket reaction.",
)


def register(app: App) -> None:
    app.event("reaction_added")(ticket_from_reaction)
    app.shortcut(str(Shortcut.TICKET_FROM_MESSAGE))(open_from_message)
    app.action(str(Action.ORDER_REPORT_PROBLEM))(open_from_order)
    app.view(str(View.TICKET_NEW))(submit_new_ticket)
    app.view(str(View.TICKET_RESOLVE))(submit_resolution)
    app.action(str(Action.TICKET_ACK))(acknowledge)
    app.action(str(Action.TICKET_RESOLVE))(open_resolve)
    app.action(str(Action.TICKET_CLOSE))(close)
    app.action(str(Action.TICKET_REOPEN))(reopen)
    app.action(str(Action.TICKET_RESPONSIBLE))(set_responsible)


def _first_line(text: str, limit: int = 120) -> str:
    line = next((ln.strip() for ln in (text or "").splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _permalink(client: WebClient, channel_id: str, ts: str) -> str | None:
    try:
        return client.chat_getPermalink(channel=channel_id, message_ts=ts).get("permalink")
    except (SlackApiError, OSError):
        return None


def _hint(it: Interaction, text: str) -> None:
    tell(it.client, it.channel_id, it.user_id, ":information_source: " + text)


# --- entry points -------------------------------------------------------------------------------


def ticket_from_reaction(ack: Ack, event: dict, body: dict, context: BoltContext, client: WebClient) -> None:
    """🎫 on a message in a linked channel opens one ticket quoting it (however many 🎫 it gets)."""
    ack()
    item = event.get("item") or {}
    if event.get("reaction") != TICKET_EMOJI or item.get("type") != "message":
        return
    it = Interaction(session=context["session"], actor=context["actor"], config=context["config"], client=client,
                     user_id=event.get("user", ""), channel_id=item.get("channel"), action_id="ticket_reaction",
                     value=item.get("ts"))  # fmt: skip
    if it.actor is None or it.actor.channel_supplier_id is None:
        _hint(it, _("🎫 opens a ticket only in a supplier's linked channel."))
        return
    permalink = _permalink(client, it.channel_id, it.value)  # asked before the transaction begins
    if not claim_event(context, body) or tickets.existing_for_message(it.session, it.channel_id, it.value):
        return
    quoted = stored_message(session=it.session, channel_id=it.channel_id, ts=it.value)
    text = quoted.text if quoted else ""
    new = tickets.NewTicket(title=_first_line(text) or _("Problem reported with 🎫"), source="reaction", quote=text,
                            permalink=permalink, source_channel_id=it.channel_id,
                            source_ts=it.value, thread_ts=(quoted.thread_ts if quoted else None) or it.value)  # fmt: skip
    attempt(it, lambda it: _open(it, new), object_type="message", quiet=frozenset({"ticket_exists"}))


def _open(it: Interaction, new: tickets.NewTicket) -> None:
    supplier = it.session.get(Supplier, it.actor.channel_supplier_id)
    ticket_flows.open_ticket(session=it.session, actor=it.actor, supplier=supplier, channel_id=it.channel_id,
                             new=new, config=it.config)  # fmt: skip


def open_from_message(ack: Ack, shortcut: dict, context: BoltContext, client: WebClient) -> None:
    """The "Report a problem" message shortcut: the ticket form, prefilled from the message."""
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
                            severity=context["config"].tickets.default_severity)  # fmt: skip
    open_modal(client, shortcut["trigger_id"], view, channel_id, user)


def open_from_order(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Report problem on an order card: the ticket form for that order."""
    ack()
    open_form(Interaction.of_action(body, context, client), _order_ticket_form, object_type="order")


def _order_ticket_form(it: Interaction) -> dict:
    order = orders.order_for(session=it.session, actor=it.actor, order_id=it.value)
    return new_ticket_modal({"order_id": order.id}, title="", severity=it.config.tickets.default_severity)


def submit_new_ticket(ack: Ack, view: dict, context: BoltContext, client: WebClient) -> None:
    form = Submission.of(view, context, client)
    meta = form.metadata
    # The quoted message's link is asked before the transaction begins (what it names is checked after).
    permalink = _permalink(client, str(meta["channel_id"]), str(meta["ts"])) if meta.get("ts") else None
    submit(ack, form, lambda form: _open_from_form(form, permalink), object_type="ticket",
           error_blocks={"unknown_severity": "severity"})  # fmt: skip


def _open_from_form(form: Submission, permalink: str | None) -> None:
    supplier, channel_id, new = _where_reported(form, permalink)
    ticket_flows.open_ticket(session=form.session, actor=form.actor, supplier=supplier, channel_id=channel_id,
                             new=new, config=form.config)  # fmt: skip


def _where_reported(form: Submission, permalink: str | None) -> tuple[Supplier, str, tickets.NewTicket]:
    """Where a submitted ticket form belongs; every part of the metadata is checked, not trusted."""
    session, actor, meta, values = form.session, form.actor, form.metadata, form.values
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
    supplier = supplier_for_channel(session=session, channel_id=channel_id)
    if supplier is None or not actor.can_act_for(supplier.id):
        raise Forbidden("ticket_unavailable")
    if meta.get("ts"):
        ts = str(meta["ts"])
        quoted = stored_message(session=session, channel_id=channel_id, ts=ts)
        return supplier, channel_id, tickets.NewTicket(
            **common, source="shortcut", quote=quoted.text if quoted else "",
            permalink=permalink, source_channel_id=channel_id, source_ts=ts,
            thread_ts=str(meta.get("thread_ts") or ts),
        )  # fmt: skip
    return supplier, channel_id, tickets.NewTicket(**common, source="command")


# --- the ticket card ----------------------------------------------------------------------------


def _ticket(it: Interaction | Submission, ticket_id) -> Ticket:
    return tickets.ticket_for(session=it.session, actor=it.actor, ticket_id=ticket_id)


def acknowledge(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Acknowledge: the other side's first response."""
    ack()
    attempt(Interaction.of_action(body, context, client), _acknowledge, object_type="ticket")


def _acknowledge(it: Interaction) -> None:
    ticket_flows.acknowledge(
        session=it.session, actor=it.actor, ticket=_ticket(it, it.value), config=it.config
    )


def open_resolve(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Resolve: the resolution form, for either side of an open ticket."""
    ack()
    open_form(Interaction.of_action(body, context, client), _resolve_form, object_type="ticket")


def _resolve_form(it: Interaction) -> dict:
    ticket = _ticket(it, it.value)
    tickets.check_can_resolve(it.actor, ticket)
    return resolve_modal(ticket)


def submit_resolution(ack: Ack, view: dict, context: BoltContext, client: WebClient) -> None:
    form = Submission.of(view, context, client)
    submit(ack, form, _resolve, object_type="ticket", object_id=form.metadata.get("ticket_id"))


def _resolve(form: Submission) -> None:
    ticket_flows.resolve(session=form.session, actor=form.actor, ticket=_ticket(form, form.metadata.get("ticket_id")),
                         resolution=form.values.get("resolution") or "", config=form.config)  # fmt: skip


def close(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Close (verified): buyers only, once resolved."""
    ack()
    attempt(Interaction.of_action(body, context, client), _close, object_type="ticket")


def _close(it: Interaction) -> None:
    ticket_flows.close(session=it.session, actor=it.actor, ticket=_ticket(it, it.value), config=it.config)


def reopen(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Reopen a resolved (either side) or closed (buyers) ticket."""
    ack()
    attempt(Interaction.of_action(body, context, client), _reopen, object_type="ticket")


def _reopen(it: Interaction) -> None:
    ticket_flows.reopen(session=it.session, actor=it.actor, ticket=_ticket(it, it.value), config=it.config)


def set_responsible(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """The Responsible select (buyers only): its value is `<ticket id>:<party>`."""
    ack()
    it = Interaction.of_action(body, context, client)
    ticket_id = (it.value or "").partition(":")[0]
    attempt(it, _set_responsible, object_type="ticket", object_id=ticket_id)


def _set_responsible(it: Interaction) -> None:
    ticket_id, _sep, who = (it.value or "").partition(":")
    ticket_flows.set_responsible(session=it.session, actor=it.actor, ticket=_ticket(it, ticket_id), responsible=who,
                                 config=it.config)  # fmt: skip

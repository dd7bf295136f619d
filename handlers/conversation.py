"""Messages in linked channels: every one is stored with its author's side, text, files and time."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext

from bot.conversation.service import PostedMessage, store_message
from bot.core.manifest_parts import SlackNeeds
from bot.orders import flows as order_flows
from bot.tickets import flows as ticket_flows
from handlers.common import claim_event

NEEDS = SlackNeeds(
    scopes=("channels:history", "groups:history", "files:read"),
    events=("message.channels", "message.groups"),
)
# Edits, deletions and joins arrive as message subtypes; only what people wrote is stored here.
STORED_SUBTYPES = {None, "file_share", "thread_broadcast"}


def register(app: App) -> None:
    app.event("message")(store_channel_message)


def store_channel_message(ack: Ack, event: dict, body: dict, context: BoltContext) -> None:
    """Store what was written in a linked channel; a thread reply may also be a first response or progress."""
    ack()
    actor = context.get("actor")
    if actor is None or actor.channel_supplier_id is None:
        return  # not a linked channel
    if event.get("subtype") not in STORED_SUBTYPES or event.get("bot_id"):
        return
    if not claim_event(context, body):
        return
    session, config = context["session"], context["config"]
    files = [
        {"id": f.get("id"), "name": f.get("name"), "permalink": f.get("permalink")}
        for f in event.get("files") or []
    ]
    posted = PostedMessage(channel_id=event["channel"], ts=event["ts"], thread_ts=event.get("thread_ts"),
                           user_id=event.get("user", ""), text=event.get("text") or "", files=files)  # fmt: skip
    stored = store_message(session=session, actor=actor, supplier_id=actor.channel_supplier_id, posted=posted)
    thread_ts = event.get("thread_ts")
    if not stored or not thread_ts or thread_ts == event["ts"]:
        return
    if config.tickets.enabled:
        ticket_flows.record_reply(session=session, actor=actor, channel_id=event["channel"], thread_ts=thread_ts,
                                  config=config)  # fmt: skip
    if not actor.is_buyer:
        order_flows.record_reply(
            session=session, actor=actor, channel_id=event["channel"], thread_ts=thread_ts,
            ts=event["ts"], text=event.get("text") or "", config=config,
        )  # fmt: skip

"""Messages in linked channels: every one is stored with its author's side, text, files and time."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext

from bot.conversation import service as conversation
from bot.conversation.service import PostedMessage, slack_time, store_message
from bot.core.manifest_parts import SlackNeeds
from bot.orders import flows as order_flows
from bot.tickets import flows as ticket_flows
from handlers.common import claim_event

NEEDS = SlackNeeds(
    scopes=("channels:history", "groups:history", "files:read"),
    events=("message.channels", "message.groups"),
    story="Every message in a linked channel is kept with its author and time, edits and deletions included.",
)
# Joins, topics and the like arrive as message subtypes too; only what people wrote is stored here.
STORED_SUBTYPES = {None, "file_share", "thread_broadcast"}
# Edits and deletions of what people wrote: the stored message follows, nothing is lost.
CHANGE_SUBTYPES = {"message_changed", "message_deleted"}


def register(app: App) -> None:
    app.event("message")(store_channel_message)


def store_channel_message(ack: Ack, event: dict, body: dict, context: BoltContext) -> None:
    """Store what was written in a linked channel; a thread reply may also be a first response or progress."""
    ack()
    if event.get("subtype") in CHANGE_SUBTYPES:
        record_change(event, body, context)
        return
    actor = context.get("actor")
    if actor is None or actor.channel_supplier_id is None:
        return  # not a linked channel
    if event.get("subtype") not in STORED_SUBTYPES or event.get("bot_id"):
        return
    if not claim_event(context, body):
        return
    session, config = context["session"], context["config"]
    posted = PostedMessage(channel_id=event["channel"], ts=event["ts"], thread_ts=event.get("thread_ts"),
                           user_id=event.get("user", ""), text=event.get("text") or "", files=_files(event))  # fmt: skip
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


def _files(message: dict) -> list[dict]:
    return [
        {"id": f.get("id"), "name": f.get("name"), "permalink": f.get("permalink")}
        for f in message.get("files") or []
    ]


def record_change(event: dict, body: dict, context: BoltContext) -> None:
    """An edit shows its latest text and keeps the earlier one; a deletion is marked, the text kept.

    Events reach this only from linked channels (the middleware answers the others). Slack sends an edit
    of a message with replies as its deletion when the message is removed (a "tombstone")."""
    message = event.get("message") or {}
    before = event.get("previous_message") or {}
    if message.get("bot_id") or before.get("bot_id"):
        return  # the bot's own cards change when their state does
    if not claim_event(context, body):
        return
    session, channel_id = context["session"], event["channel"]
    if event["subtype"] == "message_deleted" or message.get("subtype") == "tombstone":
        ts = event.get("deleted_ts") or message.get("ts") or before.get("ts")
        conversation.record_deletion(
            session=session, channel_id=channel_id, ts=ts, deleted_at=slack_time(event["ts"])
        )
        return
    ts = message.get("ts")
    if not ts:
        return
    edited_at = slack_time((message.get("edited") or {}).get("ts") or event["ts"])
    text, files = message.get("text") or "", _files(message)
    if conversation.record_edit(session=session, channel_id=channel_id, ts=ts, text=text, files=files,
                                edited_at=edited_at):  # fmt: skip
        return
    actor = context.get("actor")  # the author: an edit of a message never stored (posted while we were away)
    if actor is not None and actor.channel_supplier_id is not None:
        posted = PostedMessage(channel_id=channel_id, ts=ts, thread_ts=message.get("thread_ts"),
                               user_id=message.get("user", ""), text=text, files=files)  # fmt: skip
        store_message(session=session, actor=actor, supplier_id=actor.channel_supplier_id, posted=posted,
                      edited_at=edited_at)  # fmt: skip

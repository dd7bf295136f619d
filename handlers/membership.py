"""Who is in a linked channel: joining makes a supplier-side person a contact, leaving revokes them.

The request middleware resolves every actor; for an external member or guest of a linked channel that
records the contact (once), so `member_joined_channel` only has to accept the event. Leaving (or being
removed from) the channel revokes the contact at once, in the DB and in this process's memory; other
workers learn it when their entry expires (see bot.core.actors.Directory).
"""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext

from bot.core.actors import revoke_contact
from bot.core.after_commit import after_commit
from bot.core.manifest_parts import SlackNeeds

NEEDS = SlackNeeds(
    scopes=("channels:read", "groups:read"), events=("member_joined_channel", "member_left_channel")
)


def member_joined(ack: Ack) -> None:
    ack()


def member_left(ack: Ack, event: dict, context: BoltContext) -> None:
    ack()
    actor = context.get("actor")
    if actor is None or actor.channel_supplier_id is None:
        return
    revoke_contact(session=context["session"], supplier_id=actor.channel_supplier_id,
                   user_id=event["user"], reason="left_channel")  # fmt: skip
    directory, user_id = context["directory"], event["user"]
    after_commit(lambda: directory.forget_contact(user_id))


def register(app: App) -> None:
    app.event("member_joined_channel")(member_joined)
    app.event("member_left_channel")(member_left)

"""`member_joined_channel`: a supplier-side person joining a linked channel is recorded as a contact.

The request middleware resolves every actor; for an external member or guest of a linked channel that
records the contact (once). This listener only has to accept the event.
"""

from __future__ import annotations

from slack_bolt import Ack, App

from bot.core.manifest_parts import SlackNeeds

NEEDS = SlackNeeds(scopes=("channels:read", "groups:read"), events=("member_joined_channel",))


def register(app: App) -> None:
    app.event("member_joined_channel")(member_joined)


def member_joined(ack: Ack) -> None:
    ack()

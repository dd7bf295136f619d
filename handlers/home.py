"""The person's own surfaces: the Home tab, and forms closed without sending."""

from __future__ import annotations

import logging
import re

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.after_commit import after_commit
from bot.core.manifest_parts import SlackNeeds
from bot.home.views import home_view

log = logging.getLogger(__name__)

NEEDS = SlackNeeds(events=("app_home_opened",), home_tab=True)


def register(app: App) -> None:
    app.event("app_home_opened")(show_home)
    app.view_closed(re.compile(".*"))(form_closed)


def show_home(ack: Ack, event: dict, context: BoltContext, client: WebClient) -> None:
    """Publish the Home tab when someone opens it (views.publish once the request has ended)."""
    ack()
    actor = context.get("actor")
    if event.get("tab") != "home" or actor is None:
        return  # the Messages tab, or nobody Slack could name
    view = home_view(is_buyer=actor.is_buyer)  # built now, in the reader's language

    def publish() -> None:
        try:
            client.views_publish(user_id=actor.user_id, view=view)
        except (SlackApiError, OSError) as exc:
            log.warning("views.publish for %s failed: %s", actor.user_id, exc)

    after_commit(publish)


def form_closed(ack: Ack) -> None:
    """A form closed with Cancel: nothing was sent, nothing to do."""
    ack()

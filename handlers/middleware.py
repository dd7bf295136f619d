"""Per-request context for every listener: the actor, the locale, and which events are worth a write.

The WSGI layer (bot.core.web) opens one request session and puts it in the context as `session`; it
commits when the listener succeeded and rolls back otherwise. Resolving the actor does not use that
session: it reads in short transactions of its own and asks Slack (users.info, usergroups, members) with
no transaction open. An event in a channel that is not linked is answered at once: no listener acts on
it, so it costs no write and no Slack lookup. Listeners read `context["actor"]`, and claim an event they
act on with `claim_event` (handlers.common), which is what makes Slack's retries harmless. The policy is in
`context["config"]`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import AppConfig
from bot.core.actors import Directory, linked_channel, resolve_actor
from bot.core.i18n import _current as current_locale_var
from bot.core.inbox import PERSONAL_EVENTS, UNLINKED_EVENTS

log = logging.getLogger(__name__)

# Events whose listener answers in an unlinked channel, and events about a person rather than a channel
# (their channel is the app's DM with that person): bot.core.inbox says which, for the door and for here.


def register(app: App, config: AppConfig, directory: Directory) -> None:
    buyer_group = _BuyerGroup(config) if config.buyers.usergroup else None

    def request_context(context: BoltContext, body: dict, client: WebClient, next: Callable[[], None]):
        context["config"] = config
        context["actor"] = None
        context["directory"] = directory  # the suppliers feature tells it when a channel is linked
        event = (body.get("event") or {}) if body.get("type") == "event_callback" else {}
        channel_id = None if event.get("type") in PERSONAL_EVENTS else context.channel_id
        channel = None
        if channel_id:
            channel = linked_channel(context["session"].bind, channel_id, directory)
        if event and channel_id and channel is None:
            if event.get("type") not in UNLINKED_EVENTS:
                return BoltResponse(
                    status=200, body=""
                )  # not a linked channel: nothing to do, nothing stored
        elif context.user_id:
            home = context.authorize_result.team_id if context.authorize_result else context.team_id
            actor = resolve_actor(
                engine=context["session"].bind,
                config=config,
                user_id=context.user_id,
                channel_id=channel_id,
                channel=channel,
                home_team_id=home,
                fetch=_user_fetcher(client),
                is_in_buyer_group=(lambda uid: buyer_group.contains(client, uid)) if buyer_group else None,
                via=event.get("type") or body.get("type") or "command",
                directory=directory,
                members=_members_fetcher(client),
                new_contacts=event.get("type") != "member_left_channel",
            )
            context["actor"] = actor
            current_locale_var.set(actor.locale)
        next()
        if channel is None and context.channel_id and body.get("command"):
            directory.channel_linked(context.channel_id)  # the command may have linked it

    app.use(request_context)


def _user_fetcher(client: WebClient):
    def fetch(user_id: str) -> dict | None:
        try:
            return client.users_info(user=user_id, include_locale=True)["user"]
        except SlackApiError as exc:
            log.warning("users.info %s failed: %s", user_id, exc.response.get("error"))
            return None
        except OSError as exc:
            log.warning("users.info %s failed: %s", user_id, exc)
            return None

    return fetch


def _members_fetcher(client: WebClient):
    """The members of a channel, or None when Slack cannot say (then nobody is revoked)."""

    def members(channel_id: str) -> frozenset[str] | None:
        found: set[str] = set()
        cursor = None
        try:
            while True:
                page = client.conversations_members(channel=channel_id, limit=1000, cursor=cursor)
                found.update(page.get("members") or [])
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return frozenset(found)
        except SlackApiError as exc:
            log.warning("conversations.members %s failed: %s", channel_id, exc.response.get("error"))
        except OSError as exc:
            log.warning("conversations.members %s failed: %s", channel_id, exc)
        return None

    return members


class _BuyerGroup:
    """Members of `buyers.usergroup`, refreshed after the user cache expiry."""

    def __init__(self, config: AppConfig):
        self.usergroup = config.buyers.usergroup
        self.ttl = config.slack.user_cache_minutes * 60
        self.members: frozenset[str] = frozenset()
        self.loaded_at = 0.0

    def contains(self, client: WebClient, user_id: str) -> bool:
        if time.monotonic() - self.loaded_at > self.ttl:
            try:
                self.members = frozenset(client.usergroups_users_list(usergroup=self.usergroup)["users"])
                self.loaded_at = time.monotonic()
            except (SlackApiError, OSError) as exc:
                log.warning("usergroups.users.list failed: %s", exc)
        return user_id in self.members

"""Per-request context for every listener: event de-duplication, the DB session, the actor, the locale.

The WSGI layer (bot.web) opens one session per request and puts it in the context as `session`; it
commits when the listener succeeded and rolls back otherwise. Listeners read `context["actor"]` and the
policy in `context["config"]`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import AppConfig
from bot.core.actors import Directory, resolve_actor
from bot.core.i18n import _current as current_locale_var
from bot.core.upsert import insert_or_ignore
from models import ProcessedEvent, utcnow

log = logging.getLogger(__name__)


def register(app: App, config: AppConfig) -> None:
    buyer_group = _BuyerGroup(config) if config.buyers.usergroup else None
    directory = Directory()

    def request_context(context: BoltContext, body: dict, client: WebClient, next: Callable[[], None]):
        session = context["session"]
        context["config"] = config
        context["actor"] = None
        if context.user_id:
            # Resolved before anything is written: a users.info call never runs while holding SQLite's write lock.
            home = context.authorize_result.team_id if context.authorize_result else context.team_id
            actor = resolve_actor(
                session=session,
                config=config,
                user_id=context.user_id,
                channel_id=context.channel_id,
                home_team_id=home,
                fetch=_user_fetcher(client),
                is_in_buyer_group=(lambda uid: buyer_group.contains(client, uid)) if buyer_group else None,
                via=(body.get("event") or {}).get("type") or body.get("type") or "command",
                directory=directory,
            )
            context["actor"] = actor
            current_locale_var.set(actor.locale)
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not _first_delivery(session, event_id):
            log.info("event %s already handled; ignoring the retry", event_id)
            return BoltResponse(status=200, body="")
        next()

    app.use(request_context)


def _first_delivery(session, event_id: str) -> bool:
    """Record the event id in the request's transaction; False when an earlier delivery has it.

    If handling fails, the transaction (and so the record) is rolled back and Slack's retry is handled.
    """
    return insert_or_ignore(
        session, ProcessedEvent, {"event_id": event_id, "received_at": utcnow()}, ["event_id"]
    )


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

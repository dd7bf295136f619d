"""Pieces every listener uses: refusing cleanly, ephemeral feedback."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.core import help as help_views
from bot.core.actors import Actor
from bot.core.audit import record_denial
from bot.core.db import RequestSession
from bot.core.error_views import error_text
from bot.core.errors import DomainError, Forbidden
from bot.core.upsert import insert_or_ignore
from models import ProcessedEvent, utcnow

log = logging.getLogger(__name__)


@contextmanager
def refusable(
    session: Session,
    actor: Actor,
    *,
    action: str = "",
    object_type: str = "",
    object_id: str | int | None = None,
) -> Iterator[None]:
    """Run a change that a rule may refuse: then nothing of it is kept, and a refusal of rights is audited."""
    savepoint = session.begin_nested() if session.in_transaction() else None
    try:
        yield
    except DomainError as error:
        if savepoint is not None:
            savepoint.rollback()
        else:
            session.rollback()
        if isinstance(error, Forbidden) and action:
            if isinstance(session, RequestSession):
                session.may_write()  # a refused read is still audited
            record_denial(session=session, actor_id=actor.user_id, actor_role=actor.role,
                          object_type=object_type, object_id=object_id, action=action)  # fmt: skip
        raise
    else:
        if savepoint is not None:
            savepoint.commit()


def claim_event(context: BoltContext, body: dict) -> bool:
    """Claim an event this listener acts on, in the request's transaction; False for a retry of one
    already handled. A listener that fails rolls its claim back with everything else, so Slack's retry
    is handled; an event no listener acts on is never claimed (it costs no write).
    """
    event_id = body.get("event_id")
    if not event_id:
        return True
    if insert_or_ignore(
        context["session"], ProcessedEvent, {"event_id": event_id, "received_at": utcnow()}, ["event_id"]
    ):
        return True
    log.info("event %s already handled; ignoring the retry", event_id)
    return False


def tell(client: WebClient, channel_id: str | None, user_id: str, text: str) -> None:
    """An ephemeral message to one person (best effort: feedback, never state)."""
    if not channel_id:
        return
    try:
        client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)
    except (SlackApiError, OSError) as exc:
        log.warning("could not tell %s in %s: %s", user_id, channel_id, exc)


def tell_error(client: WebClient, channel_id: str | None, user_id: str, error: DomainError) -> None:
    tell(client, channel_id, user_id, ":warning: " + error_text(error))


def view_metadata(view: dict) -> dict:
    """A modal's private_metadata as a dict (client data: every value in it is re-checked by its user)."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def open_modal(client: WebClient, trigger_id: str, view: dict, channel_id: str | None, user_id: str) -> None:
    """Open a modal; when Slack does not answer, say so to the person instead."""
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except (SlackApiError, OSError) as exc:
        log.warning("views.open failed: %s", exc)
        tell_error(client, channel_id, user_id, DomainError("slack_unavailable"))


def usage_problem(request, *, allowed: set[str], required: tuple[str, ...] = (), words: int = 1):
    """A usage message (a payload) when the command's arguments do not fit, else None."""
    args = request.args
    if unknown := sorted(set(args.options) - allowed):
        return help_views.unexpected_arguments(unknown)
    if len(args.words) != words:
        return help_views.missing_argument("<PO>") if words else help_views.unexpected_arguments(args.words)
    for key in required:
        if not args.options.get(key):
            return help_views.missing_argument(f"{key}=")
    return None

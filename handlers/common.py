"""Pieces every listener uses: refusing cleanly, ephemeral feedback."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.core import help as help_views
from bot.core.actors import Actor
from bot.core.audit import record_denial
from bot.core.error_views import error_text
from bot.core.errors import DomainError, Forbidden

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
            record_denial(session=session, actor_id=actor.user_id, actor_role=actor.role,
                          object_type=object_type, object_id=object_id, action=action)  # fmt: skip
        raise
    else:
        if savepoint is not None:
            savepoint.commit()


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
    args, grammar = request.args, request.grammar()
    if unknown := sorted(set(args.options) - allowed):
        return help_views.unexpected_arguments(grammar, unknown)
    if len(args.words) != words:
        if words:
            return help_views.missing_argument(grammar, "<PO>")
        return help_views.unexpected_arguments(grammar, args.words)
    for key in required:
        if not args.options.get(key):
            return help_views.missing_argument(grammar, f"{key}=")
    return None

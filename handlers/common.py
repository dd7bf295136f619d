"""Pieces every listener uses: refusing cleanly, acting on a press or a form, ephemeral feedback."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.config import AppConfig
from bot.core import help as help_views
from bot.core.actors import Actor
from bot.core.after_commit import after_commit
from bot.core.audit import record_denial
from bot.core.db import RequestSession
from bot.core.error_views import error_text
from bot.core.errors import DomainError, Forbidden
from bot.core.upsert import insert_or_ignore
from models import ProcessedEvent, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")


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


@dataclass(frozen=True)
class Interaction:
    """Someone acting on a bot message (a button, a select, a reaction) and what handling it needs.

    `value` comes from the client and can be forged: whatever it names is re-checked against the actor.
    """

    session: Session
    actor: Actor | None
    config: AppConfig
    client: WebClient
    user_id: str
    channel_id: str | None
    action_id: str = ""
    value: str | None = None
    trigger_id: str | None = None

    @classmethod
    def of_action(cls, body: dict, context: BoltContext, client: WebClient) -> Interaction:
        """A button press or a select choice from a `block_actions` payload."""
        action = body["actions"][0]
        value = action.get("value") or (action.get("selected_option") or {}).get("value")
        return cls(session=context["session"], actor=context["actor"], config=context["config"], client=client,
                   user_id=body["user"]["id"], channel_id=(body.get("channel") or {}).get("id"),
                   action_id=action.get("action_id", ""), value=value, trigger_id=body.get("trigger_id"))  # fmt: skip


def attempt(
    it: Interaction,
    work: Callable[[Interaction], T],
    *,
    object_type: str,
    object_id: str | None = None,
    quiet: frozenset[str] = frozenset(),
) -> T | None:
    """Do what the person asked as one refusable change; a refusal is told to them, ephemerally.

    Returns what `work` returned, or None when a rule refused it (error codes in `quiet` are not told).
    """
    try:
        with refusable(it.session, it.actor, action=it.action_id, object_type=object_type,
                       object_id=it.value if object_id is None else object_id):  # fmt: skip
            return work(it)
    except DomainError as error:
        if error.code not in quiet:
            tell_error(it.client, it.channel_id, it.user_id, error)
        return None


def open_form(it: Interaction, build: Callable[[Interaction], dict], *, object_type: str) -> None:
    """A button that opens a form: `build` checks the rules and returns the modal, which is then opened.

    Building a form only reads, so it never takes SQLite's write lock (a refusal is still audited)."""
    if isinstance(it.session, RequestSession):
        it.session.read_only()
    view = attempt(it, build, object_type=object_type)
    if view is not None:
        open_modal(it.client, it.trigger_id, view, it.channel_id, it.user_id)


@dataclass(frozen=True)
class Submission:
    """A submitted modal: its values by block id and its metadata (both client data: re-checked)."""

    session: Session
    actor: Actor
    config: AppConfig
    client: WebClient
    callback_id: str
    metadata: dict
    values: dict[str, str | None]
    input_blocks: list[str]

    @classmethod
    def of(cls, view: dict, context: BoltContext, client: WebClient) -> Submission:
        inputs = [b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"]
        return cls(session=context["session"], actor=context["actor"], config=context["config"], client=client,
                   callback_id=view["callback_id"], metadata=view_metadata(view), values=submitted_values(view),
                   input_blocks=inputs)  # fmt: skip


def submit(
    ack: Ack,
    form: Submission,
    work: Callable[[Submission], Any],
    *,
    object_type: str,
    object_id: str | int | None = None,
    error_blocks: Mapping[str, str] | None = None,
) -> None:
    """Do what a form asks as one refusable change; a refusal is shown on the form and changes nothing.

    The message goes under the block `error_blocks` names for the error code, else under the field the
    error names, else under the first input.
    """
    try:
        with refusable(form.session, form.actor, action=form.callback_id, object_type=object_type,
                       object_id=object_id):  # fmt: skip
            work(form)
    except DomainError as error:
        block = (error_blocks or {}).get(error.code) or error.params.get("field")
        block = block if block in form.input_blocks else (form.input_blocks or ["value"])[0]
        ack(response_action="errors", errors={block: error_text(error)[:150]})
        return
    ack()


def tell(client: WebClient, channel_id: str | None, user_id: str, text: str) -> None:
    """An ephemeral message to one person (best effort: feedback, never state), sent once the request's
    transaction has ended: no Slack call while it is open."""
    if channel_id:
        after_commit(lambda: _post_ephemeral(client, channel_id, user_id, text))


def _post_ephemeral(client: WebClient, channel_id: str, user_id: str, text: str) -> None:
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


def submitted_values(view: dict[str, Any]) -> dict[str, str | None]:
    """The values of a submitted modal by block id (dates as YYYY-MM-DD, selects as their value)."""
    values: dict[str, str | None] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        element = actions.get("value", {})
        value = (
            element.get("value")
            or element.get("selected_date")
            or (element.get("selected_option") or {}).get("value")
        )
        values[block_id] = value.strip() if isinstance(value, str) else value
    return values


def open_modal(
    client: WebClient, trigger_id: str | None, view: dict, channel_id: str | None, user_id: str
) -> None:
    """Open a modal once the request's transaction has ended (Slack gives its trigger 3 s, the listener
    has answered by then); when Slack does not answer, say so to the person instead."""
    failure = ":warning: " + error_text(DomainError("slack_unavailable"))  # in the reader's language, now

    def open_now() -> None:
        try:
            client.views_open(trigger_id=trigger_id, view=view)
        except (SlackApiError, OSError) as exc:
            log.warning("views.open failed: %s", exc)
            if channel_id:
                _post_ephemeral(client, channel_id, user_id, failure)

    after_commit(open_now)


def buyers_only(actor: Actor) -> None:
    """A buyers' command typed by someone else: refused before anything is asked of Slack or the DB.

    Not audited as a denial (services audit refusals of what was actually attempted).
    """
    if not actor.is_buyer:
        raise DomainError("buyers_only")


def usage_problem(
    request, *, allowed: set[str], required: tuple[str, ...] = (), words: int = 1, word: str = "<PO>"
):
    """A usage message (a payload) when the command's arguments do not fit, else None.

    `word` names the positional argument the verb expects (shown when it is missing).
    """
    args, grammar = request.args, request.grammar()
    if unknown := sorted(set(args.options) - allowed):
        return help_views.unexpected_arguments(grammar, unknown)
    if len(args.words) != words:
        if words:
            return help_views.missing_argument(grammar, word)
        return help_views.unexpected_arguments(grammar, args.words)
    for key in required:
        if not args.options.get(key):
            return help_views.missing_argument(grammar, f"{key}=")
    return None

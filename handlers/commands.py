"""`/srm`: parse the text, route the verb, answer ephemerally in the caller's language."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlmodel import Session

from bot.config import AppConfig
from bot.core import help as help_views
from bot.core.actors import Actor
from bot.core.error_views import error_message
from bot.core.errors import DomainError
from bot.core.ids import COMMAND
from bot.core.manifest_parts import SlackNeeds, SlashCommand
from bot.core.text import ArgumentError, Arguments, parse_arguments
from handlers import orders, suppliers, tickets
from handlers.common import refusable

log = logging.getLogger(__name__)

NEEDS = SlackNeeds(
    scopes=(
        "commands",
        "chat:write",
        "channels:read",
        "groups:read",
        "im:read",
        "mpim:read",
        "users:read",
        "usergroups:read",
    ),
    commands=(
        SlashCommand(
            COMMAND,
            "Supplier orders, tickets and scorecards",
            "help | supplier … | order … | receive … | inspect … | ticket …",
        ),
    ),
)


@dataclass(frozen=True)
class CommandRequest:
    """One parsed `/srm` invocation with everything a verb handler needs."""

    session: Session
    actor: Actor
    args: Arguments
    channel_id: str
    channel_name: str
    trigger_id: str
    client: WebClient
    config: AppConfig


Verb = Callable[[CommandRequest], dict[str, Any]]


def show_help(request: CommandRequest) -> dict[str, Any]:
    return help_views.help_message()


ROUTES: dict[tuple[str, ...], Verb] = {
    ("help",): show_help,
    ("supplier", "add"): suppliers.add,
    ("supplier", "list"): suppliers.list_all,
    ("supplier", "show"): suppliers.show,
    ("order", "new"): orders.new,
    ("order", "show"): orders.show,
    ("order", "list"): orders.list_all,
    ("order", "close"): orders.close,
    ("order", "cancel"): orders.cancel,
    ("ticket", "new"): tickets.new,
    ("ticket", "list"): tickets.list_all,
    ("ticket", "show"): tickets.show,
    ("receive",): orders.receive,
    ("inspect",): orders.inspect,
}


# Verbs that only read: their transaction never takes SQLite's write lock (nor queues behind writers).
READ_ONLY = {show_help, suppliers.list_all, suppliers.show, orders.show, orders.list_all, tickets.list_all,
             tickets.show}  # fmt: skip


def route(words: list[str]) -> tuple[Verb | None, int]:
    """The verb handler for the leading words, and how many words name it."""
    lowered = [w.lower() for w in words[:2]]
    for length in (2, 1):
        verb = ROUTES.get(tuple(lowered[:length]))
        if verb is not None and len(lowered) >= length:
            return verb, length
    return None, 0


def register(app: App, config: AppConfig) -> None:
    def handle_command(ack: Ack, command: dict, context: BoltContext, client: WebClient) -> None:
        ack(**answer(command, context, client, config))

    app.command(COMMAND)(handle_command)


def answer(command: dict, context: BoltContext, client: WebClient, config: AppConfig) -> dict[str, Any]:
    """The ephemeral answer to one `/srm` command (a usage message when it cannot be read)."""
    text = (command.get("text") or "").strip()
    try:
        args = parse_arguments(text)
    except ArgumentError as exc:
        return help_views.bad_arguments(str(exc))
    if not args.words:
        return help_views.help_message() if not args.options else help_views.unknown_command(text)
    verb, length = route(args.words)
    if verb is None:
        return help_views.unknown_command(text)
    session: Session = context["session"]
    if verb in READ_ONLY:
        session.read_only()
    request = CommandRequest(
        session=session,
        actor=context["actor"],
        args=Arguments(args.words[length:], args.options),
        channel_id=command.get("channel_id", ""),
        channel_name=command.get("channel_name", ""),
        trigger_id=command.get("trigger_id", ""),
        client=client,
        config=config,
    )
    # A refused request leaves nothing behind; what the request wrote before (user cache) stays.
    try:
        with refusable(session, request.actor, action=" ".join(args.words[:length]), object_type="command"):
            return verb(request)
    except DomainError as error:
        return error_message(error)

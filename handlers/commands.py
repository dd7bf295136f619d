"""`/srm`: parse the text, route the verb to the feature that declared it, answer ephemerally in the
caller's language."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlmodel import Session

from bot.core import help as help_views
from bot.core.error_views import error_message
from bot.core.errors import DomainError
from bot.core.help import Grammar
from bot.core.i18n import _
from bot.core.ids import COMMAND
from bot.core.manifest_parts import SlackNeeds, SlashCommand
from bot.core.text import ArgumentError, Arguments, parse_arguments
from handlers.common import refusable
from handlers.request import CommandRequest, CommandSet, Verb, reads_only

log = logging.getLogger(__name__)

SCOPES = ("commands", "chat:write", "channels:read", "groups:read", "im:read", "mpim:read", "users:read",
          "usergroups:read")  # fmt: skip


def needs(sets: Sequence[CommandSet]) -> SlackNeeds:
    """The slash command, with a usage hint naming the installed verbs."""
    hint = " | ".join(s.hint for s in (HELP, *sets))
    topics = [s.topic for s in sets if s.topic]
    about = ", ".join(topics[:-1]) + " and " + topics[-1] if len(topics) > 1 else "".join(topics)
    return SlackNeeds(
        scopes=SCOPES,
        commands=(SlashCommand(COMMAND, f"Work with {about or 'suppliers'}", hint),),
    )


@reads_only
def show_help(request: CommandRequest) -> dict[str, Any]:
    return help_views.help_message(request.grammar())


HELP = CommandSet(
    verbs={("help",): show_help}, grammar=lambda: [("/srm help", _("Show this help."))], hint="help"
)


class CommandRouter:
    """The `/srm` verbs of the installed features, and the help that lists them."""

    def __init__(self, sets: Sequence[CommandSet]):
        self.sets = (HELP, *sets)
        self.verbs: dict[tuple[str, ...], Verb] = {}
        for declared in self.sets:
            for words, verb in declared.verbs.items():
                if words in self.verbs:
                    raise ValueError(f"/srm {' '.join(words)} is declared twice")
                self.verbs[words] = verb

    def grammar(self) -> Grammar:
        """Every installed verb's syntax and meaning, in the current locale."""
        return [line for declared in self.sets for line in declared.grammar()]

    def route(self, words: list[str]) -> tuple[Verb | None, int]:
        """The verb handler for the leading words, and how many words name it."""
        lowered = [w.lower() for w in words[:2]]
        for length in (2, 1):
            verb = self.verbs.get(tuple(lowered[:length]))
            if verb is not None and len(lowered) >= length:
                return verb, length
        return None, 0

    def handle(self, ack: Ack, command: dict, context: BoltContext, client: WebClient) -> None:
        """The `/srm` listener."""
        ack(**self.answer(command, context, client))

    def answer(self, command: dict, context: BoltContext, client: WebClient) -> dict[str, Any]:
        """The ephemeral answer to one `/srm` command (a usage message when it cannot be read)."""
        text = (command.get("text") or "").strip()
        try:
            args = parse_arguments(text)
        except ArgumentError as exc:
            return help_views.bad_arguments(self.grammar(), str(exc))
        if not args.words:
            if args.options:
                return help_views.unknown_command(self.grammar(), text)
            return help_views.help_message(self.grammar())
        verb, length = self.route(args.words)
        if verb is None:
            return help_views.unknown_command(self.grammar(), text)
        session: Session = context["session"]
        if getattr(verb, "reads_only", False):
            session.read_only()  # never takes SQLite's write lock, never queues behind writers
        request = CommandRequest(
            session=session,
            actor=context["actor"],
            args=Arguments(args.words[length:], args.options),
            channel_id=command.get("channel_id", ""),
            channel_name=command.get("channel_name", ""),
            trigger_id=command.get("trigger_id", ""),
            client=client,
            config=context["config"],
            grammar=self.grammar,
            directory=context.get("directory"),
        )
        # A refused request leaves nothing behind; what the request wrote before (user cache) stays.
        try:
            with refusable(
                session, request.actor, action=" ".join(args.words[:length]), object_type="command"
            ):
                return verb(request)
        except DomainError as error:
            return error_message(error)


def register(app: App, sets: Sequence[CommandSet]) -> None:
    app.command(COMMAND)(CommandRouter(sets).handle)

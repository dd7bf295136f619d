"""What `/srm` hands a feature's verb, and what a feature declares to be routed to.

Shared by handlers/commands.py (the router) and the feature modules whose verbs it routes, so that
neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from sqlmodel import Session

from bot.config import AppConfig
from bot.core.actors import Actor, Directory
from bot.core.after_commit import after_commit
from bot.core.help import Grammar
from bot.core.text import Arguments


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
    grammar: Callable[[], Grammar]  # every installed verb, for usage messages in the reader's language
    directory: Directory | None = None  # this process's memory of linked channels, to forget changes

    def forget_supplier_after_commit(self, supplier_id: int) -> None:
        """Once the change commits, this process reads the supplier's channels again (see Directory)."""
        if self.directory is not None:
            directory = self.directory
            after_commit(lambda: directory.forget_supplier(supplier_id))


Verb = Callable[[CommandRequest], dict[str, Any]]


def reads_only(verb: Verb) -> Verb:
    """Mark a verb that only reads: its transaction never takes SQLite's write lock (the router says so
    to the request session before the verb runs)."""
    verb.reads_only = True  # type: ignore[attr-defined]
    return verb


@dataclass(frozen=True)
class CommandSet:
    """A feature's `/srm` verbs (leading words → handler), its help lines and its manifest usage hint."""

    verbs: Mapping[tuple[str, ...], Verb]
    grammar: Callable[[], Grammar]
    hint: str
    topic: str = ""  # what the verbs are about, for the slash command's description ("orders")

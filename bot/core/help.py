"""`/srm help` and the usage message for unknown or malformed commands.

The grammar comes from the installed features (each declares its verbs' syntax and meaning), so this
module only lays it out.
"""

from __future__ import annotations

from typing import Any

from bot.core.blocks import SECTION_MAX, context, header, message, section
from bot.core.i18n import _
from bot.core.text import neutralise

# (syntax, meaning in the reader's language), one pair per verb or group of verbs.
Grammar = list[tuple[str, str]]


def help_message(grammar: Grammar, problem: str | None = None) -> dict[str, Any]:
    """The command grammar in the reader's language; `problem` explains what was wrong, if anything."""
    blocks = []
    if problem:
        blocks.append(section(":warning: " + problem))
    blocks += [
        header(_("SRM bot commands")),
        *[section(chunk) for chunk in _chunks([f"`{syntax}`\n{meaning}" for syntax, meaning in grammar])],
        context(
            _(
                "Values with spaces go in double quotes; dates are written YYYY-MM-DD. "
                "Suppliers' people act with the buttons on the bot's messages and by replying in threads."
            )
        ),
    ]
    return message(problem or _("SRM bot commands"), blocks)


def _chunks(entries: list[str], limit: int = SECTION_MAX) -> list[str]:
    """Entries joined by newlines into as few texts as fit a section each (Slack's 3000 characters)."""
    chunks: list[str] = []
    for entry in entries:
        if chunks and len(chunks[-1]) + 1 + len(entry) <= limit:
            chunks[-1] += "\n" + entry
        else:
            chunks.append(entry)
    return chunks


def unknown_command(grammar: Grammar, text: str) -> dict[str, Any]:
    return help_message(grammar, _("“{command}” is not a command I know.").format(command=neutralise(text)))


def bad_arguments(grammar: Grammar, detail: str) -> dict[str, Any]:
    return help_message(
        grammar, _("I could not read that command: {detail}.").format(detail=neutralise(detail))
    )


def missing_argument(grammar: Grammar, name: str) -> dict[str, Any]:
    return help_message(grammar, _("Missing or empty value: {name}.").format(name=neutralise(name)))


def unexpected_arguments(grammar: Grammar, names: list[str]) -> dict[str, Any]:
    return help_message(grammar, _("Unknown option(s): {names}.").format(names=neutralise(", ".join(names))))

"""`/srm help` and the usage message for unknown or malformed commands."""

from __future__ import annotations

from typing import Any

from bot.core.blocks import context, header, message, section
from bot.core.i18n import _
from bot.core.text import neutralise


def _grammar() -> list[tuple[str, str]]:
    return [
        ("/srm help", _("Show this help.")),
        (
            '/srm supplier add "<name>" country=<ISO2> [locale=<ll_CC>] [tz=<IANA zone>]',
            _("Run in the supplier's shared channel: creates the supplier and links the channel."),
        ),
        ('/srm supplier list | /srm supplier show "<name>"', _("List suppliers, or show one.")),
        (
            '/srm order new <PO> qty=<n> due=<YYYY-MM-DD> [item="…"] [price=<p>] [currency=<ISO4217>]',
            _(
                'Issue an order in a supplier\'s channel (or add supplier="<name>"); without arguments, a form.'
            ),
        ),
        ("/srm order show <PO> | /srm order list [status=<s>]", _("Show one order, or list orders.")),
        ("/srm order close <PO> | /srm order cancel <PO>", _("Close a fully received order, or cancel one.")),
        (
            "/srm receive <PO> qty=<n> [date=<YYYY-MM-DD>]",
            _("Record goods received (partial receipts add up)."),
        ),
        (
            '/srm inspect <PO> sampled=<n> defects=<n> [note="…"]',
            _("Record an inspection; the supplier is told the result."),
        ),
        (
            '/srm ticket new "<title>" [order=<PO>] [severity=low|medium|high|critical] [type=quality|delivery|documents|payment|other]',
            _("Open a problem ticket; without arguments, a form."),
        ),
        ("/srm ticket list [status=<s>] | /srm ticket show T-<n>", _("List tickets, or show one.")),
    ]


def help_message(problem: str | None = None) -> dict[str, Any]:
    """The command grammar in the reader's language; `problem` explains what was wrong, if anything."""
    lines = "\n".join(f"`{syntax}`\n{meaning}" for syntax, meaning in _grammar())
    blocks = []
    if problem:
        blocks.append(section(":warning: " + problem))
    blocks += [
        header(_("SRM bot commands")),
        section(lines),
        context(
            _(
                "Values with spaces go in double quotes; dates are written YYYY-MM-DD. "
                "Suppliers' people act with the buttons on the bot's messages and by replying in threads."
            )
        ),
    ]
    return message(problem or _("SRM bot commands"), blocks)


def unknown_command(text: str) -> dict[str, Any]:
    return help_message(_("“{command}” is not a command I know.").format(command=neutralise(text)))


def bad_arguments(detail: str) -> dict[str, Any]:
    return help_message(_("I could not read that command: {detail}.").format(detail=neutralise(detail)))


def missing_argument(name: str) -> dict[str, Any]:
    return help_message(_("Missing or empty value: {name}.").format(name=neutralise(name)))


def unexpected_arguments(names: list[str]) -> dict[str, Any]:
    return help_message(_("Unknown option(s): {names}.").format(names=neutralise(", ".join(names))))

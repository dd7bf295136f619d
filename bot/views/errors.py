"""Domain errors rendered in the reader's language."""

from __future__ import annotations

from typing import Any

from bot.errors import DomainError
from bot.i18n import _
from bot.text import neutralise
from bot.views.blocks import message, section


def error_text(error: DomainError) -> str:
    """The reader's-language sentence for a refused request."""
    p = {k: neutralise(str(v)) for k, v in error.params.items()}
    texts = {
        "buyers_only": lambda: _("Only buyers of this workspace can do that."),
        "supplier_name_invalid": lambda: _(
            "Give the supplier a name of 1 to {max} characters, in double quotes."
        ).format(**p),
        "unknown_country": lambda: _(
            "“{country}” is not an ISO country code. Use two letters, such as CN, VN or MX."
        ).format(**p),
        "unknown_locale": lambda: _(
            "“{locale}” is not a locale. Use a code such as zh_CN, es_MX or en_US."
        ).format(**p),
        "unknown_timezone": lambda: _(
            "“{tz}” is not a time zone. Use an IANA name such as Asia/Shanghai."
        ).format(**p),
        "timezone_needed": lambda: _(
            "No time zone is known for {country}; add tz=<IANA zone>, such as tz=Europe/Belgrade."
        ).format(**p),
        "not_in_direct_message": lambda: _(
            "Run this in the supplier's shared channel, not in a direct message."
        ),
        "channel_already_linked": lambda: _("This channel is already linked to supplier {supplier}.").format(
            **p
        ),
        "supplier_exists": lambda: _("A supplier named {name} already exists.").format(**p),
        "supplier_not_found": lambda: _("No supplier named {name} was found.").format(**p),
        "channel_not_found": lambda: _(
            "The bot cannot see this channel. Invite it first: /invite @SRM, then run the command again."
        ),
        "not_in_channel": lambda: _(
            "The bot is not a member of this channel. Invite it first: /invite @SRM, then run the command again."
        ),
        "slack_unavailable": lambda: _(
            "Slack did not answer in time. Nothing was changed; please try again in a minute."
        ),
    }
    render = texts.get(error.code)
    return (
        render() if render else _("That did not work ({code}). Nothing was changed.").format(code=error.code)
    )


def error_message(error: DomainError) -> dict[str, Any]:
    text = ":warning: " + error_text(error)
    return message(text, [section(text)])

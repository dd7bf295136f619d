"""Domain errors rendered in the reader's language.

Core knows no domain's errors: each domain registers the sentences for its own error codes
(`register_error_texts`, in its `errors` module) and `error_text` looks them up by code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.core.blocks import message, section
from bot.core.errors import DomainError
from bot.core.i18n import _
from bot.core.text import neutralise

# An error code's sentence, built in the current locale from the error's (neutralised) parameters.
ErrorText = Callable[[dict[str, str]], str]

_TEXTS: dict[str, ErrorText] = {}


def register_error_texts(texts: Mapping[str, ErrorText]) -> None:
    """Make these error codes speak; a code belongs to one domain, so registering it twice is a mistake."""
    for code, render in texts.items():
        if _TEXTS.get(code, render) is not render:
            raise ValueError(f"error code {code!r} already has a text")
        _TEXTS[code] = render


def error_text(error: DomainError) -> str:
    """The reader's-language sentence for a refused request."""
    render = _TEXTS.get(error.code)
    if render is None:
        return _("That did not work ({code}). Nothing was changed.").format(code=error.code)
    return render({k: neutralise(str(v)) for k, v in error.params.items()})


def error_message(error: DomainError) -> dict[str, Any]:
    text = ":warning: " + error_text(error)
    return message(text, [section(text)])


register_error_texts(
    {
        "buyers_only": lambda p: _("Only buyers of this workspace can do that."),
        "slack_unavailable": lambda p: _(
            "Slack did not answer in time. Nothing was changed; please try again in a minute."
        ),
    }
)

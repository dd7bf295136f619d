"""Text that crosses the Slack boundary: neutralising what users typed, parsing command arguments."""

from __future__ import annotations

import html
import re
import shlex
from dataclasses import dataclass, field

_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_SCHEME = re.compile(r"\b([a-z][a-z0-9+.-]{1,15}):(//)", re.IGNORECASE)
_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'"})
ZERO_WIDTH_SPACE = "\u200b"


def neutralise(text: str) -> str:
    """User-typed text made safe to repeat in mrkdwn: no mentions, broadcasts or hidden links.

    Slack sends `<`, `>` and `&` already escaped and real mentions as `<@U…>`, `<!here>`; unescaping
    first and escaping everything again shows both as the literal text the user saw.
    """
    text = html.unescape(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _BROADCAST.sub(lambda m: "@" + ZERO_WIDTH_SPACE + m.group(1), text)
    return _SCHEME.sub(lambda m: m.group(1) + ":" + ZERO_WIDTH_SPACE + m.group(2), text)


class ArgumentError(ValueError):
    """The command text could not be split into words (an unclosed quote, a repeated key)."""


@dataclass(frozen=True)
class Arguments:
    """Positional words and `key=value` options of one slash command."""

    words: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)


def parse_arguments(text: str) -> Arguments:
    """Split `order new PO-1 qty=5 item="Blue mug"` into words and options (keys lower-cased)."""
    text = html.unescape(text or "").translate(_SMART_QUOTES).strip()
    try:
        tokens = shlex.split(text, posix=True)
    except ValueError as exc:
        raise ArgumentError(str(exc)) from exc
    words: list[str] = []
    options: dict[str, str] = {}
    for token in tokens:
        key, sep, value = token.partition("=")
        if sep and key and re.fullmatch(r"[A-Za-z_]+", key):
            key = key.lower()
            if key in options:
                raise ArgumentError(f"{key} given twice")
            options[key] = value.strip()
        else:
            words.append(token)
    return Arguments(words=words, options=options)

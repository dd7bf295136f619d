"""Small Block Kit helpers shared by the surfaces."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.core.i18n import use_locale

SECTION_MAX = 3000


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_MAX]}}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:SECTION_MAX]}]}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150], "emoji": True}}


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def message(text: str, blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A message payload: `text` is the notification / accessibility fallback."""
    payload: dict[str, Any] = {"text": text[:SECTION_MAX]}
    if blocks:
        payload["blocks"] = blocks[:50]
    return payload


def bilingual(render: Callable[[], str], locales: list[str]) -> dict[str, Any]:
    """A thread note in the supplier's language, then in the buyers' default language if different."""
    texts = []
    for locale in dict.fromkeys(locales):
        with use_locale(locale):
            texts.append(render())
    unique = list(dict.fromkeys(texts))
    blocks = [section(unique[0])] + [context(t) for t in unique[1:]]
    return message(unique[0], blocks) | {"unfurl_links": False, "unfurl_media": False}

"""`srm manifest`: the Slack app manifest, built from what the listeners declare they need.

The composition root collects each registered feature's `SlackNeeds` and passes them in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.manifest_parts import SlackNeeds

DISPLAY_NAME = "SRM"
INTRO = "SRM runs day-to-day work with overseas suppliers where people already talk."
OUTRO = (
    "Each reader sees the bot in their own language and time zone, and every record can be exported as CSV "
    "or XLSX."
)


SHORT_LIMIT = 140  # Slack's limit for the short description


def _listing(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def descriptions(needs: Sequence[SlackNeeds]) -> tuple[str, str]:
    """The short and the long description, promising only what the installed features do."""
    offers = [o for n in needs for o in n.offers] or ["work"]
    short = f"Supplier {_listing(offers)} in shared channels."
    while len(short) > SHORT_LIMIT and len(offers) > 1:  # the first offers, and the rest in two words
        offers = offers[:-1]
        short = f"Supplier {', '.join(offers)} and more in shared channels."
    return short, " ".join([INTRO, *(n.story for n in needs if n.story), OUTRO])


def build_manifest(
    needs: Sequence[SlackNeeds], url: str | None = None, socket: bool = False
) -> dict[str, Any]:
    """A manifest valid against Slack's app manifest schema 1.0.0 (HTTP mode unless `socket`)."""
    scopes = sorted({s for n in needs for s in n.scopes})
    events = sorted({e for n in needs for e in n.events})
    commands = [c for n in needs for c in n.commands]
    shortcuts = [s for n in needs for s in n.shortcuts]
    interactive = any(n.interactivity for n in needs) or bool(shortcuts)
    request_url = None if socket else (url or "https://example.com/slack/events")
    description, long_description = descriptions(needs)

    features: dict[str, Any] = {
        "app_home": {
            "home_tab_enabled": any(n.home_tab for n in needs),
            "messages_tab_enabled": True,
            "messages_tab_read_only_enabled": True,
        },
        "bot_user": {"display_name": DISPLAY_NAME, "always_online": True},
        "slash_commands": [
            {"command": c.command, "description": c.description, "should_escape": False}
            | ({"usage_hint": c.usage_hint} if c.usage_hint else {})
            | ({"url": request_url} if request_url else {})
            for c in commands
        ],
    }
    if shortcuts:
        features["shortcuts"] = [
            {"name": s.name, "type": s.type, "callback_id": s.callback_id, "description": s.description}
            for s in shortcuts
        ]
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": events} | ({"request_url": request_url} if request_url else {}),
        "interactivity": {"is_enabled": interactive} | ({"request_url": request_url} if request_url else {}),
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket,
        "token_rotation_enabled": False,
    }
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": DISPLAY_NAME,
            "description": description,
            "long_description": long_description,
            "background_color": "#1d4e89",
        },
        "features": features,
        "oauth_config": {"scopes": {"bot": scopes}},
        "settings": settings,
    }

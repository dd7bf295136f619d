"""Slack listeners by feature; each module has `register(app, config)` and declares what it needs."""

from __future__ import annotations

from slack_bolt import App

from bot.config import AppConfig
from bot.core.manifest_parts import SlackNeeds
from handlers import commands, conversation, membership, middleware, order_actions, ticket_actions

FEATURES = (commands, conversation, membership, order_actions, ticket_actions)


def register_listeners(app: App, config: AppConfig) -> None:
    middleware.register(app, config)
    for feature in FEATURES:
        feature.register(app, config)


def slack_needs() -> list[SlackNeeds]:
    """What the features ask of Slack (scopes, events, commands, shortcuts), for `srm manifest`."""
    return [feature.NEEDS for feature in FEATURES if hasattr(feature, "NEEDS")]

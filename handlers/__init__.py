"""Slack listeners by feature; each module has `register(app, config)` and declares what it needs."""

from __future__ import annotations

from slack_bolt import App

from bot.config import AppConfig
from bot.core.manifest_parts import SlackNeeds
from handlers import commands, conversation, membership, middleware, order_actions, ticket_actions


def features(config: AppConfig) -> tuple:
    """The feature modules this configuration installs (tickets can be turned off in app.yaml)."""
    installed = (commands, conversation, membership, order_actions)
    return installed + ((ticket_actions,) if config.tickets.enabled else ())


def register_listeners(app: App, config: AppConfig) -> None:
    middleware.register(app, config)
    for feature in features(config):
        feature.register(app, config)


def slack_needs(config: AppConfig) -> list[SlackNeeds]:
    """What the installed features ask of Slack (scopes, events, commands, shortcuts), for `srm manifest`."""
    return [feature.NEEDS for feature in features(config) if hasattr(feature, "NEEDS")]

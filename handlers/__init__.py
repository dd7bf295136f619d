"""Slack listeners by feature.

A feature module may declare `COMMANDS` (its `/srm` verbs), `register(app)` (binding its other
listeners, module-level functions that read the session, actor and policy from the Bolt context) and `NEEDS` (what it asks of Slack). This package is where the installed features are
chosen and wired: `register_listeners` for the Bolt app, `slack_needs` for `srm manifest`.
"""

from __future__ import annotations

from slack_bolt import App

from bot.config import AppConfig
from bot.core.actors import Directory
from bot.core.earlier_post import NEEDS as DELIVERY_NEEDS
from bot.core.manifest_parts import SlackNeeds
from handlers import (
    capa,
    commands,
    conversation,
    feedback,
    home,
    membership,
    middleware,
    order_actions,
    orders,
    projects,
    relationship,
    risk,
    scorecards,
    suppliers,
    ticket_actions,
    tickets,
)


def features(config: AppConfig) -> tuple:
    """The feature modules this configuration installs (tickets can be turned off in app.yaml; corrective
    actions stay: a downgrade opens one without a ticket)."""
    installed = (suppliers, orders, order_actions, conversation, membership, home)
    return (
        installed
        + ((tickets, ticket_actions) if config.tickets.enabled else ())
        + (capa, feedback, scorecards, risk, relationship, projects)
    )


def _command_sets(config: AppConfig) -> list:
    return [feature.COMMANDS for feature in features(config) if hasattr(feature, "COMMANDS")]


def register_listeners(app: App, config: AppConfig) -> None:
    middleware.register(app, config, Directory())
    commands.register(app, _command_sets(config))
    for feature in features(config):
        if hasattr(feature, "register"):
            feature.register(app)


def slack_needs(config: AppConfig) -> list[SlackNeeds]:
    """What the installed features ask of Slack (scopes, events, commands, shortcuts), for `srm manifest`."""
    declared = [feature.NEEDS for feature in features(config) if hasattr(feature, "NEEDS")]
    return [commands.needs(_command_sets(config)), DELIVERY_NEEDS, *declared]

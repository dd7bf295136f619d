"""Relationship: the tier proposal card's Approve / Reject (admins only, re-checked on every press)."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.core.ids import Action
from bot.core.manifest_parts import SlackNeeds
from bot.relationship import flows
from handlers.common import Interaction, attempt

NEEDS = SlackNeeds(
    scopes=("chat:write",),
    interactivity=True,
    offers=("tiers",),
    story="Admins set each supplier's relationship tier; loyalty proposes promotions for them to approve.",
)


def register(app: App) -> None:
    app.action(str(Action.TIER_APPROVE))(approve)
    app.action(str(Action.TIER_REJECT))(reject)


def approve(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    ack()
    attempt(Interaction.of_action(body, context, client), _approve, object_type="tier_change")


def _approve(it: Interaction) -> None:
    flows.decide_promotion(
        session=it.session, actor=it.actor, change_id=it.value, approve=True, config=it.config
    )


def reject(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    ack()
    attempt(Interaction.of_action(body, context, client), _reject, object_type="tier_change")


def _reject(it: Interaction) -> None:
    flows.decide_promotion(
        session=it.session, actor=it.actor, change_id=it.value, approve=False, config=it.config
    )

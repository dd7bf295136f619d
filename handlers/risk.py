"""Risk alerts' buttons for buyers: Acknowledge · Snooze 7 days · Not this supplier (sanctions).

Button values come from the client: the alert and the actor's rights are re-checked in the rules."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.core.ids import Action
from bot.core.manifest_parts import SlackNeeds
from bot.risk import flows as risk_flows
from bot.risk import service as risks
from handlers.common import Interaction, attempt

NEEDS = SlackNeeds(
    scopes=("chat:write",),
    interactivity=True,
    offers=("risk alerts",),
    story="Buyers are warned of supplier risks (slipping deliveries and quality, disasters, sanctions "
    "matches, currency moves, holidays) and acknowledge or snooze them.",
)


def register(app: App) -> None:
    app.action(str(Action.RISK_ACK))(acknowledge)
    app.action(str(Action.RISK_SNOOZE))(snooze)
    app.action(str(Action.RISK_FALSE_POSITIVE))(false_positive)


def _alert(it: Interaction):
    return risks.alert_for(session=it.session, actor=it.actor, alert_id=it.value)


def acknowledge(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    ack()
    attempt(Interaction.of_action(body, context, client), _acknowledge, object_type="risk_alert")


def _acknowledge(it: Interaction) -> None:
    risk_flows.acknowledge(session=it.session, actor=it.actor, alert=_alert(it), config=it.config)


def snooze(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    ack()
    attempt(Interaction.of_action(body, context, client), _snooze, object_type="risk_alert")


def _snooze(it: Interaction) -> None:
    risk_flows.snooze(session=it.session, actor=it.actor, alert=_alert(it), config=it.config)


def false_positive(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    ack()
    attempt(Interaction.of_action(body, context, client), _false_positive, object_type="risk_alert")


def _false_positive(it: Interaction) -> None:
    risk_flows.mark_false_positive(session=it.session, actor=it.actor, alert=_alert(it), config=it.config)

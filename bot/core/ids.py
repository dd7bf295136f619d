"""Ids that Slack sends back to us: the slash command, actions, views. Never string literals elsewhere."""

from __future__ import annotations

from enum import StrEnum

COMMAND = "/srm"


class Action(StrEnum):
    """Action ids start with the object kind (a public contract: integrations key on them)."""

    ORDER_CONFIRM = "order_confirm"
    ORDER_PROPOSE_DATE = "order_propose_date"
    ORDER_UPDATE = "order_update"
    ORDER_REPORT_PROBLEM = "order_report_problem"
    ORDER_PROPOSAL_ACCEPT = "order_proposal_accept"
    ORDER_PROPOSAL_DECLINE = "order_proposal_decline"
    TICKET_ACK = "ticket_ack"
    TICKET_RESOLVE = "ticket_resolve"
    TICKET_CLOSE = "ticket_close"
    TICKET_REOPEN = "ticket_reopen"
    TICKET_RESPONSIBLE = "ticket_responsible"
    TICKET_CAPA = "ticket_capa"
    CAPA_PLAN = "capa_plan"
    CAPA_ACCEPT = "capa_accept"
    CAPA_RETURN = "capa_return"
    CAPA_DONE = "capa_done"
    CAPA_VERIFY = "capa_verify"
    CAPA_REJECT = "capa_reject"
    FEEDBACK_GIVE = "feedback_give"
    LEVEL_APPROVE = "level_approve"
    LEVEL_REJECT = "level_reject"
    RISK_ACK = "risk_ack"
    RISK_SNOOZE = "risk_snooze"
    RISK_FALSE_POSITIVE = "risk_false_positive"
    HOME_SCORECARD = "home_scorecard"
    HOME_DIGEST_TOGGLE = "home_digest_toggle"
    HOME_DIGEST_EDIT = "home_digest_edit"
    TIER_APPROVE = "tier_approve"
    TIER_REJECT = "tier_reject"


class View(StrEnum):
    """callback_id of modals; each submission re-checks the actor's rights."""

    ORDER_NEW = "order_new"
    ORDER_PROPOSE_DATE = "order_propose_date"
    ORDER_UPDATE = "order_update"
    TICKET_NEW = "ticket_new"
    TICKET_RESOLVE = "ticket_resolve"
    CAPA_PLAN = "capa_plan"
    CAPA_RETURN = "capa_return"
    FEEDBACK_GIVE = "feedback_give"
    SCORECARD_RATE = "scorecard_rate"
    HOME_SCORECARD = "home_scorecard"
    HOME_DIGEST = "home_digest"


class Shortcut(StrEnum):
    TICKET_FROM_MESSAGE = "ticket_from_message"

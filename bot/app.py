"""The composition root: the Bolt app with the installed features' listeners, and their scheduled jobs."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.capa import jobs as capa_jobs
from bot.capa.flows import open_rectification
from bot.capa.variables import VARIABLES as CAPA_VARIABLES
from bot.capa.variables import capa_variables
from bot.config import AppConfig
from bot.core import maintenance
from bot.core.scheduler import Job
from bot.core.slack_identity import BotIdentity
from bot.core.web import SlackWsgiApp
from bot.digests import jobs as digest_jobs
from bot.digests.content import register_buyer_section
from bot.feedback import jobs as feedback_jobs
from bot.feedback.flows import invite_feedback
from bot.home.service import register_home_section, register_supplier_facts
from bot.projects.variables import VARIABLES as PROJECT_VARIABLES
from bot.projects.variables import cocreation_variables
from bot.relationship import jobs as relationship_jobs
from bot.relationship.tiers import rectification_due, sla_of
from bot.risk import jobs as risk_jobs
from bot.scorecards import hooks as scorecard_hooks
from bot.scorecards import jobs as scorecard_jobs
from bot.scorecards.facts import register_card_facts, register_portfolio_section
from bot.scorecards.variables import VariableProvider, register_provider
from bot.settings import Settings
from bot.surfaces import (
    active_risks_on_home,
    cocreation_in_portfolio,
    exposure_facts,
    feedback_in_portfolio,
    feedback_on_home,
    holidays_for_buyers,
    relationship_facts,
    relationship_on_home,
    risk_alerts_for_buyers,
)
from bot.tickets import jobs as ticket_jobs
from bot.tickets.sla import SupplierSla, register_supplier_sla

# Scorecard variables other domains compute (the scorecards domain imports none of them).
register_provider(
    VariableProvider(
        name="capa",
        names=lambda policy: CAPA_VARIABLES,
        compute=lambda session, period, policy: capa_variables(
            session=session,
            period_start=period.start,
            period_end=period.end,
            starts_at=period.starts_at,
            ends_at=period.ends_at,
        ),
        counts=frozenset({"capas_opened"}),
    )
)
register_provider(
    VariableProvider(
        name="projects",
        names=lambda policy: PROJECT_VARIABLES,
        compute=lambda session, period, policy: cocreation_variables(
            session=session, starts_at=period.starts_at, ends_at=period.ends_at
        ),
        counts=frozenset(PROJECT_VARIABLES),
    )
)


def _tier_sla(session, supplier_id: int, config: AppConfig) -> SupplierSla:
    """A supplier's tier shortens its ticket SLAs; its country's work week sets the business days."""
    tier = sla_of(session, supplier_id, config)
    return SupplierSla(factor=tier.factor, weekdays=tier.weekdays)


register_supplier_sla(_tier_sla)


def rectify_downgrade(*, session, supplier_id: int, reason: str, config: AppConfig) -> bool:
    """For the approval of a level downgrade: a strategic or core supplier gets a rectification CAPA (in
    the approval's transaction); True when one was opened."""
    if not rectification_due(session, supplier_id):
        return False
    open_rectification(session=session, supplier_id=supplier_id, reason=reason, config=config)
    return True


@scorecard_hooks.on_level_applied
def _rectify_after_downgrade(*, session, supplier_id: int, old_level: str | None, new_level: str, downgrade: bool,
                             config: AppConfig) -> None:  # fmt: skip
    """An approved downgrade of a strategic or core supplier opens a rectification CAPA (the reason names
    the levels as app.yaml does, the same in every language)."""
    if downgrade:
        rectify_downgrade(session=session, supplier_id=supplier_id, reason=f"{old_level} → {new_level}",
                          config=config)  # fmt: skip


# After each evaluation, the suppliers are invited to rate the buyers for that period (the feedback job
# also invites on its own schedule; an invitation is made once per channel and period either way).
scorecard_hooks.on_period_evaluated(
    lambda session, config, period_start, period_end: invite_feedback(
        session=session, config=config, period_start=period_start, period_end=period_end
    )
)

# Risk alerts and the suppliers' holiday periods in the buyers' digest; active risks on their Home tab.
register_buyer_section(risk_alerts_for_buyers)
register_buyer_section(holidays_for_buyers)
register_home_section(active_risks_on_home)

# Tier, loyalty and risk exposure next to the level on every scorecard (the supplier's card too: exposure is
# a figure only); the suppliers' feedback and co-creation value in the buyers' portfolio and on Home.
register_card_facts(relationship_facts)
register_card_facts(exposure_facts)
register_portfolio_section(feedback_in_portfolio)
register_portfolio_section(cocreation_in_portfolio)
register_supplier_facts(relationship_facts)
register_home_section(relationship_on_home)
register_home_section(feedback_on_home)


def make_client(settings: Settings, timeout: float = 10.0) -> WebClient:
    """A Web API client for the configured base URL, without hidden retries (the outbox retries)."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return WebClient(token=token, base_url=settings.slack_api_url, timeout=int(timeout), retry_handlers=[])


def create_app(*, settings: Settings, config: AppConfig, client: WebClient | None = None) -> App:
    """A Bolt app that verifies every request's signature and runs each listener before answering; it
    answers without the Web API when a listener needs none (see BotIdentity)."""
    from handlers import register_listeners

    client = client or make_client(settings)
    app = App(
        # The token is BotIdentity's to give each request: Bolt's own authorization would wait on auth.test.
        client=WebClient(base_url=client.base_url, timeout=client.timeout, retry_handlers=[]),
        authorize=BotIdentity(client),
        # Socket Mode needs no signing secret: Bolt checks no signature on requests of mode="socket_mode".
        signing_secret=settings.slack_signing_secret.get_secret_value()
        if settings.slack_signing_secret
        else "",
        process_before_response=True,
        request_verification_enabled=True,
    )
    register_listeners(app, config)
    return app


def create_wsgi_app(*, settings: Settings, config: AppConfig, engine: Engine) -> SlackWsgiApp:
    return SlackWsgiApp(create_app(settings=settings, config=config), engine)


def scheduled_jobs(config: AppConfig) -> list[Job]:
    """Every job the installed domains declare (`srm jobs list`, the scheduler of `srm run` / `srm worker`)."""
    tickets = ticket_jobs.JOBS if config.tickets.enabled else []
    return [
        *maintenance.JOBS,
        *tickets,
        *capa_jobs.JOBS,
        *feedback_jobs.JOBS,
        *scorecard_jobs.JOBS,
        risk_jobs.job(config),
        *digest_jobs.JOBS,
        *relationship_jobs.JOBS,
    ]

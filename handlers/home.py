"""The person's own surfaces: the Home tab (buyers' dashboard, digest preferences, latest scorecards), and
forms closed without sending."""

from __future__ import annotations

import logging
import re
from datetime import datetime

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.config import AppConfig
from bot.core.actors import Actor
from bot.core.after_commit import after_commit
from bot.core.db import RequestSession
from bot.core.ids import Action, View
from bot.core.manifest_parts import SlackNeeds
from bot.core.roles import require_buyer
from bot.digests import service as digests
from bot.digests.workdays import zone_or_utc
from bot.home import service as home
from bot.home.views import DigestChoice, digest_modal, home_view, scorecard_modal
from handlers.common import Interaction, Submission, attempt, open_form, submit
from models import utcnow

log = logging.getLogger(__name__)

NEEDS = SlackNeeds(
    scopes=("chat:write",),
    events=("app_home_opened",),
    home_tab=True,
    interactivity=True,
    offers=("daily digests",),
    story="Every working day at 09:00 in each reader's own time zone, each supplier channel and each buyer get "
    "a digest of what waits on them, with links to the messages it is about.",
)


def register(app: App) -> None:
    app.event("app_home_opened")(show_home)
    app.action(str(Action.HOME_SCORECARD))(open_scorecard)
    app.action(str(Action.HOME_DIGEST_TOGGLE))(toggle_digest)
    app.action(str(Action.HOME_DIGEST_EDIT))(edit_digest)
    app.view(str(View.HOME_DIGEST))(save_digest)
    app.view_closed(re.compile(".*"))(form_closed)


def show_home(ack: Ack, event: dict, context: BoltContext, client: WebClient) -> None:
    """Publish the Home tab when someone opens it (views.publish once the request has ended)."""
    ack()
    actor = context.get("actor")
    if event.get("tab") != "home" or actor is None:
        return  # the Messages tab, or nobody Slack could name
    session = context["session"]
    if isinstance(session, RequestSession):
        session.read_only()
    publish_home(client, session, actor, context["config"])


def publish_home(client: WebClient, session: Session, actor: Actor, config: AppConfig) -> None:
    """Build the reader's Home tab now (in their language) and publish it once the request has ended."""
    if actor.is_buyer:
        now = utcnow()
        today = datetime.now(zone_or_utc(actor.profile_tz or config.default_timezone)).date()
        view = home_view(
            is_buyer=True,
            board=home.dashboard(session=session, actor=actor, now=now, today=today),
            digest=_digest_choice(session, actor, config),
            extra=home.extra_sections(session=session, actor=actor, now=now),
        )
    else:
        view = home_view(is_buyer=False)  # a supplier's people: where they act, nobody's data

    def publish() -> None:
        try:
            client.views_publish(user_id=actor.user_id, view=view)
        except (SlackApiError, OSError) as exc:
            log.warning("views.publish for %s failed: %s", actor.user_id, exc)

    after_commit(publish)


def _digest_choice(session: Session, actor: Actor, config: AppConfig) -> DigestChoice:
    preference = digests.buyer_preference(session=session, user_id=actor.user_id)
    weekdays = (
        frozenset(int(d) for d in preference.weekdays.split(","))
        if preference and preference.weekdays
        else None
    )
    return DigestChoice(
        enabled=preference.enabled if preference else True,
        time=preference.time if preference else None,
        weekdays=weekdays,
        default_time=config.digests.time,
        zone=actor.profile_tz or config.default_timezone,
    )


def open_scorecard(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Open scorecard (Home tab): the supplier's latest evaluation in a modal, for buyers only."""
    ack()
    open_form(Interaction.of_action(body, context, client), _scorecard, object_type="supplier")


def _scorecard(it: Interaction) -> dict:
    supplier, evaluation = home.latest_scorecard(session=it.session, actor=it.actor, supplier_id=it.value)
    if evaluation is None:
        return scorecard_modal(supplier.name, None, None, None, {})
    return scorecard_modal(supplier.name, evaluation.period_start, evaluation.score, evaluation.level,
                           evaluation.criteria)  # fmt: skip


def toggle_digest(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Turn my daily digest on or off (Home tab); the tab is published again."""
    ack()
    it = Interaction.of_action(body, context, client)

    def toggle(it: Interaction) -> None:
        current = _digest_choice(it.session, it.actor, it.config)
        digests.set_buyer_preference(session=it.session, actor=it.actor, enabled=it.value == "on",
                                     time=current.time, weekdays=current.weekdays)  # fmt: skip
        publish_home(it.client, it.session, it.actor, it.config)

    attempt(it, _buyers(toggle), object_type="digest_preference", object_id=it.user_id)


def edit_digest(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Change time and days: the form, with the buyer's current choice."""
    ack()
    it = Interaction.of_action(body, context, client)
    open_form(it, _buyers(lambda it: digest_modal(_digest_choice(it.session, it.actor, it.config))),
              object_type="digest_preference")  # fmt: skip


def save_digest(ack: Ack, view: dict, context: BoltContext, client: WebClient) -> None:
    form = Submission.of(view, context, client)
    state = view.get("state", {}).get("values", {})
    time = (state.get("time", {}).get("value") or {}).get("selected_time")
    days = [int(o["value"]) for o in (state.get("days", {}).get("value") or {}).get("selected_options") or []
            if str(o.get("value", "")).isdigit()]  # fmt: skip

    def save(form: Submission) -> None:
        require_buyer(form.actor)
        digests.set_buyer_preference(session=form.session, actor=form.actor, enabled=True, time=time or None,
                                     weekdays=days)  # fmt: skip
        publish_home(form.client, form.session, form.actor, form.config)

    submit(ack, form, save, object_type="digest_preference", object_id=form.actor.user_id,
           error_blocks={"digest_days_invalid": "days", "digest_time_invalid": "time"})  # fmt: skip


def _buyers(work):
    """`work`, for buyers only (Home buttons come from the client: a forged press is refused, audited)."""

    def checked(it: Interaction):
        require_buyer(it.actor)
        return work(it)

    return checked


def form_closed(ack: Ack) -> None:
    """A form closed with Cancel: nothing was sent, nothing to do."""
    ack()

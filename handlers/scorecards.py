"""Scorecards in Slack: `/srm scorecard`, `/srm rate` and its form, the admins' Approve / Reject of level
changes, and `/srm supplier blacklist | reinstate`.

Button values and private_metadata come from the client: each is re-checked here and in the rules.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.core import help as help_views
from bot.core.blocks import message, section
from bot.core.errors import DomainError
from bot.core.help import Grammar
from bot.core.i18n import _
from bot.core.ids import Action, View
from bot.core.manifest_parts import SlackNeeds
from bot.core.text import neutralise
from bot.scorecards import flows, reading
from bot.scorecards import ratings as scorecard_ratings
from bot.scorecards.views import level_label, rated_text, rating_modal, scorecard_card
from bot.suppliers import service as suppliers
from handlers.common import (
    Interaction,
    Submission,
    attempt,
    buyers_only,
    open_modal,
    submit,
    tell,
    usage_problem,
)
from handlers.request import CommandRequest, CommandSet, reads_only
from models import Supplier, utcnow

NEEDS = SlackNeeds(
    scopes=("chat:write", "files:write"),
    interactivity=True,
    offers=("supplier scorecards",),
    story="Each period every supplier gets its scorecard with a chart, in its language; admins approve level "
    "changes and buyers rate suppliers.",
)


def register(app: App) -> None:
    app.action(str(Action.LEVEL_APPROVE))(approve)
    app.action(str(Action.LEVEL_REJECT))(reject)
    app.view(str(View.SCORECARD_RATE))(submit_rating)


def _named_supplier(request: CommandRequest) -> Supplier:
    return suppliers.find_supplier(
        session=request.session, actor=request.actor, name=request.args.words[0]
    ).supplier


def _one_name(request: CommandRequest, allowed: frozenset[str] = frozenset()) -> dict[str, Any] | None:
    if not request.args.words or not request.args.words[0].strip():
        return help_views.missing_argument(request.grammar(), '"<name>"')
    return usage_problem(request, allowed=set(allowed))


# --- /srm scorecard -----------------------------------------------------------------------------


@reads_only
def show(request: CommandRequest) -> dict[str, Any]:
    """`/srm scorecard "<name>"`: the latest card; a supplier's own people see only their own supplier."""
    if usage := _one_name(request):
        return usage
    supplier = _named_supplier(request)  # refuses a supplier the actor may not see
    criteria = [c.name for c in request.config.scorecards.criteria]
    card = reading.latest_scorecard(request.session, supplier, criteria)
    if card is None:
        text = _("{supplier} has not been evaluated yet: its first scorecard comes once a period ends.").format(
            supplier=neutralise(supplier.name))  # fmt: skip
        return message(text, [section(text)])
    return scorecard_card(card)


# --- /srm rate and its form ---------------------------------------------------------------------


def rate(request: CommandRequest) -> dict[str, Any]:
    """`/srm rate "<name>"`: the rating form, for buyers."""
    buyers_only(request.actor)
    if usage := _one_name(request):
        return usage
    supplier = _named_supplier(request)
    periods = scorecard_ratings.periods_to_rate(request.config, utcnow())
    view = rating_modal(supplier.id, supplier.name, [(p.start, p.end) for p in periods],
                        request.config.scorecards.ratings, periods[0].start, request.channel_id)  # fmt: skip
    open_modal(request.client, request.trigger_id, view, request.channel_id, request.actor.user_id)
    return {}


def submit_rating(ack: Ack, view: dict, context: BoltContext, client: WebClient) -> None:
    form = Submission.of(view, context, client)
    submit(ack, form, _rate, object_type="supplier", object_id=form.metadata.get("supplier_id"))


def _rate(form: Submission) -> None:
    buyers_only(form.actor)
    try:
        supplier = form.session.get(Supplier, int(str(form.metadata.get("supplier_id"))))
    except (TypeError, ValueError):
        supplier = None
    if supplier is None:
        raise DomainError("supplier_not_found", name="?")
    rated = scorecard_ratings.rate(session=form.session, actor=form.actor, supplier=supplier,
                                   period_start=form.values.get("period"), values=form.values,
                                   comment=form.values.get("comment") or "", department=form.values.get("department"),
                                   config=form.config, now=utcnow())  # fmt: skip
    channel = form.metadata.get("channel_id") or form.actor.user_id
    tell(form.client, channel, form.actor.user_id,
         rated_text(supplier.name, len(rated.dimensions), rated.period.start, rated.period.end))  # fmt: skip


# --- Approve / Reject ---------------------------------------------------------------------------


def approve(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Approve a level change: admins only, once however many press."""
    ack()
    attempt(Interaction.of_action(body, context, client), _approve, object_type="level_change")


def reject(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    ack()
    attempt(Interaction.of_action(body, context, client), _reject, object_type="level_change")


def _change_id(it: Interaction) -> int:
    try:
        return int(str(it.value))
    except (TypeError, ValueError):
        raise DomainError("level_change_unknown", id=it.value) from None


def _decide(it: Interaction, approve: bool) -> None:
    change = flows.decide(session=it.session, actor=it.actor, change_id=_change_id(it), approve=approve,
                          config=it.config, now=utcnow())  # fmt: skip
    supplier = it.session.get(Supplier, change.supplier_id)
    done = _("Approved: {supplier} is now {level}.") if approve else _("Rejected: {supplier} stays {level}.")
    tell(it.client, it.channel_id, it.user_id, done.format(
        supplier=neutralise(supplier.name), level=level_label(supplier.level)))  # fmt: skip


def _approve(it: Interaction) -> None:
    _decide(it, True)


def _reject(it: Interaction) -> None:
    _decide(it, False)


# --- /srm supplier blacklist | reinstate --------------------------------------------------------


def blacklist(request: CommandRequest) -> dict[str, Any]:
    """`/srm supplier blacklist "<name>" reason="…"`: admins only; new orders are refused from then on."""
    if usage := _one_name(request, frozenset({"reason"})):
        return usage
    supplier = _named_supplier(request)
    flows.blacklist(session=request.session, actor=request.actor, supplier=supplier,
                    reason=request.args.options.get("reason") or "", config=request.config, now=utcnow())  # fmt: skip
    text = ":no_entry: " + _("*{supplier}* is blacklisted: new orders are refused.").format(
        supplier=neutralise(supplier.name))  # fmt: skip
    return message(text, [section(text)])


def reinstate(request: CommandRequest) -> dict[str, Any]:
    """`/srm supplier reinstate "<name>"`: admins only; back to the level before the blacklisting."""
    if usage := _one_name(request):
        return usage
    supplier = _named_supplier(request)
    change = flows.reinstate(session=request.session, actor=request.actor, supplier=supplier,
                             config=request.config, now=utcnow())  # fmt: skip
    text = ":white_check_mark: " + _("*{supplier}* is reinstated at level {level}.").format(
        supplier=neutralise(supplier.name), level=level_label(change.to_level))  # fmt: skip
    return message(text, [section(text)])


def _grammar() -> Grammar:
    return [
        ('/srm scorecard "<name>"', _("Show a supplier's latest scorecard.")),
        ('/srm rate "<name>"', _("Rate a supplier 0-100 on the rating dimensions for a period (buyers).")),
        ('/srm supplier blacklist "<name>" reason="…" | /srm supplier reinstate "<name>"',
         _("Blacklist a supplier (new orders refused), or lift it (admins).")),
    ]  # fmt: skip


COMMANDS = CommandSet(
    verbs={
        ("scorecard",): show,
        ("rate",): rate,
        ("supplier", "blacklist"): blacklist,
        ("supplier", "reinstate"): reinstate,
    },
    grammar=_grammar,
    hint="scorecard … | rate …",
    topic="scorecards",
)

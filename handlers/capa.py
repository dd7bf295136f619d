"""Corrective actions: `/srm capa new | list | show`, the ticket card's CAPA button, and the CAPA card's
buttons and forms (Submit plan · Accept · Return · Mark implemented · Verify · Not effective).

Button values and private_metadata come from the client: each is re-checked here and in the rules.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.capa import flows as capa_flows
from bot.capa import service as capas
from bot.capa.views import capa_card, capa_list, plan_modal, return_modal
from bot.core import help as help_views
from bot.core.blocks import message, section
from bot.core.errors import DomainError
from bot.core.help import Grammar
from bot.core.i18n import _
from bot.core.ids import Action, View
from bot.core.manifest_parts import SlackNeeds
from handlers.common import (
    Interaction,
    Submission,
    attempt,
    buyers_only,
    open_form,
    submit,
    tell,
    usage_problem,
)
from handlers.request import CommandRequest, CommandSet, reads_only
from models import CorrectiveAction, Supplier

NEEDS = SlackNeeds(
    scopes=("chat:write",),
    interactivity=True,
    offers=("corrective actions",),
    story="Buyers open corrective actions; the supplier answers with root cause, containment and dated "
    "actions, and the buyers accept, return and verify them.",
)


def register(app: App) -> None:
    app.action(str(Action.TICKET_CAPA))(open_from_ticket)
    app.action(str(Action.CAPA_PLAN))(open_plan)
    app.view(str(View.CAPA_PLAN))(submit_plan)
    app.action(str(Action.CAPA_ACCEPT))(accept)
    app.action(str(Action.CAPA_RETURN))(open_return)
    app.view(str(View.CAPA_RETURN))(submit_return)
    app.action(str(Action.CAPA_DONE))(implement)
    app.action(str(Action.CAPA_VERIFY))(verify)
    app.action(str(Action.CAPA_REJECT))(reject)


# --- /srm capa ----------------------------------------------------------------------------------


def new(request: CommandRequest) -> dict[str, Any]:
    """`/srm capa new T-<n> [due=YYYY-MM-DD]`: buyers open a corrective action on a ticket."""
    buyers_only(request.actor)
    if not request.args.words:
        return help_views.missing_argument(request.grammar(), "T-<n>")
    if usage := usage_problem(request, allowed={"due"}, word="T-<n>"):
        return usage
    ticket = capas.ticket_for_capa(
        session=request.session, actor=request.actor, ticket_ref=request.args.words[0]
    )
    due = capas.parse_due(request.args.options.get("due"), request.config)
    capa = capa_flows.open_for_ticket(session=request.session, actor=request.actor, ticket=ticket, due=due,
                                      config=request.config)  # fmt: skip
    return _opened(capa)


def _opened(capa: CorrectiveAction) -> dict[str, Any]:
    text = ":clipboard: " + _("{number} opened on T-{ticket}; its card is being posted in <#{channel}>.").format(
        number=capa.number, ticket=capa.ticket_id, channel=capa.channel_id)  # fmt: skip
    return message(text, [section(text)])


@reads_only
def list_all(request: CommandRequest) -> dict[str, Any]:
    if usage := usage_problem(request, allowed={"status"}, words=0):
        return usage
    rows = capas.visible_capas(session=request.session, actor=request.actor,
                               status=request.args.options.get("status"))  # fmt: skip
    return capa_list(rows)


@reads_only
def show(request: CommandRequest) -> dict[str, Any]:
    if not request.args.words:
        return help_views.missing_argument(request.grammar(), "CA-<n>")
    if usage := usage_problem(request, allowed=set(), word="CA-<n>"):
        return usage
    capa = capas.capa_for(session=request.session, actor=request.actor, capa_id=request.args.words[0])
    supplier = request.session.get(Supplier, capa.supplier_id)
    payload = capa_card(capa, f"T-{capa.ticket_id}" if capa.ticket_id else None, supplier.name)
    payload["blocks"] = [b for b in payload["blocks"] if b["type"] != "actions"]
    return payload


def _grammar() -> Grammar:
    return [
        ("/srm capa new T-<n> [due=<YYYY-MM-DD>]", _("Open a corrective action on a ticket (buyers).")),
        ("/srm capa list [status=<s>] | /srm capa show CA-<n>", _("List corrective actions, or show one.")),
    ]


COMMANDS = CommandSet(
    verbs={("capa", "new"): new, ("capa", "list"): list_all, ("capa", "show"): show},
    grammar=_grammar,
    hint="capa …",
    topic="corrective actions",
)


# --- buttons and forms --------------------------------------------------------------------------


def _capa(it: Interaction | Submission, capa_id) -> CorrectiveAction:
    return capas.capa_for(session=it.session, actor=it.actor, capa_id=capa_id)


def open_from_ticket(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """The ticket card's CAPA button: buyers only, due in the default number of days."""
    ack()
    attempt(Interaction.of_action(body, context, client), _open_from_ticket, object_type="ticket")


def _open_from_ticket(it: Interaction) -> None:
    ticket = capas.ticket_for_capa(session=it.session, actor=it.actor, ticket_ref=it.value)
    capa = capa_flows.open_for_ticket(session=it.session, actor=it.actor, ticket=ticket,
                                      due=capas.parse_due(None, it.config), config=it.config)  # fmt: skip
    tell(it.client, it.channel_id, it.user_id, _opened(capa)["text"])


def open_plan(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Submit plan: the plan form, for the supplier's own people while the CAPA is open."""
    ack()
    open_form(Interaction.of_action(body, context, client), _plan_form, object_type="capa")


def _plan_form(it: Interaction) -> dict:
    capa = _capa(it, it.value)
    capas.check_can_plan(it.actor, capa)
    return plan_modal(capa)


def submit_plan(ack: Ack, view: dict, context: BoltContext, client: WebClient) -> None:
    form = Submission.of(view, context, client)
    submit(ack, form, _plan, object_type="capa", object_id=form.metadata.get("capa_id"))


def _planned_actions(form: Submission) -> list[capas.PlannedAction]:
    """The filled action rows; each needs its due date (not in the past)."""
    actions = []
    for n in range(1, 4):
        text = (form.values.get(f"action_{n}") or "").strip()
        due = form.values.get(f"due_{n}")
        if not text and not due:
            continue
        if not text:
            raise DomainError("capa_text_needed", field=f"action_{n}")
        if not due:
            raise DomainError("capa_action_date", field=f"due_{n}")
        actions.append(capas.PlannedAction(text, capas.parse_due(due, form.config, field=f"due_{n}")))
    return actions


def _plan(form: Submission) -> None:
    capa = _capa(form, form.metadata.get("capa_id"))
    capa_flows.plan(session=form.session, actor=form.actor, capa=capa, root_cause=form.values.get("root_cause") or "",
                    containment=form.values.get("containment") or "", actions=_planned_actions(form),
                    config=form.config)  # fmt: skip


def accept(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Accept plan: buyers only."""
    ack()
    attempt(Interaction.of_action(body, context, client), _accept, object_type="capa")


def _accept(it: Interaction) -> None:
    capa_flows.accept(session=it.session, actor=it.actor, capa=_capa(it, it.value), config=it.config)


def open_return(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Return with a reason: the form, for buyers while a plan waits."""
    ack()
    open_form(Interaction.of_action(body, context, client), _return_form, object_type="capa")


def _return_form(it: Interaction) -> dict:
    capa = _capa(it, it.value)
    capas.check_can_return(it.actor, capa)
    return return_modal(capa)


def submit_return(ack: Ack, view: dict, context: BoltContext, client: WebClient) -> None:
    form = Submission.of(view, context, client)
    submit(ack, form, _return, object_type="capa", object_id=form.metadata.get("capa_id"))


def _return(form: Submission) -> None:
    capa_flows.return_plan(session=form.session, actor=form.actor, capa=_capa(form, form.metadata.get("capa_id")),
                           reason=form.values.get("reason") or "", config=form.config)  # fmt: skip


def implement(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Mark implemented: the supplier's own people, once the plan is accepted."""
    ack()
    attempt(Interaction.of_action(body, context, client), _implement, object_type="capa")


def _implement(it: Interaction) -> None:
    capa_flows.implement(session=it.session, actor=it.actor, capa=_capa(it, it.value), config=it.config)


def verify(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Verify (effective): buyers only."""
    ack()
    attempt(Interaction.of_action(body, context, client), _verify, object_type="capa")


def _verify(it: Interaction) -> None:
    capa_flows.verify(session=it.session, actor=it.actor, capa=_capa(it, it.value), config=it.config)


def reject(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Not effective: buyers send an implemented CAPA back to accepted."""
    ack()
    attempt(Interaction.of_action(body, context, client), _reject, object_type="capa")


def _reject(it: Interaction) -> None:
    capa_flows.reject(session=it.session, actor=it.actor, capa=_capa(it, it.value), config=it.config)

"""Two-way feedback: the invitation's button and rating form (supplier contacts of that channel's
supplier only), and `/srm feedback` for buyers (means per supplier and dimension, never who answered)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.core.help import Grammar
from bot.core.i18n import _
from bot.core.ids import Action, View
from bot.core.manifest_parts import SlackNeeds
from bot.feedback import service as feedback
from bot.feedback.views import feedback_modal, feedback_summary
from bot.suppliers import service as suppliers
from handlers.common import Interaction, Submission, buyers_only, open_form, submit, tell, usage_problem
from handlers.request import CommandRequest, CommandSet, reads_only
from models.feedback import FEEDBACK_DIMENSIONS

NEEDS = SlackNeeds(
    scopes=("chat:write",),
    interactivity=True,
    offers=("two-way feedback",),
    story="Each period the supplier's people rate the buyers on payment, specifications, communication, "
    "forecast and fairness; buyers see the means, never who answered.",
)


def register(app: App) -> None:
    app.action(str(Action.FEEDBACK_GIVE))(open_feedback)
    app.view(str(View.FEEDBACK_GIVE))(submit_feedback)


def open_feedback(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Give feedback: the rating form, for the supplier's own people."""
    ack()
    open_form(Interaction.of_action(body, context, client), _form, object_type="feedback")


def _form(it: Interaction) -> dict:
    invitation = feedback.invitation_for(session=it.session, actor=it.actor, invitation_id=it.value)
    return feedback_modal(invitation.id, invitation.period_start, invitation.period_end)


def submit_feedback(ack: Ack, view: dict, context: BoltContext, client: WebClient) -> None:
    form = Submission.of(view, context, client)
    submit(ack, form, _answer, object_type="feedback", object_id=form.metadata.get("invitation_id"))


def _answer(form: Submission) -> None:
    invitation = feedback.invitation_for(session=form.session, actor=form.actor,
                                         invitation_id=form.metadata.get("invitation_id"))  # fmt: skip
    ratings = {d: form.values.get(d) for d in FEEDBACK_DIMENSIONS}
    feedback.answer(session=form.session, actor=form.actor, invitation=invitation, ratings=ratings,
                    comment=form.values.get("comment") or "")  # fmt: skip
    tell(
        form.client,
        invitation.channel_id,
        form.actor.user_id,
        ":pray: " + _("Thank you: your feedback is recorded."),
    )


@reads_only
def show(request: CommandRequest) -> dict[str, Any]:
    """`/srm feedback show ["<name>"]`: buyers see the means of each supplier's answers."""
    buyers_only(request.actor)
    if usage := usage_problem(request, allowed=set(), words=len(request.args.words[:1])):
        return usage
    supplier_id = None
    if request.args.words:
        supplier_id = suppliers.find_supplier(session=request.session, actor=request.actor,
                                              name=request.args.words[0]).supplier.id  # fmt: skip
    means = feedback.feedback_means(session=request.session, supplier_id=supplier_id)
    grouped: dict[tuple, list] = {}
    for m in means:
        grouped.setdefault((m.supplier, m.period_start, m.period_end), []).append(
            (m.dimension, m.responses, m.mean)
        )
    return feedback_summary([(name, start, end, dims) for (name, start, end), dims in grouped.items()])


def _grammar() -> Grammar:
    return [
        (
            '/srm feedback show ["<name>"]',
            _("How suppliers rate the buyers: means per question (buyers)."),
        )
    ]


COMMANDS = CommandSet(
    verbs={("feedback", "show"): show}, grammar=_grammar, hint="feedback …", topic="feedback"
)

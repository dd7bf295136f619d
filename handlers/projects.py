"""Co-creation projects: `/srm project new | value | close | list` (buyers create, value and close)."""

from __future__ import annotations

from typing import Any

from bot.core import help as help_views
from bot.core.blocks import message, section
from bot.core.help import Grammar
from bot.core.i18n import _
from bot.core.manifest_parts import SlackNeeds
from bot.core.text import neutralise
from bot.projects import flows
from bot.projects import service as projects
from bot.projects.views import money, project_list
from handlers.common import buyers_only, usage_problem
from handlers.request import CommandRequest, CommandSet, reads_only

NEEDS = SlackNeeds(
    scopes=("chat:write",),
    offers=("joint projects",),
    story="Buyers and suppliers run joint R&D, cost-down and market projects in a thread, with the value "
    "they realise and the supplier's share recorded.",
)


def new(request: CommandRequest) -> dict[str, Any]:
    """`/srm project new "<title>" supplier="<name>" kind=… [target=…] [currency=…]`."""
    buyers_only(request.actor)
    if usage := usage_problem(
        request, allowed={"supplier", "kind", "target", "currency"}, required=("kind",)
    ):
        return usage
    options = request.args.options
    supplier = projects.supplier_for(
        request.session, options.get("supplier"), request.actor.channel_supplier_id
    )
    project = flows.open_project(session=request.session, actor=request.actor, supplier=supplier,
                                 title=request.args.words[0], kind=options["kind"], target=options.get("target"),
                                 currency=options.get("currency"), config=request.config)  # fmt: skip
    where = f"<#{project.channel_id}>" if project.channel_id else "—"
    text = _(":bulb: {number} “{title}” opened with {supplier}; its card is being posted in {channel}.").format(
        number=project.number, title=neutralise(project.title), supplier=neutralise(supplier.name), channel=where)  # fmt: skip
    return message(text, [section(text)])


def value(request: CommandRequest) -> dict[str, Any]:
    """`/srm project value P-<n> amount=<n> [currency=…] supplier_share=<0-100>`."""
    buyers_only(request.actor)
    if not request.args.words:
        return help_views.missing_argument(request.grammar(), "P-<n>")
    allowed = {"amount", "currency", "supplier_share"}
    if usage := usage_problem(request, allowed=allowed, required=("amount", "supplier_share")):
        return usage
    project = projects.project_for(session=request.session, actor=request.actor, ref=request.args.words[0])
    options = request.args.options
    entry = flows.record_value(session=request.session, actor=request.actor, project=project, amount=options["amount"],
                               currency=options.get("currency"), supplier_share=options["supplier_share"],
                               config=request.config)  # fmt: skip
    total = projects.totals_of(request.session, project.id).realised
    text = _(":moneybag: {amount} recorded on {number} (supplier's share {share} %); {total} realised in all.").format(
        amount=money(entry.amount, project.currency), number=project.number, share=entry.supplier_share,
        total=money(total, project.currency))  # fmt: skip
    return message(text, [section(text)])


def close(request: CommandRequest) -> dict[str, Any]:
    """`/srm project close P-<n> [summary="…"]`."""
    buyers_only(request.actor)
    if not request.args.words:
        return help_views.missing_argument(request.grammar(), "P-<n>")
    if usage := usage_problem(request, allowed={"summary"}):
        return usage
    project = projects.project_for(session=request.session, actor=request.actor, ref=request.args.words[0])
    flows.close_project(session=request.session, actor=request.actor, project=project,
                        summary=request.args.options.get("summary"), config=request.config)  # fmt: skip
    total = projects.totals_of(request.session, project.id).realised
    text = _(":checkered_flag: {number} closed with {total} realised; the summary is in its thread.").format(
        number=project.number, total=money(total, project.currency))  # fmt: skip
    return message(text, [section(text)])


@reads_only
def list_all(request: CommandRequest) -> dict[str, Any]:
    if usage := usage_problem(request, allowed=set(), words=0):
        return usage
    return project_list(projects.visible_projects(session=request.session, actor=request.actor))


def _grammar() -> Grammar:
    return [
        ('/srm project new "<title>" supplier="<name>" kind=rnd|cost|market [target=<n>] [currency=<ISO4217>]',
         _("Start a co-creation project with a supplier (buyers); its card goes to the supplier's channel.")),
        ("/srm project value P-<n> amount=<n> [currency=<ISO4217>] supplier_share=<0-100>",
         _("Record value a project realised and the supplier's share of it; entries add up.")),
        ('/srm project close P-<n> [summary="…"]', _("Close a project; its summary goes to the project's thread.")),
        ("/srm project list", _("List co-creation projects.")),
    ]  # fmt: skip


COMMANDS = CommandSet(
    verbs={
        ("project", "new"): new,
        ("project", "value"): value,
        ("project", "close"): close,
        ("project", "list"): list_all,
    },
    grammar=_grammar,
    hint="project …",
    topic="co-creation projects",
)

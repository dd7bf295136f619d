"""Project surfaces: the project card in the supplier's channel, the closing note, the list."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_currency

from bot.core.blocks import context, header, message, section
from bot.core.i18n import _, current_locale, ngettext
from bot.core.text import neutralise
from bot.projects.service import ProjectTotals
from models import Project


def kind_label(kind: str) -> str:
    return {"rnd": _("Joint R&D"), "cost": _("Cost-down"), "market": _("Market development")}.get(kind, kind)


def status_label(status: str) -> str:
    return {"open": _("Open"), "closed": _("Closed")}.get(status, status)


def money(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return "—"
    return format_currency(amount, currency, locale=current_locale())


def _fields(project: Project, supplier: str, totals: ProjectTotals) -> str:
    share = "—" if totals.supplier_share is None else f"{totals.supplier_share} %"
    return "\n".join([
        _("*Supplier*: {supplier}").format(supplier=neutralise(supplier)),
        _("*Kind*: {kind}").format(kind=kind_label(project.kind)),
        _("*Status*: {status}").format(status=status_label(project.status)),
        _("*Target*: {amount}").format(amount=money(project.target_amount, project.currency)),
        _("*Realised*: {amount}").format(amount=money(totals.realised, project.currency)),
        _("*Supplier's share*: {share}").format(share=share),
    ])  # fmt: skip


def project_card(project: Project, supplier: str, totals: ProjectTotals) -> dict[str, Any]:
    """The project card in the supplier's channel, in the current locale (the supplier's)."""
    title = _("{number}: {title}").format(number=project.number, title=project.title)
    blocks = [header(title), section(_fields(project, supplier, totals))]
    if project.status == "open":
        blocks.append(
            context(_("Reply in this thread to work on the project together; every reply is kept."))
        )
    return message(neutralise(title), blocks)


def value_note(project: Project, amount: Decimal, share: int, totals: ProjectTotals) -> str:
    return _(":moneybag: {number}: {amount} realised (supplier's share {share} %); {total} in all.").format(
        number=project.number, amount=money(amount, project.currency), share=share,
        total=money(totals.realised, project.currency))  # fmt: skip


def closing_note(project: Project, totals: ProjectTotals, replies: int) -> str:
    """The summary posted when a project closes."""
    target = money(project.target_amount, project.currency)
    lines = [
        _(":checkered_flag: {number} closed: {realised} realised of a {target} target.").format(
            number=project.number, realised=money(totals.realised, project.currency), target=target),
        ngettext("{n} value entry.", "{n} value entries.", totals.entries).format(n=totals.entries) + " "
        + ngettext("{n} reply in this thread.", "{n} replies in this thread.", replies).format(n=replies),
    ]  # fmt: skip
    if project.summary:
        lines.append(_("*Summary*: {text}").format(text=neutralise(project.summary)))
    return "\n".join(lines)


def project_list(rows: list[tuple[Project, str]]) -> dict[str, Any]:
    if not rows:
        text = _(
            'No co-creation projects yet. Start one with `/srm project new "<title>" supplier="<name>" kind=rnd`.'
        )
        return message(text, [section(text)])
    lines = [f"*{p.number}* · {neutralise(p.title)} · {neutralise(name)} · {kind_label(p.kind)} · {status_label(p.status)}"
             for p, name in rows]  # fmt: skip
    title = ngettext("{n} project", "{n} projects", len(rows)).format(n=len(rows))
    return message(title, [header(title), section("\n".join(lines))])

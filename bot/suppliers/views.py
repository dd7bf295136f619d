"""Supplier surfaces: the welcome message in the supplier's channel, list and detail."""

from __future__ import annotations

from typing import Any

from bot.core.blocks import context, header, message, section
from bot.core.i18n import _, format_datetime, language_name, ngettext, territory_name
from bot.core.text import neutralise
from bot.suppliers.service import SupplierSummary
from models import Supplier


def welcome_message(supplier: Supplier, *, tickets: bool) -> dict[str, Any]:
    """Posted in the supplier's channel when it is linked, in the supplier's language."""
    name = neutralise(supplier.name)
    title = _("Welcome, {supplier}!").format(supplier=supplier.name)
    intro = _(
        "This channel now connects {supplier} with our buyers. "
        "I am the procurement bot; here is what I will do here:"
    ).format(supplier=name)
    points = [
        _(
            "*Orders*: new purchase orders appear as cards. Press *Confirm*, or *Propose new date* if the date does not work."
        ),
        _(
            "*Production updates*: reply in the order's thread (for example “cutting 60%”) or press *Post update*."
        ),
    ]
    if tickets:
        points.append(
            _(
                "*Problems*: press *Report problem* or react with :ticket: to any message to open a ticket with response times."
            )
        )
    points.append(
        _(
            "*Records*: messages, replies and button presses here are kept with who and when, so both sides can look back at what was agreed."
        )
    )
    zone = _("Times are shown for {zone}. Reply in any language you like.").format(zone=supplier.timezone)
    return message(
        _("Welcome, {supplier}!").format(supplier=name),
        [header(title), section(intro), section("\n".join("• " + p for p in points)), context(zone)],
    )


def supplier_line(summary: SupplierSummary) -> str:
    s = summary.supplier
    channels = " ".join(f"<#{c}>" for c in summary.channel_ids) or "—"
    return f"*{neutralise(s.name)}* · {territory_name(s.country)} · {channels}"


def supplier_list(summaries: list[SupplierSummary]) -> dict[str, Any]:
    if not summaries:
        text = _(
            'No suppliers yet. In a supplier\'s shared channel, run `/srm supplier add "<name>" country=<ISO2>`.'
        )
        return message(text, [section(text)])
    title = ngettext("{n} supplier", "{n} suppliers", len(summaries)).format(n=len(summaries))
    blocks = [header(title)]
    lines = [supplier_line(s) for s in summaries]
    for start in range(0, len(lines), 40):  # stays far inside the 3,000-character section limit
        blocks.append(section("\n".join(lines[start : start + 40])))
    return message(title, blocks[:50])


def supplier_detail(summary: SupplierSummary, reader_tz: str | None) -> dict[str, Any]:
    s = summary.supplier
    channels = " ".join(f"<#{c}>" for c in summary.channel_ids) or "—"
    fields = "\n".join(
        [
            _("*Country*: {country} ({code})").format(country=territory_name(s.country), code=s.country),
            _("*Language*: {language} ({code})").format(language=language_name(s.locale), code=s.locale),
            _("*Time zone*: {zone}").format(zone=s.timezone),
            _("*Channels*: {channels}").format(channels=channels),
            ngettext("*Contacts*: {n} person", "*Contacts*: {n} people", summary.contacts).format(
                n=summary.contacts
            ),
            _("*Added*: {when} by <@{user}>").format(
                when=format_datetime(s.created_at, reader_tz), user=s.created_by
            ),
        ]
    )
    return message(neutralise(s.name), [header(s.name), section(fields)])

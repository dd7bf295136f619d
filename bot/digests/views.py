"""The digest message: one top-level post, a section per topic, lines capped (Block Kit limits)."""

from __future__ import annotations

from typing import Any

from bot.core.blocks import SECTION_MAX, context, header, message, section
from bot.core.i18n import _, format_date, format_decimal, ngettext
from bot.digests.content import Reader, Section


def digest_message(
    sections: list[Section], reader: Reader, *, supplier_name: str | None = None
) -> dict[str, Any]:
    """The digest in the current locale, times relative to the reader's now."""
    day = format_date(reader.today, "full")
    title = _("Your daily digest · {date}").format(date=day)
    blocks: list[dict[str, Any]] = [header(title)]
    for found in sections:
        blocks.append(section(_section_text(found, reader)))
    blocks.append(context(_("Times are in {zone}. Reply in the threads of the linked messages.").format(
        zone=reader.zone.key)))  # fmt: skip
    fallback = title if supplier_name is None else f"{title} · {supplier_name}"
    return message(fallback, blocks) | {"unfurl_links": False, "unfurl_media": False}


def _section_text(found: Section, reader: Reader) -> str:
    heading = f"*{found.title()}*" + (f" ({format_decimal(found.size)})" if found.counts else "")
    lines = [line.render(reader) for line in found.lines]
    more = found.size - len(found.lines)
    if more > 0:
        lines.append(ngettext("…and {n} more", "…and {n} more", more).format(n=format_decimal(more)))
    text = "\n".join([heading, *lines])
    return text if len(text) <= SECTION_MAX else text[: SECTION_MAX - 1] + "…"

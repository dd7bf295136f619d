"""The country guide a buyer reads: when a supplier is linked, and with `/srm supplier guide`."""

from __future__ import annotations

from datetime import date
from typing import Any

from babel.dates import format_date as babel_format_date
from babel.dates import get_day_names

from bot.core.blocks import context, header, message, section
from bot.core.i18n import _, current_locale, format_date, language_name, ngettext, territory_name
from bot.core.text import neutralise
from bot.relationship.guides import CountryFacts, HolidayPeriod

EXAMPLE_DAY = date(2026, 12, 31)
PERIODS_SHOWN = 10


def _order_label(order: str) -> str:
    return {"dmy": _("day, month, year"), "mdy": _("month, day, year"),
            "ymd": _("year, month, day")}.get(order, order)  # fmt: skip


def _days(working_days: tuple[int, ...] | None) -> str:
    if not working_days:
        return "—"
    names = get_day_names("wide", locale=current_locale())
    return ", ".join(names[d] for d in working_days)


def _period(period: HolidayPeriod) -> str:
    when = (
        format_date(period.start)
        if period.days == 1
        else f"{format_date(period.start)} – {format_date(period.end)}"
    )
    length = ngettext("{n} day", "{n} days", period.days).format(n=period.days)
    return f"• {when} ({length}): {neutralise(' / '.join(period.names[:2]))}"


def guide_blocks(
    facts: CountryFacts, periods: list[HolidayPeriod], supplier: str | None = None
) -> list[dict[str, Any]]:
    """The guide's blocks in the current locale (at most 6)."""
    country = territory_name(facts.country)
    title = _("Country guide: {country}").format(country=country)
    lines = [
        _("*Work week*: {days}").format(days=_days(facts.working_days)),
        _("*Usual business hours*: {hours} local time ({zone})").format(
            hours=facts.text.hours if facts.text else "—", zone=facts.timezone or "—"),
        _("*Languages*: {languages}").format(languages=", ".join(language_name(code) for code in facts.languages)),
        _("*Date format*: {example} ({order})").format(
            example=babel_format_date(EXAMPLE_DAY, "short", locale=facts.date_locale),
            order=_order_label(facts.date_order)),
    ]  # fmt: skip
    blocks = [header(title), section("\n".join(lines))]
    if facts.text:
        blocks.append(section(_("*Names and forms of address*: {text}").format(text=str(facts.text.address))))
        blocks.append(section(_("*Working together*: {text}").format(text=str(facts.text.tips))))
    shown = "\n".join(_period(p) for p in periods[:PERIODS_SHOWN]) or "—"
    blocks.append(section(_("*Public holidays in the next 12 months*") + "\n" + shown))
    if supplier:
        blocks.append(context(_("For working with {supplier}. Check dates with the supplier: local and "
                                "factory holidays vary.").format(supplier=neutralise(supplier))))  # fmt: skip
    return blocks


def guide_message(
    facts: CountryFacts, periods: list[HolidayPeriod], supplier: str | None = None
) -> dict[str, Any]:
    blocks = guide_blocks(facts, periods, supplier)
    return message(_("Country guide: {country}").format(country=territory_name(facts.country)), blocks)

"""What an alert says, in the current locale: kind, severity and status labels and its one-sentence summary.
Plain text: the Slack surfaces pass `quote=neutralise` for text that came from outside (a feed, a user)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from babel.numbers import format_percent

from bot.core.i18n import _, current_locale, format_date, format_decimal, ngettext, territory_name


def _percent(value: float | None) -> str:
    return "—" if value is None else format_percent(value / 100, format="#,##0.#%", locale=current_locale())


def _day(value: str) -> str:
    return format_date(date.fromisoformat(value))


def kind_label(kind: str) -> str:
    return {
        "disaster": _("Natural disaster"), "sanctions": _("Sanctions screening"), "fx": _("Currency move"),
        "holiday": _("Public holiday"), "unconfirmed_order": _("Order not confirmed"),
        "stale_order": _("No production update"), "behind_schedule": _("Behind schedule"),
        "on_time_drop": _("On-time delivery falling"), "quality_drop": _("Quality falling"),
        "sla_breaches": _("Repeated SLA breaches"), "level_down": _("Level downgrade"),
        "capa_overdue": _("Corrective action overdue"),
    }.get(kind, kind)  # fmt: skip


def severity_label(severity: str) -> str:
    return {"low": _("low"), "medium": _("medium"), "high": _("high")}.get(severity, severity)


def status_label(status: str) -> str:
    return {"open": _("open"), "acknowledged": _("acknowledged"), "snoozed": _("snoozed"),
            "resolved": _("resolved"), "false_positive": _("false positive")}.get(status, status)  # fmt: skip


def _percent(value: float | None) -> str:
    return "—" if value is None else format_percent(value / 100, format="#,##0.#%", locale=current_locale())


def _day(value: str) -> str:
    return format_date(date.fromisoformat(value))


def summary(kind: str, details: Mapping[str, Any], quote: Callable[[str], str] = str) -> str:
    """One sentence saying what the alert is about, in the current locale."""
    d, neutralise = details, quote
    match kind:
        case "disaster":
            return _("{level} alert for {country}: {title}").format(
                level=_("Red") if d.get("severity") == "high" else _("Orange"),
                country=territory_name(d["country"]), title=neutralise(d["title"]))  # fmt: skip
        case "sanctions":
            return _("The name resembles “{listed}”, entry {entry} of the {list} sanctions list{programme}: "
                     "{percent} match.").format(
                listed=neutralise(d["listed_name"]), entry=d["entry"], list=d["list"],
                programme=f" ({neutralise(d['programme'])})" if d.get("programme") else "",
                percent=_percent(d["percent"]))  # fmt: skip
        case "fx":
            return _("{po} is priced in {currency}, which moved {move} against {home} since the order was "
                     "issued on {issued}.").format(
                po=neutralise(d["po"]), currency=d["currency"], home=d["home"], move=_percent(d["move"]),
                issued=_day(d["issued"]))  # fmt: skip
        case "holiday":
            names = d["names"].get(current_locale()) or d["names"].get("en") or []
            return _("{po} is due on {due}, on or just after a public holiday in {country}: {holidays}.").format(
                po=neutralise(d["po"]), due=_day(d["due"]), country=territory_name(d["country"]),
                holidays=", ".join(f"{n} ({_day(day)})" for n, day in zip(names, d["days"], strict=False)))  # fmt: skip
        case "unconfirmed_order":
            return ngettext("{po} is not confirmed {hours} hour after it was issued.",
                            "{po} is not confirmed {hours} hours after it was issued.", d["hours"]).format(
                po=neutralise(d["po"]), hours=format_decimal(d["hours"]))  # fmt: skip
        case "stale_order":
            return ngettext("{po} has had no production update for {days} day.",
                            "{po} has had no production update for {days} days.", d["days"]).format(
                po=neutralise(d["po"]), days=format_decimal(d["days"]))  # fmt: skip
        case "behind_schedule":
            return _("{po} is due on {due} and is only {progress} done.").format(
                po=neutralise(d["po"]), due=_day(d["due"]), progress=_percent(d["progress"])
            )
        case "on_time_drop":
            return _(
                "On-time delivery was {rate} in {period} (mean of the three periods before: {mean})."
            ).format(rate=_percent(d["rate"]), period=d["period"], mean=_percent(d["mean"]))
        case "quality_drop":
            return _("Lot acceptance was {rate} in {period} (mean of the three periods before: {mean}); "
                     "defects per million: {ppm}.").format(
                rate=_percent(d["rate"]), period=d["period"], mean=_percent(d["mean"]),
                ppm="—" if d.get("ppm") is None else format_decimal(round(d["ppm"])))  # fmt: skip
        case "sla_breaches":
            return ngettext("{count} SLA breach in {period}.", "{count} SLA breaches in {period}.", d["count"]).format(
                count=format_decimal(d["count"]), period=d["period"])  # fmt: skip
        case "level_down":
            return _("The level went down from {before} to {after}.").format(before=d["from"], after=d["to"])
        case "capa_overdue":
            return _("{number} was due on {due} and is not verified yet.").format(
                number=d["number"], due=_day(d["due"])
            )
    return kind

"""The Home tab: for buyers, their portfolio at a glance, their digest preferences and the suppliers'
latest scorecards; for supplier people, one short explanation of where they act (never anyone's data)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.core.blocks import context, divider, header, section
from bot.core.i18n import _, format_date, format_decimal, format_month, ngettext
from bot.core.ids import Action, View
from bot.core.text import neutralise
from bot.home.service import Dashboard

HOME_BLOCKS_MAX = 50
WEEKDAYS = range(7)


@dataclass(frozen=True)
class DigestChoice:
    """A buyer's digest as they chose it (None: the default), and the defaults it falls back to."""

    enabled: bool
    time: str | None
    weekdays: frozenset[int] | None
    default_time: str
    zone: str


def weekday_name(day: int) -> str:
    return format_date(date(2026, 1, 5 + day), "EEEE")  # 5 January 2026 is a Monday


def _buyer_intro() -> str:
    return _(
        "I work in your suppliers' shared channels: order cards, production updates and problem "
        "tickets are posted there, in each reader's language. Type `/srm help` in any channel to see "
        "what you can do."
    )


def home_view(
    *,
    is_buyer: bool,
    board: Dashboard | None = None,
    digest: DigestChoice | None = None,
    extra: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The Home tab in the reader's language (buyers work with /srm, supplier people with buttons)."""
    if not is_buyer:
        text = _(
            "I work in the channel your company shares with its customer: use the buttons on my messages "
            "there, reply in their threads, or react with :ticket: to a message to report a problem."
        )
        return {"type": "home", "blocks": [header(_("Supplier relationship management")), section(text)]}
    blocks = [header(_("Supplier relationship management")), section(_buyer_intro())]
    if board is not None:
        blocks += _portfolio(board)
    if digest is not None:
        blocks += _digest_blocks(digest)
    if board is not None and board.scorecards:
        blocks += _scorecards(board)
    blocks += extra or []
    return {"type": "home", "blocks": blocks[:HOME_BLOCKS_MAX]}


def _level_label(level: str | None) -> str:
    return level if level else _("not evaluated")


def _portfolio(board: Dashboard) -> list[dict[str, Any]]:
    levels = " · ".join(f"{_level_label(level)}: {format_decimal(n)}" for level, n in board.levels)
    tickets = " · ".join([
        ":red_circle: " + _("breached: {n}").format(n=format_decimal(board.tickets.get("breached", 0))),
        ":large_orange_circle: " + _("due within 4 h: {n}").format(n=format_decimal(board.tickets.get("due_soon", 0))),
        ":large_green_circle: " + _("on track: {n}").format(n=format_decimal(board.tickets.get("on_track", 0))),
    ])  # fmt: skip
    blocks = [
        divider(),
        section(_bold(_("Portfolio by level")) + "\n" + (levels or _("No suppliers yet."))),
        section(_bold(_("Open tickets by SLA")) + "\n" + tickets),
    ]
    overdue = [
        "• "
        + _("{po} · {supplier} · due {date}").format(
            po=neutralise(po), supplier=neutralise(name), date=format_date(due)
        )
        for po, name, due in board.overdue
    ]
    blocks.append(section(_titled(_("Overdue orders"), board.overdue_total, overdue, _("None."))))
    approvals = [
        "• "
        + _("{supplier}: {before} → {after}").format(
            supplier=neutralise(name), before=before or "—", after=after
        )
        for name, before, after in board.approvals
    ]
    blocks.append(
        section(_titled(_("Level changes awaiting approval"), board.approvals_total, approvals, _("None.")))
    )
    return blocks


def _titled(title: str, total: int, lines: list[str], empty: str) -> str:
    more = total - len(lines)
    if more > 0:
        lines = [*lines, ngettext("…and {n} more", "…and {n} more", more).format(n=format_decimal(more))]
    return "\n".join([f"*{title}* ({format_decimal(total)})", *(lines or [empty])])


def digest_summary(choice: DigestChoice) -> str:
    if not choice.enabled:
        return _("Off: you get no daily digest.")
    days = choice.weekdays
    named = ", ".join(weekday_name(d) for d in sorted(days)) if days is not None else _("working days")
    return _("On: every {days} at {time} ({zone}), when there is something to report.").format(
        days=named, time=choice.time or choice.default_time, zone=choice.zone
    )


def _digest_blocks(choice: DigestChoice) -> list[dict[str, Any]]:
    toggle = _("Turn off") if choice.enabled else _("Turn on")
    return [
        divider(),
        section(_bold(_("Your daily digest")) + "\n" + digest_summary(choice)),
        {"type": "actions", "block_id": "digest", "elements": [
            {"type": "button", "action_id": str(Action.HOME_DIGEST_TOGGLE), "value": "off" if choice.enabled else "on",
             "text": {"type": "plain_text", "text": toggle}},
            {"type": "button", "action_id": str(Action.HOME_DIGEST_EDIT), "value": "edit",
             "text": {"type": "plain_text", "text": _("Change time and days")}},
        ]},
    ]  # fmt: skip


def _scorecards(board: Dashboard) -> list[dict[str, Any]]:
    blocks = [divider(), section(_bold(_("Latest scorecards")))]
    for supplier_id, name, score, level in board.scorecards:
        shown = _("not enough data") if score is None else f"{round(score)}/100"
        facts = [text for text in (fact() for fact in board.facts.get(supplier_id, ())) if text]
        line = " · ".join([neutralise(name), shown, _level_label(level), *facts])
        blocks.append(section(line) | {"accessory": {
            "type": "button", "action_id": str(Action.HOME_SCORECARD), "value": str(supplier_id),
            "text": {"type": "plain_text", "text": _("Open scorecard")}}})  # fmt: skip
    return blocks


def scorecard_modal(name: str, period_start: date | None, score: float | None, level: str | None,
                    criteria: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """The latest evaluation of a supplier: its score, level and each criterion (0-100)."""
    if period_start is None:
        blocks = [section(_("*{name}* has no scorecard yet.").format(name=neutralise(name)))]
    else:
        shown = _("not enough data") if score is None else f"{round(score)}/100"
        blocks = [
            section(f"*{neutralise(name)}* · {format_month(period_start)}"),
            section(_("Score: {score} · Level: {level}").format(score=shown, level=_level_label(level))),
        ]
        lines = [
            f"• {criterion}: {'—' if value is None else round(value)}"
            for criterion, value in criteria.items()
        ]
        if lines:
            blocks.append(section("\n".join(lines)))
            blocks.append(context(_("Each criterion is scored 0-100; — means no data in the period.")))
    return {"type": "modal", "callback_id": str(View.HOME_SCORECARD), "title": _plain(_("Scorecard")),
            "close": _plain(_("Close")), "blocks": blocks}  # fmt: skip


def digest_modal(choice: DigestChoice) -> dict[str, Any]:
    """Time and days of the buyer's digest (in their own zone)."""
    options = [{"text": _plain(weekday_name(d)), "value": str(d)} for d in WEEKDAYS]
    chosen = choice.weekdays if choice.weekdays is not None else frozenset(range(5))
    days = {"type": "checkboxes", "action_id": "value", "options": options,
            "initial_options": [o for o in options if int(o["value"]) in chosen]}  # fmt: skip
    clock = {"type": "timepicker", "action_id": "value", "initial_time": choice.time or choice.default_time}
    return {
        "type": "modal", "callback_id": str(View.HOME_DIGEST), "title": _plain(_("Daily digest")),
        "submit": _plain(_("Save")), "close": _plain(_("Cancel")),
        "private_metadata": json.dumps({}),
        "blocks": [
            {"type": "input", "block_id": "time", "label": _plain(_("Time ({zone})").format(zone=choice.zone)),
             "element": clock},
            {"type": "input", "block_id": "days", "label": _plain(_("Days")), "element": days},
        ],
    }  # fmt: skip


def _bold(text: str) -> str:
    return f"*{text}*"


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}

"""Scorecard surfaces: the supplier's card, the buyers' portfolio, the admins' proposal card, the
supplier's level notice and the manual rating form. Each renders in the current locale."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from typing import Any

from bot.core.blocks import context, header, message, section
from bot.core.i18n import _, current_locale, format_date, format_decimal, ngettext
from bot.core.ids import Action, View
from bot.core.text import neutralise
from bot.scorecards.facts import Blocks, Fact

BAR_WIDTH = 10
WEAK_CRITERION = 70  # criteria scoring below this are named under "what to improve"


def level_label(name: str | None) -> str:
    if not name:
        return _("not classified yet")
    return _labels(current_locale(), "level").get(name, name.replace("_", " "))


def criterion_label(name: str) -> str:
    return _labels(current_locale(), "criterion").get(name, name.replace("_", " "))


def dimension_label(name: str) -> str:
    return _labels(current_locale(), "dimension").get(name, name.replace("_", " "))


def _advice(name: str) -> str:
    return _labels(current_locale(), "advice").get(name, "")


@cache
def _labels(locale: str, kind: str) -> dict[str, str]:
    """The names shown for levels, criteria, rating dimensions and the advice per criterion, in `locale`
    (built once per locale: a card shows them many times)."""
    if kind == "level":
        return {"core_strategic": _("Core strategic"), "key": _("Key"), "ordinary": _("Ordinary"),
            "reserve": _("Reserve"), "blacklist": _("Blacklisted")}  # fmt: skip
    if kind == "criterion":
        return {"quality": _("Quality"), "on_time_delivery": _("On-time delivery"),
            "price_competitiveness": _("Price competitiveness"), "after_sales_service": _("After-sales service"),
            "compliance": _("Compliance"), "collaboration": _("Collaboration"),
            "strategic_alignment": _("Strategic alignment"), "capability": _("Capability"),
            "service": _("Service"), "financial_stability": _("Financial stability"),
            "risk_control": _("Risk control")}  # fmt: skip
    if kind == "dimension":
        return {"price": _("Price"), "compliance": _("Compliance"), "service": _("Service"),
            "strategy": _("Strategy"), "capability": _("Capability"), "finance": _("Finance"),
            "risk": _("Risk")}  # fmt: skip
    return {"quality": _("fewer rejected lots: check defects before shipping"),
            "on_time_delivery": _("deliver the ordered quantity by the agreed due date"),
            "price_competitiveness": _("offer more competitive prices"),
            "after_sales_service": _("answer tickets sooner and within their targets"),
            "compliance": _("keep documents, audits and certificates complete and current"),
            "collaboration": _("confirm new orders sooner")}  # fmt: skip


def period_label(start: date, end: date) -> str:
    return _("{start} to {end}").format(start=format_date(start), end=format_date(end))


def _month(start: date) -> str:
    return _formatted_month(current_locale(), start)


@cache
def _formatted_month(locale: str, start: date) -> str:
    return format_date(start, "MMM yyyy")


def _number(value: float | None) -> str:
    return "–" if value is None else _formatted_number(current_locale(), round(value, 1))


@lru_cache(maxsize=4096)
def _formatted_number(locale: str, value: float) -> str:
    return format_decimal(value)


def text_bar(value: float | None) -> str:
    if value is None:
        return "░" * BAR_WIDTH
    filled = max(0, min(BAR_WIDTH, round(value / 100 * BAR_WIDTH)))
    return "▓" * filled + "░" * (BAR_WIDTH - filled)


@dataclass(frozen=True)
class Scorecard:
    """One supplier's evaluation of a period, with the trend of its latest periods (oldest first)."""

    supplier: str
    period_start: date
    period_end: date
    score: float | None
    level: str | None
    current_level: str | None
    criteria: list[tuple[str, float | None]]
    trend: list[tuple[date, float | None]] = field(default_factory=list)
    facts: tuple[Fact, ...] = ()  # other domains' facts shown next to the level (tier, loyalty, exposure)


def _criteria_lines(card: Scorecard) -> str:
    lines = []
    for name, value in card.criteria:
        if value is None:
            lines.append(_("`{bar}` {criterion}: no data this period").format(
                bar=text_bar(None), criterion=criterion_label(name)))  # fmt: skip
        else:
            lines.append(f"`{text_bar(value)}` {criterion_label(name)}: *{_number(value)}*")
    return "\n".join(lines)


def _improve_lines(card: Scorecard) -> list[str]:
    weak = sorted((v, n) for n, v in card.criteria if v is not None and v < WEAK_CRITERION)[:3]
    lines = []
    for value, name in weak:
        advice = _advice(name)
        line = f"• {criterion_label(name)} ({_number(value)})"
        lines.append(f"{line}: {advice}" if advice else line)
    return lines


def trend_line(trend: list[tuple[date, float | None]]) -> str:
    return " → ".join(f"{_month(start)} {_number(score)}" for start, score in trend)


def scorecard_card(card: Scorecard) -> dict[str, Any]:
    """The supplier's own scorecard for a period."""
    title = _("Scorecard {period}").format(period=period_label(card.period_start, card.period_end))
    name = neutralise(card.supplier)
    if card.score is None:
        summary = _("*{supplier}*: not enough data this period to score.").format(supplier=name)
    else:
        summary = _("*{supplier}*: score *{score}* of 100, level *{level}*.").format(
            supplier=name, score=_number(card.score), level=level_label(card.level))  # fmt: skip
    blocks = [header(title), section(summary)]
    facts = [text for text in (fact() for fact in card.facts) if text]
    if facts:
        blocks.append(context(" · ".join(facts)))
    if card.score is not None:
        blocks.append(section(_criteria_lines(card)))
    if card.trend:
        blocks.append(section(_("*Trend*: {trend}").format(trend=trend_line(card.trend))))
    improve = _improve_lines(card)
    if improve:
        blocks.append(section(_("*What to improve*") + "\n" + "\n".join(improve)))
    blocks.append(context(_("Level in force: {level}.").format(level=level_label(card.current_level))))
    return message(f"{title}: {summary}", blocks) | {"unfurl_links": False}


def chart_data(card: Scorecard) -> dict[str, Any]:
    """What the chart is drawn from (labels in the current locale; see bot.scorecards.chart)."""
    return {
        "title": f"{card.supplier} · {period_label(card.period_start, card.period_end)}",
        "title_fallback": f"{card.period_start.isoformat()} – {card.period_end.isoformat()}",
        "criteria": [[criterion_label(n), n, v] for n, v in card.criteria],
        "trend": [[_month(start), score] for start, score in card.trend],
    }


def chart_title(card: Scorecard) -> str:
    return _("Scorecard chart: criteria and trend")


@dataclass(frozen=True)
class Portfolio:
    period_start: date
    period_end: date
    level_counts: list[tuple[str | None, int]]
    movers: list[tuple[str, float, float]]  # supplier, previous score, score
    weakest: list[tuple[str, float, list[tuple[str, float]]]]  # supplier, score, weakest criteria
    unscored: int = 0
    sections: tuple[Blocks, ...] = ()  # other domains' sections (feedback means, co-creation value)


def portfolio_message(portfolio: Portfolio) -> dict[str, Any]:
    """The buyers' view of a period: suppliers per level, biggest movers, the five weakest."""
    title = _("Supplier portfolio {period}").format(
        period=period_label(portfolio.period_start, portfolio.period_end))  # fmt: skip
    counts = ", ".join(f"{level_label(level)}: {n}" for level, n in portfolio.level_counts) or "–"
    blocks = [header(title), section(_("*Suppliers per level*: {counts}").format(counts=counts))]
    if portfolio.movers:
        lines = [f"• {neutralise(name)}: {_number(before)} → {_number(after)}"
                 for name, before, after in portfolio.movers]  # fmt: skip
        blocks.append(section(_("*Biggest movers*") + "\n" + "\n".join(lines)))
    if portfolio.weakest:
        lines = []
        for name, score, weak in portfolio.weakest:
            reasons = ", ".join(f"{criterion_label(c)} {_number(v)}" for c, v in weak) or "–"
            lines.append(f"• {neutralise(name)}: *{_number(score)}* ({reasons})")
        blocks.append(section(_("*Weakest suppliers*") + "\n" + "\n".join(lines)))
    for more in portfolio.sections:
        blocks.extend(more())
    if portfolio.unscored:
        blocks.append(context(ngettext("{n} supplier had not enough data to score.",
                                       "{n} suppliers had not enough data to score.",
                                       portfolio.unscored).format(n=portfolio.unscored)))  # fmt: skip
    return message(title, blocks) | {"unfurl_links": False}


@dataclass(frozen=True)
class Proposal:
    change_id: int
    supplier: str
    from_level: str | None
    to_level: str
    score: float | None
    period_start: date | None
    period_end: date | None
    status: str = "proposed"
    decided_by: str | None = None


def proposal_card(proposal: Proposal) -> dict[str, Any]:
    """The admins' card for a level change: Approve / Reject while it waits, then who decided."""
    text = _("Level change proposed for *{supplier}*: {before} → *{after}*.").format(
        supplier=neutralise(proposal.supplier), before=level_label(proposal.from_level),
        after=level_label(proposal.to_level))  # fmt: skip
    blocks = [section(":scales: " + text)]
    if proposal.period_start and proposal.period_end:
        blocks.append(context(_("Score {score} for {period}.").format(
            score=_number(proposal.score), period=period_label(proposal.period_start, proposal.period_end))))  # fmt: skip
    value = str(proposal.change_id)
    if proposal.status == "proposed":
        blocks.append({"type": "actions", "block_id": f"level_change:{value}", "elements": [
            {"type": "button", "action_id": str(Action.LEVEL_APPROVE), "value": value, "style": "primary",
             "text": {"type": "plain_text", "text": _("Approve")}},
            {"type": "button", "action_id": str(Action.LEVEL_REJECT), "value": value, "style": "danger",
             "text": {"type": "plain_text", "text": _("Reject")}}]})  # fmt: skip
    else:
        blocks.append(context(decision_label(proposal.status, proposal.decided_by)))
    return message(text, blocks)


def decision_label(status: str, user: str | None) -> str:
    if status == "approved":
        return ":white_check_mark: " + _("Approved by <@{user}>.").format(user=user)
    if status == "rejected":
        return ":no_entry_sign: " + _("Rejected by <@{user}>.").format(user=user)
    return _("Replaced by a newer evaluation.")


def level_notice(supplier: str, before: str | None, after: str) -> dict[str, Any]:
    """The supplier is told its new level (in its language)."""
    text = ":bar_chart: " + _("The level of *{supplier}* is now *{after}* (before: {before}).").format(
        supplier=neutralise(supplier), after=level_label(after), before=level_label(before))  # fmt: skip
    return message(text, [section(text)])


def level_warning(supplier: str, level: str | None) -> str:
    """The warning a `warn_new_orders` level puts on a new order."""
    return ":warning: " + _("{supplier} is at level {level}: check before relying on this order.").format(
        supplier=neutralise(supplier), level=level_label(level))  # fmt: skip


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


DEPARTMENTS = ("procurement", "quality", "rnd")


def department_label(value: str) -> str:
    return {"procurement": _("Procurement"), "quality": _("Quality"), "rnd": _("R&D")}.get(value, value)


def rating_modal(supplier_id: int, supplier: str, periods: list[tuple[date, date]], dimensions: list[str],
                 current: date, channel_id: str | None = None) -> dict[str, Any]:  # fmt: skip
    """Rate a supplier 0-100 per dimension for a period (the current one by default)."""
    options = [{"text": _plain(period_label(s, e)[:75]), "value": s.isoformat()} for s, e in periods]
    chosen = next((o for o in options if o["value"] == current.isoformat()), options[0])
    blocks: list[dict[str, Any]] = [
        context(
            _(
                "Rate *{supplier}* from 0 to 100 on the dimensions you can judge; rating again replaces "
                "your earlier rating of that period."
            ).format(supplier=neutralise(supplier))
        ),
        {
            "type": "input",
            "block_id": "period",
            "label": _plain(_("Period")),
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": options,
                "initial_option": chosen,
            },
        },
    ]
    for dimension in dimensions:
        blocks.append({"type": "input", "block_id": f"rating_{dimension}", "optional": True,
                       "label": _plain(dimension_label(dimension)),
                       "element": {"type": "plain_text_input", "action_id": "value", "max_length": 3,
                                   "placeholder": _plain("0-100")}})  # fmt: skip
    departments = [{"text": _plain(department_label(d)), "value": d} for d in DEPARTMENTS]
    blocks.append({"type": "input", "block_id": "department", "optional": True, "label": _plain(_("Department")),
                   "element": {"type": "static_select", "action_id": "value", "options": departments}})  # fmt: skip
    blocks.append({"type": "input", "block_id": "comment", "optional": True, "label": _plain(_("Comment")),
                   "element": {"type": "plain_text_input", "action_id": "value", "multiline": True,
                               "max_length": 3000}})  # fmt: skip
    return {"type": "modal", "callback_id": str(View.SCORECARD_RATE), "title": _plain(_("Rate supplier")[:24]),
            "submit": _plain(_("Save")), "close": _plain(_("Cancel")), "blocks": blocks,
            "private_metadata": json.dumps({"supplier_id": supplier_id, "channel_id": channel_id})}  # fmt: skip


def rated_text(supplier: str, count: int, period_start: date, period_end: date) -> str:
    return ":memo: " + ngettext("Saved your rating of *{supplier}* for {period} ({n} dimension).",
                                "Saved your ratings of *{supplier}* for {period} ({n} dimensions).", count).format(
        supplier=neutralise(supplier), period=period_label(period_start, period_end), n=count)  # fmt: skip

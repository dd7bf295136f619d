"""Risk surfaces: the alert card (buyers: with buttons; the supplier's channel: in its language with the
buyers' underneath, no buttons), thread notes, the stale-feed notice. Everything in the current locale."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.blocks import context, message, section
from bot.core.i18n import _, format_datetime, ngettext
from bot.core.ids import Action
from bot.core.text import neutralise
from bot.risk.texts import kind_label, severity_label, status_label, summary

ICONS = {"low": ":large_yellow_circle:", "medium": ":large_orange_circle:", "high": ":red_circle:"}


def headline(kind: str, severity: str, supplier: str) -> str:
    return "{icon} *{kind}* · {supplier} · {label}".format(
        icon=ICONS.get(severity, ""), kind=kind_label(kind), supplier=neutralise(supplier),
        label=_("severity {severity}").format(severity=severity_label(severity)))  # fmt: skip


def _buttons(alert_id: int, kind: str, status: str, snooze_days: int) -> list[dict[str, Any]]:
    if status in ("resolved", "false_positive"):
        return []
    snooze = ngettext("Snooze {days} day", "Snooze {days} days", snooze_days).format(days=snooze_days)
    buttons = [(Action.RISK_ACK, _("Acknowledge")), (Action.RISK_SNOOZE, snooze)]
    if status == "acknowledged":
        buttons = buttons[1:]
    if kind == "sanctions":
        buttons.append((Action.RISK_FALSE_POSITIVE, _("Not this supplier (false positive)")))
    return [{"type": "button", "action_id": str(a), "value": str(alert_id), "text": {"type": "plain_text", "text": t}}
            for a, t in buttons]  # fmt: skip


def alert_card(alert: Any, supplier: str, tz: str | None, *, snooze_days: int = 7) -> dict[str, Any]:
    """An alert for buyers, in the current locale; opening time in the reader's zone `tz`."""
    details = dict(alert.details) | {"severity": alert.severity}
    text = headline(alert.kind, alert.severity, supplier)
    blocks = [section(text), section(summary(alert.kind, details, neutralise))]
    state = _("Opened {when} · {status}").format(when=format_datetime(alert.opened_at, tz, "short"),
                                                   status=status_label(alert.status))  # fmt: skip
    if alert.status == "snoozed" and alert.snoozed_until:
        state += " · " + _("until {when}").format(when=format_datetime(alert.snoozed_until, tz, "short"))
    blocks.append(context(state))
    elements = _buttons(alert.id, alert.kind, alert.status, snooze_days)
    if elements:
        blocks.append({"type": "actions", "block_id": f"risk:{alert.id}", "elements": elements})
    return message(text, blocks) | {"unfurl_links": False, "unfurl_media": False}


def escalated_note(before: str, after: str) -> str:
    return ":arrow_double_up: " + _("Severity rose from {before} to {after}.").format(
        before=severity_label(before), after=severity_label(after)
    )


def resolved_note(when: datetime, tz: str | None) -> str:
    return ":white_check_mark: " + _(
        "The condition has cleared: this alert resolved itself on {when}."
    ).format(when=format_datetime(when, tz, "short"))


def snooze_over_note() -> str:
    return ":alarm_clock: " + _("The snooze is over and the condition is still there.")


def decided_note(status: str, user: str) -> str:
    return ":ballot_box_with_check: " + _("Marked {status} by <@{user}>.").format(
        status=status_label(status), user=user
    )


def stale_feed_notice(url: str, error: str, has_copy: bool) -> dict[str, Any]:
    """To the admins, once per outage of a feed."""
    text = ":warning: " + _("The risk feed {url} could not be used: {error}.").format(
        url=neutralise(url), error=neutralise(error[:300])
    )
    more = _("The last good copy stays in use until it works again.") if has_copy else _(
        "There is no earlier copy: this signal is skipped until the feed works.")  # fmt: skip
    return message(text, [section(text), context(more)])


def skipped_notice(reason: str) -> dict[str, Any]:
    """To the admins, once per distinct reason: part of a signal could not be evaluated."""
    text = ":warning: " + _("Part of a risk signal was skipped: {reason}.").format(
        reason=neutralise(reason[:500])
    )
    more = _("The other signals ran as usual.")
    return message(text, [section(text), context(more)])

"""What scorecard rules refuse, in the reader's language (registered with the core error texts)."""

from __future__ import annotations

from bot.core.error_views import register_error_texts
from bot.core.i18n import _
from bot.scorecards.views import level_label

TEXTS = {
    "admins_only": lambda p: _("Only the administrators named in app.yaml can do that."),
    "level_change_unknown": lambda p: _("This level change does not exist."),
    "level_change_decided": lambda p: _("This level change is no longer waiting for a decision ({status}).").format(
        status={"approved": _("approved"), "rejected": _("rejected"), "superseded": _("replaced by a newer "
                "evaluation")}.get(p["status"], p["status"])),
    "orders_blocked": lambda p: _("New orders for {supplier} are blocked: its level is {level}.").format(
        supplier=p["supplier"], level=level_label(p["level"])),
    "blacklist_reason": lambda p: _('Give the reason: reason="…".'),
    "already_blacklisted": lambda p: _("{supplier} is already blacklisted.").format(**p),
    "not_blacklisted": lambda p: _("{supplier} is not blacklisted.").format(**p),
    "rating_range": lambda p: _("{value} is not a whole number from 0 to 100.").format(**p),
    "rating_period": lambda p: _("Choose one of the periods offered."),
    "rating_department": lambda p: _("Choose one of the departments offered."),
    "rating_nothing": lambda p: _("Rate at least one dimension from 0 to 100."),
}  # fmt: skip

register_error_texts(TEXTS)

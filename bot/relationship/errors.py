"""What relationship rules refuse, in the reader's language (registered with the core error texts)."""

from __future__ import annotations

from bot.core.error_views import register_error_texts
from bot.core.i18n import _

TEXTS = {
    "tier_admins_only": lambda p: _("Only admins can change a supplier's tier."),
    "tier_unknown": lambda p: _("Unknown tier {value}; use one of: {allowed}.").format(**p),
    "tier_reason_needed": lambda p: _('Say why: add reason="…" to the command.'),
    "tier_change_unknown": lambda p: _("This tier proposal does not exist."),
    "tier_change_decided": lambda p: {
        "approved": _("This tier proposal was already approved."),
        "rejected": _("This tier proposal was already rejected."),
    }.get(p["status"], _("This tier proposal no longer applies: the tier was set by hand since.")),
    "setting_unknown": lambda p: _("Unknown setting {value}; use one of: {allowed}.").format(**p),
}  # fmt: skip

register_error_texts(TEXTS)

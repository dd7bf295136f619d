"""What the risk rules refuse, in the reader's language (registered with the core error texts)."""

from __future__ import annotations

from bot.core.error_views import register_error_texts
from bot.core.i18n import _
from bot.risk.texts import status_label

TEXTS = {
    "risk_unavailable": lambda p: _("This risk alert does not exist."),
    "risk_state": lambda p: _("This alert is {status}; that is not possible now.").format(
        status=status_label(p["status"])),
    "risk_not_sanctions": lambda p: _("Only a sanctions match can be marked a false positive."),
}  # fmt: skip

register_error_texts(TEXTS)

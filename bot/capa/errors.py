"""What corrective action rules refuse, in the reader's language (registered with the core error texts)."""

from __future__ import annotations

from bot.capa.views import capa_status_label
from bot.core.error_views import register_error_texts
from bot.core.i18n import _

TEXTS = {
    "capa_unavailable": lambda p: _("This corrective action does not exist or is not yours to act on."),
    "capa_supplier_side": lambda p: _("Only the supplier's own people plan and implement a corrective action."),
    "capa_state": lambda p: _("{number} is {status}; that is not possible now.").format(
        number=p["number"], status=capa_status_label(p["status"]).lower()),
    "capa_exists": lambda p: _("{ticket} already has the corrective action {number}.").format(**p),
    "capa_ticket_not_found": lambda p: _("No ticket {ticket}.").format(**p),
    "capa_bad_date": lambda p: _("{value} is not a date; use YYYY-MM-DD.").format(**p),
    "capa_date_past": lambda p: _("{value} is in the past; give a date from today on.").format(**p),
    "capa_text_needed": lambda p: _("Please fill in this field."),
    "capa_action_date": lambda p: _("Give each action a due date."),
    "capa_unknown_status": lambda p: _("Unknown status {value}; use one of: {allowed}.").format(**p),
}  # fmt: skip

register_error_texts(TEXTS)

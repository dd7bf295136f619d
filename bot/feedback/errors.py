"""What feedback rules refuse, in the reader's language (registered with the core error texts)."""

from __future__ import annotations

from bot.core.error_views import register_error_texts
from bot.core.i18n import _

TEXTS = {
    "feedback_unavailable": lambda p: _("Only the supplier's own people in this channel can answer this feedback."),
    "feedback_rating": lambda p: _("Choose a rating from 1 to 5."),
}  # fmt: skip

register_error_texts(TEXTS)

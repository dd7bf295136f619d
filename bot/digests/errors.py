"""What digest settings refuse, in the reader's language (registered with the core error texts)."""

from __future__ import annotations

from bot.core.error_views import register_error_texts
from bot.core.i18n import _

TEXTS = {
    "digest_time_invalid": lambda p: _(
        "“{value}” is not a time of day: use HH:MM (such as 09:00) or off."
    ).format(**p),
    "digest_days_invalid": lambda p: _("Choose at least one day."),
}

register_error_texts(TEXTS)

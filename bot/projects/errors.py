"""What project rules refuse, in the reader's language (registered with the core error texts)."""

from __future__ import annotations

from bot.core.error_views import register_error_texts
from bot.core.i18n import _

TEXTS = {
    "project_not_found": lambda p: _("No project {ref}.").format(**p),
    "project_closed": lambda p: _("{number} is closed; nothing more can be recorded on it.").format(**p),
    "project_kind_unknown": lambda p: _("Unknown project kind {value}; use one of: {allowed}.").format(**p),
    "project_amount_invalid": lambda p: _("{value} is not an amount; give a number above 0, such as 12500.50.").format(**p),
    "project_share_invalid": lambda p: _("{value} is not a share; give a whole number from 0 to 100.").format(**p),
    "project_currency_unknown": lambda p: _("{currency} is not an ISO 4217 currency code, such as USD.").format(**p),
    "project_currency_other": lambda p: _("{number} is kept in {currency}; record its value in {currency}.").format(**p),
    "project_title_invalid": lambda p: _("Give the project a title of at most {max} characters.").format(**p),
    "project_supplier_needed": lambda p: _('Name the supplier with supplier="<name>", or run this in its channel.'),
}  # fmt: skip

register_error_texts(TEXTS)

"""The Home tab: until it shows a buyer's work, one short explanation of where the bot acts."""

from __future__ import annotations

from typing import Any

from bot.core.blocks import header, section
from bot.core.i18n import _


def home_view(*, is_buyer: bool) -> dict[str, Any]:
    """The Home tab in the reader's language (buyers work with /srm, supplier people with buttons)."""
    if is_buyer:
        text = _(
            "I work in your suppliers' shared channels: order cards, production updates and problem "
            "tickets are posted there, in each reader's language. Type `/srm help` in any channel to see "
            "what you can do."
        )
    else:
        text = _(
            "I work in the channel your company shares with its customer: use the buttons on my messages "
            "there, reply in their threads, or react with :ticket: to a message to report a problem."
        )
    return {"type": "home", "blocks": [header(_("Supplier relationship management")), section(text)]}

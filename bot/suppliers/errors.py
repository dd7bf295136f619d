"""What supplier rules refuse, in the reader's language (registered with the core error texts)."""

from __future__ import annotations

from bot.core.error_views import register_error_texts
from bot.core.i18n import _

TEXTS = {
    "supplier_name_invalid": lambda p: _(
        "Give the supplier a name of 1 to {max} characters, in double quotes."
    ).format(**p),
    "unknown_country": lambda p: _(
        "“{country}” is not an ISO country code. Use two letters, such as CN, VN or MX."
    ).format(**p),
    "unknown_locale": lambda p: _(
        "“{locale}” is not a locale. Use a code such as zh_CN, es_MX or en_US."
    ).format(**p),
    "unknown_timezone": lambda p: _(
        "“{tz}” is not a time zone. Use an IANA name such as Asia/Shanghai."
    ).format(**p),
    "timezone_needed": lambda p: _(
        "No time zone is known for {country}; add tz=<IANA zone>, such as tz=Europe/Belgrade."
    ).format(**p),
    "not_in_direct_message": lambda p: _(
        "Run this in the supplier's shared channel, not in a direct message."
    ),
    "channel_already_linked": lambda p: _("This channel is already linked to supplier {supplier}.").format(
        **p
    ),
    "not_a_channel_id": lambda p: _("“{value}” is not a Slack channel id such as C0123ABCD.").format(**p),
    "supplier_exists": lambda p: _("A supplier named {name} already exists.").format(**p),
    "too_many_legal_names": lambda p: _("Give at most {limit} legal names, separated by ;.").format(**p),
    "supplier_not_linked": lambda p: _("Supplier {name} has no linked channel.").format(**p),
    "supplier_not_found": lambda p: _("No supplier named {name} was found.").format(**p),
    "supplier_needed": lambda p: _('Run this in a supplier\'s channel, or add supplier="<name>".'),
    "channel_not_found": lambda p: _(
        "The bot cannot see this channel. Invite it first: /invite @SRM, then run the command again."
    ),
    "not_in_channel": lambda p: _(
        "The bot is not a member of this channel. Invite it first: /invite @SRM, then run the command again."
    ),
}

register_error_texts(TEXTS)

"""`/srm supplier add | edit | set | link | unlink | list | show | guide`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.core import help as help_views
from bot.core.blocks import message, section
from bot.core.errors import DomainError
from bot.core.help import Grammar
from bot.core.i18n import _, current_locale
from bot.core.text import neutralise
from bot.digests import service as digests
from bot.relationship import flows as relationship_flows
from bot.relationship import tiers
from bot.relationship.guide_views import guide_blocks, guide_message
from bot.relationship.guides import guide_of
from bot.relationship.views import relationship_fields, tier_set_answer
from bot.suppliers import flows
from bot.suppliers import service as suppliers
from bot.suppliers.views import supplier_detail, supplier_list
from handlers.common import buyers_only
from handlers.request import CommandRequest, CommandSet, reads_only

ADD_OPTIONS = {"country", "locale", "tz"}


def add(request: CommandRequest) -> dict[str, Any]:
    """Create a supplier from its shared channel and link the channel."""
    args = request.args
    if unknown := sorted(set(args.options) - ADD_OPTIONS):
        return help_views.unexpected_arguments(request.grammar(), unknown)
    if len(args.words) != 1 or not args.words[0].strip():
        return help_views.missing_argument(request.grammar(), '"<name>"')
    if not args.options.get("country"):
        return help_views.missing_argument(request.grammar(), "country=<ISO2>")
    for key in ("locale", "tz"):
        if key in args.options and not args.options[key]:
            return help_views.missing_argument(request.grammar(), f"{key}=")
    buyers_only(request.actor)
    channel = _channel_info(request)
    supplier = flows.add_supplier(
        session=request.session,
        actor=request.actor,
        name=args.words[0],
        country=args.options["country"],
        channel=channel,
        locale=args.options.get("locale"),
        tz=args.options.get("tz"),
        config=request.config,
    )
    text = _(
        ":white_check_mark: Supplier *{name}* added and linked to this channel "
        "(language {locale}, time zone {tz}). A welcome message is on its way."
    ).format(name=neutralise(supplier.name), locale=supplier.locale, tz=supplier.timezone)
    return _with_guide(_linked_answer(text, channel), supplier)


def edit(request: CommandRequest) -> dict[str, Any]:
    """Change a supplier's name, country, locale or time zone."""
    args = request.args
    if unknown := sorted(set(args.options) - set(suppliers.EDITABLE)):
        return help_views.unexpected_arguments(request.grammar(), unknown)
    if len(args.words) != 1 or not args.words[0].strip():
        return help_views.missing_argument(request.grammar(), '"<name>"')
    if not args.options:
        return help_views.missing_argument(request.grammar(), "name= | country= | locale= | tz=")
    for key, value in args.options.items():
        if not value:
            return help_views.missing_argument(request.grammar(), f"{key}=")
    buyers_only(request.actor)
    supplier = suppliers.edit_supplier(
        session=request.session, actor=request.actor, name=args.words[0], changes=dict(args.options)
    )
    request.forget_supplier_after_commit(supplier.id)
    text = _(
        ":white_check_mark: Supplier *{name}*: country {country}, language {locale}, time zone {tz}."
    ).format(
        name=neutralise(supplier.name), country=supplier.country, locale=supplier.locale, tz=supplier.timezone
    )
    return message(text, [section(text)])


def _set_digest(request: CommandRequest, name: str, value: str) -> dict[str, Any]:
    """digest=HH:MM | off: the supplier channel's digest time (in the supplier's zone), buyers only."""
    buyers_only(request.actor)
    supplier = suppliers.find_supplier(session=request.session, actor=request.actor, name=name).supplier
    setting = digests.set_supplier_digest(
        session=request.session, actor=request.actor, supplier_id=supplier.id, value=value
    )
    if not setting.enabled:
        text = _(":white_check_mark: *{name}* gets no daily digest any more.").format(
            name=neutralise(supplier.name)
        )
    else:
        text = _(
            ":white_check_mark: *{name}* gets its daily digest at {time} ({tz}) on its working days."
        ).format(name=neutralise(supplier.name), time=setting.time, tz=supplier.timezone)
    return message(text, [section(text)])


def _set_tier(request: CommandRequest, name: str, value: str) -> dict[str, Any]:
    """tier=<tier> reason="…": admins only; kept in the supplier's tier history."""
    change = relationship_flows.set_tier(session=request.session, actor=request.actor, name=name, tier=value,
                                         reason=request.args.options.get("reason", ""), config=request.config)  # fmt: skip
    return tier_set_answer(tiers.supplier_named(request.session, name).name, change)


def _set_legal_names(request: CommandRequest, name: str, value: str) -> dict[str, Any]:
    """legal_names="A; B": the names a supplier is registered or trades under (sanctions screening)."""
    supplier = suppliers.set_legal_names(session=request.session, actor=request.actor, name=name, value=value)
    if supplier.legal_names:
        text = _(":white_check_mark: *{name}* is screened against sanctions lists under: {names}.").format(
            name=neutralise(supplier.name), names="; ".join(neutralise(n) for n in supplier.legal_names)
        )
    else:
        text = _(":white_check_mark: *{name}* is screened under its name only.").format(
            name=neutralise(supplier.name)
        )
    return message(text, [section(text)])


# `supplier set "<name>" key=value`: each key's setter, and the other options it reads.
SETTINGS: dict[str, Callable[[CommandRequest, str, str], dict[str, Any]]] = {
    "digest": _set_digest,
    "tier": _set_tier,
    "legal_names": _set_legal_names,
}
SETTING_OPTIONS: dict[str, set[str]] = {"tier": {"reason"}}


def set_value(request: CommandRequest) -> dict[str, Any]:
    """Change one setting of a supplier (`SETTINGS`): its channel's digest time, its relationship tier."""
    args = request.args
    if len(args.words) != 1 or not args.words[0].strip():
        return help_views.missing_argument(request.grammar(), '"<name>"')
    keys = [key for key in args.options if key in SETTINGS]
    if len(keys) != 1:
        unknown = sorted(set(args.options) - set(SETTINGS) - set().union(*SETTING_OPTIONS.values()))
        if unknown and not keys:
            return help_views.unexpected_arguments(request.grammar(), unknown)
        return help_views.missing_argument(request.grammar(), " | ".join(f"{key}=" for key in SETTINGS))
    key = keys[0]
    if unknown := sorted(set(args.options) - {key} - SETTING_OPTIONS.get(key, set())):
        return help_views.unexpected_arguments(request.grammar(), unknown)
    if not args.options[key]:
        return help_views.missing_argument(request.grammar(), f"{key}=")
    return SETTINGS[key](request, args.words[0], args.options[key])


def link(request: CommandRequest) -> dict[str, Any]:
    """Link the channel the command is run in to an existing supplier."""
    if problem := _name_only(request):
        return problem
    buyers_only(request.actor)
    channel = _channel_info(request)  # asked of Slack before the transaction's first statement
    supplier = flows.link_supplier(
        session=request.session,
        actor=request.actor,
        name=request.args.words[0],
        channel=channel,
        config=request.config,
    )
    text = _(
        ":white_check_mark: This channel is now linked to supplier *{name}*. A welcome message is on its way."
    ).format(name=neutralise(supplier.name))
    return _with_guide(_linked_answer(text, channel), supplier)


def _with_guide(answer: dict[str, Any], supplier) -> dict[str, Any]:
    """The buyer who links a supplier reads the guide to its country under the answer."""
    guide = guide_of(supplier, current_locale())
    answer["blocks"] = answer["blocks"] + guide_blocks(guide.facts, guide.periods, supplier.name)
    return answer


def _linked_answer(text: str, channel: suppliers.ChannelInfo) -> dict[str, Any]:
    """The answer to a link, warning when the channel is not shared with another organisation.

    conversations.info says whether a channel is shared (Slack Connect), not whether it has guests:
    the warning says so rather than asking Slack for every member.
    """
    if channel.is_shared:
        return message(text, [section(text)])
    warning = _(
        ":warning: This channel is not shared with another organisation, so the supplier's people cannot "
        "see it yet, unless they are guests here. Share it with them through Slack Connect, or invite "
        "them as guests."
    )
    return message(f"{text}\n{warning}", [section(text), section(warning)])


def unlink(request: CommandRequest) -> dict[str, Any]:
    """Remove the channel links of a supplier; the bot then ignores those channels."""
    if problem := _name_only(request):
        return problem
    buyers_only(request.actor)
    supplier, channel_ids = suppliers.unlink_channels(
        session=request.session, actor=request.actor, name=request.args.words[0]
    )
    request.forget_supplier_after_commit(supplier.id)
    text = _(
        ":white_check_mark: Supplier *{name}* is no longer linked to {channels}. Its orders, tickets and "
        "history are kept; the bot no longer works there."
    ).format(name=neutralise(supplier.name), channels=", ".join(f"<#{c}>" for c in channel_ids))
    return message(text, [section(text)])


def _name_only(request: CommandRequest) -> dict[str, Any] | None:
    """A usage message unless the arguments are exactly one supplier name."""
    args = request.args
    if args.options:
        return help_views.unexpected_arguments(request.grammar(), sorted(args.options))
    if len(args.words) != 1 or not args.words[0].strip():
        return help_views.missing_argument(request.grammar(), '"<name>"')
    return None


@reads_only
def list_all(request: CommandRequest) -> dict[str, Any]:
    if request.args.words or request.args.options:
        return help_views.unexpected_arguments(
            request.grammar(), request.args.words + list(request.args.options)
        )
    return supplier_list(suppliers.visible_suppliers(session=request.session, actor=request.actor))


@reads_only
def show(request: CommandRequest) -> dict[str, Any]:
    if len(request.args.words) != 1 or request.args.options:
        return help_views.missing_argument(request.grammar(), '"<name>"')
    summary = suppliers.find_supplier(
        session=request.session, actor=request.actor, name=request.args.words[0]
    )
    payload = supplier_detail(summary, request.actor.tz)
    if request.actor.is_buyer:  # the relationship is the buyers' view of the supplier
        supplier = summary.supplier
        row = tiers.relationship_of(request.session, supplier.id)
        since = row.tier_since if row else supplier.created_at
        history = tiers.history(request.session, supplier.id, limit=5)
        payload["blocks"] = payload["blocks"] + relationship_fields(row, history, since, request.actor.tz)
    return payload


@reads_only
def guide(request: CommandRequest) -> dict[str, Any]:
    """The guide to a supplier's country: work week, hours, languages, names, dates, holidays, tips."""
    if problem := _name_only(request):
        return problem
    buyers_only(request.actor)
    summary = suppliers.find_supplier(
        session=request.session, actor=request.actor, name=request.args.words[0]
    )
    found = guide_of(summary.supplier, current_locale())
    return guide_message(found.facts, found.periods, summary.supplier.name)


def _channel_info(request: CommandRequest) -> suppliers.ChannelInfo:
    """What Slack says of the command's channel; refuses DMs and channels the bot cannot post in."""
    if request.channel_id.startswith("D") or request.channel_name == "directmessage":
        raise DomainError("not_in_direct_message")
    try:
        channel = request.client.conversations_info(channel=request.channel_id)["channel"]
    except SlackApiError as exc:
        error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        raise DomainError(
            error if error in ("channel_not_found", "not_in_channel") else "slack_unavailable"
        ) from exc
    except OSError as exc:
        raise DomainError("slack_unavailable") from exc
    if channel.get("is_im") or channel.get("is_mpim"):
        raise DomainError("not_in_direct_message")
    if not channel.get("is_member", False):
        raise DomainError("not_in_channel")
    return suppliers.ChannelInfo(
        channel_id=request.channel_id,
        name=channel.get("name") or request.channel_name,
        is_direct=False,
        is_shared=bool(channel.get("is_ext_shared") or channel.get("is_shared")),
    )


def _grammar() -> Grammar:
    return [
        (
            '/srm supplier add "<name>" country=<ISO2> [locale=<ll_CC>] [tz=<IANA zone>]',
            _("Run in the supplier's shared channel: creates the supplier and links the channel."),
        ),
        (
            '/srm supplier edit "<name>" [name="<new name>"] [country=<ISO2>] [locale=<ll_CC>] [tz=<IANA zone>]',
            _("Change a supplier's name, country, language or time zone."),
        ),
        (
            '/srm supplier set "<name>" digest=<HH:MM>|off',
            _("Set the time of the supplier channel's daily digest (its own zone), or turn it off."),
        ),
        (
            '/srm supplier set "<name>" tier=strategic|core|transactional reason="…"',
            _("Admins: set a supplier's relationship tier (its SLA factor and review period), saying why."),
        ),
        (
            '/srm supplier set "<name>" legal_names="…"',
            _("Set the legal names a supplier is registered under (separated by ;), screened for sanctions."),
        ),
        (
            '/srm supplier link "<name>"',
            _("Run in a channel: links it to an existing supplier (after an unlink, or a second channel)."),
        ),
        (
            '/srm supplier unlink "<name>"',
            _("Removes the supplier's channel links; its orders, tickets and history stay."),
        ),
        ('/srm supplier list | /srm supplier show "<name>"', _("List suppliers, or show one.")),
        (
            '/srm supplier guide "<name>"',
            _("The guide to a supplier's country: work week, hours, names, date format, holidays, tips."),
        ),
    ]


COMMANDS = CommandSet(
    verbs={
        ("supplier", "add"): add,
        ("supplier", "edit"): edit,
        ("supplier", "set"): set_value,
        ("supplier", "link"): link,
        ("supplier", "unlink"): unlink,
        ("supplier", "list"): list_all,
        ("supplier", "show"): show,
        ("supplier", "guide"): guide,
    },
    grammar=_grammar,
    hint="supplier …",
    topic="suppliers",
)

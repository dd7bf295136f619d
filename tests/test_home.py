"""Everything Slack sends because of the manifest is answered; the Home tab says where the bot works."""

import json

import pytest
from conftest import ACME_CHANNEL, ACME_USER, BUYER, BUYER_ZH, INTERNAL_CHANNEL
from helpers import translated
from slackclient import _interactive

from bot.config import AppConfig
from bot.core.ids import View
from bot.core.manifest import build_manifest
from handlers import slack_needs

BUYER_HOME = (
    "I work in your suppliers' shared channels: order cards, production updates and problem tickets are "
    "posted there, in each reader's language. Type `/srm help` in any channel to see what you can do."
)
SUPPLIER_HOME = (
    "I work in the channel your company shares with its customer: use the buttons on my messages there, "
    "reply in their threads, or react with :ticket: to a message to report a problem."
)


def _home_opened(client, user, tab="home"):
    return client.event({"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": tab,
                         "event_ts": "1764000000.000100"})  # fmt: skip


def _published(slack, user):
    return [json.loads(c.params["view"]) if isinstance(c.params["view"], str) else c.params["view"]
            for c in slack.calls_to("views.publish") if c.params["user_id"] == user]  # fmt: skip


def test_the_home_tab_says_where_the_bot_works_in_the_readers_language(client, slack, acme):
    assert _home_opened(client, BUYER_ZH).status == 200
    assert _home_opened(client, ACME_USER).status == 200
    assert _home_opened(client, BUYER, tab="messages").status == 200
    (buyer_view,) = _published(slack, BUYER_ZH)
    assert translated("zh_CN", BUYER_HOME) in json.dumps(buyer_view, ensure_ascii=False)
    (supplier_view,) = _published(slack, ACME_USER)
    assert SUPPLIER_HOME in json.dumps(supplier_view)  # Acme's contact has no Slack locale: English
    assert _published(slack, BUYER) == []  # the Messages tab needs nothing


def test_the_manifest_turns_the_home_tab_on():
    manifest = build_manifest(slack_needs(AppConfig()))
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]


def _samples(channel):
    message = {"type": "message", "channel": channel, "user": BUYER, "text": "hi", "ts": "1764000000.000200"}
    return {
        "message.channels": [
            message | {"channel_type": "channel"},
            message | {"channel_type": "channel", "subtype": "channel_join"},
            message | {"channel_type": "channel", "subtype": "bot_message", "bot_id": "B0OTHER"},
            {"type": "message", "subtype": "message_changed", "channel": channel, "hidden": True,
             "ts": "1764000000.000300", "message": message | {"text": "hi!", "edited": {"user": BUYER}},
             "previous_message": message},
            {"type": "message", "subtype": "message_deleted", "channel": channel, "hidden": True,
             "ts": "1764000000.000400", "deleted_ts": message["ts"], "previous_message": message},
        ],
        "message.groups": [message | {"channel_type": "group"}],
        "member_joined_channel": [{"type": "member_joined_channel", "user": BUYER, "channel": channel,
                                   "channel_type": "C", "team": "T0HOME"}],
        "member_left_channel": [{"type": "member_left_channel", "user": BUYER, "channel": channel,
                                 "channel_type": "C", "team": "T0HOME"}],
        "reaction_added": [{"type": "reaction_added", "user": BUYER, "reaction": "thumbsup", "item_user": BUYER,
                            "item": {"type": "message", "channel": channel, "ts": message["ts"]},
                            "event_ts": "1764000000.000500"}],
        "app_home_opened": [{"type": "app_home_opened", "user": BUYER, "channel": "D0BUYER", "tab": "home"}],
    }  # fmt: skip


@pytest.mark.parametrize("channel", [ACME_CHANNEL, INTERNAL_CHANNEL])
def test_every_subscribed_event_is_answered(client, slack, acme, channel):
    subscribed = build_manifest(slack_needs(AppConfig()))["settings"]["event_subscriptions"]["bot_events"]
    samples = _samples(channel)
    assert set(subscribed) <= set(samples), "a subscribed event without a sample here"
    for name in subscribed:
        for event in samples[name]:
            response = client.event(event)
            assert (response.status, response.body) == (200, ""), (name, event)


def test_a_form_closed_without_sending_is_answered(client, acme):
    for view in View:
        closed = _interactive(client, {
            "type": "view_closed", "user": {"id": BUYER, "team_id": "T0HOME"}, "team": {"id": "T0HOME"},
            "api_app_id": "A0SRM", "token": "legacy", "is_cleared": False,
            "view": {"id": "V1", "type": "modal", "callback_id": str(view), "private_metadata": "{}"},
        })  # fmt: skip
        assert (closed.status, closed.body) == (200, ""), view

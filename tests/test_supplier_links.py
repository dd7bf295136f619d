"""`/srm supplier unlink | link`: a supplier leaves its channel and is linked again; the bot follows at once."""

import threading
from datetime import timedelta

import pytest
import time_machine
from conftest import (
    ACME_CHANNEL,
    ACME_USER,
    BETA_CHANNEL,
    BUYER,
    BUYER_ZH,
    INTERNAL_CHANNEL,
    NOBOT_CHANNEL,
    SIGNING_SECRET,
)
from helpers import counts, issue_order, translated
from slackclient import SlackClient
from sqlmodel import select

from bot.app import create_app
from bot.core.web import SlackWsgiApp, make_server, serve_forever, stop_server
from models import AuditEvent, Card, ChannelMessage, Order, Supplier, SupplierChannel, utcnow


def _cmd(client, text, user=BUYER, channel=INTERNAL_CHANNEL, **kw):
    return client.command(text, user=user, channel=channel, **kw)


def _stored_messages(session):
    return len(session.exec(select(ChannelMessage)).all())


def test_unlink_keeps_the_supplier_and_its_orders_and_the_bot_ignores_the_channel(client, session, acme):
    issue_order(client)
    client.message("still here", user=ACME_USER, channel=ACME_CHANNEL)  # the channel is in memory
    stored = _stored_messages(session)
    text = _cmd(client, 'supplier unlink "acme textiles"').text
    assert "Acme Textiles" in text and f"<#{ACME_CHANNEL}>" in text
    assert session.exec(select(SupplierChannel)).all() == []
    assert session.exec(select(Supplier)).one().name == "Acme Textiles"
    assert session.exec(select(Order)).one().po == "PO-1"
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "channels_unlinked")).one()
    assert audit.actor_id == BUYER and audit.before == {"channel_ids": [ACME_CHANNEL]}

    assert client.message("anyone?", user=ACME_USER, channel=ACME_CHANNEL).status == 200
    assert _stored_messages(session) == stored  # ignored like any unlinked channel
    answer = client.command("order new PO-2 qty=5 due=2026-12-20", user=BUYER, channel=ACME_CHANNEL).text
    assert 'supplier="<name>"' in answer
    assert "Acme Textiles" in _cmd(client, 'supplier show "Acme Textiles"').text


@pytest.fixture
def other_worker(settings, config, engine):
    """A second HTTP worker on the same database, with its own memory, as behind a load balancer."""
    server = make_server(SlackWsgiApp(create_app(settings=settings, config=config), engine), "127.0.0.1", 0)
    thread = threading.Thread(target=serve_forever, args=(server,), daemon=True)
    thread.start()
    yield SlackClient(f"http://127.0.0.1:{server.effective_port}", SIGNING_SECRET)
    stop_server(server, thread)


def test_another_worker_follows_an_unlink_within_half_a_minute(client, other_worker, session, acme):
    other_worker.message("before the unlink", user=ACME_USER, channel=ACME_CHANNEL)  # in its memory now
    stored = _stored_messages(session)
    _cmd(client, 'supplier unlink "Acme Textiles"')
    with time_machine.travel(utcnow() + timedelta(seconds=31), tick=True):
        assert other_worker.message("after the unlink", user=ACME_USER, channel=ACME_CHANNEL).status == 200
        assert _stored_messages(session) == stored
        refused = other_worker.command(
            "order new PO-2 qty=5 due=2026-12-20", user=BUYER, channel=ACME_CHANNEL
        )
    assert 'supplier="<name>"' in refused.text
    assert session.exec(select(Order)).all() == []


def test_unlink_refusals_change_nothing(client, session, acme):
    before = counts(session)
    assert "No supplier named Nobody was found." in _cmd(client, 'supplier unlink "Nobody"').text
    assert "Unknown option(s): now." in _cmd(client, 'supplier unlink "Acme Textiles" now=yes').text
    assert "Missing or empty value" in _cmd(client, "supplier unlink").text
    refused = _cmd(client, 'supplier unlink "Acme Textiles"', user=ACME_USER, channel=ACME_CHANNEL).text
    assert "Acme Textiles" not in refused and "<#" not in refused
    assert counts(session) == before
    assert _cmd(client, 'supplier unlink "Acme Textiles"').status == 200
    assert "has no linked channel" in _cmd(client, 'supplier unlink "Acme Textiles"').text


def test_link_relinks_an_unlinked_supplier_and_welcomes_it_again(client, session, slack, acme, delivery):
    _cmd(client, 'supplier unlink "Acme Textiles"')
    client.message("ignored", user=ACME_USER, channel=ACME_CHANNEL)  # remembered as unlinked
    refused = _cmd(client, 'supplier add "Acme Textiles" country=CN', channel=ACME_CHANNEL).text
    assert "already exists" in refused
    text = _cmd(client, 'supplier link "Acme Textiles"', channel=ACME_CHANNEL).text
    assert "linked to supplier *Acme Textiles*" in text
    link = session.exec(select(SupplierChannel)).one()
    assert (link.channel_id, link.linked_by, link.is_shared) == (ACME_CHANNEL, BUYER, True)
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "channel_linked")).one()
    assert audit.after == {"channel_id": ACME_CHANNEL}
    slack.wait_for(
        lambda: len(session.exec(select(Card).where(Card.ts.is_not(None))).all()) == 2, what="2nd welcome"
    )
    stored = _stored_messages(session)
    client.message("back again", user=ACME_USER, channel=ACME_CHANNEL)
    assert _stored_messages(session) == stored + 1


def test_a_supplier_can_have_a_second_channel(client, session, acme):
    assert "Acme Textiles" in _cmd(client, 'supplier link "Acme Textiles"', channel=BETA_CHANNEL).text
    assert sorted(c.channel_id for c in session.exec(select(SupplierChannel))) == [ACME_CHANNEL, BETA_CHANNEL]
    text = _cmd(client, 'supplier unlink "Acme Textiles"').text
    assert f"<#{ACME_CHANNEL}>" in text and f"<#{BETA_CHANNEL}>" in text
    assert session.exec(select(SupplierChannel)).all() == []


@pytest.mark.parametrize(
    ("text", "channel", "expected"),
    [
        ('supplier link "Acme Textiles"', ACME_CHANNEL, "already linked to supplier Acme Textiles"),
        ('supplier link "Nobody"', BETA_CHANNEL, "No supplier named Nobody was found."),
        ('supplier link "Acme Textiles"', NOBOT_CHANNEL, "/invite @SRM"),
        ('supplier link "Acme Textiles"', "C0UNKNOWN", "Invite it first"),
        ('supplier link "Acme Textiles" country=CN', BETA_CHANNEL, "Unknown option(s): country."),
        ("supplier link", BETA_CHANNEL, "Missing or empty value"),
    ],
)
def test_link_refusals_change_nothing(client, session, slack, acme, text, channel, expected):
    before = counts(session)
    assert expected in _cmd(client, text, channel=channel).text
    assert counts(session) == before


def test_link_in_a_direct_message_is_refused_before_slack_is_asked(client, session, slack, acme):
    before, asked = counts(session), len(slack.calls_to("conversations.info"))
    text = _cmd(
        client, 'supplier link "Acme Textiles"', channel="D0DIRECT", channel_name="directmessage"
    ).text
    assert "not in a direct message" in text
    assert counts(session) == before and len(slack.calls_to("conversations.info")) == asked


def test_supplier_people_cannot_link(client, session, slack, acme):
    before, asked = counts(session), len(slack.calls_to("conversations.info"))
    text = _cmd(client, 'supplier link "Acme Textiles"', user=ACME_USER, channel=BETA_CHANNEL).text
    assert "Only buyers of this workspace can do that." in text
    assert counts(session) == before and len(slack.calls_to("conversations.info")) == asked


NOT_SHARED = "This channel is not shared with another organisation"


def test_linking_a_channel_that_is_not_shared_warns_but_links(client, session, slack):
    slack.add_channel("C0PRIVATE", name="acme-internal", shared=False)
    answer = _cmd(client, 'supplier add "Acme Textiles" country=CN', channel="C0PRIVATE")
    assert "Acme Textiles" in answer.text and NOT_SHARED in answer.text
    assert session.exec(select(SupplierChannel)).one().is_shared is False
    _cmd(client, 'supplier unlink "Acme Textiles"')
    relinked = _cmd(client, 'supplier link "Acme Textiles"', channel="C0PRIVATE").text
    assert "linked to supplier *Acme Textiles*" in relinked and NOT_SHARED in relinked


def test_linking_a_shared_channel_does_not_warn(client, session, acme):
    assert NOT_SHARED not in _cmd(client, 'supplier add "Beta Foods" country=MX', channel=BETA_CHANNEL).text
    _cmd(client, 'supplier unlink "Acme Textiles"')
    assert NOT_SHARED not in _cmd(client, 'supplier link "Acme Textiles"', channel=ACME_CHANNEL).text


def test_the_warning_is_in_the_buyers_language(client, slack):
    slack.add_channel("C0PRIVATE", name="acme-internal", shared=False)
    text = _cmd(client, 'supplier add "Acme Textiles" country=CN', user=BUYER_ZH, channel="C0PRIVATE").text
    warning = translated(
        "zh_CN",
        ":warning: This channel is not shared with another organisation, so the supplier's people cannot "
        "see it yet, unless they are guests here. Share it with them through Slack Connect, or invite "
        "them as guests.",
    )
    assert warning in text and NOT_SHARED not in text

"""`/srm supplier add | list | show`: linking a supplier's channel, welcome in its language, visibility."""

import pytest
from conftest import (
    ACME_CHANNEL,
    ACME_USER,
    BETA_CHANNEL,
    BETA_USER,
    BUYER,
    BUYER_ZH,
    GUEST,
    INTERNAL_CHANNEL,
    NOBOT_CHANNEL,
)
from helpers import counts, translated
from sqlmodel import select

from models import AuditEvent, Card, Supplier, SupplierChannel

ACME = 'supplier add "Acme Textiles" country=CN'


def _add(client, text=ACME, user=BUYER, channel=ACME_CHANNEL, **kw):
    return client.command(text, user=user, channel=channel, **kw)


def test_add_links_channel_derives_locale_and_zone_and_welcomes_in_suppliers_language(
    client, slack, session, delivery
):
    response = _add(client)
    assert response.status == 200
    assert "Acme Textiles" in response.text and "zh_CN" in response.text

    supplier = session.exec(select(Supplier)).one()
    assert (supplier.name, supplier.country, supplier.locale, supplier.timezone) == (
        "Acme Textiles", "CN", "zh_CN", "Asia/Shanghai",
    )  # fmt: skip
    link = session.exec(select(SupplierChannel)).one()
    assert (link.supplier_id, link.channel_id, link.is_shared, link.linked_by) == (
        supplier.id,
        ACME_CHANNEL,
        True,
        BUYER,
    )
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "created")).one()
    assert (audit.actor_id, audit.object_type, audit.after["country"]) == (BUYER, "supplier", "CN")

    welcome = slack.wait_for(lambda: slack.posts(ACME_CHANNEL), what="welcome message")[0]
    title = translated("zh_CN", "Welcome, {supplier}!", supplier="Acme Textiles")
    assert title != "Welcome, Acme Textiles!"
    assert welcome["blocks"][0]["text"]["text"] == title
    card = slack.wait_for(
        lambda: session.exec(select(Card).where(Card.ts.is_not(None))).first(), what="card ts"
    )
    assert card.kind == "welcome" and card.channel_id == ACME_CHANNEL


def test_add_with_overrides(client, slack, session, delivery):
    response = _add(
        client, 'supplier add "Sol Textil" country=MX locale=es_MX tz=America/Monterrey', channel=BETA_CHANNEL
    )
    assert response.status == 200
    supplier = session.exec(select(Supplier)).one()
    assert (supplier.locale, supplier.timezone) == ("es_MX", "America/Monterrey")
    welcome = slack.wait_for(lambda: slack.posts(BETA_CHANNEL), what="welcome")[0]
    assert welcome["blocks"][0]["text"]["text"] == translated(
        "es", "Welcome, {supplier}!", supplier="Sol Textil"
    )


def test_add_in_an_internal_channel_with_guests_is_allowed(client, session):
    response = _add(client, 'supplier add "Guesthouse Ltd" country=VN', channel=INTERNAL_CHANNEL)
    assert response.status == 200
    link = session.exec(select(SupplierChannel)).one()
    assert link.is_shared is False
    assert session.exec(select(Supplier)).one().locale == "vi_VN"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('supplier add "Acme" country=XX', "“XX” is not an ISO country code"),
        ('supplier add "Acme" country=CHN', "“CHN” is not an ISO country code"),
        ('supplier add "Acme" country=CN locale=xx_QQ', "“xx_QQ” is not a locale"),
        ('supplier add "Acme" country=CN tz=Mars/Olympus', "“Mars/Olympus” is not a time zone"),
        ('supplier add "Acme" country=XK', "No time zone is known for XK"),
        ('supplier add "" country=CN', "Missing or empty value"),
        ("supplier add country=CN", "Missing or empty value"),
        ('supplier add "Acme"', "country=<ISO2>"),
        ('supplier add "' + "x" * 201 + '" country=CN', "1 to 200 characters"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(client, session, slack, text, expected):
    before = counts(session)
    response = _add(client, text)
    assert response.status == 200
    assert expected in response.text
    assert counts(session) == before
    assert slack.posts() == []


def test_duplicate_name_is_refused_case_insensitively(client, session):
    assert _add(client).status == 200
    before = counts(session)
    text = _add(client, 'supplier add "acme  TEXTILES" country=CN', channel=BETA_CHANNEL).text
    assert "A supplier named acme TEXTILES already exists." in text
    assert counts(session) == before


def test_channel_already_linked_is_refused(client, session):
    _add(client)
    before = counts(session)
    text = _add(client, 'supplier add "Other Co" country=VN').text
    assert "already linked to supplier Acme Textiles" in text
    assert counts(session) == before


def test_direct_message_is_refused(client, session):
    before = counts(session)
    text = _add(client, channel="D0DIRECT", channel_name="directmessage").text
    assert "not in a direct message" in text
    assert counts(session) == before


@pytest.mark.parametrize("user", [ACME_USER, GUEST])
def test_supplier_side_people_cannot_add_suppliers(client, session, user):
    before = counts(session)
    text = _add(client, user=user).text
    assert "Only buyers of this workspace can do that." in text
    assert counts(session) == before


@pytest.mark.parametrize(
    ("channel", "expected"),
    [(NOBOT_CHANNEL, "/invite @SRM"), ("C0UNKNOWN", "Invite it first")],
)
def test_channel_the_bot_cannot_post_in_says_invite_the_bot(client, session, channel, expected):
    before = counts(session)
    text = _add(client, channel=channel).text
    assert expected in text
    assert counts(session) == before


def test_slack_failing_during_add_changes_nothing(client, session, slack):
    slack.fail_next("conversations.info", status=500, error="internal_error")
    before = counts(session)
    assert "Slack did not answer" in _add(client).text
    assert counts(session) == before


def test_welcome_is_delivered_after_slack_recovers(client, slack, session, delivery):
    slack.fail_next("chat.postMessage", status=503, times=2)
    assert _add(client).status == 200
    assert session.exec(select(Supplier)).one().name == "Acme Textiles"
    slack.wait_for(lambda: slack.posts(ACME_CHANNEL) and slack.messages, what="welcome after recovery")
    assert len(slack.posts(ACME_CHANNEL)) == 3 and len(slack.messages) == 1


def _two_suppliers(client):
    assert _add(client).status == 200
    assert _add(client, 'supplier add "Beta Foods" country=MX', channel=BETA_CHANNEL).status == 200
    # Each supplier's person is seen once in their own channel (as Slack Connect members are).
    client.message("hello", user=ACME_USER, channel=ACME_CHANNEL)
    client.message("hola", user=BETA_USER, channel=BETA_CHANNEL)


def test_buyers_list_every_supplier(client):
    _two_suppliers(client)
    text = client.command("supplier list", user=BUYER, channel=INTERNAL_CHANNEL).text
    assert "2 suppliers" in text and "Acme Textiles" in text and "Beta Foods" in text


def test_list_is_in_the_callers_language(client):
    _two_suppliers(client)
    text = client.command("supplier list", user=BUYER_ZH, channel=INTERNAL_CHANNEL).text
    assert "墨西哥" in text and "中国" in text


@pytest.mark.parametrize(
    ("user", "own", "other"),
    [(ACME_USER, "Acme Textiles", "Beta Foods"), (BETA_USER, "Beta Foods", "Acme Textiles")],
)
def test_a_supplier_contact_sees_only_its_own_supplier(client, user, own, other):
    _two_suppliers(client)
    text = client.command("supplier list", user=user, channel=INTERNAL_CHANNEL).text
    assert own in text and other not in text
    shown = client.command(f'supplier show "{other}"', user=user, channel=INTERNAL_CHANNEL).text
    assert f"No supplier named {other} was found." in shown
    assert "Country" not in shown


def test_show_gives_the_details(client):
    _two_suppliers(client)
    text = client.command('supplier show "acme textiles"', user=BUYER, channel=INTERNAL_CHANNEL).text
    for part in ("Acme Textiles", "China (CN)", "Asia/Shanghai", "zh_CN", f"<#{ACME_CHANNEL}>", "1 person"):
        assert part in text


def test_show_unknown_supplier(client):
    assert (
        "No supplier named Nobody was found."
        in client.command('supplier show "Nobody"', user=BUYER, channel=ACME_CHANNEL).text
    )


def test_empty_list_explains_how_to_add(client):
    assert "No suppliers yet" in client.command("supplier list", user=BUYER, channel=ACME_CHANNEL).text

"""Actor resolution: buyers, supplier contacts (external members and guests of linked channels), admins."""

from datetime import timedelta

import time_machine
from conftest import ACME_CHANNEL, ACME_USER, BUYER, GUEST, INTERNAL_CHANNEL
from sqlmodel import select

from bot.config import AppConfig
from bot.core.actors import resolve_actor
from models import AuditEvent, SlackUser, SupplierContact, utcnow


def _link_acme(client):
    assert (
        client.command('supplier add "Acme Textiles" country=CN', user=BUYER, channel=ACME_CHANNEL).status
        == 200
    )


def _joined(client, user, channel=ACME_CHANNEL):
    return client.event({"type": "member_joined_channel", "user": user, "channel": channel, "channel_type": "C",
                         "team": "T0HOME"})  # fmt: skip


def test_external_member_joining_a_linked_channel_becomes_a_contact(client, session):
    _link_acme(client)
    assert _joined(client, ACME_USER).status == 200
    contact = session.exec(select(SupplierContact)).one()
    assert (contact.user_id, contact.kind, contact.first_seen_via) == (
        ACME_USER,
        "external",
        "member_joined_channel",
    )
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "contact_added")).one()
    assert audit.actor_id == ACME_USER and audit.after["kind"] == "external"


def test_guest_joining_is_a_contact_and_buyer_joining_is_not(client, session):
    _link_acme(client)
    _joined(client, GUEST)
    _joined(client, BUYER)
    contacts = session.exec(select(SupplierContact.user_id, SupplierContact.kind)).all()
    assert contacts == [(GUEST, "guest")]


def test_joining_an_unlinked_channel_records_nothing(client, session):
    _link_acme(client)
    _joined(client, ACME_USER, channel=INTERNAL_CHANNEL)
    assert session.exec(select(SupplierContact)).all() == []


def test_contact_is_recorded_once_the_first_time_they_are_seen(client, session):
    _link_acme(client)
    client.message("hello", user=ACME_USER, channel=ACME_CHANNEL)
    client.message("again", user=ACME_USER, channel=ACME_CHANNEL)
    _joined(client, ACME_USER)
    contact = session.exec(select(SupplierContact)).one()
    assert contact.first_seen_via == "message"
    assert len(session.exec(select(AuditEvent).where(AuditEvent.action == "contact_added")).all()) == 1


def test_slack_user_lookups_are_cached_until_they_expire(client, slack, session):
    for _ in range(3):
        client.command("help", user=BUYER, channel=ACME_CHANNEL)
    lookups = [c for c in slack.calls_to("users.info") if c.params.get("user") == BUYER]
    assert len(lookups) == 1
    assert lookups[0].params.get("include_locale") in ("true", "1", True)
    assert session.get(SlackUser, BUYER).locale == "en-US"

    with time_machine.travel(utcnow() + timedelta(days=2)):
        client.command("help", user=BUYER, channel=ACME_CHANNEL)
    assert len([c for c in slack.calls_to("users.info") if c.params.get("user") == BUYER]) == 2


def _resolve(engine, user_id, info, config=None, channel_id=None):
    return resolve_actor(
        engine=engine, config=config or AppConfig(), user_id=user_id, channel_id=channel_id,
        home_team_id="T0HOME", fetch=lambda _uid: info,
    )  # fmt: skip


def test_roles_from_slacks_user_record(engine):
    member = {"team_id": "T0HOME", "locale": "es-ES"}
    assert _resolve(engine, "U1", member).role == "buyer"
    assert _resolve(engine, "U1", member).locale == "es"
    assert _resolve(engine, "U2", member, AppConfig(admins=["U2"])).role == "admin"
    assert _resolve(engine, "U3", {"team_id": "T0HOME", "is_restricted": True}).role == "outsider"
    assert _resolve(engine, "U4", {"team_id": "T0OTHER"}).kind == "external"
    assert _resolve(engine, "U5", {"team_id": "T0HOME", "is_bot": True}).is_buyer is False
    assert _resolve(engine, "U6", None).kind == "unknown"


def test_buyers_can_be_narrowed_to_a_user_group(engine):
    config = AppConfig(buyers={"usergroup": "S0BUYERS"})
    actor = resolve_actor(
        engine=engine, config=config, user_id="U7", channel_id=None, home_team_id="T0HOME",
        fetch=lambda _uid: {"team_id": "T0HOME"}, is_in_buyer_group=lambda uid: uid == "U8",
    )  # fmt: skip
    assert actor.is_buyer is False

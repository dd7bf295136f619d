"""Slack request signatures: anything unsigned, tampered or stale is refused and changes nothing."""

import json
import time
from urllib.parse import urlencode

import pytest
from conftest import ACME_CHANNEL, BUYER
from helpers import counts
from slackclient import sign
from sqlmodel import select

from models import ProcessedEvent, SlackUser

ADD = 'supplier add "Acme" country=CN'


def _form(text: str) -> str:
    return urlencode({"command": "/srm", "text": text, "user_id": BUYER, "channel_id": ACME_CHANNEL,
                      "team_id": "T0HOME", "channel_name": "acme-shared"})  # fmt: skip


def _assert_nothing_stored(session, before):
    assert counts(session) == before
    assert session.exec(select(ProcessedEvent)).all() == []
    assert session.exec(select(SlackUser)).all() == []


def test_unsigned_request_is_refused(client, session):
    before = counts(session)
    response = client.post(_form(ADD), "application/x-www-form-urlencoded", signature="v0=" + "0" * 64)
    assert response.status == 401
    _assert_nothing_stored(session, before)


def test_tampered_body_is_refused(client, session):
    before = counts(session)
    ts = str(int(time.time()))
    signature = sign(client.secret, ts, _form("help"))
    response = client.post(
        _form(ADD), "application/x-www-form-urlencoded", timestamp=int(ts), signature=signature
    )
    assert response.status == 401
    _assert_nothing_stored(session, before)


@pytest.mark.parametrize("age", [301, 3600])
def test_stale_request_is_refused_even_when_signed(client, session, age):
    before = counts(session)
    response = client.post(_form(ADD), "application/x-www-form-urlencoded", timestamp=int(time.time()) - age)
    assert response.status == 401
    _assert_nothing_stored(session, before)


def test_signed_with_another_secret_is_refused(client, session):
    ts = int(time.time())
    body = json.dumps({"type": "event_callback", "event_id": "Ev1", "event": {"type": "message"}})
    response = client.post(
        body, "application/json", timestamp=ts, signature=sign("not-the-secret", str(ts), body)
    )
    assert response.status == 401
    assert session.exec(select(ProcessedEvent)).all() == []


def test_correctly_signed_request_is_served(client):
    response = client.command("help", user=BUYER, channel=ACME_CHANNEL)
    assert response.status == 200
    assert "/srm supplier add" in response.text


def test_url_verification_challenge_is_answered(client):
    body = json.dumps(
        {
            "type": "url_verification",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "token": "x",
        }
    )
    response = client.post(body, "application/json")
    assert response.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in response.body

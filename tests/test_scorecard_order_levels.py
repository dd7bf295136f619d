"""Levels with teeth: a level's actions warn about or refuse new orders, buyers are told of changes, and
an admin blacklists (new orders refused) and reinstates a supplier."""

import json

import pytest
from conftest import ACME_CHANNEL, BUYER, INTERNAL_CHANNEL
from helpers import translated
from slackclient import submit
from sqlmodel import select

from bot.config import AppConfig
from bot.core.db import session_scope
from models import AuditEvent, LevelChange, Order, Supplier

ADMIN = "U0ADMIN"


@pytest.fixture
def config(config):
    """`ordinary` warns about new orders, `reserve` refuses them; level changes told in the buyers' channel."""
    levels = [{"name": "core_strategic", "min_score": 85}, {"name": "key", "min_score": 70},
              {"name": "ordinary", "min_score": 50, "actions": ["warn_new_orders"]},
              {"name": "reserve", "min_score": 0, "actions": ["block_new_orders", "notify"]}]  # fmt: skip
    scorecards = {"levels": levels, "channel": INTERNAL_CHANNEL}
    return AppConfig(**(config.model_dump() | {"admins": [ADMIN], "scorecards": scorecards}))


@pytest.fixture
def admin(slack):
    slack.add_user(ADMIN)


def _acme(session) -> Supplier:
    return session.exec(select(Supplier).where(Supplier.name == "Acme Textiles")).one()


def _level(engine, supplier_id, level):
    with session_scope(engine) as db:
        db.get(Supplier, supplier_id).level = level


def _order(client, po):
    return client.command(f"order new {po} qty=10 due=2026-12-15", user=BUYER, channel=ACME_CHANNEL)


def _orders(session):
    return session.exec(select(Order.po).order_by(Order.id)).all()


def test_a_warning_level_warns_and_a_blocking_level_refuses_new_orders(client, slack, session, engine, acme):
    acme = _acme(session)
    assert "Ordinary" not in _order(client, "PO-1").text  # not classified yet: nothing to say
    _level(engine, acme.id, "ordinary")
    warned = _order(client, "PO-2").text
    assert "PO-2" in warned and translated("en", "Ordinary") in warned and ":warning:" in warned
    _level(engine, acme.id, "reserve")
    refused = _order(client, "PO-3").text
    assert "blocked" in refused and "Reserve" in refused
    assert _orders(session) == ["PO-1", "PO-2"]
    before = len(slack.calls_to("views.open"))
    client.command("order new", user=BUYER, channel=ACME_CHANNEL)  # the form refuses it too
    view = slack.wait_for(lambda: slack.calls_to("views.open")[before:], what="order form")[0].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    answer = submit(client, view, {"po": "PO-4", "qty": "5", "due": "2026-12-15"}, user=BUYER).json()
    assert answer["response_action"] == "errors" and "blocked" in json.dumps(answer)
    assert _orders(session) == ["PO-1", "PO-2"]


def test_only_an_admin_blacklists_and_reinstates(client, slack, session, engine, acme, admin, delivery):
    acme = _acme(session)
    _level(engine, acme.id, "key")
    refused = client.command('supplier blacklist "Acme Textiles" reason="Forged certificates"', user=BUYER,
                             channel=INTERNAL_CHANNEL)  # fmt: skip
    assert "administrators" in refused.text and _acme(session).level == "key"
    assert (
        "reason"
        in client.command('supplier blacklist "Acme Textiles"', user=ADMIN, channel=INTERNAL_CHANNEL).text
    )
    done = client.command('supplier blacklist "Acme Textiles" reason="Forged certificates"', user=ADMIN,
                          channel=INTERNAL_CHANNEL)  # fmt: skip
    assert "blacklisted" in done.text and _acme(session).level == "blacklist"
    assert "blocked" in _order(client, "PO-1").text and _orders(session) == []
    slack.wait_for(lambda: any("Blacklisted" in json.dumps(p) for p in slack.posts(INTERNAL_CHANNEL)),
                   what="buyers told")  # fmt: skip
    assert "already" in client.command('supplier blacklist "Acme Textiles" reason="again"', user=ADMIN,
                                       channel=INTERNAL_CHANNEL).text  # fmt: skip
    assert "administrators" in client.command('supplier reinstate "Acme Textiles"', user=BUYER,
                                              channel=INTERNAL_CHANNEL).text  # fmt: skip
    back = client.command('supplier reinstate "Acme Textiles"', user=ADMIN, channel=INTERNAL_CHANNEL)
    assert "Key" in back.text and _acme(session).level == "key"
    assert "PO-1" in _order(client, "PO-1").text and _orders(session) == ["PO-1"]
    history = session.exec(select(LevelChange).order_by(LevelChange.id)).all()
    assert [(c.from_level, c.to_level, c.status, c.reason, c.decided_by) for c in history] == [
        ("key", "blacklist", "set", "Forged certificates", ADMIN), ("blacklist", "key", "set", "", ADMIN)]  # fmt: skip
    audited = session.exec(select(AuditEvent.action).where(AuditEvent.object_type == "supplier",
                                                           AuditEvent.actor_id == ADMIN)).all()  # fmt: skip
    assert audited == ["blacklisted", "reinstated"]

"""Tickets can be turned off in app.yaml: then nothing offers them (cards, welcome, manifest, commands)."""

import json

import pytest
from click.testing import CliRunner
from conftest import ACME_CHANNEL, BUYER
from helpers import counts
from sqlmodel import select

from bot.cli import main
from bot.config import AppConfig, DeliveryConfig, TicketsConfig
from models import Card, Order


@pytest.fixture
def config() -> AppConfig:
    return AppConfig(
        delivery=DeliveryConfig(channel_interval_seconds=0, backoff_seconds=0.05, max_backoff_seconds=0.2,
                                poll_seconds=0.05, max_attempts=4),
        tickets=TicketsConfig(enabled=False),
    )  # fmt: skip


def _buttons(card):
    return [e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_without_tickets_cards_and_welcome_do_not_offer_them(client, slack, session, delivery):
    client.command('supplier add "Acme Textiles" country=CN', user=BUYER, channel=ACME_CHANNEL)
    welcome = slack.wait_for(lambda: slack.posts(ACME_CHANNEL), what="welcome message")[0]
    assert ":ticket:" not in json.dumps(welcome)
    assert (
        client.command("order new PO-1 qty=100 due=2026-12-15", user=BUYER, channel=ACME_CHANNEL).status
        == 200
    )
    order = session.exec(select(Order).where(Order.po == "PO-1")).one()
    ts = slack.wait_for(lambda: session.get(Card, order.card_id).ts, what="card delivered")
    assert _buttons(slack.messages[(ACME_CHANNEL, ts)]) == [
        "order_confirm",
        "order_propose_date",
        "order_update",
    ]


def test_without_tickets_the_manifest_asks_for_no_ticket_shortcut(tmp_path, monkeypatch):
    (tmp_path / "app.yaml").write_text("tickets:\n  enabled: false\n", encoding="utf-8")
    (tmp_path / "defaults.yaml").write_text("{}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["manifest"], env={"SRM_CONFIG": str(tmp_path / "app.yaml")})
    manifest = json.loads(result.output)
    assert "shortcuts" not in manifest["features"]
    assert "reaction_added" not in manifest["settings"]["event_subscriptions"]["bot_events"]
    with_tickets = json.loads(
        CliRunner().invoke(main, ["manifest"], env={"SRM_CONFIG": "defaults.yaml"}).output
    )
    assert [s["callback_id"] for s in with_tickets["features"]["shortcuts"]] == ["ticket_from_message"]


def test_without_tickets_there_is_no_ticket_command(client, session):
    before = counts(session)
    text = client.command('ticket new "Broken"', user=BUYER, channel=ACME_CHANNEL).text
    assert "is not a command I know" in text
    assert "/srm order new" in text and "/srm ticket" not in text
    assert counts(session) == before


def test_without_tickets_there_is_no_sla_job(tmp_path, monkeypatch):
    (tmp_path / "app.yaml").write_text("tickets:\n  enabled: false\n", encoding="utf-8")
    (tmp_path / "defaults.yaml").write_text("{}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    off = CliRunner().invoke(main, ["jobs", "list"], env={"SRM_CONFIG": str(tmp_path / "app.yaml")})
    on = CliRunner().invoke(main, ["jobs", "list"], env={"SRM_CONFIG": "defaults.yaml"})
    assert [line.split()[0] for line in off.output.splitlines()] == [
        "housekeeping",
        "deliver",
        "capa",
        "feedback",
        "scorecards",
        "risk",
        "digest",
        "loyalty",
        "tier_review",
    ]
    assert [line.split()[0] for line in on.output.splitlines()] == [
        "housekeeping",
        "deliver",
        "sla",
        "capa",
        "feedback",
        "scorecards",
        "risk",
        "digest",
        "loyalty",
        "tier_review",
    ]

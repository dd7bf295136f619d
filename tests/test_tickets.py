"""Problem tickets end to end: four entry points, card buttons, first response, SLA breaches once.

An external (Slack Connect) supplier user acts by reaction, shortcut, buttons and thread replies."""

import json
import threading
from datetime import timedelta

import pytest
import time_machine
from conftest import ACME_CHANNEL, ACME_USER, BETA_CHANNEL, BETA_USER, BUYER, INTERNAL_CHANNEL
from helpers import counts, translated
from slackclient import click, message_shortcut, select, submit
from sqlmodel import select as sql_select

from bot.app import make_client, scheduled_jobs
from bot.config import AppConfig, DeliveryConfig, TicketsConfig
from bot.core.scheduler import JobContext, run_job
from models import AuditEvent, Card, ChannelMessage, Order, Ticket, utcnow

TRIAGE = "C0TRIAGE"


@pytest.fixture
def config() -> AppConfig:
    return AppConfig(
        delivery=DeliveryConfig(channel_interval_seconds=0, backoff_seconds=0.05, max_backoff_seconds=0.2,
                                poll_seconds=0.05, max_attempts=4),
        tickets=TicketsConfig(triage_channel=TRIAGE),
    )  # fmt: skip


@pytest.fixture
def acme(client, slack):
    slack.add_channel(TRIAGE, name="procurement-triage")
    assert (
        client.command('supplier add "Acme Textiles" country=CN', user=BUYER, channel=ACME_CHANNEL).status
        == 200
    )
    client.message("hello", user=ACME_USER, channel=ACME_CHANNEL)


@pytest.fixture
def beta(client):
    client.command('supplier add "Beta Foods" country=MX', user=BUYER, channel=BETA_CHANNEL)
    client.message("hola", user=BETA_USER, channel=BETA_CHANNEL)


def _ticket(session, number=1) -> Ticket:
    return session.get(Ticket, number)


def _card(slack, session, ticket_id=1):
    ticket = _ticket(session, ticket_id)
    ts = slack.wait_for(lambda: session.get(Card, ticket.card_id).ts, what="ticket card delivered")
    return slack.messages[(ticket.channel_id, ts)]


def _buttons(card):
    return [e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]


def _view(slack, before):
    calls = slack.wait_for(lambda: slack.calls_to("views.open")[before:], what="modal")
    view = calls[0].params["view"]
    return json.loads(view) if isinstance(view, str) else view


def test_command_ticket_on_an_order_lives_in_the_orders_thread(client, slack, session, acme, delivery):
    client.command("order new PO-1 qty=100 due=2026-12-15", user=BUYER, channel=ACME_CHANNEL)
    answer = client.command('ticket new "Wrong colour on PO-1" order=PO-1 severity=high type=quality', user=BUYER,
                            channel=ACME_CHANNEL)  # fmt: skip
    assert "T-1" in answer.text
    ticket = _ticket(session)
    order = session.exec(sql_select(Order)).one()
    assert (ticket.order_id, ticket.severity, ticket.type, ticket.responsible, ticket.opened_side) == (
        order.id, "high", "quality", "supplier", "buyer")  # fmt: skip
    assert ticket.first_response_due - ticket.opened_at == timedelta(hours=4)  # high: calendar hours
    order_ts = slack.wait_for(lambda: session.get(Card, order.card_id).ts, what="order card")
    card = _card(slack, session)
    assert card["thread_ts"] == order_ts
    assert card["blocks"][0]["text"]["text"] == "T-1 · Wrong colour on PO-1"
    assert translated("zh_CN", "quality") in json.dumps(card, ensure_ascii=False)
    assert _buttons(card) == ["ticket_ack", "ticket_resolve", "ticket_capa", "ticket_responsible"]


def test_reaction_opens_one_ticket_quoting_the_message(client, slack, session, acme, delivery):
    client.message(
        "Cartons arrived crushed, 12 units broken",
        user=ACME_USER,
        channel=ACME_CHANNEL,
        ts="1800000000.000500",
    )
    reaction = {"type": "reaction_added", "user": ACME_USER, "reaction": "ticket", "item_user": ACME_USER,
                "item": {"type": "message", "channel": ACME_CHANNEL, "ts": "1800000000.000500"}, "event_ts": "1.2"}  # fmt: skip
    assert client.event(reaction, event_id="Ev0TICKET").status == 200
    assert (
        client.event(reaction, event_id="Ev0TICKET", retry=1).status == 200
    )  # Slack's retry of the same event
    assert client.event(reaction | {"user": BUYER}).status == 200  # a second 🎫: still one ticket
    ticket = session.exec(sql_select(Ticket)).one()
    assert (ticket.source, ticket.quote, ticket.title, ticket.opened_side, ticket.responsible) == (
        "reaction", "Cartons arrived crushed, 12 units broken", "Cartons arrived crushed, 12 units broken",
        "supplier", "buyer")  # fmt: skip
    assert ticket.source_permalink.endswith("/p1800000000000500")
    card = _card(slack, session)
    assert card["thread_ts"] == "1800000000.000500"
    assert "&gt; Cartons arrived crushed" in json.dumps(card) or "> Cartons arrived crushed" in json.dumps(
        card
    )


def test_reaction_in_an_unlinked_channel_is_ignored_with_a_hint(client, slack, session, acme):
    client.event({"type": "reaction_added", "user": BUYER, "reaction": "ticket",
                  "item": {"type": "message", "channel": INTERNAL_CHANNEL, "ts": "1.5"}})  # fmt: skip
    assert session.exec(sql_select(Ticket)).all() == []
    hint = slack.calls_to("chat.postEphemeral")[-1].params
    assert hint["user"] == BUYER and "linked channel" in hint["text"]


def test_message_shortcut_prefills_the_form_from_the_message(client, slack, session, acme, delivery):
    client.message(
        "Invoice 778 shows the wrong bank account", user=BUYER, channel=ACME_CHANNEL, ts="1800000001.000100"
    )
    before = len(slack.calls_to("views.open"))
    message = {
        "type": "message",
        "user": BUYER,
        "ts": "1800000001.000100",
        "text": "Invoice 778 shows the wrong bank account",
    }
    assert (
        message_shortcut(
            client, "ticket_from_message", user=ACME_USER, channel=ACME_CHANNEL, message=message
        ).status
        == 200
    )
    view = _view(slack, before)
    title_block = next(b for b in view["blocks"] if b.get("block_id") == "title")
    assert title_block["element"]["initial_value"] == "Invoice 778 shows the wrong bank account"
    assert submit(client, view, {"title": "Wrong bank account on invoice 778", "type": "payment", "severity": "medium"},
                  user=ACME_USER).body == ""  # fmt: skip
    ticket = session.exec(sql_select(Ticket)).one()
    assert (ticket.source, ticket.type, ticket.source_ts, ticket.thread_ts) == (
        "shortcut", "payment", "1800000001.000100", "1800000001.000100")  # fmt: skip
    assert ticket.quote == "Invoice 778 shows the wrong bank account" and ticket.source_permalink
    assert _card(slack, session)["thread_ts"] == "1800000001.000100"


def test_report_problem_button_on_an_order_card(client, slack, session, acme, delivery):
    client.command("order new PO-2 qty=10 due=2026-12-20", user=BUYER, channel=ACME_CHANNEL)
    order = session.exec(sql_select(Order)).one()
    before = len(slack.calls_to("views.open"))
    click(client, "order_report_problem", str(order.id), user=ACME_USER, channel=ACME_CHANNEL)
    view = _view(slack, before)
    assert (
        submit(
            client,
            view,
            {"title": "Zipper supplier late", "type": "delivery", "severity": "low"},
            user=ACME_USER,
        ).body
        == ""
    )
    ticket = session.exec(sql_select(Ticket)).one()
    assert (ticket.order_id, ticket.source, ticket.opened_side) == (order.id, "order_button", "supplier")
    order_ts = slack.wait_for(lambda: session.get(Card, order.card_id).ts, what="order card")
    assert _card(slack, session)["thread_ts"] == order_ts


def test_card_buttons_walk_the_ticket_to_closed(client, slack, session, acme, delivery):
    client.command('ticket new "Labels missing" severity=medium', user=BUYER, channel=ACME_CHANNEL)
    ticket = _ticket(session)
    # The opener's side cannot acknowledge its own ticket.
    click(client, "ticket_ack", str(ticket.id), user=BUYER, channel=ACME_CHANNEL)
    assert _ticket(session).status == "open"
    click(client, "ticket_ack", str(ticket.id), user=ACME_USER, channel=ACME_CHANNEL)
    ticket = _ticket(session)
    assert (ticket.status, ticket.first_response_by) == (
        "acknowledged",
        ACME_USER,
    ) and ticket.first_response_at

    before = len(slack.calls_to("views.open"))
    click(client, "ticket_resolve", str(ticket.id), user=ACME_USER, channel=ACME_CHANNEL)
    view = _view(slack, before)
    assert submit(client, view, {"resolution": "Reprinted and attached"}, user=ACME_USER).body == ""
    assert _ticket(session).status == "resolved"
    click(
        client, "ticket_close", str(ticket.id), user=ACME_USER, channel=ACME_CHANNEL
    )  # suppliers cannot close
    assert _ticket(session).status == "resolved"
    assert (
        translated("zh_CN", "Only buyers of this workspace can do that.")
        in slack.calls_to("chat.postEphemeral")[-1].params["text"]
    )
    click(client, "ticket_close", str(ticket.id), user=BUYER, channel=ACME_CHANNEL)
    assert _ticket(session).status == "closed"
    refused = submit(client, view, {"resolution": "again"}, user=ACME_USER).json()
    assert refused["response_action"] == "errors" and _ticket(session).resolution == "Reprinted and attached"
    slack.wait_for(
        lambda: _buttons(_card(slack, session)) == ["ticket_reopen", "ticket_capa"], what="closed card"
    )

    click(client, "ticket_reopen", str(ticket.id), user=BUYER, channel=ACME_CHANNEL)
    assert (_ticket(session).status, _ticket(session).reopened) == ("open", 1)
    actions = list(
        session.exec(
            sql_select(AuditEvent.action).where(AuditEvent.object_type == "ticket").order_by(AuditEvent.id)
        )
    )
    assert actions == ["opened", "acknowledged", "resolved", "denied:ticket_close", "closed", "reopened"]


def test_responsibility_is_set_by_buyers_only(client, slack, session, acme):
    client.command('ticket new "Shipment held at port" type=delivery', user=BUYER, channel=ACME_CHANNEL)
    select(client, "ticket_responsible", "1:third_party", user=ACME_USER, channel=ACME_CHANNEL)
    assert _ticket(session).responsible == "supplier"
    select(client, "ticket_responsible", "1:third_party", user=BUYER, channel=ACME_CHANNEL)
    assert _ticket(session).responsible == "third_party"


def test_first_reply_from_the_other_side_is_the_first_response(client, slack, session, acme, delivery):
    client.command('ticket new "Sample colour off"', user=BUYER, channel=ACME_CHANNEL)
    card_ts = slack.wait_for(lambda: session.get(Card, _ticket(session).card_id).ts, what="card")
    client.message("Adding photos", user=BUYER, channel=ACME_CHANNEL, thread_ts=card_ts)
    assert _ticket(session).first_response_at is None
    client.message("We will redye the batch", user=ACME_USER, channel=ACME_CHANNEL, thread_ts=card_ts)
    ticket = _ticket(session)
    assert ticket.first_response_by == ACME_USER and ticket.status == "open"
    assert len(session.exec(sql_select(ChannelMessage).where(ChannelMessage.thread_ts == card_ts)).all()) == 2


def test_sla_breach_is_announced_once_across_runs_and_workers(
    client, slack, session, acme, engine, settings, config, delivery
):
    client.command(
        'ticket new "Line stopped: wrong fabric" severity=critical', user=BUYER, channel=ACME_CHANNEL
    )
    ticket = _ticket(session)
    card_ts = slack.wait_for(lambda: session.get(Card, ticket.card_id).ts, what="card")
    contexts = [
        JobContext(engine=engine, config=config, client=make_client(settings), worker_id=f"w{i}")
        for i in range(2)
    ]
    jobs = scheduled_jobs(config)
    assert run_job(contexts[0], jobs, "sla", utcnow()) is None  # nothing to do
    with time_machine.travel(ticket.first_response_due + timedelta(minutes=5), tick=True):
        results = []
        threads = [
            threading.Thread(target=lambda c=c: results.append(run_job(c, jobs, "sla"))) for c in contexts
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        results.append(run_job(contexts[0], jobs, "sla"))
        # Delivered while still "in the future": the notices' outbox rows are due at the travelled time.
        triage = slack.wait_for(lambda: slack.posts(TRIAGE), what="triage notice")
        thread = slack.wait_for(lambda: [p for p in slack.posts(ACME_CHANNEL) if p.get("thread_ts") == card_ts
                                         and "T-1" in p["text"] and "first response" in json.dumps(p)], what="thread notice")  # fmt: skip
    assert sorted(results, key=str) == ["1 breach notices", None, None]
    assert len(triage) == 1 and len(thread) == 1
    assert "Acme Textiles" in triage[0]["text"] and "T-1" in triage[0]["text"]
    assert translated("zh_CN", "the supplier {name}", name="Acme Textiles") in thread[0]["text"]

    # Past the resolution target too: one more notice (a new breach), still once.
    with time_machine.travel(ticket.resolution_due + timedelta(minutes=1), tick=True):
        assert run_job(contexts[1], jobs, "sla") == "1 breach notices"
        assert run_job(contexts[0], jobs, "sla") is None
        slack.wait_for(lambda: len(slack.posts(TRIAGE)) == 2, what="second triage notice")


def test_another_suppliers_contact_cannot_act_on_the_ticket(client, slack, session, acme, beta):
    client.command('ticket new "Labels missing"', user=BUYER, channel=ACME_CHANNEL)
    click(client, "ticket_ack", "1", user=BETA_USER, channel=BETA_CHANNEL)
    click(client, "ticket_resolve", "1", user=BETA_USER, channel=BETA_CHANNEL)
    assert _ticket(session).status == "open" and slack.calls_to("views.open") == []
    denied = sorted(session.exec(sql_select(AuditEvent.action).where(AuditEvent.actor_id == BETA_USER,
                                                                     AuditEvent.action.like("denied:%"))).all())  # fmt: skip
    assert denied == ["denied:ticket_ack", "denied:ticket_resolve"]
    forged = {"type": "modal", "callback_id": "ticket_resolve", "private_metadata": json.dumps({"ticket_id": 1}),
              "blocks": [{"type": "input", "block_id": "resolution", "element": {"type": "plain_text_input"}}]}  # fmt: skip
    assert (
        submit(client, forged, {"resolution": "done"}, user=BETA_USER).json()["response_action"] == "errors"
    )
    assert _ticket(session).status == "open"
    assert (
        "Labels missing" not in client.command("ticket list", user=BETA_USER, channel=INTERNAL_CHANNEL).text
    )
    assert "Labels missing" in client.command("ticket list", user=ACME_USER, channel=INTERNAL_CHANNEL).text
    assert "Labels missing" in client.command("ticket show T-1", user=BUYER, channel=INTERNAL_CHANNEL).text


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ('ticket new ""', "title of 1 to 200 characters"),
        ('ticket new "   "', "title of 1 to 200 characters"),
        ('ticket new "' + "x" * 3001 + '"', "title of 1 to 200 characters"),
        ('ticket new "Broken" severity=urgent', "Unknown severity urgent"),
        ('ticket new "Broken" type=weather', "Unknown type weather"),
        ('ticket new "Broken" order=B-1 supplier="Acme Textiles"', "No order B-1"),
        ("ticket list status=lost", "Unknown status lost"),
    ],
)
def test_bad_ticket_input_is_refused_and_changes_nothing(client, session, acme, beta, command, expected):
    client.command("order new B-1 qty=3 due=2026-12-01", user=BUYER, channel=BETA_CHANNEL)
    before = counts(session), len(session.exec(sql_select(Ticket)).all())
    text = client.command(command, user=BUYER, channel=ACME_CHANNEL).text
    assert expected in text
    assert (counts(session), len(session.exec(sql_select(Ticket)).all())) == before


def test_export_tickets_with_durations(client, slack, session, acme, db_url, tmp_path, monkeypatch):
    import csv
    import io

    from click.testing import CliRunner

    from bot.cli import main

    client.command('ticket new "Labels missing"', user=BUYER, channel=ACME_CHANNEL)
    click(client, "ticket_ack", "1", user=ACME_USER, channel=ACME_CHANNEL)
    monkeypatch.chdir(tmp_path)
    output = CliRunner().invoke(main, ["export", "tickets"], env={"DATABASE_URL": db_url}).output
    header, row = list(csv.reader(io.StringIO(output)))
    record = dict(zip(header, row, strict=True))
    assert (record["number"], record["supplier"], record["status"], record["first_response_minutes"]) == (
        "T-1", "Acme Textiles", "acknowledged", "0")  # fmt: skip
    assert record["resolution_minutes"] == ""


def test_typed_mentions_are_not_repeated_by_the_bot(client, slack, session, acme, delivery):
    client.command('ticket new "<!here> fabric <@U0BUYERZH> wrong"', user=BUYER, channel=ACME_CHANNEL)
    card = _card(slack, session)
    parsed = json.dumps(
        [card["text"]] + [b for b in card["blocks"] if b["type"] != "header"]
    )  # plain_text is not parsed
    assert "<!here>" not in parsed and "<@U0BUYERZH>" not in parsed
    listed = client.command("ticket list", user=BUYER, channel=ACME_CHANNEL).text
    assert "<!here>" not in listed and "&lt;!here&gt;" in listed

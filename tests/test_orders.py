"""Orders end to end: issue, confirm, propose a date, production updates, receipts, inspections.

An external (Slack Connect) supplier user acts by buttons, modals and thread replies in the shared
channel; buyers use /srm. Everything goes through signed HTTP and lands in the DB and the fake Slack.
"""

import json
from datetime import date

import pytest
from conftest import ACME_CHANNEL, ACME_USER, BETA_CHANNEL, BETA_USER, BUYER, BUYER_ZH
from helpers import counts, translated
from slackclient import click, submit
from sqlmodel import select

from models import (
    AuditEvent,
    Card,
    ChannelMessage,
    DateProposal,
    Inspection,
    Order,
    ProductionUpdate,
    Receipt,
)


@pytest.fixture
def acme(client, slack):
    """Acme (China) linked to its shared channel; its external user seen there once."""
    assert (
        client.command('supplier add "Acme Textiles" country=CN', user=BUYER, channel=ACME_CHANNEL).status
        == 200
    )
    client.message("hello", user=ACME_USER, channel=ACME_CHANNEL)
    return ACME_CHANNEL


@pytest.fixture
def beta(client):
    assert (
        client.command('supplier add "Beta Foods" country=MX', user=BUYER, channel=BETA_CHANNEL).status == 200
    )
    client.message("hola", user=BETA_USER, channel=BETA_CHANNEL)


def _issue(client, text='order new PO-1 qty=100 due=2026-12-15 item="Blue mug"'):
    response = client.command(text, user=BUYER, channel=ACME_CHANNEL)
    assert response.status == 200
    return response


def _order(session, po="PO-1"):
    return session.exec(select(Order).where(Order.po == po)).one()


def _card_ts(slack, session, po="PO-1"):
    order = _order(session, po)
    return slack.wait_for(lambda: session.get(Card, order.card_id).ts, what="card delivered")


def _card(slack, session, po="PO-1"):
    """The latest version of the order card as the supplier's channel shows it."""
    return slack.messages[(ACME_CHANNEL, _card_ts(slack, session, po))]


def _buttons(card):
    return [e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]


def _thread(slack, ts):
    return [c.params for c in slack.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]


def test_issue_posts_a_card_in_the_suppliers_language(client, slack, session, acme, delivery):
    answer = _issue(client)
    assert "PO-1" in answer.text
    card = _card(slack, session)
    title = translated("zh_CN", "Purchase order {po}", po="PO-1")
    assert title != "Purchase order PO-1" and card["blocks"][0]["text"]["text"] == title
    assert "2026年12月15日" in json.dumps(card, ensure_ascii=False)
    assert _buttons(card) == ["order_confirm", "order_propose_date", "order_update", "order_report_problem"]
    order = _order(session)
    assert (order.quantity, order.item, order.status, order.due_date) == (
        100,
        "Blue mug",
        "issued",
        date(2026, 12, 15),
    )
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "issued")).one().actor_id == BUYER


def test_card_warns_of_public_holidays_before_the_due_date(client, slack, session, acme, delivery):
    _issue(client, "order new PO-H qty=10 due=2026-10-05")
    card = json.dumps(_card(slack, session, "PO-H"), ensure_ascii=False)
    assert "国庆节" in card


def test_supplier_confirms_by_button(client, slack, session, acme, delivery):
    _issue(client)
    ts = _card_ts(slack, session)
    order = _order(session)
    assert click(client, "order_confirm", str(order.id), user=ACME_USER, channel=ACME_CHANNEL).status == 200
    session.expire_all()
    order = _order(session)
    assert (order.status, order.confirmed_by) == ("confirmed", ACME_USER) and order.confirmed_at is not None
    slack.wait_for(
        lambda: "order_confirm" not in _buttons(_card(slack, session)), what="card updated in place"
    )
    assert translated("zh_CN", "Confirmed") in json.dumps(_card(slack, session), ensure_ascii=False)
    note = slack.wait_for(lambda: _thread(slack, ts), what="thread note")[0]
    assert "PO-1" in note["text"] and f"<@{ACME_USER}>" in note["text"]
    assert any(
        "confirmed by" in b.get("elements", [{}])[0].get("text", "")
        for b in note["blocks"]
        if b["type"] == "context"
    )

    again = click(client, "order_confirm", str(order.id), user=ACME_USER, channel=ACME_CHANNEL)
    assert again.status == 200
    ephemeral = slack.calls_to("chat.postEphemeral")[-1].params
    assert ephemeral["user"] == ACME_USER and "PO-1" in ephemeral["text"]
    assert len(session.exec(select(AuditEvent).where(AuditEvent.action == "confirmed")).all()) == 1


def _open_modal(client, slack, action, order_id, user=ACME_USER):
    before = len(slack.calls_to("views.open"))
    assert click(client, action, str(order_id), user=user, channel=ACME_CHANNEL).status == 200
    calls = slack.wait_for(lambda: slack.calls_to("views.open")[before:], what="modal")
    view = calls[0].params["view"]
    return json.loads(view) if isinstance(view, str) else view


def test_new_date_is_proposed_and_only_changes_when_a_buyer_accepts(client, slack, session, acme, delivery):
    _issue(client)
    ts = _card_ts(slack, session)
    order = _order(session)
    view = _open_modal(client, slack, "order_propose_date", order.id)
    assert view["callback_id"] == "order_propose_date"
    response = submit(
        client, view, {"date": "2026-12-29", "reason": "Fabric <!channel> delayed"}, user=ACME_USER
    )
    assert response.status == 200 and response.body == ""
    proposal = session.exec(select(DateProposal)).one()
    assert (proposal.status, proposal.proposed_date, proposal.previous_date) == (
        "pending",
        date(2026, 12, 29),
        date(2026, 12, 15),
    )
    assert _order(session).due_date == date(2026, 12, 15)

    request = slack.wait_for(
        lambda: [p for p in _thread(slack, ts) if "2026" in p["text"]], what="proposal in thread"
    )[0]
    assert "<!channel>" not in json.dumps(request) and "&lt;!channel&gt;" in request["text"]
    actions = [e["action_id"] for b in request["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["order_proposal_accept", "order_proposal_decline"]

    # The supplier cannot accept its own proposal; a buyer can.
    click(client, "order_proposal_accept", str(proposal.id), user=ACME_USER, channel=ACME_CHANNEL)
    assert session.exec(select(DateProposal)).one().status == "pending"
    click(client, "order_proposal_accept", str(proposal.id), user=BUYER, channel=ACME_CHANNEL)
    session.expire_all()
    assert session.exec(select(DateProposal)).one().status == "accepted"
    order = _order(session)
    assert (order.due_date, order.original_due_date) == (date(2026, 12, 29), date(2026, 12, 15))
    slack.wait_for(
        lambda: "2026年12月29日" in json.dumps(_card(slack, session), ensure_ascii=False),
        what="new date on card",
    )

    # A second proposal, declined: the history keeps both.
    view = _open_modal(client, slack, "order_propose_date", order.id)
    submit(client, view, {"date": "2027-01-10", "reason": "Holiday"}, user=ACME_USER)
    second = session.exec(select(DateProposal).where(DateProposal.status == "pending")).one()
    click(client, "order_proposal_decline", str(second.id), user=BUYER, channel=ACME_CHANNEL)
    session.expire_all()
    assert [p.status for p in session.exec(select(DateProposal).order_by(DateProposal.id))] == [
        "accepted",
        "declined",
    ]
    assert _order(session).due_date == date(2026, 12, 29)


def test_modal_errors_are_shown_in_the_modal(client, slack, session, acme):
    _issue(client)
    order = _order(session)
    view = _open_modal(client, slack, "order_propose_date", order.id)
    same = submit(client, view, {"date": "2026-12-15", "reason": "x"}, user=ACME_USER).json()
    assert same["response_action"] == "errors" and "date" in same["errors"]
    view = _open_modal(client, slack, "order_update", order.id)
    too_much = submit(client, view, {"percent": "101"}, user=ACME_USER).json()
    assert too_much["errors"]["percent"].startswith("Progress must be a whole number from 0 to 100")
    assert (
        session.exec(select(DateProposal)).all() == [] and session.exec(select(ProductionUpdate)).all() == []
    )


def test_post_update_by_modal_moves_the_order_into_production(client, slack, session, acme, delivery):
    _issue(client)
    ts = _card_ts(slack, session)
    order = _order(session)
    view = _open_modal(client, slack, "order_update", order.id)
    stages = [
        o["value"] for b in view["blocks"] if b.get("block_id") == "stage" for o in b["element"]["options"]
    ]
    assert stages == ["materials", "cutting", "sewing", "finishing", "packing", "shipped"]
    assert (
        submit(client, view, {"percent": "40", "stage": "cutting", "eta": "2026-12-10"}, user=ACME_USER).body
        == ""
    )
    update = session.exec(select(ProductionUpdate)).one()
    assert (update.percent, update.stage, update.source, update.author_id) == (
        40,
        "cutting",
        "button",
        ACME_USER,
    )
    order = _order(session)
    assert (order.status, order.progress_percent, order.eta) == ("in_production", 40, date(2026, 12, 10))
    slack.wait_for(lambda: "40%" in json.dumps(_card(slack, session)), what="progress on card")
    note = slack.wait_for(lambda: [p for p in _thread(slack, ts) if "40%" in p["text"]], what="update note")[
        0
    ]
    assert translated("zh_CN", "cutting") in note["text"]

    lower = _open_modal(client, slack, "order_update", order.id)
    refused = submit(client, lower, {"percent": "30"}, user=ACME_USER).json()
    assert "lower than the last update" in refused["errors"]["percent"]
    accepted = submit(
        client, lower, {"percent": "30", "note": "10 pieces failed QC, redoing"}, user=ACME_USER
    )
    assert accepted.body == ""
    assert [u.percent for u in session.exec(select(ProductionUpdate).order_by(ProductionUpdate.id))] == [
        40,
        30,
    ]


def test_typed_thread_reply_counts_as_a_production_update(client, slack, session, acme, delivery):
    _issue(client)
    ts = _card_ts(slack, session)
    reply = {"type": "message", "channel": ACME_CHANNEL, "user": ACME_USER, "text": "60% cutting done",
             "ts": "1800000000.000200", "thread_ts": ts}  # fmt: skip
    assert client.event(reply, event_id="Ev0REPLY").status == 200
    assert client.event(reply, event_id="Ev0REPLY", retry=1).status == 200  # Slack's retry: stored once
    update = session.exec(select(ProductionUpdate)).one()
    assert (update.percent, update.stage, update.source, update.message_ts) == (
        60,
        "cutting",
        "message",
        "1800000000.000200",
    )
    stored = session.exec(select(ChannelMessage).where(ChannelMessage.thread_ts == ts)).one()
    assert (stored.side, stored.text) == ("supplier", "60% cutting done")
    reaction = slack.wait_for(lambda: slack.calls_to("reactions.add"), what="acknowledging reaction")[
        0
    ].params
    assert (reaction["channel"], reaction["timestamp"]) == (ACME_CHANNEL, "1800000000.000200")
    assert _order(session).progress_percent == 60

    client.message("Thanks, see you next week", user=BUYER, channel=ACME_CHANNEL, thread_ts=ts)
    client.message("we had 2 sewing lines down", user=ACME_USER, channel=ACME_CHANNEL, thread_ts=ts)
    assert len(session.exec(select(ProductionUpdate)).all()) == 1
    assert len(session.exec(select(ChannelMessage).where(ChannelMessage.thread_ts == ts)).all()) == 3


def test_receipts_add_up_and_are_judged_against_the_agreed_date(client, slack, session, acme, delivery):
    _issue(client)
    first = client.command("receive PO-1 qty=40 date=2026-12-14", user=BUYER, channel=ACME_CHANNEL).text
    assert "40" in first and "on time" in first
    assert _order(session).status == "partially_received"
    too_much = client.command("receive PO-1 qty=61", user=BUYER, channel=ACME_CHANNEL).text
    assert "at most 60 more" in too_much
    client.command("receive PO-1 qty=60 date=2026-12-16", user=BUYER, channel=ACME_CHANNEL)
    receipts = session.exec(select(Receipt).order_by(Receipt.id)).all()
    assert [(r.quantity, r.on_time) for r in receipts] == [(40, True), (60, False)]
    assert _order(session).status == "received"
    slack.wait_for(lambda: "100 / 100" in json.dumps(_card(slack, session)), what="received on card")
    assert "closed" in client.command("order close PO-1", user=BUYER, channel=ACME_CHANNEL).text.lower()
    assert _order(session).status == "closed"


def test_inspection_result_is_posted_to_the_supplier_in_its_language(client, slack, session, acme, delivery):
    _issue(client)
    ts = _card_ts(slack, session)
    assert (
        "accepted"
        in client.command("inspect PO-1 sampled=50 defects=1", user=BUYER, channel=ACME_CHANNEL).text
    )
    text = client.command(
        'inspect PO-1 sampled=50 defects=3 note="stitching loose"', user=BUYER, channel=ACME_CHANNEL
    ).text
    assert "rejected" in text
    assert [i.accepted for i in session.exec(select(Inspection).order_by(Inspection.id))] == [True, False]
    rejected = translated("zh_CN", "Lot rejected")
    note = slack.wait_for(
        lambda: [p for p in _thread(slack, ts) if rejected in p["text"]], what="inspection note"
    )[0]
    assert "stitching loose" in note["text"]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("order new PO-1 qty=5 due=2026-12-20", "already has an order PO-1"),
        ("order new PO-2 qty=0 due=2026-12-20", "qty must be greater than 0"),
        ("order new PO-2 qty=ten due=2026-12-20", "qty must be a whole number"),
        ("order new PO-2 qty=5 due=2026-13-01", "due must be a date written YYYY-MM-DD"),
        ("order new PO-2 qty=5 due=2026-12-20 currency=XYZ price=2", "not an ISO 4217 currency"),
        ("order new PO-2 qty=5", "due="),
        ("receive PO-1 qty=101", "at most 100 more"),
        ("receive PO-9 qty=1", "No order PO-9"),
        ("inspect PO-1 sampled=5 defects=6", "more defects (6) than units sampled (5)"),
        ("inspect PO-1 sampled=5 defects=-1", "defects cannot be negative"),
        ("order list status=lost", "Unknown status lost"),
    ],
)
def test_bad_order_input_is_refused_and_changes_nothing(client, session, acme, command, expected):
    _issue(client)
    before = (
        counts(session),
        len(session.exec(select(Receipt)).all()),
        len(session.exec(select(Inspection)).all()),
    )
    text = client.command(command, user=BUYER, channel=ACME_CHANNEL).text
    assert expected in text
    after = (
        counts(session),
        len(session.exec(select(Receipt)).all()),
        len(session.exec(select(Inspection)).all()),
    )
    assert after == before


def test_another_suppliers_contact_cannot_act_on_the_order(client, slack, session, acme, beta):
    _issue(client)
    order = _order(session)
    # Replaying Acme's button with a forged value from Beta's channel and user.
    click(client, "order_confirm", str(order.id), user=BETA_USER, channel=BETA_CHANNEL)
    click(client, "order_update", str(order.id), user=BETA_USER, channel=BETA_CHANNEL)
    assert _order(session).status == "issued" and slack.calls_to("views.open") == []
    denied = session.exec(
        select(AuditEvent.actor_id, AuditEvent.action).where(AuditEvent.action.like("denied:%"))
    ).all()
    assert sorted(denied) == [(BETA_USER, "denied:order_confirm"), (BETA_USER, "denied:order_update")]
    refusal = translated("es", "This order does not exist or is not yours to act on.")
    assert refusal != "This order does not exist or is not yours to act on."
    assert slack.calls_to("chat.postEphemeral")[-1].params["text"].endswith(refusal)
    # A forged modal submission is refused too.
    view = {"type": "modal", "callback_id": "order_update", "private_metadata": json.dumps({"order_id": order.id}),
            "blocks": [{"type": "input", "block_id": "percent", "element": {"type": "number_input"}}]}  # fmt: skip
    assert submit(client, view, {"percent": "50"}, user=BETA_USER).json()["response_action"] == "errors"
    assert session.exec(select(ProductionUpdate)).all() == []


def test_buyers_do_not_confirm_for_the_supplier(client, slack, session, acme):
    _issue(client)
    click(client, "order_confirm", str(_order(session).id), user=BUYER, channel=ACME_CHANNEL)
    assert _order(session).status == "issued"
    assert "Only the supplier's own people" in slack.calls_to("chat.postEphemeral")[-1].params["text"]


def test_cancelled_orders_cannot_be_acted_on(client, slack, session, acme):
    _issue(client)
    assert "cancelled" in client.command("order cancel PO-1", user=BUYER, channel=ACME_CHANNEL).text.lower()
    click(client, "order_confirm", str(_order(session).id), user=ACME_USER, channel=ACME_CHANNEL)
    assert _order(session).status == "cancelled"
    assert (
        "that is not possible now"
        in client.command("receive PO-1 qty=1", user=BUYER, channel=ACME_CHANNEL).text
    )


def test_confirm_while_slack_is_failing_is_kept_and_the_card_updated_later(
    client, slack, session, acme, delivery
):
    _issue(client)
    _card_ts(slack, session)
    slack.fail_next("chat.update", status=503, times=2)
    slack.fail_next("chat.postEphemeral", status=503, times=5)
    click(client, "order_confirm", str(_order(session).id), user=ACME_USER, channel=ACME_CHANNEL)
    assert _order(session).status == "confirmed"
    slack.wait_for(lambda: "order_confirm" not in _buttons(_card(slack, session)), what="card after recovery")
    assert len(slack.calls_to("chat.update")) == 3


def test_order_list_and_show_respect_the_suppliers_boundaries(client, session, acme, beta):
    _issue(client)
    client.command("order new B-7 qty=3 due=2026-12-01", user=BUYER, channel=BETA_CHANNEL)
    everything = client.command("order list", user=BUYER_ZH, channel="C0INTERNAL").text
    assert "PO-1" in everything and "B-7" in everything and translated("zh_CN", "Orders") in everything
    assert "B-7" not in client.command("order list", user=ACME_USER, channel="C0INTERNAL").text
    assert "No order B-7" in client.command("order show B-7", user=ACME_USER, channel="C0INTERNAL").text
    shown = client.command("order show PO-1", user=BUYER, channel="C0INTERNAL").text
    assert "Blue mug" in shown and "Acme Textiles" in shown
    elsewhere = client.command(
        'order new PO-5 qty=1 due=2026-12-20 supplier="Beta Foods"', user=BUYER, channel="C0INTERNAL"
    )
    assert "<#C0BETA>" in elsewhere.text


def test_new_order_modal_without_arguments(client, slack, session, acme, delivery):
    assert client.command("order new", user=BUYER, channel=ACME_CHANNEL).status == 200
    view = slack.calls_to("views.open")[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "order_new" and "supplier" not in [
        b.get("block_id") for b in view["blocks"]
    ]
    bad = submit(client, view, {"po": "M-1", "qty": "0", "due": "2026-12-20"}, user=BUYER).json()
    assert "qty" in bad["errors"]
    assert (
        submit(client, view, {"po": "M-1", "qty": "12", "due": "2026-12-20", "item": "Tote"}, user=BUYER).body
        == ""
    )
    order = _order(session, "M-1")
    assert (order.quantity, order.item, order.channel_id) == (12, "Tote", ACME_CHANNEL)
    _card(slack, session, "M-1")


def test_exports_of_orders_updates_and_messages(client, slack, session, acme, db_url, tmp_path, monkeypatch):
    import csv
    import io

    from click.testing import CliRunner

    from bot.cli import main

    _issue(client)
    client.command("receive PO-1 qty=40 date=2026-12-14", user=BUYER, channel=ACME_CHANNEL)
    monkeypatch.chdir(tmp_path)
    out = {kind: list(csv.reader(io.StringIO(CliRunner().invoke(main, ["export", kind], env={"DATABASE_URL": db_url}).output)))
           for kind in ("orders", "updates", "messages")}  # fmt: skip
    header, row = out["orders"]
    assert dict(zip(header, row, strict=True)) | {} and row[1:5] == [
        "PO-1",
        "Acme Textiles",
        "Blue mug",
        "100",
    ]
    assert (
        row[header.index("received_quantity")] == "40" and row[header.index("status")] == "partially_received"
    )
    assert out["updates"][0][:3] == ["id", "po", "percent"]
    assert [r[7] for r in out["messages"][1:]] == ["hello"]

"""Orders: receipts and inspections, refused input, who sees and acts on what, exports.

Same setting as test_orders.py: the supplier acts in its shared channel, buyers use /srm.
"""

import json
from datetime import UTC, datetime

import pytest
import time_machine
from conftest import ACME_CHANNEL, ACME_USER, BETA_CHANNEL, BETA_USER, BUYER, BUYER_ES, BUYER_ZH
from helpers import buttons, card_ts, counts, issue_order, order_card, order_named, thread_posts, translated
from slackclient import click, submit
from sqlmodel import select

from models import (
    AuditEvent,
    Inspection,
    ProductionUpdate,
    Receipt,
)


def test_receipts_add_up_and_are_judged_against_the_agreed_date(client, slack, session, acme, delivery):
    issue_order(client)
    first = client.command("receive PO-1 qty=40 date=2026-12-14", user=BUYER, channel=ACME_CHANNEL).text
    assert "40" in first and "on time" in first
    assert order_named(session).status == "partially_received"
    too_much = client.command("receive PO-1 qty=61", user=BUYER, channel=ACME_CHANNEL).text
    assert "at most 60 more" in too_much
    client.command("receive PO-1 qty=60 date=2026-12-16", user=BUYER, channel=ACME_CHANNEL)
    receipts = session.exec(select(Receipt).order_by(Receipt.id)).all()
    assert [(r.quantity, r.on_time) for r in receipts] == [(40, True), (60, False)]
    assert order_named(session).status == "received"
    slack.wait_for(lambda: "100 / 100" in json.dumps(order_card(slack, session)), what="received on card")
    assert "closed" in client.command("order close PO-1", user=BUYER, channel=ACME_CHANNEL).text.lower()
    assert order_named(session).status == "closed"


def test_inspection_result_is_posted_to_the_supplier_in_its_language(client, slack, session, acme, delivery):
    issue_order(client)
    ts = card_ts(slack, session)
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
        lambda: [p for p in thread_posts(slack, ts) if rejected in p["text"]], what="inspection note"
    )[0]
    assert "stitching loose" in note["text"]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("order new PO-1 qty=5 due=2026-12-20", "already has an order PO-1"),
        ("order new PO-2 qty=0 due=2026-12-20", "qty must be greater than 0"),
        ("order new PO-2 qty=ten due=2026-12-20", "qty must be a whole number"),
        ("order new PO-2 qty=1.5 due=2026-12-20", "qty must be a whole number"),
        ("order new PO-2 qty=1e3 due=2026-12-20", "qty must be a whole number"),
        ("order new PO-2 qty=-3 due=2026-12-20", "qty must be greater than 0"),
        (
            "order new PO-2 qty=5 due=2026-08-31",
            "The due date 2026-08-31 has already passed (today is 2026-09-01)",
        ),
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
    issue_order(client)
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


PAST_DUE = "The due date {due} has already passed (today is {today}); choose today or a later date."


def test_past_due_dates_are_refused_as_the_buyers_calendar_says(client, slack, session, acme):
    slack.add_user("U0BUYERNY", tz="America/New_York")
    before = counts(session)
    # 01:00 UTC on 16 December: still the 15th in New York, already the 16th in Berlin and Madrid.
    with time_machine.travel(datetime(2026, 12, 16, 1, 0, tzinfo=UTC), tick=True):
        berlin = client.command("order new PO-2 qty=5 due=2026-12-15", user=BUYER, channel=ACME_CHANNEL).text
        madrid = client.command(
            "order new PO-2 qty=5 due=2026-12-15", user=BUYER_ES, channel=ACME_CHANNEL
        ).text
        assert counts(session) == before
        new_york = client.command(
            "order new PO-2 qty=5 due=2026-12-15", user="U0BUYERNY", channel=ACME_CHANNEL
        )
    assert translated("en", PAST_DUE, due="2026-12-15", today="2026-12-16") in berlin
    assert translated("es", PAST_DUE, due="2026-12-15", today="2026-12-16") in madrid
    assert "PO-2" in new_york.text and order_named(session, "PO-2").due_date.isoformat() == "2026-12-15"


def test_the_new_order_form_refuses_a_past_due_date(client, slack, session, acme):
    client.command("order new", user=BUYER_ZH, channel=ACME_CHANNEL)
    view = slack.calls_to("views.open")[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    refused = submit(client, view, {"po": "M-1", "qty": "3", "due": "2026-08-01"}, user=BUYER_ZH).json()
    assert refused["errors"] == {"due": translated("zh_CN", PAST_DUE, due="2026-08-01", today="2026-09-01")}
    assert submit(client, view, {"po": "M-1", "qty": "3", "due": "2026-09-01"}, user=BUYER_ZH).body == ""


def test_another_suppliers_contact_cannot_act_on_the_order(client, slack, session, acme, beta):
    issue_order(client)
    order = order_named(session)
    # Replaying Acme's button with a forged value from Beta's channel and user.
    click(client, "order_confirm", str(order.id), user=BETA_USER, channel=BETA_CHANNEL)
    click(client, "order_update", str(order.id), user=BETA_USER, channel=BETA_CHANNEL)
    assert order_named(session).status == "issued" and slack.calls_to("views.open") == []
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
    issue_order(client)
    click(client, "order_confirm", str(order_named(session).id), user=BUYER, channel=ACME_CHANNEL)
    assert order_named(session).status == "issued"
    assert "Only the supplier's own people" in slack.calls_to("chat.postEphemeral")[-1].params["text"]


def test_cancelled_orders_cannot_be_acted_on(client, slack, session, acme):
    issue_order(client)
    assert "cancelled" in client.command("order cancel PO-1", user=BUYER, channel=ACME_CHANNEL).text.lower()
    click(client, "order_confirm", str(order_named(session).id), user=ACME_USER, channel=ACME_CHANNEL)
    assert order_named(session).status == "cancelled"
    assert (
        "that is not possible now"
        in client.command("receive PO-1 qty=1", user=BUYER, channel=ACME_CHANNEL).text
    )


def test_confirm_while_slack_is_failing_is_kept_and_the_card_updated_later(
    client, slack, session, acme, delivery
):
    issue_order(client)
    card_ts(slack, session)
    slack.fail_next("chat.update", status=503, times=2)
    slack.fail_next("chat.postEphemeral", status=503, times=5)
    click(client, "order_confirm", str(order_named(session).id), user=ACME_USER, channel=ACME_CHANNEL)
    assert order_named(session).status == "confirmed"
    slack.wait_for(
        lambda: "order_confirm" not in buttons(order_card(slack, session)), what="card after recovery"
    )
    assert len(slack.calls_to("chat.update")) == 3


def test_order_list_and_show_respect_the_suppliers_boundaries(client, session, acme, beta):
    issue_order(client)
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


def test_exports_of_orders_updates_and_messages(client, slack, session, acme, db_url, tmp_path, monkeypatch):
    import csv
    import io

    from click.testing import CliRunner

    from bot.cli import main

    issue_order(client)
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

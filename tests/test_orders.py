"""Orders end to end: issue, confirm, propose a date, production updates, the new-order form.

An external (Slack Connect) supplier user acts by buttons, modals and thread replies in the shared
channel; buyers use /srm. Everything goes through signed HTTP and lands in the DB and the fake Slack.
"""

import json
from datetime import date

from conftest import ACME_CHANNEL, ACME_USER, BUYER
from helpers import buttons, card_ts, issue_order, order_card, order_named, thread_posts, translated
from slackclient import click, submit
from sqlmodel import select

from models import (
    AuditEvent,
    ChannelMessage,
    DateProposal,
    ProductionUpdate,
)


def test_issue_posts_a_card_in_the_suppliers_language(client, slack, session, acme, delivery):
    answer = issue_order(client)
    assert "PO-1" in answer.text
    card = order_card(slack, session)
    title = translated("zh_CN", "Purchase order {po}", po="PO-1")
    assert title != "Purchase order PO-1" and card["blocks"][0]["text"]["text"] == title
    assert "2026年12月15日" in json.dumps(card, ensure_ascii=False)
    assert buttons(card) == ["order_confirm", "order_propose_date", "order_update", "order_report_problem"]
    order = order_named(session)
    assert (order.quantity, order.item, order.status, order.due_date) == (
        100,
        "Blue mug",
        "issued",
        date(2026, 12, 15),
    )
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "issued")).one().actor_id == BUYER


def test_card_warns_of_public_holidays_before_the_due_date(client, slack, session, acme, delivery):
    issue_order(client, "order new PO-H qty=10 due=2026-10-05")
    card = json.dumps(order_card(slack, session, "PO-H"), ensure_ascii=False)
    assert "国庆节" in card


def test_supplier_confirms_by_button(client, slack, session, acme, delivery):
    issue_order(client)
    ts = card_ts(slack, session)
    order = order_named(session)
    assert click(client, "order_confirm", str(order.id), user=ACME_USER, channel=ACME_CHANNEL).status == 200
    session.expire_all()
    order = order_named(session)
    assert (order.status, order.confirmed_by) == ("confirmed", ACME_USER) and order.confirmed_at is not None
    slack.wait_for(
        lambda: "order_confirm" not in buttons(order_card(slack, session)), what="card updated in place"
    )
    assert translated("zh_CN", "Confirmed") in json.dumps(order_card(slack, session), ensure_ascii=False)
    note = slack.wait_for(lambda: thread_posts(slack, ts), what="thread note")[0]
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
    issue_order(client)
    ts = card_ts(slack, session)
    order = order_named(session)
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
    assert order_named(session).due_date == date(2026, 12, 15)

    request = slack.wait_for(
        lambda: [p for p in thread_posts(slack, ts) if "2026" in p["text"]], what="proposal in thread"
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
    order = order_named(session)
    assert (order.due_date, order.original_due_date) == (date(2026, 12, 29), date(2026, 12, 15))
    slack.wait_for(
        lambda: "2026年12月29日" in json.dumps(order_card(slack, session), ensure_ascii=False),
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
    assert order_named(session).due_date == date(2026, 12, 29)


def test_modal_errors_are_shown_in_the_modal(client, slack, session, acme):
    issue_order(client)
    order = order_named(session)
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
    issue_order(client)
    ts = card_ts(slack, session)
    order = order_named(session)
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
    order = order_named(session)
    assert (order.status, order.progress_percent, order.eta) == ("in_production", 40, date(2026, 12, 10))
    slack.wait_for(lambda: "40%" in json.dumps(order_card(slack, session)), what="progress on card")
    note = slack.wait_for(
        lambda: [p for p in thread_posts(slack, ts) if "40%" in p["text"]], what="update note"
    )[0]
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
    issue_order(client)
    ts = card_ts(slack, session)
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
    assert order_named(session).progress_percent == 60

    client.message("Thanks, see you next week", user=BUYER, channel=ACME_CHANNEL, thread_ts=ts)
    client.message("we had 2 sewing lines down", user=ACME_USER, channel=ACME_CHANNEL, thread_ts=ts)
    assert len(session.exec(select(ProductionUpdate)).all()) == 1
    assert len(session.exec(select(ChannelMessage).where(ChannelMessage.thread_ts == ts)).all()) == 3


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
    order = order_named(session, "M-1")
    assert (order.quantity, order.item, order.channel_id) == (12, "Tote", ACME_CHANNEL)
    order_card(slack, session, "M-1")

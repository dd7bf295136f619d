"""Two people changing the same order or ticket at the same moment: the rules hold for both.

Each race fires its two requests at once (two threads released by one barrier), 50 times, on SQLite and
PostgreSQL. Without row locks, PostgreSQL lets both requests pass a check that only one may pass.
"""

from __future__ import annotations

import json
import threading
from datetime import date
from functools import partial

from conftest import ACME_CHANNEL, ACME_USER, BUYER, BUYER_ZH
from slackclient import click, submit
from sqlalchemy import func
from sqlmodel import select

from models import AuditEvent, DateProposal, Order, Receipt, Ticket

ROUNDS = 50


def at_once(*requests):
    """Send the requests from their own threads at the same moment; their responses, in order."""
    barrier = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)

    def send(i, request):
        barrier.wait()
        answers[i] = request()

    threads = [threading.Thread(target=send, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(a is not None and a.status == 200 for a in answers), answers
    return answers


def _order(client, session, po: str, qty: int = 10) -> Order:
    answer = client.command(f"order new {po} qty={qty} due=2026-12-20", user=BUYER, channel=ACME_CHANNEL)
    assert answer.status == 200 and ":warning:" not in answer.text, answer.text
    return session.exec(select(Order).where(Order.po == po)).one()


def _audits(session, object_type: str, object_id: int, action: str) -> int:
    query = select(func.count()).where(
        AuditEvent.object_type == object_type,
        AuditEvent.object_id == str(object_id),
        AuditEvent.action == action,
    )
    return session.exec(query).one()


def test_two_receipts_at_once_never_receive_more_than_ordered(client, session, acme):
    for n in range(ROUNDS):
        order = _order(client, session, f"PO-R{n}")
        receive = partial(client.command, f"receive PO-R{n} qty=6", user=BUYER, channel=ACME_CHANNEL)
        at_once(receive, receive)
        received = session.exec(select(func.sum(Receipt.quantity)).where(Receipt.order_id == order.id)).one()
        assert received == 6, f"round {n}: {received} of 10 received by two receipts of 6"
        assert session.get(Order, order.id).status == "partially_received"


def test_receiving_and_cancelling_at_once_do_not_both_happen(client, session, acme):
    for n in range(ROUNDS):
        order = _order(client, session, f"PO-C{n}")
        at_once(
            partial(client.command, f"receive PO-C{n} qty=10", user=BUYER, channel=ACME_CHANNEL),
            partial(client.command, f"order cancel PO-C{n}", user=BUYER_ZH, channel=ACME_CHANNEL),
        )
        status = session.get(Order, order.id).status
        receipts = session.exec(select(func.count()).where(Receipt.order_id == order.id)).one()
        assert (status, receipts) in (("received", 1), ("cancelled", 0)), f"round {n}: {status}, {receipts}"


def _proposal(client, slack, session, order: Order) -> int:
    """The supplier proposes 2027-01-10 through the form, as in Slack."""
    before = len(slack.calls_to("views.open"))
    assert (
        click(client, "order_propose_date", str(order.id), user=ACME_USER, channel=ACME_CHANNEL).status == 200
    )
    view = slack.wait_for(lambda: slack.calls_to("views.open")[before:], what="the form")[0].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert submit(client, view, {"date": "2027-01-10", "reason": "fabric late"}, user=ACME_USER).status == 200
    return session.exec(select(DateProposal.id).where(DateProposal.order_id == order.id)).one()


def test_accepting_and_declining_a_proposal_at_once_decides_it_once(client, slack, session, acme):
    for n in range(ROUNDS):
        order = _order(client, session, f"PO-P{n}")
        proposal_id = _proposal(client, slack, session, order)
        at_once(
            partial(
                click, client, "order_proposal_accept", str(proposal_id), user=BUYER, channel=ACME_CHANNEL
            ),
            partial(
                click, client, "order_proposal_decline", str(proposal_id), user=BUYER_ZH, channel=ACME_CHANNEL
            ),
        )
        decided = _audits(session, "order", order.id, "date_accepted") + _audits(
            session, "order", order.id, "date_declined"
        )
        assert decided == 1, f"round {n}: the proposal was decided {decided} times"
        status = session.get(DateProposal, proposal_id).status
        due = session.get(Order, order.id).due_date
        assert (status, due) in (("accepted", date(2027, 1, 10)), ("declined", date(2026, 12, 20)))


def test_confirming_twice_at_once_confirms_once(client, session, acme):
    for n in range(ROUNDS):
        order = _order(client, session, f"PO-K{n}")
        confirm = partial(click, client, "order_confirm", str(order.id), user=ACME_USER, channel=ACME_CHANNEL)
        at_once(confirm, confirm)
        assert _audits(session, "order", order.id, "confirmed") == 1, f"round {n}"


def test_acknowledging_a_ticket_twice_at_once_acknowledges_it_once(client, session, acme):
    for n in range(ROUNDS):
        answer = client.command(f'ticket new "Labels missing {n}"', user=BUYER, channel=ACME_CHANNEL)
        assert answer.status == 200 and ":warning:" not in answer.text, answer.text
        ticket = session.exec(select(Ticket).order_by(Ticket.id.desc())).first()
        ack = partial(click, client, "ticket_ack", str(ticket.id), user=ACME_USER, channel=ACME_CHANNEL)
        at_once(ack, ack)
        assert _audits(session, "ticket", ticket.id, "acknowledged") == 1, f"round {n}"

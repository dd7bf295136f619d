"""The request path under load: no Slack call while a transaction is open, reads never queue behind
writers, events no listener acts on cost no write, and contacts who leave are revoked."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from conftest import ACME_CHANNEL, ACME_USER, BETA_CHANNEL, BUYER, INTERNAL_CHANNEL
from helpers import issue_order, order_named
from slackclient import click
from sqlalchemy import event, insert, text
from sqlmodel import select

from models import AuditEvent, ChannelMessage, Order, ProcessedEvent, Supplier, SupplierContact, utcnow

SLOW = "U0SLOWNEW"  # a buyer the app has never looked up


def _link(client, name="Acme Textiles", channel=ACME_CHANNEL):
    response = client.command(f'supplier add "{name}" country=CN', user=BUYER, channel=channel)
    assert response.status == 200 and "added" in response.body


@contextmanager
def statements(engine) -> Iterator[list[str]]:
    """Every SQL statement the app sends through `engine` inside the block."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    def begin(conn):
        seen.append("BEGIN")

    event.listen(engine, "before_cursor_execute", record)
    event.listen(engine, "begin", begin)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
        event.remove(engine, "begin", begin)


def _writes(seen: list[str]) -> list[str]:
    return [s for s in seen if re.match(r"\s*(INSERT|UPDATE|DELETE|BEGIN IMMEDIATE)", s, re.IGNORECASE)]


def _in_background(call) -> tuple[threading.Thread, list]:
    result: list = []
    thread = threading.Thread(target=lambda: result.append(call()), daemon=True)
    thread.start()
    return thread, result


def _open_transactions(engine) -> list[str]:
    """PostgreSQL sessions of this database sitting inside a transaction (none may wait on Slack)."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT query FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
                )
            ).scalars()
        )


def test_a_slow_user_lookup_holds_no_transaction_and_blocks_no_writer(client, slack, engine, session):
    _link(client)  # BUYER is looked up and cached here
    slack.add_user(SLOW)
    gate = slack.hold("users.info", when=lambda params: params.get("user") == SLOW)
    try:
        slow, answered = _in_background(lambda: client.command("order list", user=SLOW, channel=ACME_CHANNEL))
        slack.wait_for(lambda: any(c.params.get("user") == SLOW for c in slack.calls_to("users.info")),
                       what="the slow users.info call")  # fmt: skip
        assert _open_transactions(engine) == []
        response = client.command("order new PO-9 qty=10 due=2026-12-20", user=BUYER, channel=ACME_CHANNEL)
        assert response.status == 200
        assert session.exec(select(Order.po)).all() == ["PO-9"]
        assert not answered, "the slow request should still be waiting on Slack"
    finally:
        gate.set()
    slow.join(10)
    assert answered and answered[0].status == 200 and "PO-9" in answered[0].body


@pytest.mark.parametrize(
    ("command", "shows"),
    [("help", "/srm"), ("supplier list", "Acme"), ('supplier show "Acme Textiles"', "Acme"),
     ("order list", "PO-1"), ("order show PO-1", "Blue mug"), ("ticket list", "No tickets")],
)  # fmt: skip
def test_read_only_commands_answer_while_another_process_holds_the_write_lock(
    client, engine, db_url, command, shows
):
    if engine.dialect.name != "sqlite":
        pytest.skip("the process-wide write lock is SQLite's")
    _link(client)
    new = 'order new PO-1 qty=10 due=2026-12-20 item="Blue mug"'
    assert client.command(new, user=BUYER, channel=ACME_CHANNEL).status == 200
    writer = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process (a second `srm run`) in the middle of a write
    try:
        response = client.command(command, user=BUYER, channel=ACME_CHANNEL)
        assert response.status == 200
        assert shows in response.body
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_refused_read_is_still_audited(client, session):
    _link(client, "Beta Metals", BETA_CHANNEL)
    response = client.command("ticket show 999", user="U0BETA", channel=BETA_CHANNEL)
    assert response.status == 200 and ":warning:" in response.body
    denial = session.exec(select(AuditEvent).where(AuditEvent.action.like("denied:%"))).one()
    assert (denial.actor_id, denial.action) == ("U0BETA", "denied:ticket show")


def test_events_in_unlinked_channels_cost_no_write_and_no_lookup(client, slack, engine, session):
    with statements(engine) as first:
        assert client.message("internal chatter", user=BUYER, channel=INTERNAL_CHANNEL).status == 200
    with statements(engine) as second:
        assert client.message("more chatter", user=BUYER, channel=INTERNAL_CHANNEL).status == 200
    assert _writes(first) == [] and second == []  # the second is answered from memory
    assert slack.calls_to("users.info") == []
    assert session.exec(select(ProcessedEvent)).all() == []


def test_linking_a_channel_makes_its_messages_count_at_once(client, session):
    assert client.message("before the link", user=ACME_USER, channel=ACME_CHANNEL).status == 200
    _link(client)
    assert client.message("right after the link", user=ACME_USER, channel=ACME_CHANNEL).status == 200
    assert session.exec(select(ChannelMessage.text)).all() == ["right after the link"]


def test_card_updates_and_joins_in_a_linked_channel_are_not_claimed(client, session):
    _link(client)
    # Every chat.update of a card comes back as an edit of the bot's own message: no write for it.
    edit = {"type": "message", "subtype": "message_changed", "channel": ACME_CHANNEL, "hidden": True,
            "message": {"text": "card", "user": "U0BOT", "bot_id": "B0BOT", "ts": "1.1"}, "ts": "1.2"}  # fmt: skip
    join = {
        "type": "message",
        "subtype": "channel_join",
        "channel": ACME_CHANNEL,
        "user": ACME_USER,
        "ts": "1.3",
    }
    assert client.event(edit).status == client.event(join).status == 200
    assert session.exec(select(ProcessedEvent)).all() == []


def _left(client, user, channel=ACME_CHANNEL):
    return client.event({"type": "member_left_channel", "user": user, "channel": channel, "channel_type": "C",
                         "team": "T0HOME"})  # fmt: skip


def test_a_contact_who_leaves_the_channel_can_no_longer_act_for_the_supplier(client, session):
    _link(client)
    client.command('order new PO-1 qty=10 due=2026-12-20 item="Blue mug"', user=BUYER, channel=ACME_CHANNEL)
    client.message("hello", user=ACME_USER, channel=ACME_CHANNEL)
    assert "Blue mug" in client.command("order show PO-1", user=ACME_USER, channel="D0ACME").body

    assert _left(client, ACME_USER).status == 200
    assert session.exec(select(SupplierContact)).all() == []
    revoked = session.exec(select(AuditEvent).where(AuditEvent.action == "contact_revoked")).one()
    assert revoked.actor_id == ACME_USER and revoked.after == {"reason": "left_channel"}
    assert "Blue mug" not in client.command("order show PO-1", user=ACME_USER, channel="D0ACME").body


def test_a_stranger_leaving_is_not_recorded_as_a_contact(client, session):
    _link(client)
    assert _left(client, ACME_USER).status == 200
    assert session.exec(select(SupplierContact)).all() == []
    assert session.exec(select(AuditEvent).where(AuditEvent.action.like("contact_%"))).all() == []


def test_membership_is_checked_again_when_the_remembered_contact_is_old(client, slack, session):
    _link(client)
    client.command('order new PO-1 qty=10 due=2026-12-20 item="Blue mug"', user=BUYER, channel=ACME_CHANNEL)
    client.message("hello", user=ACME_USER, channel=ACME_CHANNEL)
    slack.members[ACME_CHANNEL] = {BUYER, ACME_USER}
    assert "Blue mug" in client.command("order show PO-1", user=ACME_USER, channel="D0ACME").body

    # Removed while the bot was not listening (no member_left_channel reached it).
    slack.members[ACME_CHANNEL] = {BUYER}
    later = utcnow() + timedelta(days=2)
    with time_machine.travel(later):
        assert "Blue mug" not in client.command("order show PO-1", user=ACME_USER, channel="D0ACME").body
    assert session.exec(select(SupplierContact)).all() == []
    revoked = session.exec(select(AuditEvent).where(AuditEvent.action == "contact_revoked")).one()
    assert revoked.after == {"reason": "not_in_channel"}
    assert [c.params["channel"] for c in slack.calls_to("conversations.members")] == [ACME_CHANNEL]


def test_membership_is_kept_when_slack_cannot_answer(client, slack, session):
    _link(client)
    client.message("hello", user=ACME_USER, channel=ACME_CHANNEL)
    client.command("order list", user=ACME_USER, channel="D0ACME")
    slack.fail_next("conversations.members", times=5)
    with time_machine.travel(utcnow() + timedelta(days=2)):
        assert client.command("order list", user=ACME_USER, channel="D0ACME").status == 200
    assert [c.user_id for c in session.exec(select(SupplierContact)).all()] == [ACME_USER]


def _write_lock_is_free(engine, db_url) -> bool:
    """On SQLite, whether another process could start writing now (nobody holds the write lock)."""
    if engine.dialect.name != "sqlite":
        return True
    probe = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()


def _confirmed_twice(client, session):
    issue_order(client)
    order_id = str(order_named(session).id)
    assert click(client, "order_confirm", order_id, user=ACME_USER, channel=ACME_CHANNEL).status == 200
    return lambda: click(client, "order_confirm", order_id, user=ACME_USER, channel=ACME_CHANNEL)


def _update_button(client, session):
    issue_order(client)
    order_id = str(order_named(session).id)
    return lambda: click(client, "order_update", order_id, user=ACME_USER, channel=ACME_CHANNEL)


def _ticket_reaction(client, session):
    client.message("Cartons arrived wet", user=ACME_USER, channel=ACME_CHANNEL, ts="1765000000.000100")
    reaction = {"type": "reaction_added", "user": BUYER, "reaction": "ticket", "item_user": ACME_USER,
                "item": {"type": "message", "channel": ACME_CHANNEL, "ts": "1765000000.000100"}}  # fmt: skip
    return lambda: client.event(reaction)


SLACK_CALLS = {
    # the Slack method a request calls: (setup returning the request, which calls of the method to hold)
    "users.info": (lambda c, s: lambda: c.command("order list", user=SLOW, channel=ACME_CHANNEL), SLOW),
    "chat.postEphemeral": (_confirmed_twice, ACME_USER),
    "views.open (button)": (_update_button, None),
    "views.open (command)": (
        lambda c, s: lambda: c.command("order new", user=BUYER, channel=ACME_CHANNEL),
        None,
    ),
    "chat.getPermalink": (_ticket_reaction, None),
    "conversations.info": (
        lambda c, s: (
            lambda: c.command('supplier add "Beta Foods" country=MX', user=BUYER, channel=BETA_CHANNEL)
        ),
        None,
    ),
}


@pytest.mark.parametrize("call", SLACK_CALLS)
def test_no_transaction_is_open_while_slack_is_asked(call, client, slack, engine, db_url, session, acme):
    """Whatever Slack method a request waits on, no transaction of the app is open meanwhile."""
    slack.add_user(SLOW)
    setup, user = SLACK_CALLS[call]
    request = setup(client, session)
    method = call.split(" ")[0]
    gate = slack.hold(method, when=lambda params: user is None or params.get("user") == user)
    before = len(slack.calls_to(method))
    try:
        waiting, answered = _in_background(request)
        slack.wait_for(lambda: len(slack.calls_to(method)) > before, what=f"the {method} call")
        assert _open_transactions(engine) == []
        assert _write_lock_is_free(engine, db_url)
    finally:
        gate.set()
    waiting.join(10)
    assert answered and answered[0].status == 200


def test_a_buyers_order_list_reads_the_newest_orders_by_an_index_instead_of_sorting_them_all(
    client, engine, session, acme
):
    """After months of work there are thousands of orders: `/srm order list` reads the newest forty from
    an index, it does not sort every order to find them (with 100,000 orders that sort took 0.1 s)."""
    supplier_id = session.exec(select(Supplier.id)).one()
    now, due = utcnow(), utcnow().date() + timedelta(days=30)
    orders = [
        {"supplier_id": supplier_id, "po": f"PO-{n}", "po_key": f"po-{n}", "item": "Mug", "quantity": 1,
         "due_date": due, "original_due_date": due, "status": "issued", "progress_percent": 0,
         "channel_id": ACME_CHANNEL, "issued_by": BUYER, "issued_at": now - timedelta(minutes=n), "updated_at": now}
        for n in range(3000)
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(Order), orders)
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")  # the planner knows there are many
        conn.commit()

    sent: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, *args):
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        answer = client.command("order list", user=BUYER, channel=ACME_CHANNEL)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert "PO-0" in answer.text and "PO-2999" not in answer.text  # the newest, not the oldest

    [(statement, parameters)] = [
        (s, p) for s, p in sent if re.search(r"ORDER BY purchase_order.issued_at DESC", s)
    ]
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as conn:
        plan = "\n".join(str(row[-1]) for row in conn.exec_driver_sql(explain + statement, parameters))
        conn.commit()
    assert "ix_purchase_order_issued" in plan, plan
    assert not re.search(r"TEMP B-TREE FOR ORDER BY|\bSort\b", plan), plan

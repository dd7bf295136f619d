"""Corrective actions end to end: opened by a buyer on a ticket, planned and implemented by the supplier's
own people, accepted, returned, verified or sent back by buyers; refusals, forged values, races, the
overdue reminder, the rectification CAPA of a downgrade, the export and the scorecard variables."""

import csv
import io
import json
from datetime import UTC, date, datetime
from functools import partial

import time_machine
from click.testing import CliRunner
from conftest import ACME_CHANNEL, ACME_USER, BETA_CHANNEL, BETA_USER, BUYER, BUYER_ZH
from helpers import translated
from slackclient import click, submit
from sqlalchemy import func
from sqlmodel import select
from test_races import at_once

from bot.app import make_client, scheduled_jobs
from bot.capa.flows import open_rectification
from bot.capa.variables import capa_variables
from bot.cli import main
from bot.core.db import session_scope
from bot.core.scheduler import JobContext, run_job
from models import AuditEvent, Card, CorrectiveAction, Supplier, Ticket

BUYERS_ONLY = translated("zh_CN", "Only buyers of this workspace can do that.")  # Acme's people read Chinese
PLAN = {"root_cause": "Dye lot mixed at the mill", "containment": "Quarantined 3 rolls",
        "action_1": "Label dye lots at receiving", "due_1": "2026-09-20",
        "action_2": "Train the cutting team", "due_2": "2026-09-25"}  # fmt: skip


def _ticket(client, title="Wrong colour"):
    answer = client.command(f'ticket new "{title}" severity=high', user=BUYER, channel=ACME_CHANNEL)
    assert ":warning:" not in answer.text, answer.text


def _capa(session, number=1) -> CorrectiveAction:
    return session.get(CorrectiveAction, number)


def _card(slack, session, number=1):
    capa = _capa(session, number)
    ts = slack.wait_for(lambda: session.get(Card, capa.card_id).ts, what="CAPA card delivered")
    return slack.messages[(capa.channel_id, ts)]


def _buttons(card):
    return [e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]


def _view(slack, before):
    view = slack.wait_for(lambda: slack.calls_to("views.open")[before:], what="modal")[0].params["view"]
    return json.loads(view) if isinstance(view, str) else view


def _form(client, slack, action, value, user, channel=ACME_CHANNEL):
    before = len(slack.calls_to("views.open"))
    assert click(client, action, value, user=user, channel=channel).status == 200
    return _view(slack, before)


def _actions(session, capa_id=1):
    query = select(AuditEvent.action).where(
        AuditEvent.object_type == "capa", AuditEvent.object_id == str(capa_id)
    )
    return list(session.exec(query.order_by(AuditEvent.id)).all())


def _refusals(slack, user):
    return [c.params["text"] for c in slack.calls_to("chat.postEphemeral") if c.params["user"] == user]


def _export(db_url, kind):
    result = CliRunner().invoke(main, ["export", kind], env={"DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.output)))


def test_the_whole_lifecycle_through_the_card(client, slack, session, acme, delivery, db_url):
    _ticket(client)
    answer = client.command("capa new T-1 due=2026-10-15", user=BUYER, channel=ACME_CHANNEL)
    assert "CA-1" in answer.text
    capa = _capa(session)
    assert (capa.kind, capa.status, capa.ticket_id, capa.due_date) == (
        "ticket",
        "open",
        1,
        date(2026, 10, 15),
    )
    ticket_card_ts = slack.wait_for(
        lambda: session.get(Card, session.get(Ticket, 1).card_id).ts, what="ticket"
    )
    card = _card(slack, session)
    assert card["thread_ts"] == ticket_card_ts  # in the ticket's thread
    assert _buttons(card) == ["capa_plan"]
    assert "纠正" in json.dumps(card, ensure_ascii=False)  # Acme's language

    # The supplier plans; the buyer returns it with a reason; the supplier plans again.
    assert submit(client, _form(client, slack, "capa_plan", "1", ACME_USER), PLAN, user=ACME_USER).body == ""
    assert _capa(session).status == "planned" and _capa(session).root_cause == PLAN["root_cause"]
    assert [a["due"] for a in _capa(session).actions] == ["2026-09-20", "2026-09-25"]
    slack.wait_for(
        lambda: _buttons(_card(slack, session)) == ["capa_accept", "capa_return"], what="planned card"
    )
    view = _form(client, slack, "capa_return", "1", BUYER)
    assert submit(client, view, {"reason": "Containment must cover stock in transit"}, user=BUYER).body == ""
    assert (_capa(session).status, _capa(session).return_reason) == (
        "open",
        "Containment must cover stock in transit",
    )
    assert submit(client, _form(client, slack, "capa_plan", "1", ACME_USER), PLAN, user=ACME_USER).body == ""

    # Accepted, implemented, found not effective, implemented again, verified.
    for action, user, status in (("capa_accept", BUYER, "accepted"), ("capa_done", ACME_USER, "implemented"),
                                 ("capa_reject", BUYER_ZH, "accepted"), ("capa_done", ACME_USER, "implemented"),
                                 ("capa_verify", BUYER, "verified")):  # fmt: skip
        assert click(client, action, "1", user=user, channel=ACME_CHANNEL).status == 200
        assert _capa(session).status == status, action
    slack.wait_for(lambda: _buttons(_card(slack, session)) == [], what="verified card")
    assert _actions(session) == ["opened", "planned", "returned", "planned", "accepted", "implemented",
                                 "not_effective", "implemented", "verified"]  # fmt: skip
    assert not _refusals(slack, ACME_USER) and not _refusals(slack, BUYER)
    (row,) = _export(db_url, "capas")
    assert list(row) == ["id", "supplier", "ticket", "kind", "status", "opened_at", "due_date", "planned_at",
                         "verified_at", "root_cause"]  # fmt: skip
    assert (row["id"], row["supplier"], row["ticket"], row["kind"], row["status"], row["due_date"]) == (
        "CA-1",
        "Acme Textiles",
        "T-1",
        "ticket",
        "verified",
        "2026-10-15",
    )
    assert row["planned_at"] and row["verified_at"] and row["root_cause"] == PLAN["root_cause"]


def test_the_ticket_cards_button_opens_one_capa_for_buyers_only(client, slack, session, acme, delivery):
    _ticket(client)
    click(client, "ticket_capa", "1", user=ACME_USER, channel=ACME_CHANNEL)
    assert session.exec(select(func.count()).select_from(CorrectiveAction)).one() == 0
    assert BUYERS_ONLY in slack.wait_for(lambda: _refusals(slack, ACME_USER), what="refusal")[-1]
    click(client, "ticket_capa", "1", user=BUYER, channel=ACME_CHANNEL)
    click(client, "ticket_capa", "1", user=BUYER, channel=ACME_CHANNEL)  # a second press: still one
    assert session.exec(select(func.count()).select_from(CorrectiveAction)).one() == 1
    assert "CA-1" in slack.wait_for(lambda: _refusals(slack, BUYER), what="the second press told")[-1]
    assert (_capa(session).due_date - date(2026, 9, 1)).days == 30


def test_each_side_does_only_its_own_steps(client, slack, session, acme, delivery):
    _ticket(client)
    client.command("capa new T-1", user=BUYER, channel=ACME_CHANNEL)
    before = len(slack.calls_to("views.open"))
    click(client, "capa_plan", "1", user=BUYER, channel=ACME_CHANNEL)  # buyers do not plan
    slack.wait_for(lambda: _refusals(slack, BUYER), what="refusal")
    assert len(slack.calls_to("views.open")) == before
    assert submit(client, _form(client, slack, "capa_plan", "1", ACME_USER), PLAN, user=ACME_USER).body == ""
    for action in ("capa_accept", "capa_verify", "capa_reject"):
        click(client, action, "1", user=ACME_USER, channel=ACME_CHANNEL)  # the supplier does not decide
    click(client, "capa_return", "1", user=ACME_USER, channel=ACME_CHANNEL)
    click(client, "capa_done", "1", user=BUYER, channel=ACME_CHANNEL)  # not accepted yet, and not theirs
    assert _capa(session).status == "planned"
    assert len(slack.wait_for(lambda: len(_refusals(slack, ACME_USER)) >= 4 and _refusals(slack, ACME_USER),
                              what="refusals")) == 4  # fmt: skip
    click(client, "capa_accept", "1", user=BUYER, channel=ACME_CHANNEL)
    click(client, "capa_done", "1", user=BUYER, channel=ACME_CHANNEL)  # only the supplier implements
    assert _capa(session).status == "accepted"
    denied = [a for a in _actions(session) if a.startswith("denied:")]
    assert denied == ["denied:capa_plan", "denied:capa_accept", "denied:capa_verify", "denied:capa_reject",
                      "denied:capa_return", "denied:capa_done", "denied:capa_done"]  # fmt: skip


def test_another_supplier_and_forged_values_change_nothing(client, slack, session, acme, beta, delivery):
    _ticket(client)
    client.command("capa new T-1", user=BUYER, channel=ACME_CHANNEL)
    plan_view = _form(client, slack, "capa_plan", "1", ACME_USER)
    before = len(slack.calls_to("views.open"))
    for value in ("1", "CA-1", "999", "abc", ""):
        click(client, "capa_plan", value, user=BETA_USER, channel=BETA_CHANNEL)
    forged = submit(client, plan_view, PLAN, user=BETA_USER).json()  # Beta replays Acme's form
    assert forged["response_action"] == "errors"
    assert len(slack.calls_to("views.open")) == before
    assert _capa(session).status == "open" and _capa(session).root_cause == ""
    bad_date = submit(client, plan_view, PLAN | {"due_2": "2026-08-01"}, user=ACME_USER).json()
    assert bad_date["response_action"] == "errors" and "due_2" in bad_date["errors"]
    no_date = submit(client, plan_view, PLAN | {"due_2": None}, user=ACME_USER).json()
    assert "due_2" in no_date["errors"]
    assert _capa(session).status == "open"
    client.command('ticket new "Beta labels"', user=BUYER, channel=BETA_CHANNEL)
    client.command("capa new T-2", user=BUYER, channel=BETA_CHANNEL)
    click(client, "capa_plan", "2", user=ACME_USER, channel=ACME_CHANNEL)  # Acme on Beta's CAPA
    assert len(slack.calls_to("views.open")) == before
    assert "denied:capa_plan" in _actions(session, 2)


def test_bad_commands_are_refused_with_a_clear_message(client, session, acme):
    _ticket(client)
    assert "T-99" in client.command("capa new T-99", user=BUYER, channel=ACME_CHANNEL).text
    assert "T-&lt;n&gt;" in client.command("capa new", user=BUYER, channel=ACME_CHANNEL).text
    assert (
        "2026-08-31" in client.command("capa new T-1 due=2026-08-31", user=BUYER, channel=ACME_CHANNEL).text
    )
    assert "YYYY-MM-DD" in client.command("capa new T-1 due=soon", user=BUYER, channel=ACME_CHANNEL).text
    assert BUYERS_ONLY in client.command("capa new T-1", user=ACME_USER, channel=ACME_CHANNEL).text
    assert session.exec(select(func.count()).select_from(CorrectiveAction)).one() == 0
    client.command("capa new T-1", user=BUYER, channel=ACME_CHANNEL)
    assert "CA-1" in client.command("capa new T-1", user=BUYER, channel=ACME_CHANNEL).text
    assert "CA-1" in client.command("capa list", user=BUYER, channel=ACME_CHANNEL).text
    assert session.exec(select(func.count()).select_from(CorrectiveAction)).one() == 1


def test_two_buyers_accepting_at_once_accept_once(client, slack, session, acme):
    for n in range(1, 11):
        _ticket(client, f"Labels {n}")
        client.command(f"capa new T-{n}", user=BUYER, channel=ACME_CHANNEL)
        view = _form(client, slack, "capa_plan", str(n), ACME_USER)
        assert submit(client, view, PLAN, user=ACME_USER).body == ""
        accept = partial(click, client, "capa_accept", str(n), user=BUYER, channel=ACME_CHANNEL)
        ret = partial(click, client, "capa_accept", str(n), user=BUYER_ZH, channel=ACME_CHANNEL)
        at_once(accept, ret)
        assert _actions(session, n).count("accepted") == 1, f"round {n}"


def _jobs(engine, config, settings, worker="w1"):
    return JobContext(
        engine=engine, config=config, client=make_client(settings), worker_id=worker
    ), scheduled_jobs(config)


def test_an_overdue_capa_is_reminded_once_in_its_thread(client, slack, session, engine, config, settings, acme,
                                                        delivery):  # fmt: skip
    _ticket(client)
    client.command("capa new T-1 due=2026-09-10", user=BUYER, channel=ACME_CHANNEL)
    card_ts = slack.wait_for(lambda: session.get(Card, _capa(session).card_id).ts, what="CAPA card")
    ctx, jobs = _jobs(engine, config, settings)
    assert run_job(ctx, jobs, "capa", datetime(2026, 9, 10, 20, tzinfo=UTC)) is None  # due today: not yet
    with time_machine.travel(datetime(2026, 9, 11, 8, tzinfo=UTC), tick=True):
        assert run_job(ctx, jobs, "capa") == "1 overdue CAPA reminders"
        assert run_job(_jobs(engine, config, settings, "w2")[0], jobs, "capa") is None
        reminders = slack.wait_for(lambda: [p for p in slack.posts(ACME_CHANNEL) if p.get("thread_ts") == card_ts
                                            and ":alarm_clock:" in p["text"]], what="reminder")  # fmt: skip
    assert len(reminders) == 1 and "CA-1" in reminders[0]["text"]


def test_a_downgrade_opens_a_rectification_capa(
    client, slack, session, engine, config, acme, delivery, db_url
):
    supplier_id = session.exec(select(Supplier.id)).one()
    with session_scope(engine) as db:
        capa = open_rectification(session=db, supplier_id=supplier_id, config=config,
                                  reason="Level down from key to ordinary")  # fmt: skip
        number = capa.number
    assert number == "CA-1"
    card = _card(slack, session)
    assert "thread_ts" not in card and _buttons(card) == ["capa_plan"]
    assert "Level down from key to ordinary" in json.dumps(card)
    (row,) = _export(db_url, "capas")
    assert (row["kind"], row["ticket"], row["status"]) == ("rectification", "", "open")
    assert _actions(session) == ["opened"]


def test_scorecard_variables_count_opened_and_on_time(client, slack, session, engine, acme, beta):
    _ticket(client, "One")
    _ticket(client, "Two")
    client.command("capa new T-1 due=2026-09-20", user=BUYER, channel=ACME_CHANNEL)
    client.command("capa new T-2 due=2026-09-25", user=BUYER, channel=ACME_CHANNEL)
    with session_scope(engine) as db:  # CA-1 verified before its due date; CA-2 never
        db.get(CorrectiveAction, 1).verified_at = datetime(2026, 9, 19, tzinfo=UTC)
        db.get(CorrectiveAction, 1).status = "verified"
    acme_id = session.exec(select(Supplier.id).where(Supplier.name == "Acme Textiles")).one()
    with session_scope(engine) as db:
        september = capa_variables(session=db, period_start=date(2026, 9, 1), period_end=date(2026, 9, 30),
                                   starts_at=datetime(2026, 9, 1, tzinfo=UTC), ends_at=datetime(2026, 10, 1, tzinfo=UTC))  # fmt: skip
        october = capa_variables(session=db, period_start=date(2026, 10, 1), period_end=date(2026, 10, 31),
                                 starts_at=datetime(2026, 10, 1, tzinfo=UTC), ends_at=datetime(2026, 11, 1, tzinfo=UTC))  # fmt: skip
    assert september == {acme_id: {"capas_opened": 2, "capa_on_time_rate": 50.0}}
    assert october == {}


def test_two_buyers_opening_a_capa_on_one_ticket_at_once_open_one(client, session, acme):
    for n in range(1, 11):
        _ticket(client, f"Seams {n}")
        press = partial(click, client, "ticket_capa", str(n), user=BUYER, channel=ACME_CHANNEL)
        other = partial(click, client, "ticket_capa", str(n), user=BUYER_ZH, channel=ACME_CHANNEL)
        at_once(press, other)
        query = select(func.count()).where(CorrectiveAction.ticket_id == n)
        assert session.exec(query).one() == 1, f"round {n}"

"""The buyers' Home tab: the portfolio at a glance, the latest scorecards, their own digest preferences;
supplier people see only where they act."""

import json
from datetime import UTC, date, datetime

import pytest
import time_machine
from conftest import ACME_USER, BUYER, BUYER_ZH
from helpers import issue_order, translated
from slackclient import click_home, submit
from sqlalchemy import func
from sqlmodel import select

from bot.app import make_client, scheduled_jobs
from bot.core.scheduler import JobContext, run_job
from models import AuditEvent, Digest, DigestPreference, LevelChange, ScorecardEvaluation, Supplier


def _home_opened(client, user):
    return client.event({"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home",
                         "event_ts": "1764000000.000100"})  # fmt: skip


def _views(slack, method, user=None):
    found = []
    for call in slack.calls_to(method):
        view = call.params["view"]
        view = json.loads(view) if isinstance(view, str) else view
        if user is None or call.params.get("user_id") == user:
            found.append(view)
    return found


def _latest_home(slack, user, count):
    return slack.wait_for(lambda: _views(slack, "views.publish", user)[count - 1 :], what="the Home tab")[-1]


def _buttons(view, action_id):
    found = [b.get("accessory") for b in view["blocks"] if b.get("accessory")]
    found += [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    return [e for e in found if e and e.get("action_id") == action_id]


@pytest.fixture
def portfolio(client, slack, session, acme, beta):
    """Acme: an order (late by the tests' December), a level change to approve and an evaluation."""
    issue_order(client)
    acme_id = session.exec(select(Supplier.id).where(Supplier.name == "Acme Textiles")).one()
    session.add(ScorecardEvaluation(supplier_id=acme_id, period_start=date(2026, 11, 1), period_end=date(2026, 11, 30),
                                    score=64.4, level="ordinary", criteria={"quality": 91.0, "on_time_delivery": None}))  # fmt: skip
    session.add(LevelChange(supplier_id=acme_id, from_level="key", to_level="ordinary", status="proposed"))
    session.commit()
    return acme_id


def test_a_buyer_sees_the_portfolio_and_opens_a_suppliers_latest_scorecard(client, slack, session, portfolio):
    with time_machine.travel(datetime(2026, 12, 20, 9, tzinfo=UTC), tick=True):
        assert _home_opened(client, BUYER).status == 200
        home = _latest_home(slack, BUYER, 1)
    text = json.dumps(home, ensure_ascii=False)
    assert "*Portfolio by level*" in text and "not evaluated: 2" in text
    assert "*Overdue orders* (1)" in text and "PO-1 · Acme Textiles" in text
    assert "*Level changes awaiting approval* (1)" in text and "Acme Textiles: key → ordinary" in text
    assert translated("en", "On: every {days} at {time} ({zone}), when there is something to report.",
                      days="working days", time="09:00", zone="Europe/Berlin") in text  # fmt: skip
    (button,) = _buttons(home, "home_scorecard")
    assert button["value"] == str(portfolio) and "Acme Textiles · 64/100 · ordinary" in text
    assert len(home["blocks"]) <= 50
    # The scorecard opens in a modal: score, level and each criterion.
    assert click_home(client, "home_scorecard", button["value"], user=BUYER).status == 200
    modal = slack.wait_for(lambda: _views(slack, "views.open"), what="the scorecard")[-1]
    shown = json.dumps(modal, ensure_ascii=False)
    assert (
        "64/100" in shown
        and "ordinary" in shown
        and "quality: 91" in shown
        and "on_time_delivery: —" in shown
    )


def test_a_supplier_contact_sees_only_where_they_act_and_cannot_open_scorecards(
    client, slack, session, portfolio
):
    assert _home_opened(client, ACME_USER).status == 200
    home = _latest_home(slack, ACME_USER, 1)
    text = json.dumps(home, ensure_ascii=False)
    assert "PO-1" not in text and "Beta" not in text and "Portfolio" not in text and "home_" not in text
    # A forged press from a supplier's person opens nothing and is audited.
    assert click_home(client, "home_scorecard", str(portfolio), user=ACME_USER).status == 200
    assert click_home(client, "home_digest_toggle", "off", user=ACME_USER).status == 200
    denied = lambda: session.exec(  # noqa: E731
        select(func.count()).where(
            AuditEvent.action.in_(("denied:home_scorecard", "denied:home_digest_toggle"))
        )
    ).one()
    slack.wait_for(lambda: denied() == 2, what="the refusals audited")
    assert _views(slack, "views.open") == [] and session.exec(select(DigestPreference)).all() == []


def test_a_buyer_turns_the_digest_off_and_chooses_time_and_days(client, slack, session, engine, config, settings,
                                                                portfolio, delivery):  # fmt: skip
    ctx = JobContext(engine=engine, config=config, client=make_client(settings), worker_id="w1")
    _home_opened(client, BUYER_ZH)
    home = _latest_home(slack, BUYER_ZH, 1)
    (toggle,) = _buttons(home, "home_digest_toggle")
    assert toggle["value"] == "off" and toggle["text"]["text"] == translated("zh_CN", "Turn off")
    assert click_home(client, "home_digest_toggle", "off", user=BUYER_ZH).status == 200
    home = _latest_home(slack, BUYER_ZH, 2)  # published again, now saying it is off
    assert translated("zh_CN", "Off: you get no daily digest.") in json.dumps(home, ensure_ascii=False)
    assert run_job(ctx, scheduled_jobs(config), "digest", datetime(2026, 9, 2, 9, tzinfo=UTC)) is not None
    assert session.exec(select(Digest).where(Digest.recipient == BUYER_ZH)).all() == []
    # Time and days: 07:00 Berlin, every day including the weekend.
    assert click_home(client, "home_digest_edit", "edit", user=BUYER_ZH).status == 200
    form = slack.wait_for(lambda: _views(slack, "views.open"), what="the preferences form")[-1]
    assert (
        submit(client, form, {"time": "07:00", "days": []}, user=BUYER_ZH).json()["response_action"]
        == "errors"
    )
    assert (
        submit(client, form, {"time": "07:00", "days": [str(d) for d in range(7)]}, user=BUYER_ZH).body == ""
    )
    preference = session.get(DigestPreference, BUYER_ZH)
    assert (preference.enabled, preference.time, preference.weekdays) == (True, "07:00", "0,1,2,3,4,5,6")
    saturday_seven = datetime(2026, 9, 5, 5, 0, tzinfo=UTC)  # 07:00 in Berlin (CEST)
    assert run_job(ctx, scheduled_jobs(config), "digest", saturday_seven.replace(minute=0, hour=4)) is None
    run_job(ctx, scheduled_jobs(config), "digest", saturday_seven)
    (digest,) = session.exec(select(Digest).where(Digest.recipient == BUYER_ZH)).all()
    assert (digest.local_date, digest.status) == (date(2026, 9, 5), "sent")
    changes = session.exec(select(AuditEvent).where(AuditEvent.object_type == "digest_preference")).all()
    assert [c.after["enabled"] for c in changes] == [False, True]

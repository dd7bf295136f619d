"""Scorecards in Slack: each supplier's card and chart in its language and the buyers' portfolio after an
evaluation, the admins' approvals of level changes, manual ratings, `/srm scorecard`, and levels that
warn about or block new orders (the blacklist included)."""

import json
from datetime import UTC, date, datetime

import pytest
from conftest import ACME_CHANNEL, ACME_USER, BETA_CHANNEL, BETA_USER, BUYER, BUYER_ZH, INTERNAL_CHANNEL
from helpers import translated
from slackclient import click, submit
from sqlalchemy import func
from sqlmodel import select
from test_races import at_once

from bot.app import make_client, scheduled_jobs
from bot.config import AppConfig
from bot.core.db import session_scope
from bot.core.scheduler import JobContext, run_job
from bot.scorecards import hooks
from models import (
    AuditEvent,
    CorrectiveAction,
    LevelChange,
    OutboxMessage,
    ScorecardEvaluation,
    ScorecardRating,
    Supplier,
)

ADMIN, ADMIN_2 = "U0ADMIN", "U0ADMIN2"
APPROVALS = "C0APPROVALS"
SEPTEMBER_DONE = datetime(2026, 10, 1, 6, tzinfo=UTC)


@pytest.fixture
def config(config):
    """Admins, the buyers' portfolio channel and the admins' approvals channel."""
    scorecards = {"channel": INTERNAL_CHANNEL, "approvals_channel": APPROVALS}
    return AppConfig(**(config.model_dump() | {"admins": [ADMIN, ADMIN_2], "scorecards": scorecards}))


@pytest.fixture
def admins(slack):
    for user in (ADMIN, ADMIN_2):
        slack.add_user(user)
    slack.add_channel(APPROVALS, name="srm-approvals")


def _supplier_id(session, name="Acme Textiles") -> int:
    return session.exec(select(Supplier.id).where(Supplier.name == name)).one()


def _rate(engine, supplier_id, month, price, compliance, reviewer=BUYER):
    with session_scope(engine) as db:
        for dimension, score in (("price", price), ("compliance", compliance)):
            db.add(ScorecardRating(supplier_id=supplier_id, period_start=date(2026, month, 1), dimension=dimension,
                                   score=score, reviewer_id=reviewer))  # fmt: skip


def _run(engine, config, settings, at):
    ctx = JobContext(engine=engine, config=config, client=make_client(settings), worker_id="w1")
    return run_job(ctx, scheduled_jobs(config), "scorecards", at)


def _texts(slack, channel):
    return [json.dumps(p, ensure_ascii=False) for p in slack.posts(channel)]


def _outbox(session):
    return session.exec(select(func.count()).select_from(OutboxMessage)).one()


def _idle(slack, session):
    """Every queued message handled (sent or failed)."""
    query = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status.in_(("pending", "sending")))
    )
    slack.wait_for(lambda: session.exec(query).one() == 0, what="outbox drained")


def _ephemeral(slack, user):
    return [c.params["text"] for c in slack.calls_to("chat.postEphemeral") if c.params["user"] == user]


def test_an_evaluation_posts_each_suppliers_card_and_chart_in_its_language(
    client, slack, session, engine, config, settings, acme, beta, admins, delivery
):
    _rate(engine, _supplier_id(session), 8, price=90, compliance=60)
    assert _run(engine, config, settings, datetime(2026, 9, 1, 9, tzinfo=UTC)).startswith(
        "2026-08-01..2026-08-31"
    )
    acme_card = slack.wait_for(lambda: [t for t in _texts(slack, ACME_CHANNEL) if "2026" in t and "▓" in t],
                               what="Acme's scorecard")[0]  # fmt: skip
    assert translated("zh_CN", "Scorecard {period}", period="")[:3] in acme_card  # in Chinese
    assert "78" in acme_card  # (90 * 15 + 60 * 10) / 25 = 78
    assert (
        translated("zh_CN", "Compliance") in acme_card
        and translated("zh_CN", "*What to improve*") in acme_card
    )
    (chart,) = slack.wait_for(lambda: slack.files_in(ACME_CHANNEL), what="Acme's chart")
    assert chart.is_png and chart.filename == "scorecard-2026-08-01.png"
    uploads = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.method == "files.upload_v2")
    assert session.exec(uploads).one() == 1  # queued with the card, drawn at delivery
    assert [c.method for c in slack.calls if c.method.startswith("files.")] == [
        "files.getUploadURLExternal", "files.completeUploadExternal"]  # fmt: skip
    beta_card = slack.wait_for(
        lambda: [t for t in _texts(slack, BETA_CHANNEL) if "2026" in t], what="Beta's"
    )[0]
    assert (
        translated("es", "*{supplier}*: not enough data this period to score.", supplier="Beta Foods")
        in beta_card
    )
    portfolio = slack.wait_for(lambda: [t for t in _texts(slack, INTERNAL_CHANNEL) if "portfolio" in t],
                               what="portfolio")[0]  # fmt: skip
    assert "Acme Textiles" in portfolio and "Key: 1" in portfolio and "Weakest" in portfolio
    _idle(slack, session)
    before, files = _outbox(session), len(slack.files)
    assert _run(engine, config, settings, datetime(2026, 9, 2, tzinfo=UTC)) is None  # re-running: nothing
    assert _outbox(session) == before and len(slack.files) == files == 1  # Beta had no data: no chart


def _proposal(client, slack, session, engine, config, settings):
    """Acme is `key` in August and drops to `reserve` in September: a proposal waits for the admins."""
    acme_id = _supplier_id(session)
    _rate(engine, acme_id, 8, price=80, compliance=80)
    _run(engine, config, settings, datetime(2026, 9, 1, 9, tzinfo=UTC))
    _rate(engine, acme_id, 9, price=40, compliance=40)
    _run(engine, config, settings, SEPTEMBER_DONE)
    change = session.exec(select(LevelChange).where(LevelChange.status == "proposed")).one()
    assert (change.from_level, change.to_level) == ("key", "reserve")
    return change


def test_only_admins_decide_a_level_change_and_the_supplier_is_told(
    client, slack, session, engine, config, settings, acme, admins, delivery
):
    change = _proposal(client, slack, session, engine, config, settings)
    card = slack.wait_for(lambda: [p for p in slack.posts(APPROVALS) if "level_approve" in json.dumps(p)],
                          what="proposal card")[0]  # fmt: skip
    assert "Acme Textiles" in card["text"]
    click(client, "level_approve", str(change.id), user=BUYER, channel=APPROVALS)
    click(client, "level_reject", str(change.id), user=ACME_USER, channel=ACME_CHANNEL)
    assert session.get(LevelChange, change.id).status == "proposed"
    assert "administrators" in slack.wait_for(lambda: _ephemeral(slack, BUYER), what="refusal")[0]
    denied = session.exec(select(AuditEvent.action).where(AuditEvent.object_type == "level_change",
                                                          AuditEvent.action.like("denied:%"))).all()  # fmt: skip
    assert sorted(denied) == ["denied:level_approve", "denied:level_reject"]

    applied = []
    hook = hooks.on_level_applied(lambda **seen: applied.append(seen))
    try:
        assert click(client, "level_approve", str(change.id), user=ADMIN, channel=APPROVALS).status == 200
    finally:
        hooks.remove_hook(hook)
    assert [{k: v for k, v in seen.items() if k not in ("session", "config")} for seen in applied] == [
        {"supplier_id": change.supplier_id, "old_level": "key", "new_level": "reserve", "downgrade": True}]  # fmt: skip
    acme = session.get(Supplier, change.supplier_id)
    assert acme.level == "reserve" and session.get(LevelChange, change.id).decided_by == ADMIN
    updated = slack.wait_for(lambda: [c.params for c in slack.calls_to("chat.update")
                                      if c.params["channel"] == APPROVALS], what="card updated")[-1]  # fmt: skip
    assert "level_approve" not in json.dumps(updated) and f"<@{ADMIN}>" in json.dumps(updated)
    told = translated("zh_CN", "The level of *{supplier}* is now *{after}* (before: {before}).",
                      supplier="Acme Textiles", after=translated("zh_CN", "Reserve"),
                      before=translated("zh_CN", "Key"))  # fmt: skip
    slack.wait_for(lambda: any(told in t for t in _texts(slack, ACME_CHANNEL)), what="Acme told in Chinese")
    slack.wait_for(
        lambda: any("Reserve" in t for t in _texts(slack, INTERNAL_CHANNEL)), what="buyers notified"
    )
    click(client, "level_reject", str(change.id), user=ADMIN_2, channel=APPROVALS)  # already decided
    assert "no longer waiting" in slack.wait_for(lambda: _ephemeral(slack, ADMIN_2), what="told")[0]
    assert session.get(LevelChange, change.id).status == "approved"
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.object_id == str(change.id),
                                                           AuditEvent.object_type == "level_change")).all()  # fmt: skip
    assert "approved" in actions and "proposed" in actions


def test_two_admins_deciding_at_once_decide_once(
    client, slack, session, engine, config, settings, acme, admins
):
    change = _proposal(client, slack, session, engine, config, settings)
    at_once(lambda: click(client, "level_approve", str(change.id), user=ADMIN, channel=APPROVALS),
            lambda: click(client, "level_reject", str(change.id), user=ADMIN_2, channel=APPROVALS))  # fmt: skip
    decided = session.get(LevelChange, change.id)
    assert decided.status in ("approved", "rejected")
    events = session.exec(select(AuditEvent.action).where(AuditEvent.object_type == "level_change",
                                                          AuditEvent.object_id == str(change.id),
                                                          AuditEvent.action.in_(("approved", "rejected")))).all()  # fmt: skip
    assert events == [decided.status]
    assert session.get(Supplier, change.supplier_id).level == (
        "reserve" if decided.status == "approved" else "key"
    )


def _rating_form(client, slack, user=BUYER, name="Acme Textiles"):
    before = len(slack.calls_to("views.open"))
    answer = client.command(f'rate "{name}"', user=user, channel=ACME_CHANNEL)
    assert answer.status == 200
    if user not in (BUYER, BUYER_ZH):
        return answer
    view = slack.wait_for(lambda: slack.calls_to("views.open")[before:], what="rating form")[0].params["view"]
    return json.loads(view) if isinstance(view, str) else view


def test_a_buyers_rating_is_stored_replaced_and_feeds_the_next_evaluation(
    client, slack, session, engine, config, settings, acme
):
    view = _rating_form(client, slack)
    period = next(b for b in view["blocks"] if b.get("block_id") == "period")
    assert period["element"]["initial_option"]["value"] == "2026-09-01"  # the current period by default
    bad = submit(client, view, {"period": "2026-09-01", "rating_price": "140"}, user=BUYER).json()
    assert bad["response_action"] == "errors" and "rating_price" in bad["errors"]
    assert submit(client, view, {"period": "2026-09-01", "rating_price": "abc"}, user=BUYER).json()["errors"]
    assert (
        "period"
        in submit(client, view, {"period": "2027-01-01", "rating_price": "70"}, user=BUYER).json()["errors"]
    )
    zh_view = _rating_form(client, slack, user=BUYER_ZH)  # the form and its errors in the reader's language
    assert zh_view["title"]["text"] == translated("zh_CN", "Rate supplier")
    zh_error = submit(client, zh_view, {"period": "2026-09-01", "rating_price": "-5"}, user=BUYER_ZH).json()
    assert zh_error["errors"]["rating_price"] == translated("zh_CN", "{value} is not a whole number from 0 to 100.",
                                                            value="-5")  # fmt: skip
    assert session.exec(select(func.count()).select_from(ScorecardRating)).one() == 0
    values = {"period": "2026-09-01", "rating_price": "70", "rating_compliance": "90", "department": "quality",
              "comment": "Quotes on time"}  # fmt: skip
    assert submit(client, view, values, user=BUYER).body == ""
    assert submit(client, view, values | {"rating_price": "60"}, user=BUYER).body == ""  # replaces
    rows = session.exec(select(ScorecardRating).order_by(ScorecardRating.dimension)).all()
    assert [(r.dimension, r.score, r.reviewer_id, r.department) for r in rows] == [
        ("compliance", 90, BUYER, "quality"), ("price", 60, BUYER, "quality")]  # fmt: skip
    assert "Saved" in slack.wait_for(lambda: _ephemeral(slack, BUYER), what="saved")[-1]
    forged = submit(client, view, values, user=ACME_USER).json()  # a supplier contact replays the form
    assert forged["response_action"] == "errors"
    assert translated("zh_CN", "Only buyers of this workspace can do that.") in _rating_form(
        client, slack, user=ACME_USER).text  # fmt: skip
    _run(engine, config, settings, SEPTEMBER_DONE)
    evaluation = session.exec(select(ScorecardEvaluation)).one()
    assert (evaluation.variables["rating_price"], evaluation.variables["rating_compliance"]) == (60, 90)
    assert evaluation.score == pytest.approx((60 * 15 + 90 * 10) / 25)


def test_scorecard_command_shows_the_latest_card_to_buyers_and_only_their_own_to_contacts(
    client, slack, session, engine, config, settings, acme, beta
):
    assert "not been evaluated yet" in client.command('scorecard "Acme Textiles"', user=BUYER,
                                                      channel=INTERNAL_CHANNEL).text  # fmt: skip
    _rate(engine, _supplier_id(session), 8, price=90, compliance=60)
    _run(engine, config, settings, datetime(2026, 9, 1, 9, tzinfo=UTC))
    shown = client.command('scorecard "Acme Textiles"', user=BUYER, channel=INTERNAL_CHANNEL)
    assert "▓" in json.dumps(shown.json(), ensure_ascii=False) and "Acme Textiles" in shown.text
    own = client.command('scorecard "Beta Foods"', user=BETA_USER, channel=BETA_CHANNEL)
    assert "Beta Foods" in own.text
    other = client.command('scorecard "Acme Textiles"', user=BETA_USER, channel=BETA_CHANNEL)
    assert "▓" not in json.dumps(other.json(), ensure_ascii=False) and "78" not in other.text


def test_a_newer_evaluation_replaces_a_waiting_proposal_and_feedback_is_invited(
    client, slack, session, engine, config, settings, acme, admins, delivery
):
    change = _proposal(client, slack, session, engine, config, settings)
    _rate(engine, change.supplier_id, 10, price=75, compliance=75)  # back to `key` in October
    _run(engine, config, settings, datetime(2026, 11, 1, 6, tzinfo=UTC))
    assert session.get(LevelChange, change.id).status == "superseded"
    slack.wait_for(lambda: any(c.params["channel"] == APPROVALS and "level_approve" not in json.dumps(c.params)
                               for c in slack.calls_to("chat.update")), what="stale card without buttons")  # fmt: skip
    click(client, "level_approve", str(change.id), user=ADMIN, channel=APPROVALS)
    assert "newer evaluation" in slack.wait_for(lambda: _ephemeral(slack, ADMIN), what="told")[0]
    assert session.get(Supplier, change.supplier_id).level == "key"
    invited = lambda: [p["text"] for p in slack.posts(ACME_CHANNEL) if "feedback_give" in json.dumps(p)]  # noqa: E731
    slack.wait_for(lambda: len(invited()) == 3, what="invitations")  # one per evaluated period, in Chinese
    assert all("2026年" in text for text in invited()) and len(set(invited())) == 3


def test_a_chart_whose_upload_fails_is_uploaded_again_once(
    client, slack, session, engine, config, settings, acme, delivery
):
    slack.fail_next("files.completeUploadExternal", status=503)
    _rate(engine, _supplier_id(session), 8, price=90, compliance=60)
    _run(engine, config, settings, datetime(2026, 9, 1, 9, tzinfo=UTC))
    (chart,) = slack.wait_for(lambda: slack.files_in(ACME_CHANNEL), what="chart after a retry")
    assert chart.is_png and len(slack.calls_to("files.completeUploadExternal")) == 2
    _idle(slack, session)
    assert len(slack.files_in(ACME_CHANNEL)) == 1


@pytest.mark.parametrize(
    ("tier", "rectified"), [("strategic", True), ("core", True), ("transactional", False)]
)
def test_an_approved_downgrade_of_a_strategic_or_core_supplier_opens_a_rectification(
    client, slack, session, engine, config, settings, acme, admins, delivery, tier, rectified
):
    if tier != "transactional":
        answer = client.command(f'supplier set "Acme Textiles" tier={tier} reason="Sole dye house"', user=ADMIN,
                                channel=ACME_CHANNEL)  # fmt: skip
        assert ":warning:" not in answer.text, answer.text
    change = _proposal(client, slack, session, engine, config, settings)
    assert click(client, "level_approve", str(change.id), user=ADMIN, channel=APPROVALS).status == 200
    capas = session.exec(
        select(CorrectiveAction).where(CorrectiveAction.supplier_id == change.supplier_id)
    ).all()
    if not rectified:
        assert capas == []
        return
    (capa,) = capas
    assert (capa.kind, capa.ticket_id, capa.reason) == ("rectification", None, "key → reserve")
    card = slack.wait_for(lambda: [p for p in slack.posts(ACME_CHANNEL) if "capa_plan" in json.dumps(p)],
                          what="rectification card in Acme's channel")  # fmt: skip
    assert len(card) == 1

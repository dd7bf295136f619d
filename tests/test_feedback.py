"""Two-way feedback end to end: one invitation per linked channel and period, answers from the supplier's
own contacts only (answering again replaces), means for buyers that never say who answered."""

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner
from conftest import ACME_CHANNEL, ACME_USER, BETA_CHANNEL, BETA_USER, BUYER
from helpers import translated
from slackclient import click, submit
from sqlalchemy import func
from sqlmodel import select

from bot.app import make_client, scheduled_jobs
from bot.cli import main
from bot.core.db import session_scope
from bot.core.scheduler import JobContext, run_job
from bot.feedback.flows import invite_feedback
from models import AuditEvent, FeedbackInvitation, FeedbackResponse

ACME_SECOND = "U0ACME2"  # a second contact of Acme
OCTOBER_2 = datetime(2026, 10, 2, 6, tzinfo=UTC)
DIMENSIONS = ("payment", "specifications", "communication", "forecast", "fairness")


@pytest.fixture
def invited(client, slack, session, engine, config, settings, acme, beta, delivery):
    """Acme and Beta invited for September (the feedback job, run twice: still one invitation each)."""
    slack.add_user(ACME_SECOND, team_id="T0ACME", locale=None, tz="Asia/Shanghai")
    client.message("ni hao", user=ACME_SECOND, channel=ACME_CHANNEL)
    ctx = JobContext(engine=engine, config=config, client=make_client(settings), worker_id="w1")
    assert run_job(ctx, scheduled_jobs(config), "feedback", OCTOBER_2) == "2 feedback invitations"
    assert run_job(ctx, scheduled_jobs(config), "feedback", OCTOBER_2) is None
    with session_scope(engine) as db:  # the scorecards evaluation's call: nothing new either
        assert invite_feedback(session=db, config=config, period_start=date(2026, 9, 1),
                               period_end=date(2026, 9, 30)) == 0  # fmt: skip
    return {inv.channel_id: inv.id for inv in session.exec(select(FeedbackInvitation)).all()}


def _invitations(slack, channel):
    return [p for p in slack.posts(channel) if "feedback_give" in json.dumps(p)]


def _answer(client, slack, invitation_id, user, ratings, comment="", channel=ACME_CHANNEL):
    before = len(slack.calls_to("views.open"))
    assert click(client, "feedback_give", str(invitation_id), user=user, channel=channel).status == 200
    view = slack.wait_for(lambda: slack.calls_to("views.open")[before:], what="feedback form")[0].params[
        "view"
    ]
    view = json.loads(view) if isinstance(view, str) else view
    values = dict(zip(DIMENSIONS, [str(r) for r in ratings], strict=True)) | {"comment": comment}
    return submit(client, view, values, user=user)


def _export(db_url):
    result = CliRunner().invoke(main, ["export", "feedback"], env={"DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.output)))


def test_each_linked_channel_is_invited_once_in_its_language(slack, invited):
    acme = slack.wait_for(lambda: _invitations(slack, ACME_CHANNEL), what="Acme's invitation")
    beta = slack.wait_for(lambda: _invitations(slack, BETA_CHANNEL), what="Beta's invitation")
    assert len(acme) == 1 and len(beta) == 1
    assert translated("zh_CN", "Give feedback") in json.dumps(acme[0], ensure_ascii=False)
    assert translated("es", "Give feedback") in json.dumps(beta[0], ensure_ascii=False)


def test_two_contacts_answer_one_answers_again_and_buyers_see_means(client, slack, session, db_url, invited):
    acme = invited[ACME_CHANNEL]
    assert _answer(client, slack, acme, ACME_USER, (2, 3, 4, 5, 1), "Payments were 20 days late").body == ""
    assert _answer(client, slack, acme, ACME_SECOND, (4, 5, 4, 3, 5)).body == ""
    assert (
        _answer(client, slack, acme, ACME_USER, (4, 3, 2, 5, 3), "Paid on time after all").body == ""
    )  # replaces
    assert session.exec(select(func.count()).select_from(FeedbackResponse)).one() == 2
    rows = _export(db_url)
    assert list(rows[0]) == ["supplier", "period_start", "period_end", "dimension", "responses", "mean"]
    means = {r["dimension"]: (r["responses"], r["mean"]) for r in rows}
    assert means == {"payment": ("2", "4.0"), "specifications": ("2", "4.0"), "communication": ("2", "3.0"),
                     "forecast": ("2", "4.0"), "fairness": ("2", "4.0")}  # fmt: skip
    assert {(r["supplier"], r["period_start"], r["period_end"]) for r in rows} == {
        ("Acme Textiles", "2026-09-01", "2026-09-30")}  # fmt: skip
    # Anonymity: neither the export, the buyers' view nor the audit trail names who answered.
    shown = client.command('feedback show "Acme Textiles"', user=BUYER, channel=ACME_CHANNEL).text
    assert "4" in shown and translated("en", "Payment on time") in shown
    feedback_audit = session.exec(select(AuditEvent).where(AuditEvent.object_type == "feedback")).all()
    assert [e.action for e in feedback_audit] == ["answered", "answered", "replaced"]
    for text in (json.dumps(rows), shown, json.dumps([(e.actor_id, e.after) for e in feedback_audit])):
        assert ACME_USER not in text and ACME_SECOND not in text


def test_only_the_suppliers_own_contacts_answer(client, slack, session, invited):
    acme = invited[ACME_CHANNEL]
    before = len(slack.calls_to("views.open"))
    click(client, "feedback_give", str(acme), user=BETA_USER, channel=BETA_CHANNEL)  # a rival's contact
    click(client, "feedback_give", str(acme), user=BUYER, channel=ACME_CHANNEL)  # buyers rate nobody
    click(client, "feedback_give", "999", user=ACME_USER, channel=ACME_CHANNEL)
    slack.wait_for(lambda: len(slack.calls_to("chat.postEphemeral")) >= 3, what="refusals")
    assert len(slack.calls_to("views.open")) == before
    # Beta replays Acme's form: refused on the form, nothing stored.
    assert (
        _answer(client, slack, invited[BETA_CHANNEL], BETA_USER, (5, 5, 5, 5, 5), channel=BETA_CHANNEL).body
        == ""
    )
    view = slack.calls_to("views.open")[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    forged = submit(client, view | {"private_metadata": json.dumps({"invitation_id": acme})},
                    dict(zip(DIMENSIONS, ["1"] * 5, strict=True)), user=BETA_USER).json()  # fmt: skip
    assert forged["response_action"] == "errors"
    out_of_range = submit(client, view, dict(zip(DIMENSIONS, ["5", "5", "7", "5", "5"], strict=True)),
                          user=BETA_USER).json()  # fmt: skip
    assert "communication" in out_of_range["errors"]
    stored = session.exec(select(FeedbackResponse)).all()
    assert [(r.contact_id, r.payment) for r in stored] == [(BETA_USER, 5)]
    denied = session.exec(select(func.count()).where(AuditEvent.action.startswith("denied:feedback"))).one()
    assert denied >= 3


def test_buyers_view_without_answers_and_suppliers_cannot_look(client, invited):
    assert translated("en", "No feedback from suppliers yet.") in client.command(
        "feedback show", user=BUYER, channel=ACME_CHANNEL).text  # fmt: skip
    refused = client.command("feedback show", user=ACME_USER, channel=ACME_CHANNEL).text
    assert translated("zh_CN", "Only buyers of this workspace can do that.") in refused

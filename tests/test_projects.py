"""Co-creation projects end to end: opened by buyers with a card in the supplier's channel, worked on in its
thread, value recorded twice (amounts add up), closed with a summary; bad input refused and nothing
changed; the export and the scorecard variable `cocreation_value`."""

import csv
import io
import json
from datetime import UTC, datetime

from click.testing import CliRunner
from conftest import ACME_CHANNEL, ACME_USER, BUYER, INTERNAL_CHANNEL
from helpers import translated
from sqlalchemy import func
from sqlmodel import select

from bot.app import make_client, scheduled_jobs
from bot.cli import main
from bot.core.scheduler import JobContext, run_job
from models import AuditEvent, Card, ChannelMessage, Project, ProjectValue, ScorecardEvaluation, Supplier

NEW = 'project new "Recycled yarn" supplier="Acme Textiles" kind=rnd target=50000 currency=USD'


def _export(db_url, kind):
    result = CliRunner().invoke(main, ["export", kind], env={"DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.output)))


def _count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


def _command(client, text, user=BUYER, channel=INTERNAL_CHANNEL):
    return client.command(text, user=user, channel=channel).text


def test_bad_input_is_refused_and_changes_nothing(client, session, acme):
    assert translated("zh_CN", "Only buyers of this workspace can do that.") in _command(client, NEW, ACME_USER,
                                                                                        ACME_CHANNEL)  # fmt: skip
    assert "gold" in _command(client, NEW.replace("kind=rnd", "kind=gold"))
    assert "-5" in _command(client, NEW.replace("target=50000", "target=-5"))
    assert "XYZ" in _command(client, NEW.replace("currency=USD", "currency=XYZ"))
    assert "Nobody" in _command(client, NEW.replace("Acme Textiles", "Nobody"))
    assert "kind=" in _command(client, 'project new "Recycled yarn" supplier="Acme Textiles"')
    assert _count(session, Project) == 0
    _command(client, NEW)
    for text, shown in (("project value P-1 amount=-10 supplier_share=40", "-10"),
                        ("project value P-1 amount=10 supplier_share=120", "120"),
                        ("project value P-1 amount=10 currency=EUR supplier_share=40", "USD"),
                        ("project value P-9 amount=10 supplier_share=40", "P-9"),
                        ("project value P-1 amount=10", "supplier_share=")):  # fmt: skip
        assert shown in _command(client, text), text
    assert _count(session, ProjectValue) == 0
    spanish = client.command("project value P-1 amount=abc supplier_share=40", user="U0BUYERES",
                             channel=INTERNAL_CHANNEL).text  # fmt: skip
    assert translated("es", "{value} is not an amount; give a number above 0, such as 12500.50.",
                      value="abc") in spanish  # fmt: skip


def test_a_project_with_two_value_entries_closed_with_a_summary(client, slack, session, engine, config, settings,
                                                                acme, beta, delivery, db_url):  # fmt: skip
    assert "P-1" in _command(client, NEW)
    project = session.get(Project, 1)
    ts = slack.wait_for(lambda: session.get(Card, project.card_id).ts, what="project card")
    card = slack.messages[(ACME_CHANNEL, ts)]
    assert translated("zh_CN", "Joint R&D") in json.dumps(card, ensure_ascii=False)  # Acme's language
    client.message(
        "Sample lot ready for the lab on Friday", user=ACME_USER, channel=ACME_CHANNEL, thread_ts=ts
    )
    stored = session.exec(select(ChannelMessage).where(ChannelMessage.thread_ts == ts)).all()
    assert [(m.side, m.text) for m in stored] == [("supplier", "Sample lot ready for the lab on Friday")]

    assert "12,000.00" in _command(client, "project value P-1 amount=12000 supplier_share=40")
    assert "20,000.50" in _command(client, "project value P-1 amount=8000.50 currency=usd supplier_share=50")
    answer = _command(client, 'project close P-1 summary="Yarn approved for the SS27 range"')
    assert "P-1" in answer and "20,000.50" in answer
    assert "P-1" in _command(client, "project value P-1 amount=1 supplier_share=10")  # closed: refused
    assert _count(session, ProjectValue) == 2
    notes = slack.wait_for(lambda: [p for p in slack.posts(ACME_CHANNEL) if p.get("thread_ts") == ts
                                    and ":checkered_flag:" in p["text"]], what="closing note")  # fmt: skip
    summary = json.dumps(notes[0], ensure_ascii=False)
    assert "Yarn approved for the SS27 range" in summary
    assert translated("en", "{n} reply in this thread.", n=1) in summary
    (row,) = _export(db_url, "projects")
    assert list(row) == ["id", "supplier", "title", "kind", "status", "target_amount", "realised_amount", "currency",
                         "supplier_share", "opened_at", "closed_at"]  # fmt: skip
    assert [row[k] for k in ("id", "supplier", "title", "kind", "status", "target_amount", "realised_amount",
                             "currency", "supplier_share")] == ["P-1", "Acme Textiles", "Recycled yarn", "rnd", "closed",
                                                                "50000.00", "20000.50", "USD", "50"]  # fmt: skip
    assert row["opened_at"] and row["closed_at"]
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.object_type == "project")).all()
    assert actions == ["opened", "value_recorded", "value_recorded", "closed"]

    # The value realised in September counts in September's scorecard, for Acme only.
    ctx = JobContext(engine=engine, config=config, client=make_client(settings), worker_id="w1")
    assert run_job(ctx, scheduled_jobs(config), "scorecards", datetime(2026, 10, 2, tzinfo=UTC))
    values = {name: e.variables["cocreation_value"] for e, name in session.exec(
        select(ScorecardEvaluation, Supplier.name).join(Supplier, Supplier.id == ScorecardEvaluation.supplier_id))}  # fmt: skip
    assert values == {"Acme Textiles": 20000.5, "Beta Foods": 0}
    exported = {r["supplier"]: r["cocreation_value"] for r in _export(db_url, "scorecards")}
    assert float(exported["Acme Textiles"]) == 20000.5

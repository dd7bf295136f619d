"""Risk early warning end to end: the risk job raises one alert per signal, a second run raises nothing,
a rising severity re-notifies in the alert's thread, a cleared condition resolves it; buyers acknowledge,
snooze or mark a sanctions match a false positive; feeds come from a local server and a failing one leaves
its last good copy in use with one notice to the admins."""

import collections
import csv
import io
import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ACME_CHANNEL, ACME_USER, BETA_CHANNEL, BUYER, BUYER_ES, BUYER_ZH, INTERNAL_CHANNEL
from helpers import translated
from slackclient import click
from sqlalchemy import func
from sqlmodel import select

from bot.app import make_client, scheduled_jobs
from bot.cli import main
from bot.config import AppConfig, DeliveryConfig, RiskConfig, RiskFeedsConfig
from bot.core.scheduler import JobContext, run_job
from bot.risk import service as risks
from models import AuditEvent, FxRate, RiskAlert, RiskAlertPost, RiskFeed

ADMIN = BUYER_ES
DM = "D" + BUYER  # the app's DM with the buyer, as Slack names it once a post opened it


def risk_config(feed_server, **risk) -> AppConfig:
    """The tests' policy with every feed served by `feed_server` (the project's fixtures)."""
    for path in ("gdacs.xml", "sdn.csv", "eu.csv", "ecb.xml"):
        feed_server.files.setdefault(path, None) or feed_server.serve(path)
    feeds = RiskFeedsConfig(gdacs_url=feed_server.url("gdacs.xml"), fx_url=feed_server.url("ecb.xml"),
                            sanctions_urls=[feed_server.url("sdn.csv"), feed_server.url("eu.csv")],
                            retries=1, timeout_seconds=5)  # fmt: skip
    delivery = DeliveryConfig(channel_interval_seconds=0, backoff_seconds=0.05, max_backoff_seconds=0.2,
                              poll_seconds=0.05, max_attempts=4, http_timeout_seconds=5)  # fmt: skip
    return AppConfig(delivery=delivery, admins=[ADMIN], risk=RiskConfig(feeds=feeds, **risk))


@pytest.fixture
def config(feed_server):
    return risk_config(feed_server)


def _run(engine, config, settings, at: datetime, worker="w1"):
    ctx = JobContext(engine=engine, config=config, client=make_client(settings), worker_id=worker)
    return run_job(ctx, scheduled_jobs(config), "risk", at)


def _alerts(session, **where):
    query = select(RiskAlert).order_by(RiskAlert.id)
    for name, value in where.items():
        query = query.where(getattr(RiskAlert, name) == value)
    return list(session.exec(query))


def _kinds(session):
    return sorted((a.kind, a.severity, a.status) for a in _alerts(session))


def _export(db_url):
    result = CliRunner().invoke(main, ["export", "risks"], env={"DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.output)))


def _order(client):
    answer = client.command('order new PO-1 qty=100 due=2026-12-15 price=2.50 currency=CNY', user=BUYER,
                            channel=ACME_CHANNEL)  # fmt: skip
    assert ":warning:" not in answer.text, answer.text


def _settled(slack):
    """Every queued message delivered (posts and updates stop growing)."""
    seen = []

    def quiet():
        seen.append(len(slack.calls))
        return len(seen) > 25 and seen[-1] == seen[-25]

    slack.wait_for(quiet, what="delivery settled")


def test_signals_raise_once_escalate_and_resolve(client, slack, session, engine, config, settings, acme, delivery,
                                                 feed_server, db_url):  # fmt: skip
    _order(client)
    first = datetime(2026, 9, 4, 9, tzinfo=UTC)  # 72 hours after the order was issued
    assert _run(engine, config, settings, first) == "3 alerts opened"
    assert _kinds(session) == [("disaster", "medium", "open"), ("sanctions", "high", "open"),
                               ("unconfirmed_order", "medium", "open")]  # fmt: skip
    sanctions = _alerts(session, kind="sanctions")[0]
    assert (sanctions.subject, sanctions.details["percent"]) == ("OFAC:9001", 100.0)

    # The buyer gets every alert by DM; Acme's channel only the warning about its own work, in Chinese first.
    dms = slack.wait_for(lambda: len(slack.posts(BUYER)) == 3 and slack.posts(BUYER), what="alerts by DM")
    said = json.dumps(dms, ensure_ascii=False)
    assert "ACME TEXTILES COMPANY LIMITED" in said and "100%" in said and "OFAC SDN" in said
    assert "9/4/26, 11:00\u202fAM" in said  # opened at 09:00 UTC, shown in the buyer's zone (Berlin)
    assert all([e["action_id"] for b in p["blocks"] if b["type"] == "actions" for e in b["elements"]]
               for p in dms)  # fmt: skip
    warnings = slack.wait_for(lambda: [p for p in slack.posts(ACME_CHANNEL) if "PO-1" in p["text"]
                                       and p["text"].startswith(":large_")], what="warning in Acme's channel")  # fmt: skip
    assert len(warnings) == 1
    chinese = translated("zh_CN", "Order not confirmed")
    assert warnings[0]["text"].startswith(":large_orange_circle: *" + chinese)
    assert "Order not confirmed" in json.dumps(warnings[0]["blocks"])  # the buyers' language underneath
    assert "actions" not in [b["type"] for b in warnings[0]["blocks"]]
    _settled(slack)
    assert not [p for p in slack.posts(ACME_CHANNEL) if "OFAC" in json.dumps(p)]

    # Running again at the same moment adds nothing and posts nothing.
    before = len(slack.calls)
    assert _run(engine, config, settings, first, worker="w2") is None
    assert len(_alerts(session)) == 3 and len(slack.calls) == before

    # Severity rises: the typhoon turns red, the order is still not confirmed after 120 hours.
    feed_server.serve("gdacs.xml", "gdacs_red.xml")
    assert _run(engine, config, settings, datetime(2026, 9, 6, 9, tzinfo=UTC)) == "2 alerts escalated"
    assert _kinds(session) == [("disaster", "high", "open"), ("sanctions", "high", "open"),
                               ("unconfirmed_order", "high", "open")]  # fmt: skip
    rose = translated("en", "Severity rose from {before} to {after}.", before="medium", after="high")
    slack.wait_for(lambda: len([p for p in slack.posts(DM) if rose in p["text"] and p.get("thread_ts")]) == 2,
                   what="escalation notes in the alerts' threads")  # fmt: skip

    # The supplier confirms; the typhoon is gone from the feed: both alerts resolve themselves.
    assert click(client, "order_confirm", "1", user=ACME_USER, channel=ACME_CHANNEL).status == 200
    feed_server.serve("gdacs.xml", "gdacs_quiet.xml")
    assert _run(engine, config, settings, datetime(2026, 9, 7, 9, tzinfo=UTC)) == "2 alerts resolved"
    assert _kinds(session) == [("disaster", "high", "resolved"), ("sanctions", "high", "open"),
                               ("unconfirmed_order", "high", "resolved")]  # fmt: skip
    cleared = translated("zh_CN", "The condition has cleared: this alert resolved itself on {when}.").split(
        "{"
    )[0]
    slack.wait_for(lambda: [p for p in slack.posts(ACME_CHANNEL) if p.get("thread_ts") and cleared in p["text"]],
                   what="resolution told in Acme's thread")  # fmt: skip

    rows = sorted(_export(db_url), key=lambda r: r["kind"])
    assert list(rows[0])[:7] == [
        "supplier",
        "kind",
        "severity",
        "status",
        "opened_at",
        "resolved_at",
        "summary",
    ]
    assert [(r["kind"], r["status"]) for r in rows] == [("disaster", "resolved"), ("sanctions", "open"),
                                                       ("unconfirmed_order", "resolved")]  # fmt: skip
    assert rows[1]["supplier"] == "Acme Textiles" and "ACME TEXTILES COMPANY LIMITED" in rows[1]["summary"]
    assert rows[0]["resolved_at"].startswith("2026-09-07T09:00:00")
    assert float(rows[1]["exposure"]) > 0


def test_buyers_acknowledge_snooze_and_dismiss_a_false_match(client, slack, session, engine, config, settings,
                                                             acme, delivery):  # fmt: skip
    first = datetime(2026, 9, 4, 9, tzinfo=UTC)
    _run(engine, config, settings, first)
    sanctions = _alerts(session, kind="sanctions")[0].id
    disaster = _alerts(session, kind="disaster")[0].id
    for value in (str(sanctions), "999", "x"):  # the supplier's people cannot, whatever they send
        click(client, "risk_false_positive", value, user=ACME_USER, channel=ACME_CHANNEL)
    assert _alerts(session, kind="sanctions")[0].status == "open"
    click(client, "risk_ack", str(disaster), user=BUYER_ZH, channel=DM)
    click(client, "risk_snooze", str(disaster), user=BUYER, channel=DM)
    click(client, "risk_false_positive", str(disaster), user=BUYER, channel=DM)  # not a sanctions match
    alert = session.get(RiskAlert, disaster)
    assert alert.status == "snoozed" and alert.snoozed_until.date().isoformat() == "2026-09-08"
    click(client, "risk_false_positive", str(sanctions), user=BUYER, channel=DM)
    assert session.get(RiskAlert, sanctions).status == "false_positive"
    actions = list(session.exec(select(AuditEvent.action).where(AuditEvent.object_type == "risk_alert",
                                                                AuditEvent.actor_id != "system")))  # fmt: skip
    assert actions.count("denied:risk_false_positive") == 3
    assert [a for a in actions if not a.startswith("denied")] == ["acknowledged", "snoozed", "false_positive"]

    # The dismissed match is kept and not raised again; the snoozed alert is not in the open list.
    assert _run(engine, config, settings, datetime(2026, 9, 5, 9, tzinfo=UTC)) is None
    assert len(_alerts(session, kind="sanctions")) == 1
    assert [r.kind for r in risks.open_alerts(session)] == []
    assert risks.exposure(session)[alert.supplier_id] > 0

    # A week later the typhoon is still there: the snooze ends and the buyers are told in the alert's thread.
    assert (
        _run(engine, config, settings, datetime(2026, 9, 9, 9, tzinfo=UTC))
        == "1 alerts woken from their snooze"
    )
    assert session.get(RiskAlert, disaster).status == "open"
    over = translated("en", "The snooze is over and the condition is still there.")
    slack.wait_for(
        lambda: [p for p in slack.posts(DM) if over in p["text"] and p.get("thread_ts")], what="note"
    )


def test_a_failing_feed_leaves_its_last_good_copy_in_use_and_tells_the_admins_once(
    client, slack, session, engine, config, settings, acme, beta, delivery, feed_server
):
    first = datetime(2026, 9, 4, 9, tzinfo=UTC)
    _run(engine, config, settings, first)
    assert {a.kind for a in _alerts(session)} == {"disaster", "sanctions"}
    beta_match = [a for a in _alerts(session, kind="sanctions") if a.subject == "EU:13"]
    assert beta_match and beta_match[0].details["listed_name"] == "Beta Foods S.A. de C.V."
    assert not [p for p in slack.posts(BETA_CHANNEL) if "EU:13" in json.dumps(p)]

    feed_server.down("gdacs.xml")
    feed_server.html_error("sdn.csv")
    feed_server.serve("eu.csv", "eu_changed.csv")
    for hour in (10, 11):
        assert _run(engine, config, settings, datetime(2026, 9, 4, hour, tzinfo=UTC)) in (
            None,
            "3 stale feeds reported to the admins",
        )
    assert {(a.kind, a.status) for a in _alerts(session)} == {("disaster", "open"), ("sanctions", "open")}
    stale_text = translated("en", "The risk feed {url} could not be used: {error}.").split("{")[0]

    def stale_notices():
        return [p for p in slack.posts(ADMIN) if p["text"].startswith(":warning: " + stale_text)]

    notices = slack.wait_for(lambda: len(stale_notices()) >= 3 and stale_notices(), what="stale feed notices")
    _settled(slack)
    assert len(stale_notices()) == 3  # one per feed and outage, not one per run
    assert "503" in json.dumps(notices) and "NameAlias_WholeName" in json.dumps(notices)
    # The disaster feed's unknown country was told once too, on the first run.
    assert len([p for p in slack.posts(ADMIN) if "Atlantis" in p["text"]]) == 1
    stale = session.exec(select(func.count()).where(RiskFeed.stale_since.is_not(None))).one()
    assert stale == 3

    # Back to normal: the conditional GET finds the copy unchanged, and the outage is over.
    feed_server.serve("gdacs.xml")
    _run(engine, config, settings, datetime(2026, 9, 4, 12, tzinfo=UTC))
    assert feed_server.hits("gdacs.xml")[-1].get("If-None-Match")
    assert session.exec(select(RiskFeed).where(RiskFeed.url.like("%gdacs%"))).one().error == ""


def test_two_workers_evaluating_at_once_raise_and_post_each_alert_once(client, session, engine, config, settings,
                                                                       acme, beta):  # fmt: skip
    _order(client)
    at = datetime(2026, 9, 4, 9, tzinfo=UTC)
    barrier, answers = threading.Barrier(2), {}

    def worker(name):
        barrier.wait()
        answers[name] = _run(engine, config, settings, at, worker=name)

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(answers.values(), key=str) == ["4 alerts opened", None]
    assert len(_alerts(session)) == 4  # Acme: order, typhoon, OFAC entry; Beta: EU entry
    posts = session.exec(select(RiskAlertPost.alert_id, RiskAlertPost.audience)).all()
    assert sorted(collections.Counter(posts).values()) == [1] * 5  # 4 to the buyer, 1 to Acme's channel


def test_srm_jobs_run_risk_works_offline_from_file_urls(client, session, acme, db_url, tmp_path):
    fixtures = Path(__file__).parent / "fixtures" / "risk"
    (tmp_path / "app.yaml").write_text(
        "risk:\n  feeds:\n"
        f"    gdacs_url: {(fixtures / 'gdacs.xml').as_uri()}\n"
        f"    sanctions_urls: [{(fixtures / 'sdn.csv').as_uri()}]\n"
        f"    fx_url: {(fixtures / 'ecb.xml').as_uri()}\n",
        encoding="utf-8",
    )
    env = {"DATABASE_URL": db_url, "SRM_CONFIG": str(tmp_path / "app.yaml"), "SLACK_BOT_TOKEN": "xoxb-test"}
    command = ["jobs", "run", "risk", "--at", "2026-09-04T09:00:00Z"]
    first = CliRunner().invoke(main, command, env=env)
    assert first.exit_code == 0 and first.output.strip() == "2 alerts opened", first.output
    assert {a.kind for a in _alerts(session)} == {"disaster", "sanctions"}
    again = CliRunner().invoke(main, command, env=env)
    assert again.output.strip() == "nothing to do"
    assert session.exec(select(func.count()).select_from(FxRate)).one() == 6  # two days of three currencies


def test_with_a_buyers_channel_alerts_go_there_and_not_by_dm(client, slack, session, engine, settings, acme,
                                                            delivery, feed_server):  # fmt: skip
    config = risk_config(feed_server, channel=INTERNAL_CHANNEL)
    assert _run(engine, config, settings, datetime(2026, 9, 4, 9, tzinfo=UTC)) == "2 alerts opened"
    posts = slack.wait_for(lambda: len(slack.posts(INTERNAL_CHANNEL)) == 2 and slack.posts(INTERNAL_CHANNEL),
                           what="alerts in the buyers' channel")  # fmt: skip
    assert {"risk_ack", "risk_snooze"} <= {e["action_id"] for p in posts for b in p["blocks"]
                                           if b["type"] == "actions" for e in b["elements"]}  # fmt: skip
    _settled(slack)
    assert not slack.posts(BUYER)


def test_a_vietnamese_suppliers_warning_is_in_vietnamese_with_the_buyers_language_underneath(
    client, slack, session, engine, config, settings, delivery
):
    answer = client.command('supplier add "Viet Tien Garment" country=VN', user=BUYER, channel=BETA_CHANNEL)
    assert ":warning:" not in answer.text, answer.text
    client.command("order new PO-7 qty=10 due=2026-12-15", user=BUYER, channel=BETA_CHANNEL)
    _run(engine, config, settings, datetime(2026, 9, 4, 9, tzinfo=UTC))
    vietnamese = translated("vi", "Order not confirmed")
    assert vietnamese != "Order not confirmed"
    (warning,) = slack.wait_for(lambda: [p for p in slack.posts(BETA_CHANNEL) if vietnamese in p["text"]],
                                what="the warning in Vietnamese")  # fmt: skip
    first, below = warning["blocks"]
    assert first["text"]["text"].startswith(":large_orange_circle: *" + vietnamese)
    assert "PO-7 chưa được xác nhận sau" in first["text"]["text"]  # the summary too
    assert below["type"] == "context" and "*Order not confirmed*" in below["elements"][0]["text"]


def test_a_suppliers_legal_names_are_screened_with_its_name(client, session, engine, config, settings, acme):
    renamed = client.command(
        'supplier edit "Acme Textiles" name="Sunrise Mills"', user=BUYER, channel=ACME_CHANNEL
    )
    assert ":warning:" not in renamed.text, renamed.text
    at = datetime(2026, 9, 2, 9, tzinfo=UTC)
    _run(engine, config, settings, at)
    assert _alerts(session, kind="sanctions") == []  # "Sunrise Mills" is on no list

    refused = client.command('supplier set "Sunrise Mills" legal_names="Acme Textile Mills Co., Ltd."',
                             user=ACME_USER, channel=ACME_CHANNEL)  # fmt: skip
    assert ":warning:" in refused.text
    answer = client.command('supplier set "Sunrise Mills" legal_names="Sunrise Mills Ltd; Acme Textile Mills Co., Ltd."',
                            user=BUYER, channel=ACME_CHANNEL)  # fmt: skip
    assert "Acme Textile Mills Co., Ltd." in answer.text and ":warning:" not in answer.text
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "legal_names_set")).one()
    assert audit.after == {"legal_names": ["Sunrise Mills Ltd", "Acme Textile Mills Co., Ltd."]}

    _run(engine, config, settings, datetime(2026, 9, 2, 10, tzinfo=UTC))
    (alert,) = _alerts(session, kind="sanctions")
    assert alert.subject == "OFAC:9001" and alert.details["percent"] >= 90

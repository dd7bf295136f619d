"""Daily digests: at 09:00 in each reader's own zone (across daylight-saving changes and in half-hour zones),
on their working days, once a day whatever the number of workers, runs or restarts; nothing to say,
nothing sent."""

import csv
import io
import json
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from conftest import ACME_CHANNEL, ACME_USER, BETA_CHANNEL, BUYER, BUYER_ES, BUYER_ZH
from helpers import card_ts, issue_order, order_named, translated
from slackclient import click
from sqlalchemy import func
from sqlmodel import select

from bot.app import make_client, scheduled_jobs
from bot.cli import main
from bot.config import DigestsConfig
from bot.core.i18n import ngettext, use_locale
from bot.core.scheduler import JobContext, run_job
from bot.digests import register_buyer_section, register_supplier_section
from bot.digests.content import Line, Section
from models import AuditEvent, Card, Digest, LevelChange, Order, OutboxMessage, ScorecardEvaluation, Ticket

ROAMING = "U0ROAMING"  # a buyer whose Slack zone each test chooses


def _ctx(engine, config, settings, worker="w1"):
    return JobContext(engine=engine, config=config, client=make_client(settings), worker_id=worker)


def _run(engine, config, settings, at, worker="w1"):
    return run_job(_ctx(engine, config, settings, worker), scheduled_jobs(config), "digest", at)


def _digests(session, recipient):
    return session.exec(select(Digest).where(Digest.recipient == recipient).order_by(Digest.local_date)).all()


def _direct_posts(slack, user):
    return slack.posts(user)


def _digest_post(slack, session, recipient):
    """The post of the recipient's latest digest, once delivered."""
    (digest, *_rest) = reversed(_digests(session, recipient))

    def delivered():
        return [p for p in slack.posts(digest.recipient)
                if p.get("metadata", {}).get("event_payload", {}).get("outbox_id") == digest.outbox_id]  # fmt: skip

    return slack.wait_for(delivered, what=f"the digest to {recipient}")[0]


@pytest.fixture
def busy(client, slack, acme):
    """Acme has an order to confirm: both Acme's channel and the buyers have something to read."""
    issue_order(client)
    return acme


def _buyer_in(slack, client, zone):
    slack.add_user(ROAMING, tz=zone)
    assert client.command("supplier list", user=ROAMING, channel=ACME_CHANNEL).status == 200  # uses the bot


# (zone, the local day, the UTC instant its wall clock shows 09:00)
NINE_O_CLOCK = [
    (
        "America/New_York",
        date(2026, 3, 9),
        datetime(2026, 3, 9, 13, 0, tzinfo=UTC),
    ),  # the Monday after EDT began
    (
        "America/New_York",
        date(2026, 3, 6),
        datetime(2026, 3, 6, 14, 0, tzinfo=UTC),
    ),  # the Friday before (EST)
    ("America/New_York", date(2026, 11, 2), datetime(2026, 11, 2, 14, 0, tzinfo=UTC)),  # the Monday after EST
    ("Europe/Berlin", date(2026, 3, 30), datetime(2026, 3, 30, 7, 0, tzinfo=UTC)),  # CEST
    ("Europe/Berlin", date(2026, 10, 26), datetime(2026, 10, 26, 8, 0, tzinfo=UTC)),  # CET again
    ("Asia/Kolkata", date(2026, 9, 2), datetime(2026, 9, 2, 3, 30, tzinfo=UTC)),  # +05:30
    ("Asia/Kathmandu", date(2026, 9, 2), datetime(2026, 9, 2, 3, 15, tzinfo=UTC)),  # +05:45
    (
        "Pacific/Auckland",
        date(2026, 9, 28),
        datetime(2026, 9, 27, 20, 0, tzinfo=UTC),
    ),  # NZDT began the day before
    ("Pacific/Auckland", date(2026, 4, 6), datetime(2026, 4, 5, 21, 0, tzinfo=UTC)),  # NZST again
]


@pytest.mark.parametrize(("zone", "day", "nine"), NINE_O_CLOCK, ids=[f"{z}-{d}" for z, d, _n in NINE_O_CLOCK])
def test_a_buyer_gets_the_digest_at_nine_in_their_own_zone(
    client, slack, session, engine, config, settings, busy, delivery, zone, day, nine
):
    _buyer_in(slack, client, zone)
    _run(engine, config, settings, nine - timedelta(minutes=1))
    assert _digests(session, ROAMING) == []  # 08:59 local: not yet
    _run(engine, config, settings, nine)
    (digest,) = _digests(session, ROAMING)
    assert (digest.local_date, digest.status, digest.timezone) == (day, "sent", zone)
    (post,) = slack.wait_for(lambda: _direct_posts(slack, ROAMING), what="the buyer's digest")
    text = json.dumps(post["blocks"])
    assert translated("en", "Orders awaiting the supplier's confirmation") in text and "PO-1" in text


def test_the_supplier_channel_gets_its_own_digest_in_its_language(client, slack, session, engine, config,
                                                                  settings, busy, beta, delivery):  # fmt: skip
    nine_in_shanghai = datetime(2026, 9, 2, 1, 0, tzinfo=UTC)
    ts = card_ts(slack, session)
    assert _run(engine, config, settings, nine_in_shanghai) is not None
    post = _digest_post(slack, session, ACME_CHANNEL)
    text = json.dumps(post, ensure_ascii=False)
    assert translated("zh_CN", "Orders to confirm") in text and "PO-1" in text
    assert "Beta" not in text and translated("zh_CN", "Overdue orders") not in text
    # Links to the order card, built without asking Slack in the transaction.
    assert f"https://home.slack.example/archives/C0ACME/p{ts.replace('.', '')}|PO-1>" in text
    # Beta (Mexico City: still 1 September, past 09:00) has nothing to do: its day is done, nothing posted.
    assert [(d.local_date, d.status) for d in _digests(session, "C0BETA")] == [(date(2026, 9, 1), "empty")]


def test_two_workers_at_once_send_one_digest_per_recipient(
    client, slack, session, engine, config, settings, busy
):
    at = datetime(2026, 9, 2, 9, 0, tzinfo=UTC)  # 09:00 passed in Shanghai and Berlin
    results, start = [], threading.Barrier(2)

    def worker(name):
        start.wait()
        results.append(_run(engine, config, settings, at, worker=name))

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    recipients = [d.recipient for d in session.exec(select(Digest).where(Digest.status == "sent")).all()]
    assert sorted(recipients) == sorted({ACME_CHANNEL, BUYER})
    assert session.exec(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.channel_id.in_([ACME_CHANNEL, BUYER]), OutboxMessage.payload["text"].is_not(None)
    )).one() >= 2  # fmt: skip
    queued = [r for r in results if r]
    assert sum(int(r.split()[0]) for r in queued) == 2


def test_a_restart_mid_morning_sends_nothing_twice_and_a_missed_day_is_not_sent_late(
    client, slack, session, engine, config, settings, busy
):
    nine_thirty = datetime(2026, 9, 2, 1, 30, tzinfo=UTC)  # Shanghai 09:30; Berlin 03:30, not yet
    assert _run(engine, config, settings, nine_thirty) == "1 digest queued"
    # The worker restarts: runs at 10:30 and 11:00 Shanghai time add nothing.
    assert _run(engine, config, settings, datetime(2026, 9, 2, 2, 30, tzinfo=UTC)) is None
    assert _run(engine, config, settings, datetime(2026, 9, 2, 3, 0, tzinfo=UTC)) is None
    # Down all of Berlin's 2 September: on 3 September at 00:30 Berlin nothing is sent for the 2nd.
    assert _run(engine, config, settings, datetime(2026, 9, 2, 22, 30, tzinfo=UTC)) is None
    assert _digests(session, BUYER) == []
    # Down through Shanghai's morning of the 3rd, back at 15:00 there: sent once, late but the same day.
    assert _run(engine, config, settings, datetime(2026, 9, 3, 7, 0, tzinfo=UTC)) == "2 digests queued"
    assert [d.local_date for d in _digests(session, ACME_CHANNEL)] == [date(2026, 9, 2), date(2026, 9, 3)]
    assert [d.local_date for d in _digests(session, BUYER)] == [date(2026, 9, 3)]


def test_an_empty_day_sends_nothing(client, slack, session, engine, config, settings, acme, delivery):
    assert _run(engine, config, settings, datetime(2026, 9, 2, 9, 0, tzinfo=UTC)) is None
    assert [d.status for d in _digests(session, ACME_CHANNEL)] == ["empty"]
    assert (
        _direct_posts(slack, BUYER) == []
        and _run(engine, config, settings, datetime(2026, 9, 2, 10, 0, tzinfo=UTC)) is None
    )
    assert not [p for p in slack.posts(ACME_CHANNEL) if "digest" in json.dumps(p).lower()]


def test_holidays_and_weekends_are_skipped(client, slack, session, engine, config, settings, busy):
    national_day = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)  # a Thursday; a public holiday in China
    plain = config
    assert _run(engine, plain, settings, national_day) == "1 digest queued"  # the buyer works
    assert _digests(session, ACME_CHANNEL) == [] and len(_digests(session, BUYER)) == 1
    saturday = datetime(2026, 10, 3, 9, 0, tzinfo=UTC)
    assert _run(engine, plain, settings, saturday) is None
    # The buyers follow China's calendar: its holiday is theirs too.
    chinese = config.model_copy(update={"digests": DigestsConfig(buyer_country="CN")})
    assert _run(engine, chinese, settings, datetime(2026, 10, 2, 9, 0, tzinfo=UTC)) is None
    # Working days only turned off: every day.
    every_day = config.model_copy(update={"digests": DigestsConfig(working_days_only=False)})
    assert _run(engine, every_day, settings, saturday) == "2 digests queued"


def test_the_export_lists_what_was_sent(
    client, slack, session, engine, config, settings, db_url, busy, delivery
):
    _run(engine, config, settings, datetime(2026, 9, 2, 9, 0, tzinfo=UTC))
    slack.wait_for(lambda: _direct_posts(slack, BUYER) and slack.posts(ACME_CHANNEL), what="digests")
    slack.wait_for(lambda: all(r["sent_at"] for r in _export(db_url)) and len(_export(db_url)) == 2,
                   what="sent")  # fmt: skip
    rows = _export(db_url)
    assert list(rows[0]) == ["recipient", "local_date", "sent_at", "items"]
    assert {(r["recipient"], r["local_date"]) for r in rows} == {
        (ACME_CHANNEL, "2026-09-02"),
        (BUYER, "2026-09-02"),
    }
    assert all(int(r["items"]) >= 1 for r in rows)


def _export(db_url):
    result = CliRunner().invoke(main, ["export", "digests"], env={"DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.output)))


def test_a_buyer_reads_the_digest_in_their_language(
    client, slack, session, engine, config, settings, busy, delivery
):
    client.command("supplier list", user=BUYER_ZH, channel=ACME_CHANNEL)
    _run(engine, config, settings, datetime(2026, 9, 2, 9, 0, tzinfo=UTC))
    (post,) = slack.wait_for(lambda: _direct_posts(slack, BUYER_ZH), what="digest")
    assert translated("zh_CN", "Orders awaiting the supplier's confirmation") in json.dumps(
        post, ensure_ascii=False
    )


def test_buyers_set_a_supplier_channels_digest_time_or_turn_it_off(client, slack, session, engine, config, settings,
                                                                   busy):  # fmt: skip
    answer = client.command('supplier set "acme textiles" digest=7:30', user=BUYER, channel=ACME_CHANNEL).text
    assert "07:30" in answer and "Asia/Shanghai" in answer
    assert _run(engine, config, settings, datetime(2026, 9, 1, 23, 29, tzinfo=UTC)) is None  # 07:29 there
    assert _run(engine, config, settings, datetime(2026, 9, 1, 23, 30, tzinfo=UTC)) == "1 digest queued"
    client.command('supplier set "Acme Textiles" digest=off', user=BUYER, channel=ACME_CHANNEL)
    assert (
        _run(engine, config, settings, datetime(2026, 9, 3, 9, 0, tzinfo=UTC)) == "1 digest queued"
    )  # the buyer
    assert [d.local_date for d in _digests(session, ACME_CHANNEL)] == [date(2026, 9, 2)]
    # Bad values and unknown keys change nothing and say how to write it, in the buyer's language.
    bad = client.command(
        'supplier set "Acme Textiles" digest=25:00', user=BUYER_ZH, channel=ACME_CHANNEL
    ).text
    assert (
        translated(
            "zh_CN", "“{value}” is not a time of day: use HH:MM (such as 09:00) or off.", value="25:00"
        )
        in bad
    )
    unknown = client.command(
        'supplier set "Acme Textiles" colour=red', user=BUYER_ES, channel=ACME_CHANNEL
    ).text
    assert translated("es", "Unknown option(s): {names}.", names="colour") in unknown
    # Supplier people cannot change it.
    refused = client.command(
        'supplier set "Acme Textiles" digest=10:00', user=ACME_USER, channel=ACME_CHANNEL
    ).text
    assert "10:00" not in refused
    changes = session.exec(select(AuditEvent).where(AuditEvent.action == "digest_set")).all()
    assert [c.after for c in changes] == [
        {"enabled": True, "time": "07:30"},
        {"enabled": False, "time": None},
    ]


def test_every_section_reads_only_its_readers_data(client, slack, session, engine, config, settings, acme, beta,
                                                   delivery):  # fmt: skip
    """Buyers read the whole portfolio; Acme's channel only Acme's, in Chinese, with holidays before due dates
    and a line from its latest scorecard."""
    issue_order(client, "order new PO-1 qty=10 due=2026-09-28")  # to confirm; Mid-Autumn (25th) before it
    issue_order(client, "order new PO-2 qty=10 due=2026-09-03")  # confirmed, then late
    issue_order(client, "order new PO-3 qty=10 due=2026-09-10")  # confirmed, no update since: quiet
    for po in ("PO-2", "PO-3"):
        click(client, "order_confirm", str(order_named(session, po).id), user=ACME_USER, channel=ACME_CHANNEL)
    client.command(
        'order new PO-B qty=5 due=2026-09-20 supplier="Beta Foods"', user=BUYER, channel=BETA_CHANNEL
    )
    client.command('ticket new "Labels missing"', user=BUYER, channel=ACME_CHANNEL)  # waits on Acme
    client.message("Cartons arrived crushed", user=ACME_USER, channel=ACME_CHANNEL, ts="1800000000.000500")
    client.event(
        {
            "type": "reaction_added",
            "user": ACME_USER,
            "reaction": "ticket",
            "item_user": ACME_USER,
            "item": {"type": "message", "channel": ACME_CHANNEL, "ts": "1800000000.000500"},
            "event_ts": "1.2",
        }
    )  # fmt: skip  (waits on us)
    acme_id = order_named(session, "PO-1").supplier_id
    session.add(ScorecardEvaluation(supplier_id=acme_id, period_start=date(2026, 8, 1), period_end=date(2026, 8, 31),
                                    score=88.0, level="core_strategic"))  # fmt: skip
    session.add(LevelChange(supplier_id=acme_id, from_level="key", to_level="core_strategic"))
    session.add(OutboxMessage(method="chat.postMessage", channel_id="C0GONE", payload={"text": "x"}, status="failed", last_error="is_archived",
                              created_at=datetime(2026, 9, 8, 0, 0, tzinfo=UTC)))  # fmt: skip
    session.commit()
    cards = lambda: [x.card_id for x in (*session.exec(select(Order)), *session.exec(select(Ticket)))]  # noqa: E731
    slack.wait_for(lambda: len(cards()) == 6 and all(c and session.get(Card, c).ts for c in cards()),
                   what="order and ticket cards posted")  # fmt: skip

    tuesday = datetime(2026, 9, 8, 9, 0, tzinfo=UTC)  # Berlin 11:00, Shanghai 17:00, Mexico City 03:00
    assert _run(engine, config, settings, tuesday) == "2 digests queued"
    buyer = json.dumps(_digest_post(slack, session, BUYER), ensure_ascii=False)
    for title in ("Tickets waiting on us", "Orders awaiting the supplier's confirmation", "Overdue orders",
                  "Due this week, no recent update", "Level changes awaiting approval",
                  "Messages the bot could not post"):  # fmt: skip
        assert f"*{title}*" in buyer, title
    assert "|T-2> Cartons arrived crushed · Acme Textiles" in buyer and "Labels missing" not in buyer
    assert "PO-B" in buyer and "key → core_strategic" in buyer and "`is_archived`" in buyer
    assert translated("en", "{n} day late", n="5").replace("day", "days") in buyer  # PO-2, due on the 3rd
    assert "left" in buyer or "overdue by" in buyer  # SLA clocks

    acme_text = json.dumps(_digest_post(slack, session, ACME_CHANNEL), ensure_ascii=False)
    for title in ("Orders to confirm", "Production updates expected today", "Open tickets waiting on you",
                  "Public holidays before due dates", "Your scorecard"):  # fmt: skip
        assert translated("zh_CN", title) in acme_text, title
    assert "|T-1> Labels missing" in acme_text and "PO-3" in acme_text and "PO-1" in acme_text
    assert "中秋节" in acme_text and "2026年8月" in acme_text  # the holiday and the month in Chinese
    assert "PO-B" not in acme_text and "Beta" not in acme_text and "is_archived" not in acme_text
    assert "Cartons arrived crushed" not in acme_text  # a ticket waiting on the buyers, not on Acme
    assert "88/100" in acme_text


@pytest.fixture
def risk_sections():
    """Sections another domain registers from the composition root (here: a stand-in for risk alerts)."""
    from bot.digests import content

    def buyers(composition, day):
        return Section("risk", lambda: "Risk alerts", [Line(lambda r: "• Typhoon near Ningbo")])

    def suppliers(composition, targets):
        return {t.id: Section("risk", lambda: "Risk alerts", [Line(lambda r, t=t: f"• Port closed ({t.name})")])
                for t in targets if t.country == "CN"}  # fmt: skip

    register_buyer_section(buyers)
    register_supplier_section(suppliers)
    yield
    content._BUYER_SECTIONS.remove(buyers)
    content._SUPPLIER_SECTIONS.remove(suppliers)


def test_sections_registered_by_other_domains_appear(client, slack, session, engine, config, settings, acme, beta,
                                                     risk_sections, delivery):  # fmt: skip
    """Nothing else to say: a registered section alone makes the digest."""
    assert _run(engine, config, settings, datetime(2026, 9, 2, 9, 0, tzinfo=UTC)) == "2 digests queued"
    assert "Typhoon near Ningbo" in json.dumps(_digest_post(slack, session, BUYER))
    assert "Port closed (Acme Textiles)" in json.dumps(_digest_post(slack, session, ACME_CHANNEL))


def test_srm_jobs_run_digest_at_a_time(client, session, db_url, settings, busy, tmp_path, monkeypatch):
    (tmp_path / "app.yaml").write_text("digests:\n  time: '08:30'\n")
    monkeypatch.chdir(tmp_path)
    env = {
        "DATABASE_URL": db_url,
        "SLACK_API_URL": settings.slack_api_url,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
    }
    early = CliRunner().invoke(main, ["jobs", "run", "digest", "--at", "2026-09-02T00:29:00Z"], env=env)
    assert early.exit_code == 0 and _digests(session, ACME_CHANNEL) == []  # 08:29 in Shanghai
    result = CliRunner().invoke(main, ["jobs", "run", "digest", "--at", "2026-09-02T00:30:00Z"], env=env)
    assert result.exit_code == 0, result.output
    assert "1 digest queued" in result.output
    again = CliRunner().invoke(main, ["jobs", "run", "digest", "--at", "2026-09-02T03:00:00Z"], env=env)
    assert "1 digest queued" not in again.output and len(_digests(session, ACME_CHANNEL)) == 1


def test_long_lists_are_capped_and_counted(client, slack, session, engine, config, settings, acme, delivery):
    for n in range(12):
        issue_order(client, f"order new PO-{n:02} qty=1 due=2026-12-{n + 10}")
    _run(engine, config, settings, datetime(2026, 9, 2, 9, 0, tzinfo=UTC))
    post = _digest_post(slack, session, ACME_CHANNEL)
    (orders,) = [b["text"]["text"] for b in post["blocks"] if "PO-00" in b.get("text", {}).get("text", "")]
    assert orders.count("PO-") == 8 and "(12)" in orders
    with use_locale("zh_CN"):
        assert (
            orders.splitlines()[-1]
            == ngettext("…and {n} more", "…and {n} more", 4).format(n=4)
            == "……还有 4 项"
        )
    (digest,) = _digests(session, ACME_CHANNEL)
    assert digest.items == 12

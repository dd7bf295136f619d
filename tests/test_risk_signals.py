"""Each internal and outside signal raises one alert as of the moment the risk job is run for, once, and
clears by itself: stale and late orders, holidays, KPI drops, level downgrades, overdue CAPAs, FX moves."""

from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import ACME_CHANNEL, BUYER
from sqlmodel import select
from test_risk import _alerts, _order, _run, risk_config

from bot.core.db import session_scope
from bot.risk import service as risks
from models import (
    AuditEvent,
    CorrectiveAction,
    Inspection,
    LevelChange,
    Order,
    ProductionUpdate,
    Receipt,
    ScorecardEvaluation,
    Supplier,
)


@pytest.fixture
def config(feed_server):
    feed_server.serve("gdacs.xml", "gdacs_quiet.xml")  # no disaster, so each test sees its own signal
    feed_server.serve(
        "sdn.csv", body=b'1,"SOMEONE ELSE TRADING",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \\n'
    )
    return risk_config(feed_server)


def _only(session, kind):
    found = [(a.kind, a.subject, a.severity, a.status) for a in _alerts(session)]
    assert [f for f in found if f[0] == kind] == found, found
    return found


def test_an_order_without_updates_goes_stale_and_a_late_one_falls_behind(client, session, engine, config, settings,
                                                                        acme, feed_server):  # fmt: skip
    client.command("order new PO-2 qty=10 due=2026-09-05", user=BUYER, channel=ACME_CHANNEL)
    assert _run(engine, config, settings, datetime(2026, 9, 1, 12, tzinfo=UTC)) == "1 alerts opened"
    assert _only(session, "behind_schedule") == [("behind_schedule", "order:1", "medium", "open")]
    assert _alerts(session)[0].details == {"po": "PO-2", "due": "2026-09-05", "days_left": 4, "progress": 0}
    with session_scope(engine) as db:  # confirmed long ago, due later: only the silence is left
        order = db.get(Order, 1)
        order.status, order.confirmed_at, order.due_date = (
            "confirmed",
            datetime(2026, 9, 1, 10, tzinfo=UTC),
            date(2026, 12, 1),
        )
    at = datetime(2026, 9, 9, 12, tzinfo=UTC)
    assert _run(engine, config, settings, at) == "1 alerts opened, 1 alerts resolved"
    assert [(a.kind, a.severity, a.status) for a in _alerts(session)] == [
        ("behind_schedule", "medium", "resolved"), ("stale_order", "low", "open")]  # fmt: skip
    assert _run(engine, config, settings, at) is None
    with session_scope(
        engine
    ) as db:  # an update: no longer stale; silent again later: the same alert reopens
        db.add(ProductionUpdate(order_id=1, percent=40, source="button", author_id="U0ACME",
                                created_at=datetime(2026, 9, 10, tzinfo=UTC)))  # fmt: skip
    assert _run(engine, config, settings, datetime(2026, 9, 11, 9, tzinfo=UTC)) == "1 alerts resolved"
    assert _run(engine, config, settings, datetime(2026, 9, 18, 9, tzinfo=UTC)) == "1 alerts opened"
    (stale,) = _alerts(session, kind="stale_order")
    assert (stale.status, stale.opened_at) == ("open", datetime(2026, 9, 18, 9, tzinfo=UTC))
    actions = session.exec(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "risk_alert", AuditEvent.object_id == str(stale.id))
        .order_by(AuditEvent.id)
    )
    assert list(actions) == ["opened", "resolved", "reopened"]


def test_a_due_date_in_a_holiday_period_is_raised_weeks_ahead(client, slack, session, engine, config, settings,
                                                             acme, delivery):  # fmt: skip
    # Due the day after Golden Week (1-7 October), confirmed.
    client.command("order new PO-3 qty=10 due=2026-10-08", user=BUYER, channel=ACME_CHANNEL)
    with session_scope(engine) as db:
        db.get(Order, 1).status = "confirmed"
    _run(engine, config, settings, datetime(2026, 9, 10, 9, tzinfo=UTC))  # 28 days ahead: not yet
    assert not _alerts(session, kind="holiday")
    _run(engine, config, settings, datetime(2026, 9, 20, 9, tzinfo=UTC))
    (alert,) = _alerts(session, kind="holiday")
    assert (alert.severity, alert.details["country"], alert.details["days"][0]) == ("low", "CN", "2026-10-05")
    assert "国庆节" in alert.details["names"]["zh_CN"][0]
    slack.wait_for(
        lambda: [p for p in slack.posts(ACME_CHANNEL) if "国庆节" in p["text"]], what="holiday warning"
    )


def _past_order(db, supplier_id, po, due: date, received: date | None, defects: int | None = None) -> None:
    issued = datetime(due.year, due.month, 1, tzinfo=UTC)
    order = Order(supplier_id=supplier_id, po=po, po_key=po.casefold(), quantity=100, due_date=due,
                  original_due_date=due, status="received" if received else "confirmed", channel_id=ACME_CHANNEL,
                  issued_by=BUYER, issued_at=issued, confirmed_at=issued)  # fmt: skip
    db.add(order)
    db.flush()
    if received:
        db.add(Receipt(order_id=order.id, quantity=100, received_on=received, on_time=received <= due, due_date=due,
                       recorded_by=BUYER))  # fmt: skip
    if defects is not None:
        db.add(Inspection(order_id=order.id, sampled=100, defects=defects, accepted=defects <= 2,
                          max_defect_percent=2.5, inspected_by=BUYER, inspected_on=due))  # fmt: skip


def test_on_time_delivery_and_quality_falling_against_the_trailing_mean(client, session, engine, config, settings,
                                                                         acme):  # fmt: skip
    supplier_id = session.exec(select(Supplier.id)).one()
    with session_scope(engine) as db:
        for month in (5, 6, 7):  # three good months
            _past_order(
                db, supplier_id, f"H-{month}", date(2026, month, 20), date(2026, month, 18), defects=0
            )
        _past_order(db, supplier_id, "H-8a", date(2026, 8, 20), date(2026, 8, 19), defects=0)
        _past_order(
            db, supplier_id, "H-8b", date(2026, 8, 21), date(2026, 8, 30), defects=9
        )  # late, rejected
    assert _run(engine, config, settings, datetime(2026, 9, 2, 9, tzinfo=UTC)) == "2 alerts opened"
    alerts = {a.kind: a for a in _alerts(session)}
    assert set(alerts) == {"on_time_drop", "quality_drop"}
    assert alerts["on_time_drop"].details == {"rate": 50.0, "mean": 100.0, "period": "2026-08"}
    assert alerts["on_time_drop"].severity == "high"  # 30 points below the threshold of 80
    assert alerts["quality_drop"].details["rate"] == 50.0 and alerts["quality_drop"].details["ppm"] == 45000


def test_a_level_downgrade_and_an_overdue_capa(client, session, engine, config, settings, acme):
    supplier_id = session.exec(select(Supplier.id)).one()
    client.command('ticket new "Wrong colour"', user=BUYER, channel=ACME_CHANNEL)
    client.command("capa new T-1 due=2026-09-10", user=BUYER, channel=ACME_CHANNEL)
    with session_scope(engine) as db:
        db.add(LevelChange(supplier_id=supplier_id, from_level="key", to_level="ordinary", status="approved",
                           decided_at=datetime(2026, 9, 2, tzinfo=UTC)))  # fmt: skip
    assert _run(engine, config, settings, datetime(2026, 9, 11, 9, tzinfo=UTC)) == "2 alerts opened"
    assert sorted((a.kind, a.subject, a.severity) for a in _alerts(session)) == [
        ("capa_overdue", "CA-1", "medium"), ("level_down", "level_change:1", "medium")]  # fmt: skip
    with session_scope(engine) as db:  # verified late; the level moved back up
        capa = db.get(CorrectiveAction, 1)
        capa.status, capa.verified_at = "verified", datetime(2026, 9, 12, tzinfo=UTC)
        db.add(LevelChange(supplier_id=supplier_id, from_level="ordinary", to_level="key", status="approved",
                           decided_at=datetime(2026, 9, 12, tzinfo=UTC)))  # fmt: skip
    assert _run(engine, config, settings, datetime(2026, 9, 13, 9, tzinfo=UTC)) == "2 alerts resolved"


def test_a_currency_move_since_the_order_was_issued(
    client, session, engine, config, settings, acme, feed_server
):
    _order(client)  # priced in CNY, issued on 1 September (7.80 CNY and 1.10 USD to the euro)
    client.command(
        "order new PO-9 qty=5 due=2026-12-15 price=9 currency=VND", user=BUYER, channel=ACME_CHANNEL
    )
    _run(engine, config, settings, datetime(2026, 9, 2, 9, tzinfo=UTC))  # no VND rate: skipped, not fatal
    assert not _alerts(session, kind="fx")
    feed_server.serve("ecb.xml", "ecb_moved.xml")  # 7.20 CNY on 20 September: the yuan rose 8.3 % against USD
    _run(engine, config, settings, datetime(2026, 9, 21, 9, tzinfo=UTC))
    (alert,) = _alerts(session, kind="fx")
    assert (alert.subject, alert.severity, alert.status) == ("order:1", "medium", "open")
    assert alert.details == {
        "po": "PO-1",
        "currency": "CNY",
        "home": "USD",
        "move": 8.33,
        "issued": "2026-09-01",
    }
    # The rates stay as fetched: a later file without 1 September does not change the measure.
    feed_server.serve("ecb.xml", body=b"<Envelope><Cube><Cube time='2026-09-22'><Cube currency='USD' rate='1.1'/>"
                      b"<Cube currency='CNY' rate='7.2'/></Cube></Cube></Envelope>")  # fmt: skip
    _run(engine, config, settings, datetime(2026, 9, 22, 9, tzinfo=UTC))
    assert [(a.status, a.details["move"]) for a in _alerts(session, kind="fx")] == [("open", 8.33)]


def test_kpi_signals_read_the_variables_the_scorecards_job_stored(
    client, session, engine, config, settings, acme
):
    supplier_id = session.exec(select(Supplier.id)).one()
    with session_scope(engine) as db:
        for month, rate in ((5, 96.0), (6, 94.0), (7, 98.0), (8, 79.0)):  # 17 points below the mean, under 80
            start, end = date(2026, month, 1), date(2026, month + 1, 1) - timedelta(days=1)
            db.add(ScorecardEvaluation(supplier_id=supplier_id, period_start=start, period_end=end, score=80,
                                       variables={"on_time_rate": rate, "lot_acceptance_rate": 100.0,
                                                  "defect_ppm": 0.0, "sla_breaches": 3 if month == 8 else 0}))  # fmt: skip
    _run(engine, config, settings, datetime(2026, 9, 2, 9, tzinfo=UTC))
    found = {a.kind: (a.severity, a.details) for a in _alerts(session)}
    assert found == {
        "on_time_drop": ("medium", {"rate": 79.0, "mean": 96.0, "period": "2026-08"}),
        "sla_breaches": ("medium", {"count": 3, "period": "2026-08"}),
    }


def test_open_alerts_and_exposure_for_digests_and_home(client, session, engine, config, settings, acme):
    acme_id = session.exec(select(Supplier.id).where(Supplier.name == "Acme Textiles")).one()
    client.command("order new PO-1 qty=10 due=2026-12-15", user=BUYER, channel=ACME_CHANNEL)
    _run(engine, config, settings, datetime(2026, 9, 4, 9, tzinfo=UTC))  # unconfirmed for 72 hours: medium
    (row,) = risks.open_alerts(session)
    assert (row.supplier_id, row.kind, row.severity, row.details["po"]) == (
        acme_id,
        "unconfirmed_order",
        "medium",
        "PO-1",
    )
    assert risks.open_alerts(session, supplier_ids=[acme_id + 1]) == []
    assert risks.open_alerts(session, since=datetime(2026, 9, 5, tzinfo=UTC)) == []
    assert risks.exposure(session, now=datetime(2026, 9, 4, 9, tzinfo=UTC)) == {acme_id: 25.0}
    assert risks.exposure(session, now=datetime(2026, 9, 19, 9, tzinfo=UTC)) == {acme_id: 37.5}  # 15 days old
    _run(engine, config, settings, datetime(2026, 9, 6, 9, tzinfo=UTC))  # 120 hours: high, escalated
    (row,) = risks.open_alerts(session, since=datetime(2026, 9, 5, tzinfo=UTC))
    assert (row.severity, row.escalated_at) == ("high", datetime(2026, 9, 6, 9, tzinfo=UTC))

"""Scorecard variables, hand-computed for a small varied history, and the job that evaluates a period."""

import statistics
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from conftest import ACME_CHANNEL, ACME_USER, BUYER
from helpers import issue_order, order_named
from slackclient import click
from sqlmodel import Session, select

from bot.app import make_client, scheduled_jobs
from bot.cli import main
from bot.core.scheduler import JobContext, run_job
from models import (
    AuditEvent,
    CorrectiveAction,
    Inspection,
    JobClaim,
    LevelChange,
    Order,
    Receipt,
    ScorecardEvaluation,
    ScorecardRating,
    Supplier,
    Ticket,
)

AUGUST_DONE = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def at(day: str, clock: str = "00:00:00", micro: int = 0) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=UTC, microsecond=micro)


def supplier(session: Session, name: str) -> Supplier:
    found = Supplier(name=name, name_key=name.casefold(), country="CN", locale="zh_CN", timezone="Asia/Shanghai",
                     created_by=BUYER)  # fmt: skip
    session.add(found)
    session.flush()
    return found


def order(session, supplier_id, po, qty, due, issued, confirmed=None, status="confirmed") -> Order:
    found = Order(supplier_id=supplier_id, po=po, po_key=po.casefold(), quantity=qty, due_date=date.fromisoformat(due),
                  original_due_date=date.fromisoformat(due), status=status, channel_id=ACME_CHANNEL, issued_by=BUYER,
                  issued_at=issued, confirmed_at=confirmed)  # fmt: skip
    session.add(found)
    session.flush()
    return found


def receipt(session, order_, qty, day):
    received = date.fromisoformat(day)
    session.add(Receipt(order_id=order_.id, quantity=qty, received_on=received, on_time=received <= order_.due_date,
                        due_date=order_.due_date, recorded_by=BUYER))  # fmt: skip


def inspection(session, order_, sampled, defects, when):
    session.add(Inspection(order_id=order_.id, sampled=sampled, defects=defects, accepted=defects * 100 <= 2.5 * sampled,
                           max_defect_percent=2.5, inspected_by=BUYER, inspected_at=when, inspected_on=when.date()))  # fmt: skip


def ticket(session, supplier_id, opened, first_due, resolution_due, *, responsible="supplier", side="buyer",
           answered=None, resolved=None):  # fmt: skip
    session.add(Ticket(supplier_id=supplier_id, title="t", responsible=responsible, source="command",
                       channel_id=ACME_CHANNEL, opened_by=BUYER, opened_side=side, opened_at=opened,
                       first_response_due=first_due, resolution_due=resolution_due, first_response_at=answered,
                       resolved_at=resolved, status="resolved" if resolved else "open"))  # fmt: skip


def august_history(engine) -> dict[str, int]:
    """Three suppliers: Acme with a bit of everything, Beta with nothing, Cora with deliveries only."""
    with Session(engine) as session:
        acme, beta, cora = (supplier(session, n) for n in ("Acme", "Beta", "Cora"))
        o1 = order(session, acme.id, "O1", 100, "2026-08-10", at("2026-07-20"))
        receipt(session, o1, 60, "2026-08-09")
        receipt(session, o1, 30, "2026-08-12")  # late: does not count
        o2 = order(session, acme.id, "O2", 50, "2026-08-20", at("2026-08-01"), at("2026-08-01", "02:30:00"))
        receipt(session, o2, 30, "2026-08-15")
        receipt(session, o2, 30, "2026-08-20")  # over-delivered: counts up to the ordered 50
        inspection(session, o2, 50, 1, at("2026-08-21", "10:00:00"))  # 2 %: accepted
        inspection(session, o2, 10, 5, at("2026-09-02"))  # rejected, but after the period
        o3 = order(
            session,
            acme.id,
            "O3",
            40,
            "2026-08-25",
            at("2026-08-03", "10:00:00"),
            at("2026-08-04", "10:00:00"),
        )
        receipt(session, o3, 40, "2026-08-25")
        inspection(session, o3, 20, 2, at("2026-08-26"))  # 10 %: rejected, so O3 is not OTIF
        o4 = order(session, acme.id, "O4", 1000, "2026-08-15", at("2026-08-02"), at("2026-08-02", "01:00:00"),
                   status="cancelled")  # fmt: skip
        o5 = order(session, acme.id, "O5", 10, "2026-09-05", at("2026-08-06"))
        inspection(session, o5, 30, 0, at("2026-08-30", "23:59:59", 999999))
        order(
            session, acme.id, "O6", 20, "2026-08-31", at("2026-08-05"), at("2026-08-05", "05:00:00", 360000)
        )
        receipt(session, o4, 1000, "2026-08-01")
        # Tickets: first responses 4 h and 10 h (buyer-opened), one unanswered, one opened by the supplier.
        ticket(session, acme.id, at("2026-08-02", "09:00:00"), at("2026-08-02", "12:00:00"), at("2026-08-10"),
               answered=at("2026-08-02", "13:00:00"), resolved=at("2026-08-05", "09:00:00"))  # fmt: skip
        ticket(session, acme.id, at("2026-08-10"), at("2026-08-10", "12:00:00"), at("2026-08-20"),
               responsible="buyer", answered=at("2026-08-10", "10:00:00"), resolved=at("2026-08-11"))  # fmt: skip
        ticket(session, acme.id, at("2026-08-12"), at("2026-08-12", "17:00:00"), at("2026-09-15"))
        ticket(session, acme.id, at("2026-08-13"), at("2026-08-13", "04:00:00"), at("2026-08-14"), side="supplier", responsible="buyer",
               answered=at("2026-08-13", "01:00:00"), resolved=at("2026-08-13", "02:00:00"))  # fmt: skip
        ticket(session, acme.id, at("2026-07-25"), at("2026-07-25", "08:00:00"), at("2026-07-30"),
               answered=at("2026-07-25", "01:00:00"), resolved=at("2026-08-01"))  # fmt: skip
        ticket(
            session, acme.id, at("2026-07-20"), at("2026-07-31"), at("2026-08-20"), answered=at("2026-07-21")
        )
        for reviewer, value in (("U1", 80), ("U2", 91)):
            session.add(ScorecardRating(supplier_id=acme.id, period_start=date(2026, 8, 1), dimension="price",
                                        score=value, reviewer_id=reviewer))  # fmt: skip
        session.add(ScorecardRating(supplier_id=acme.id, period_start=date(2026, 8, 1), dimension="compliance",
                                    score=70, reviewer_id="U1"))  # fmt: skip
        session.add(ScorecardRating(supplier_id=acme.id, period_start=date(2026, 7, 1), dimension="service",
                                    score=10, reviewer_id="U1"))  # another period  # fmt: skip
        c1 = order(session, cora.id, "C1", 10, "2026-08-15", at("2026-07-01"))
        receipt(session, c1, 10, "2026-08-14")
        session.commit()
        return {"acme": acme.id, "beta": beta.id, "cora": cora.id}


def close(actual: dict, expected: dict) -> bool:
    """Same keys, the same nulls, numbers equal to 12 significant digits."""
    assert actual.keys() == expected.keys()
    for name, value in expected.items():
        assert (actual[name] is None) == (value is None), name
        assert value is None or actual[name] == pytest.approx(value, rel=1e-12), name
    return True


def _ctx(engine, config, settings):
    return JobContext(engine=engine, config=config, client=make_client(settings), worker_id="w1")


def _evaluations(engine) -> dict[int, ScorecardEvaluation]:
    with Session(engine) as session:
        return {e.supplier_id: e for e in session.exec(select(ScorecardEvaluation))}


ACME_AUGUST = {
    "orders_due": 4, "qty_due": 210, "qty_on_time": 150, "on_time_rate": 150 / 210 * 100, "otif_rate": 25.0,
    "sampled": 100, "defects": 3, "defect_ppm": 30000.0, "lot_acceptance_rate": 2 / 3 * 100,
    "confirmation_hours": 5.0001, "first_response_hours": 7.0, "resolution_hours": 120.0, "sla_breaches": 3,
    "rating_price": 85.5, "rating_compliance": 70.0, "rating_service": None, "capas_opened": 0,
    "capa_on_time_rate": None, "cocreation_value": 0,
}  # fmt: skip
NOTHING = {
    "orders_due": 0, "qty_due": 0, "qty_on_time": 0, "on_time_rate": None, "otif_rate": None, "sampled": 0,
    "defects": 0, "defect_ppm": None, "lot_acceptance_rate": None, "confirmation_hours": None,
    "first_response_hours": None, "resolution_hours": None, "sla_breaches": 0, "rating_price": None,
    "rating_compliance": None, "rating_service": None, "capas_opened": 0, "capa_on_time_rate": None,
    "cocreation_value": 0,
}  # fmt: skip


def test_variables_of_a_varied_month(engine, config, settings):
    ids = august_history(engine)
    summary = run_job(_ctx(engine, config, settings), scheduled_jobs(config), "scorecards", AUGUST_DONE)
    assert summary.startswith("2026-08-01..2026-08-31: 3 suppliers evaluated (2 scored)")
    found = _evaluations(engine)
    assert close(found[ids["acme"]].variables, ACME_AUGUST)
    assert found[ids["beta"]].variables == NOTHING
    assert found[ids["cora"]].variables == NOTHING | {
        "orders_due": 1, "qty_due": 10, "qty_on_time": 10, "on_time_rate": 100.0, "otif_rate": 100.0}  # fmt: skip
    acme = found[ids["acme"]]
    criteria = {
        "quality": 2 / 3 * 100,
        "on_time_delivery": 150 / 210 * 100,
        "price_competitiveness": 85.5,
        "after_sales_service": 100 - 7 / 48 * 60 - 3 * 10,
        "compliance": 70.0,
        "collaboration": 100 - 5.0001 / 72 * 100,
    }
    assert close(acme.criteria, criteria)
    weights = {"quality": 25, "on_time_delivery": 25, "price_competitiveness": 15, "after_sales_service": 15,
               "compliance": 10, "collaboration": 10}  # fmt: skip
    assert acme.score == pytest.approx(sum(criteria[n] * w for n, w in weights.items()) / 100, rel=1e-12)
    assert acme.level == "key" and (acme.period_start, acme.period_end) == (
        date(2026, 8, 1),
        date(2026, 8, 31),
    )
    # Cora: only on-time delivery is known; its weight becomes the whole score.
    assert found[ids["cora"]].score == 100.0 and found[ids["cora"]].level == "core_strategic"
    assert found[ids["cora"]].criteria["quality"] is None
    assert found[ids["beta"]].score is None and found[ids["beta"]].level is None


def test_medians_are_statistics_median(engine, config, settings):
    """Even and odd counts, on every backend: the mean of the two middle values, or the middle one."""
    hours = [3.0, 1.5, 10.25, 7.0, 2.0, 30.0]
    with Session(engine) as session:
        even, odd = supplier(session, "Even"), supplier(session, "Odd")
        for n, value in enumerate(hours):
            issued = at("2026-08-03") + timedelta(days=n)
            order(session, even.id, f"E{n}", 1, "2026-10-01", issued, issued + timedelta(hours=value))
            if n < 5:
                order(session, odd.id, f"D{n}", 1, "2026-10-01", issued, issued + timedelta(hours=value))
        even_id, odd_id = even.id, odd.id
        session.commit()
    run_job(_ctx(engine, config, settings), scheduled_jobs(config), "scorecards", AUGUST_DONE)
    with Session(engine) as session:
        found = {
            e.supplier_id: e.variables["confirmation_hours"]
            for e in session.exec(select(ScorecardEvaluation))
        }
    assert found == {even_id: statistics.median(hours), odd_id: statistics.median(hours[:5])}


def test_the_job_evaluates_a_period_once_and_sets_first_levels(engine, session, config, settings):
    ids = august_history(engine)
    ctx, jobs = _ctx(engine, config, settings), scheduled_jobs(config)
    assert run_job(ctx, jobs, "scorecards", AUGUST_DONE) is not None
    before = {
        m.__name__: len(session.exec(select(m)).all()) for m in (ScorecardEvaluation, AuditEvent, LevelChange)
    }
    assert before == {"ScorecardEvaluation": 3, "AuditEvent": 3, "LevelChange": 2}
    for later in (AUGUST_DONE + timedelta(hours=1), datetime(2026, 9, 30, 23, 59, tzinfo=UTC)):
        assert run_job(ctx, jobs, "scorecards", later) is None
    after = {
        m.__name__: len(session.exec(select(m)).all()) for m in (ScorecardEvaluation, AuditEvent, LevelChange)
    }
    assert after == before
    assert [c.period for c in session.exec(select(JobClaim).where(JobClaim.job == "scorecards"))] == [
        "month:2026-08-01"
    ]
    changes = {c.supplier_id: (c.from_level, c.to_level, c.status) for c in session.exec(select(LevelChange))}
    assert changes == {ids["acme"]: (None, "key", "set"), ids["cora"]: (None, "core_strategic", "set")}
    assert session.get(Supplier, ids["acme"]).level == "key"
    assert session.get(Supplier, ids["beta"]).level is None
    # September: Acme delivered nothing of O5 and failed an inspection: a move to reserve is proposed.
    assert run_job(ctx, jobs, "scorecards", datetime(2026, 10, 1, tzinfo=UTC)).endswith(
        "3 suppliers evaluated (1 scored), 0 levels set, 1 level changes proposed"
    )
    proposal = session.exec(select(LevelChange).where(LevelChange.status == "proposed")).one()
    assert (proposal.supplier_id, proposal.from_level, proposal.to_level) == (ids["acme"], "key", "reserve")
    assert session.get(Supplier, ids["acme"]).level == "key"  # until an admin approves


def test_data_entered_through_slack_feeds_the_scorecard(client, acme, session, engine, config, settings):
    issue_order(client, 'order new PO-1 qty=100 due=2026-09-20 item="Blue mug"')
    po = order_named(session)
    assert click(client, "order_confirm", str(po.id), user=ACME_USER, channel=ACME_CHANNEL).status == 200
    client.command("receive PO-1 qty=60 date=2026-09-18", user=BUYER, channel=ACME_CHANNEL)
    client.command("receive PO-1 qty=40 date=2026-09-22", user=BUYER, channel=ACME_CHANNEL)
    client.command("inspect PO-1 sampled=50 defects=1", user=BUYER, channel=ACME_CHANNEL)
    po = order_named(session)
    assert len(session.exec(select(Receipt)).all()) == 2 and po.confirmed_at is not None
    run_job(
        _ctx(engine, config, settings),
        scheduled_jobs(config),
        "scorecards",
        datetime(2026, 10, 1, tzinfo=UTC),
    )
    (evaluation,) = session.exec(select(ScorecardEvaluation)).all()
    hours = (po.confirmed_at - po.issued_at).total_seconds() / 3600
    assert close(evaluation.variables, NOTHING | {
        "orders_due": 1, "qty_due": 100, "qty_on_time": 60, "on_time_rate": 60.0, "otif_rate": 0.0, "sampled": 50,
        "defects": 1, "defect_ppm": 20000.0, "lot_acceptance_rate": 100.0, "confirmation_hours": hours})  # fmt: skip


def test_srm_jobs_run_scorecards_at_a_time(engine, db_url, settings, tmp_path, monkeypatch):
    august_history(engine)
    (tmp_path / "defaults.yaml").write_text("{}\n")
    env = {"DATABASE_URL": db_url, "SLACK_API_URL": settings.slack_api_url,
           "SRM_CONFIG": str(tmp_path / "defaults.yaml")}  # fmt: skip
    monkeypatch.chdir(tmp_path)
    first = CliRunner().invoke(main, ["jobs", "run", "scorecards", "--at", "2026-09-15T00:00:00Z"], env=env)
    assert first.exit_code == 0, first.output
    assert "2026-08-01..2026-08-31: 3 suppliers evaluated (2 scored), 2 levels set" in first.output
    again = CliRunner().invoke(main, ["jobs", "run", "scorecards", "--at", "2026-09-20T00:00:00Z"], env=env)
    assert again.exit_code == 0 and "nothing to do" in again.output


def test_two_workers_evaluate_a_period_once(engine, session, config, settings):
    august_history(engine)
    results, barrier = [], threading.Barrier(2)

    def worker(name):
        ctx = JobContext(engine=engine, config=config, client=make_client(settings), worker_id=name)
        barrier.wait()
        results.append(run_job(ctx, scheduled_jobs(config), "scorecards", AUGUST_DONE))

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r is None for r in results) == [False, True]
    assert len(session.exec(select(ScorecardEvaluation)).all()) == 3
    assert len(session.exec(select(LevelChange)).all()) == 2


def test_variables_of_other_domains_come_from_their_providers(engine, session, config, settings):
    ids = august_history(engine)
    with Session(engine) as writing:
        writing.add(CorrectiveAction(supplier_id=ids["acme"], kind="ticket", due_date=date(2026, 8, 20),
                                     due_at=at("2026-08-21"), opened_by=BUYER, opened_at=at("2026-08-05"),
                                     verified_at=at("2026-08-19")))  # fmt: skip
        writing.commit()
    run_job(_ctx(engine, config, settings), scheduled_jobs(config), "scorecards", AUGUST_DONE)
    found = _evaluations(engine)
    assert (
        found[ids["acme"]].variables["capas_opened"],
        found[ids["acme"]].variables["capa_on_time_rate"],
    ) == (
        1,
        100.0,
    )
    assert (
        found[ids["beta"]].variables["capas_opened"],
        found[ids["beta"]].variables["capa_on_time_rate"],
    ) == (
        0,
        None,
    )

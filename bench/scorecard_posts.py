"""Scorecard posts at scale: S linked suppliers with six evaluated months, then the time to queue every
supplier's card and chart plus the portfolio (one transaction, as the scorecards job does), and the time
to draw one chart PNG (done at delivery, one per supplier). The queueing is timed twice: with the
scorecards package alone, then with what bot.app registers on its surfaces (tier, loyalty and risk exposure
on every card; feedback means and co-creation value in the portfolio), over relationship rows, open risk
alerts, feedback answers and project values for the suppliers.

Run:  python bench/scorecard_posts.py [--suppliers 5000] [--charts 20]
      [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]  (a scratch database is created there
      and dropped; without --pg, SQLite in a temp dir)
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from scorecards import scratch_database  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bot.config import AppConfig  # noqa: E402
from bot.core.db import make_engine, upgrade  # noqa: E402
from bot.scorecards.chart import render_chart  # noqa: E402
from bot.scorecards.flows import announce_evaluation  # noqa: E402
from bot.scorecards.reading import period_scorecards  # noqa: E402
from bot.scorecards.views import chart_data  # noqa: E402
from models import (  # noqa: E402
    FeedbackResponse,
    OutboxMessage,
    Project,
    ProjectValue,
    RiskAlert,
    ScorecardEvaluation,
    Supplier,
    SupplierChannel,
    SupplierRelationship,
)

MONTHS = [date(2026, m, 1) for m in range(1, 7)]
CRITERIA = ["quality", "on_time_delivery", "price_competitiveness", "after_sales_service", "compliance",
            "collaboration"]  # fmt: skip


def _month_end(start: date) -> date:
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def generate(engine, suppliers: int) -> None:
    rng = random.Random(7)
    now = datetime(2026, 7, 1, tzinfo=UTC)
    with Session(engine) as session:
        session.execute(insert(Supplier.__table__), [
            {"name": f"Supplier {i}", "name_key": f"supplier {i}", "country": "CN", "locale": rng.choice(("zh_CN", "es", "en")),
             "timezone": "Asia/Shanghai", "created_by": "U0BENCH", "created_at": now, "level": "key"}
            for i in range(1, suppliers + 1)])  # fmt: skip
        session.execute(insert(SupplierChannel.__table__), [
            {"supplier_id": i, "channel_id": f"C{i:08d}", "linked_by": "U0BENCH", "linked_at": now, "is_shared": True,
             "channel_name": f"s-{i}"} for i in range(1, suppliers + 1)])  # fmt: skip
        for start in MONTHS:
            rows = []
            for i in range(1, suppliers + 1):
                criteria = {
                    c: (None if rng.random() < 0.1 else round(rng.uniform(30, 100), 2)) for c in CRITERIA
                }
                scored = [v for v in criteria.values() if v is not None]
                score = sum(scored) / len(scored) if scored else None
                rows.append({"supplier_id": i, "period_start": start, "period_end": _month_end(start), "score": score,
                             "level": "key", "variables": {}, "criteria": criteria, "evaluated_at": now})  # fmt: skip
            session.execute(insert(ScorecardEvaluation.__table__), rows)
        _relationship_data(session, rng, suppliers, now)
        session.commit()


def _relationship_data(session: Session, rng: random.Random, suppliers: int, now: datetime) -> None:
    """Every supplier's tier and loyalty, an open alert for one in five, three feedback answers each for
    May, and a project with two value entries in June for one in ten."""
    last = MONTHS[-1]
    session.execute(insert(SupplierRelationship.__table__), [
        {"supplier_id": i, "tier": rng.choice(("strategic", "core", "transactional")), "tier_since": now,
         "loyalty": round(rng.uniform(20, 95), 1), "loyalty_streak": 0} for i in range(1, suppliers + 1)])  # fmt: skip
    session.execute(insert(RiskAlert.__table__), [
        {"supplier_id": i, "kind": "otd_drop", "subject": "", "dedupe_key": f"otd_drop:{i}", "details": {},
         "severity": rng.choice(("low", "medium", "high")), "status": "open", "opened_at": now, "updated_at": now}
        for i in range(1, suppliers + 1, 5)])  # fmt: skip
    may = MONTHS[-2]
    session.execute(insert(FeedbackResponse.__table__), [
        {"supplier_id": i, "period_start": may, "period_end": _month_end(may), "contact_id": f"U{i}C{c}",
         "comment": "", "answered_at": now, **{d: rng.randint(1, 5) for d in
         ("payment", "specifications", "communication", "forecast", "fairness")}}
        for i in range(1, suppliers + 1) for c in range(3)])  # fmt: skip
    projects = list(range(1, suppliers + 1, 10))
    session.execute(insert(Project.__table__), [
        {"id": n, "supplier_id": i, "title": f"Project {n}", "kind": "cost", "status": "open", "currency": "USD",
         "summary": "", "opened_by": "U0BENCH", "opened_at": now} for n, i in enumerate(projects, start=1)])  # fmt: skip
    recorded = datetime(last.year, last.month, 15, tzinfo=UTC)
    session.execute(insert(ProjectValue.__table__), [
        {"project_id": n, "supplier_id": i, "amount": rng.randint(100, 50000), "currency": "USD",
         "supplier_share": 50, "recorded_by": "U0BENCH", "recorded_at": recorded}
        for n, i in enumerate(projects, start=1) for _entry in range(2)])  # fmt: skip


def _queue(engine, config: AppConfig) -> tuple[int, float]:
    """The evaluation's posts queued in one transaction (rolled back): how many, and how long it took."""
    last = MONTHS[-1]
    with Session(engine) as session:
        started = time.perf_counter()
        announce_evaluation(session=session, config=config, period_start=last, period_end=_month_end(last),
                            proposal_ids=[])  # fmt: skip
        session.flush()
        queued = session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
        elapsed = time.perf_counter() - started
        session.rollback()
    return queued, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suppliers", type=int, default=5000)
    parser.add_argument("--charts", type=int, default=20)
    parser.add_argument("--pg", default=None)
    args = parser.parse_args()
    config = AppConfig(scorecards={"channel": "C0BUYERS", "approvals_channel": "C0ADMINS"})
    with scratch_database(args.pg, None) as url:
        upgrade(url)
        engine = make_engine(url)
        generate(engine, args.suppliers)
        last = MONTHS[-1]
        queued, bare = _queue(engine, config)
        import bot.app  # noqa: F401 (registers the other domains' facts and portfolio sections)

        queued, elapsed = _queue(engine, config)
        with Session(engine) as session:
            cards = period_scorecards(session, last, range(1, args.charts + 1), CRITERIA)
        name = engine.dialect.name
        print(f"{name}: {args.suppliers} linked suppliers: {queued} outbox rows (cards, charts, portfolio) queued "
              f"in {elapsed:.2f} s, one transaction ({bare:.2f} s without tier, loyalty, exposure, feedback "
              f"and co-creation)")  # fmt: skip
        sizes, started = [], time.perf_counter()
        for _, card in cards.values():
            sizes.append(len(render_chart(chart_data(card))))
        per_chart = (time.perf_counter() - started) / max(len(sizes), 1)
        print(f"{name}: chart PNG drawn in {per_chart * 1000:.0f} ms on average ({len(sizes)} charts, "
              f"{sum(sizes) / max(len(sizes), 1) / 1024:.0f} KiB each)")  # fmt: skip
        engine.dispose()


if __name__ == "__main__":
    main()

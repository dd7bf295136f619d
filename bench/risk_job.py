"""One whole `risk` job at scale: S suppliers and N order lines of history (bench/scorecards.py's data), a
share of them still open (unconfirmed, in production, due soon), every supplier screened against a
synthetic sanctions list of M entries and the GDACS and ECB fixtures, all from file:// URLs.

By default the last four scorecard periods are evaluated first, as the scorecards job has done by then
(the risk job reads their stored variables); --unevaluated leaves them to the risk job to compute.
Prints the seconds of the first run (raising every alert and queueing its messages) and of a second run at
the same moment (nothing new: nothing written, nothing posted), with the number of alerts.

Run:  python bench/risk_job.py [--suppliers 5000] [--lines 1000000] [--entries 15000] [--open 0.05]
      [--keep FILE_OR_DATABASE] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from risk_screening import synthetic_list  # noqa: E402
from scorecards import generate, scratch_database  # noqa: E402
from slack_sdk import WebClient  # noqa: E402
from sqlalchemy import func, select, text, update  # noqa: E402

from bot.config import AppConfig, RiskConfig, RiskFeedsConfig  # noqa: E402
from bot.core.db import make_engine, session_scope, upgrade  # noqa: E402
from bot.core.scheduler import JobContext  # noqa: E402
from bot.risk.jobs import run_risk  # noqa: E402
from bot.scorecards.periods import last_complete_period  # noqa: E402
from bot.scorecards.service import evaluate_period  # noqa: E402
from models import Order, RiskAlert, ScorecardEvaluation, Supplier  # noqa: E402

AT = datetime(2026, 7, 2, 9, tzinfo=UTC)  # June is the last complete period
FIXTURES = ROOT / "tests" / "fixtures" / "risk"


def _prepare(engine, suppliers: int, lines: int, share: float) -> None:
    """History once (kept with --keep), then a share of the latest orders made open again."""
    with engine.connect() as conn:
        known = conn.execute(select(func.count()).select_from(Supplier)).scalar_one()
    if not known:
        generate(engine, suppliers, lines)
    rng = random.Random(11)
    with engine.begin() as conn:
        last = conn.execute(select(func.max(Order.id))).scalar_one()
        ids = rng.sample(range(1, last + 1), int(last * share))
        for n, start in enumerate(range(0, len(ids), 5000)):
            status = ("issued", "confirmed", "in_production")[n % 3]
            due = AT.date() + timedelta(days=n % 20)
            conn.execute(update(Order).where(Order.id.in_(ids[start : start + 5000]))
                         .values(status=status, due_date=due, issued_at=AT - timedelta(days=5 + n % 10),
                                 progress_percent=n % 100, currency="CNY"))  # fmt: skip
        conn.execute(text("DELETE FROM risk_alert_post"))
        conn.execute(text("DELETE FROM audit_event WHERE object_type = 'risk_alert'"))
        conn.execute(text("DELETE FROM risk_alert"))
        conn.execute(text("DELETE FROM outbox"))
        conn.execute(text("DELETE FROM card WHERE object_type = 'risk_alert'"))


def _evaluate_periods(engine, config: AppConfig) -> None:
    """What the scorecards job has done by AT: the last four months evaluated and stored (once)."""
    period = last_complete_period(AT, config.scorecards.period, config.default_timezone)
    for _ in range(4):
        with session_scope(engine) as session:
            where = ScorecardEvaluation.period_start == period.start
            stored = session.execute(select(func.count()).where(where)).scalar_one()
            if not stored:
                evaluate_period(session=session, config=config, period=period, now=AT)
        period = last_complete_period(period.starts_at, config.scorecards.period, config.default_timezone)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suppliers", type=int, default=5000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=15000)
    parser.add_argument("--open", type=float, default=0.05, help="share of the orders made open again")
    parser.add_argument(
        "--unevaluated",
        action="store_true",
        help="no stored scorecard evaluations: the job computes four periods' variables itself",
    )
    parser.add_argument("--pg", default=None)
    parser.add_argument("--keep", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, scratch_database(args.pg, args.keep) as url:
        sdn = Path(tmp) / "sdn.csv"
        sdn.write_bytes(synthetic_list(args.entries, random.Random(7)))
        feeds = RiskFeedsConfig(gdacs_url=(FIXTURES / "gdacs.xml").as_uri(), sanctions_urls=[sdn.as_uri()],
                                fx_url=(FIXTURES / "ecb.xml").as_uri())  # fmt: skip
        config = AppConfig(risk=RiskConfig(feeds=feeds))
        upgrade(url)
        engine = make_engine(url)
        _prepare(engine, args.suppliers, args.lines, args.open)
        if not args.unevaluated:
            _evaluate_periods(engine, config)
        ctx = JobContext(
            engine=engine, config=config, client=WebClient(base_url="http://127.0.0.1:9/"), worker_id="bench"
        )
        for label in ("first run (raises every alert)", "second run, same moment (nothing new)"):
            started = time.perf_counter()
            summary = run_risk(ctx, AT)
            print(
                f"{engine.dialect.name}: {label}: {time.perf_counter() - started:.2f} s — {summary or 'nothing to do'}"
            )
        with engine.connect() as conn:
            kinds = conn.execute(select(RiskAlert.kind, func.count()).group_by(RiskAlert.kind)).all()
        print(f"{engine.dialect.name}: alerts by kind: {dict(sorted(kinds))}")
        engine.dispose()


if __name__ == "__main__":
    main()

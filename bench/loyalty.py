"""What loyalty (and the feedback means) add to the scorecards job: on the scorecards benchmark's data
(S suppliers, N order lines with receipts, inspections, tickets and ratings, plus 2 corrective actions per
supplier and 3 feedback answers for the month), the time of one whole evaluation of a month against the loyalty computation that follows it
(variables by SQL aggregates, formula, stored for every supplier) and the feedback means.

Run:  python bench/loyalty.py [--suppliers 5000] [--lines 1000000] [--rounds 3] [--keep FILE_OR_DATABASE]
      [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from scorecards import PERIOD_START, generate, scratch_database  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

import bot.app  # noqa: E402,F401  (registers the other domains' scorecard variables, as `srm` does)
from bot.config import AppConfig  # noqa: E402
from bot.core.db import make_engine, upgrade  # noqa: E402
from bot.feedback.service import feedback_means  # noqa: E402
from bot.relationship.loyalty import store_loyalty  # noqa: E402
from bot.scorecards.periods import period_starting  # noqa: E402
from bot.scorecards.service import evaluate_period  # noqa: E402
from models import CorrectiveAction, FeedbackResponse  # noqa: E402

NOW = datetime(2026, 7, 1, 6, tzinfo=UTC)


def _capas_and_feedback(engine, suppliers: int) -> None:
    """2 corrective actions per supplier due within the year (most verified), 3 feedback answers for June."""
    rng = random.Random(11)
    rows = []
    for supplier in range(1, suppliers + 1):
        for _ in range(2):
            due = date(2025, 8, 1) + timedelta(days=rng.randrange(330))
            due_at = datetime.combine(due + timedelta(days=1), clock(), UTC)
            verified = due_at - timedelta(days=rng.randint(-5, 20)) if rng.random() < 0.8 else None
            rows.append({"supplier_id": supplier, "kind": "rectification", "status": "verified" if verified else "open",
                         "reason": "bench", "due_date": due, "due_at": due_at, "root_cause": "", "containment": "",
                         "actions": [], "return_reason": "", "opened_by": "U0BENCH", "opened_at": due_at - timedelta(days=30),
                         "verified_at": verified, "updated_at": due_at})  # fmt: skip
    answers = [{"supplier_id": supplier, "period_start": PERIOD_START, "period_end": date(2026, 6, 30),
                "contact_id": f"U0C{supplier}-{n}", "comment": "", "answered_at": NOW,
                **{d: rng.randint(1, 5) for d in ("payment", "specifications", "communication", "forecast", "fairness")}}
               for supplier in range(1, suppliers + 1) for n in range(3)]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(CorrectiveAction.__table__), rows)
        conn.execute(insert(FeedbackResponse.__table__), answers)


def _best(rounds: int, work) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def measure(url: str, suppliers: int, lines: int, rounds: int) -> None:
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        existing = conn.execute(text("SELECT count(*) FROM supplier")).scalar_one()
    if existing:
        suppliers = existing
    else:
        started = time.perf_counter()
        counts = generate(engine, suppliers, lines)
        _capas_and_feedback(engine, suppliers)
        print(
            f"{engine.dialect.name}: generated {counts} in {time.perf_counter() - started:.1f} s", flush=True
        )
    config = AppConfig()
    period = period_starting(PERIOD_START, "month", config.default_timezone)
    as_of = period.ends_at

    def evaluation() -> None:
        with Session(engine) as session:
            evaluate_period(session=session, config=config, period=period, now=NOW)
            session.flush()
            session.rollback()

    def loyalty() -> None:
        with Session(engine) as session:
            store_loyalty(session=session, config=config, period_start=period.start, as_of=as_of, now=NOW)
            session.flush()
            session.rollback()

    def feedback() -> None:
        with Session(engine) as session:
            list(feedback_means(session=session))

    # Loyalty reads stored scores: the month before is evaluated and kept (June's evaluation is rolled back).
    with Session(engine) as session:
        if not session.execute(text("SELECT count(*) FROM scorecard_evaluation")).scalar_one():
            before = period_starting(date(2026, 5, 1), "month", config.default_timezone)
            evaluate_period(session=session, config=config, period=before, now=NOW)
            session.commit()
    times = {"evaluation": 0.0, "loyalty": 0.0, "feedback": 0.0}
    for name, work in (("loyalty", loyalty), ("feedback", feedback), ("evaluation", evaluation)):
        times[name] = _best(rounds, work)
    added = times["loyalty"] + times["feedback"]
    print(f"{engine.dialect.name}: {suppliers} suppliers; whole evaluation of {period.start:%Y-%m} "
          f"{times['evaluation']:.2f} s; loyalty (variables, formula, stored) {times['loyalty']:.2f} s; "
          f"feedback means {times['feedback']:.2f} s; added to the job {added / times['evaluation'] * 100:.0f} % "
          f"(wall, best of {rounds})")  # fmt: skip
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suppliers", type=int, default=5000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg", default=None, help="PostgreSQL server URL (a scratch database is made there)")
    parser.add_argument(
        "--keep", default=None, help="keep the data in this SQLite file or PostgreSQL database"
    )
    args = parser.parse_args()
    with scratch_database(args.pg, args.keep) as url:
        measure(url, args.suppliers, args.lines, args.rounds)


if __name__ == "__main__":
    main()

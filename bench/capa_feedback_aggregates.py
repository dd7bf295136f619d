"""The cost of the corrective-action variables and the feedback means for one scorecard period over the
whole portfolio (what the scorecards job adds per evaluation), on N suppliers.

Each supplier gets CAPAS corrective actions opened and due in the period (half verified in time) and
RESPONSES feedback answers for the period. Prints the seconds per call of `capa_variables` (both
variables, every supplier) and `feedback_means` (every supplier and dimension), best of REPEAT.

Run:  python bench/capa_feedback_aggregates.py [--suppliers 5000] [--capas 2] [--responses 3] [--repeat 5]
      [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]  (a scratch database is
      created there and dropped; default: SQLite in a temp dir)
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from delivery_drain import scratch_database  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from bot.capa.variables import capa_variables  # noqa: E402
from bot.core.db import make_engine, session_scope, upgrade  # noqa: E402
from bot.feedback.service import feedback_means  # noqa: E402
from models import CorrectiveAction, FeedbackResponse, Supplier  # noqa: E402

START, END = date(2026, 9, 1), date(2026, 9, 30)
STARTS_AT, ENDS_AT = datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)


def _fill(engine, suppliers: int, capas: int, responses: int) -> None:
    opened = datetime(2026, 9, 2, 8, tzinfo=UTC)
    with session_scope(engine) as session:
        session.execute(insert(Supplier.__table__), [
            {"name": f"Supplier {n}", "name_key": f"supplier {n}", "country": "CN", "locale": "zh_CN",
             "timezone": "Asia/Shanghai", "created_by": "bench", "created_at": opened} for n in range(suppliers)])  # fmt: skip
        ids = [row[0] for row in session.execute(Supplier.__table__.select().with_only_columns(Supplier.id))]
        session.execute(insert(CorrectiveAction.__table__), [
            {"supplier_id": s, "kind": "rectification", "status": "verified" if k % 2 else "accepted",
             "reason": "bench", "due_date": date(2026, 9, 20), "due_at": datetime(2026, 9, 21, tzinfo=UTC),
             "root_cause": "", "containment": "", "actions": [], "return_reason": "", "opened_by": "bench",
             "opened_at": opened, "updated_at": opened,
             "verified_at": opened + timedelta(days=5) if k % 2 else None}
            for s in ids for k in range(capas)])  # fmt: skip
        session.execute(insert(FeedbackResponse.__table__), [
            {"supplier_id": s, "period_start": START, "period_end": END, "contact_id": f"U{s}C{k}", "payment": 1 + k % 5,
             "specifications": 3, "communication": 4, "forecast": 2, "fairness": 5, "comment": "",
             "answered_at": opened} for s in ids for k in range(responses)])  # fmt: skip


def _best(call, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suppliers", type=int, default=5000)
    parser.add_argument("--capas", type=int, default=2)
    parser.add_argument("--responses", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with scratch_database(args.database_url) as url:
        upgrade(url)
        engine = make_engine(url)
        _fill(engine, args.suppliers, args.capas, args.responses)
        with session_scope(engine) as session:
            capa_s, values = _best(lambda: capa_variables(session=session, period_start=START, period_end=END,
                                                          starts_at=STARTS_AT, ends_at=ENDS_AT), args.repeat)  # fmt: skip
            means_s, means = _best(lambda: feedback_means(session=session, period_start=START), args.repeat)
        engine.dispose()
    print(f"{engine.dialect.name}: {args.suppliers} suppliers, {args.suppliers * args.capas} CAPAs, "
          f"{args.suppliers * args.responses} feedback answers")  # fmt: skip
    print(f"  capa_variables   {capa_s * 1000:8.1f} ms  ({len(values)} suppliers with values)")
    print(f"  feedback_means   {means_s * 1000:8.1f} ms  ({len(means)} supplier-dimension means)")


if __name__ == "__main__":
    main()

"""Scorecards at scale: S suppliers, N order lines with receipts, inspections, tickets and ratings, then the
time to evaluate every supplier for one month, against one hand-written SQL statement computing the same
variables (checked to agree), and the evaluation's peak Python memory.

Run:  python bench/scorecards.py [--suppliers 5000] [--lines 1000000] [--keep FILE_OR_DATABASE]
      [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]  (a scratch database is created there
      and dropped unless --keep names it; without --pg, SQLite in a temp dir unless --keep names a file)
"""

from __future__ import annotations

import argparse
import math
import random
import resource
import sys
import tempfile
import time
import tracemalloc
import uuid
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from sqlalchemy import bindparam, create_engine, make_url, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bot.config import AppConfig  # noqa: E402
from bot.core.db import make_engine, upgrade  # noqa: E402
from bot.scorecards.periods import period_starting  # noqa: E402
from bot.scorecards.service import evaluate_period  # noqa: E402
from bot.scorecards.variables import compute_variables  # noqa: E402
from models import Inspection, Order, Receipt, ScorecardRating, Supplier, Ticket, UTCDateTime  # noqa: E402

PERIOD_START = date(2026, 6, 1)
FIRST_DUE = date(2025, 7, 1)  # twelve months of due dates, the last being the evaluated one
CHUNK = 20_000


@contextmanager
def scratch_database(server_url: str | None, keep: str | None):
    """A database for the run: dropped afterwards unless `keep` names it (a SQLite file or a PostgreSQL
    database), in which case a later run with the same `keep` reuses its data."""
    if server_url is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{keep or tmp + '/scorecards.db'}"
        return
    name = keep or f"srm_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _at(day: date, hours: float) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hours)


def _sqlite_value(value):
    """What UTCDateTime and Date store on SQLite: naive UTC text with microseconds, ISO dates."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _insert(conn, model, rows: list[dict]) -> None:
    """Bulk insert straight through the driver: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    table, columns = model.__table__.name, list(rows[0])
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor().copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        return
    marks = ", ".join("?" for _ in columns)
    raw.executemany(
        f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})',
        ([_sqlite_value(row[c]) for c in columns] for row in rows),
    )


def generate(engine, suppliers: int, lines: int, seed: int = 7) -> dict[str, int]:
    """Bulk inserts of a year of history; returns the row counts."""
    rng = random.Random(seed)
    now = datetime(2026, 7, 1, tzinfo=UTC)
    with engine.begin() as conn:
        _insert(conn, Supplier, [{"id": n, "name": f"Supplier {n}", "name_key": f"supplier {n}", "country": "CN",
                                  "locale": "zh_CN", "timezone": "Asia/Shanghai", "created_by": "U0BENCH",
                                  "created_at": now} for n in range(1, suppliers + 1)])  # fmt: skip
    counts = {"suppliers": suppliers, "orders": 0, "receipts": 0, "inspections": 0, "tickets": 0}
    order_id = 0
    for start in range(0, lines, CHUNK):
        orders, receipts, inspections = [], [], []
        for _ in range(min(CHUNK, lines - start)):
            order_id += 1
            supplier = rng.randint(1, suppliers)
            due = FIRST_DUE + timedelta(days=rng.randrange(365))
            issued = _at(due - timedelta(days=rng.randint(10, 60)), rng.uniform(0, 24))
            confirmed = issued + timedelta(hours=rng.expovariate(1 / 20)) if rng.random() < 0.85 else None
            quantity = rng.randint(10, 5000)
            status = "cancelled" if rng.random() < 0.02 else "received"
            orders.append({"id": order_id, "supplier_id": supplier, "po": f"PO-{order_id}", "po_key": f"po-{order_id}",
                           "quantity": quantity, "due_date": due, "original_due_date": due, "status": status,
                           "channel_id": "C0BENCH", "issued_by": "U0BENCH", "issued_at": issued,
                           "confirmed_by": "U0SUP" if confirmed else None, "confirmed_at": confirmed,
                           "updated_at": issued, "progress_percent": 0, "item": ""})  # fmt: skip
            if status == "cancelled":
                continue
            parts = rng.choice((1, 1, 2, 3))
            for part in range(parts):
                received = due + timedelta(days=rng.randint(-10, 8))
                receipts.append({"order_id": order_id, "quantity": math.ceil(quantity / parts) + rng.randint(-2, 2) * part,
                                 "received_on": received, "on_time": received <= due, "due_date": due,
                                 "recorded_by": "U0BENCH", "recorded_at": now})  # fmt: skip
            if rng.random() < 0.6:
                inspected = _at(due, rng.uniform(-72, 96))
                sampled = rng.randint(20, 200)
                defects = min(sampled, int(rng.expovariate(1 / 2)))
                inspections.append({"order_id": order_id, "sampled": sampled, "defects": defects,
                                    "accepted": defects * 100 <= 2.5 * sampled, "max_defect_percent": 2.5,
                                    "note": "", "inspected_by": "U0BENCH",
                                    "inspected_at": inspected, "inspected_on": inspected.date()})  # fmt: skip
        with engine.begin() as conn:
            _insert(conn, Order, orders)
            _insert(conn, Receipt, receipts)
            _insert(conn, Inspection, inspections)
        counts["orders"] += len(orders)
        counts["receipts"] += len(receipts)
        counts["inspections"] += len(inspections)
    counts["tickets"] = _tickets_and_ratings(engine, rng, suppliers, lines // 10)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for table in ("supplier", "purchase_order"):
                conn.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
        conn.execute(text("ANALYZE"))
    return counts


def _tickets_and_ratings(engine, rng: random.Random, suppliers: int, tickets: int) -> int:
    rows = []
    for _ in range(tickets):
        opened = _at(FIRST_DUE, rng.uniform(0, 365 * 24))
        answered = opened + timedelta(hours=rng.expovariate(1 / 6)) if rng.random() < 0.9 else None
        resolved = opened + timedelta(hours=rng.expovariate(1 / 60)) if rng.random() < 0.8 else None
        rows.append({"supplier_id": rng.randint(1, suppliers), "title": "Bench", "type": "quality", "severity": "medium",
                     "status": "resolved" if resolved else "open", "quote": "", "resolution": "", "reopened": 0,
                     "responsible": rng.choice(("supplier", "supplier", "buyer")), "source": "command",
                     "channel_id": "C0BENCH", "opened_by": "U0BENCH", "opened_side": rng.choice(("buyer", "buyer", "supplier")),
                     "opened_at": opened, "first_response_due": opened + timedelta(hours=8),
                     "resolution_due": opened + timedelta(hours=72), "first_response_at": answered,
                     "resolved_at": resolved, "updated_at": opened})  # fmt: skip
    ratings = [{"supplier_id": s, "period_start": PERIOD_START, "dimension": dimension, "score": rng.randint(40, 100),
                "comment": "", "reviewer_id": reviewer, "rated_at": datetime(2026, 6, 30, tzinfo=UTC)}
               for s in range(1, suppliers + 1) for dimension in ("price", "compliance", "service")
               for reviewer in ("U1", "U2") if rng.random() < 0.7]  # fmt: skip
    with engine.begin() as conn:
        _insert(conn, Ticket, rows)
        _insert(conn, ScorecardRating, ratings)
    return tickets


HOURS = {
    "sqlite": "((CAST(strftime('%s', {b}) AS INTEGER) - CAST(strftime('%s', {a}) AS INTEGER)) "
    "+ (CAST(substr({b}, 21, 6) AS INTEGER) - CAST(substr({a}, 21, 6) AS INTEGER)) / 1000000.0) / 3600.0",
    "postgresql": "CAST(EXTRACT(EPOCH FROM ({b} - {a})) AS DOUBLE PRECISION) / 3600.0",
}


def hand_written_sql(dialect: str) -> str:
    """Every built-in variable of every supplier in one statement, written by hand."""

    def hours(a: str, b: str) -> str:
        return HOURS[dialect].format(a=a, b=b)

    return (
        (ROOT / "bench" / "scorecards.sql")
        .read_text()
        .format(
            confirmation=hours("issued_at", "confirmed_at"),
            first_response=hours("opened_at", "first_response_at"),
            resolution=hours("opened_at", "resolved_at"),
        )
    )


def run_hand_written(session: Session, period) -> dict[int, dict]:
    statement = text(hand_written_sql(session.get_bind().dialect.name)).bindparams(
        bindparam("starts_at", type_=UTCDateTime), bindparam("ends_at", type_=UTCDateTime)
    )
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))  # as the engine does: compiling costs more than it saves
    params = {
        "start": period.start,
        "end": period.end,
        "starts_at": period.starts_at,
        "ends_at": period.ends_at,
    }
    result = session.execute(statement, params)
    names = list(result.keys())[1:]
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in result}


def _agree(engine_values: dict[int, dict], hand: dict[int, dict]) -> int:
    """How many (supplier, variable) values differ between the engine and the hand-written statement."""
    differ = 0
    for supplier, values in hand.items():
        for name, value in values.items():
            mine = engine_values[supplier][name]
            if (mine is None) != (value is None) or (
                value is not None and not math.isclose(float(value), mine, rel_tol=1e-9)
            ):
                differ += 1
    return differ


def _time_rounds(engine, config: AppConfig, period, ids: list[int], rounds: int):
    """The engine's variables, the hand-written statement and the whole evaluation, `rounds` times each,
    interleaved so that load from other processes hits all three alike; best wall and CPU times."""
    timings: dict[str, list[tuple[float, float]]] = {"variables": [], "hand_written": [], "evaluation": []}

    def timed(name: str, work):
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        timings[name].append((time.perf_counter() - wall, time.process_time() - cpu))
        return result

    for _ in range(rounds):
        with Session(engine) as session:
            values = timed("variables", lambda s=session: compute_variables(
                session=s, period=period, config=config.scorecards, supplier_ids=ids))  # fmt: skip
        with Session(engine) as session:
            hand = timed("hand_written", lambda s=session: run_hand_written(s, period))
        with Session(engine) as session:
            timed("evaluation", lambda s=session: (evaluate_period(session=s, config=config, period=period,
                                                                   now=datetime(2026, 7, 1, tzinfo=UTC)), s.flush()))  # fmt: skip
            session.rollback()
    best = {name: min(wall for wall, _ in runs) for name, runs in timings.items()}
    cpu = {name: min(used for _, used in runs) for name, runs in timings.items()}
    return values, hand, best, cpu


def measure(url: str, suppliers: int, lines: int, rounds: int) -> None:
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        existing = conn.execute(text("SELECT count(*) FROM supplier")).scalar_one()
    if existing:
        suppliers = existing
        print(f"{engine.dialect.name}: reusing the kept data ({existing} suppliers)", flush=True)
    else:
        started = time.perf_counter()
        counts = generate(engine, suppliers, lines)
        print(
            f"{engine.dialect.name}: generated {counts} in {time.perf_counter() - started:.1f} s", flush=True
        )
    config = AppConfig()
    period = period_starting(PERIOD_START, "month", config.default_timezone)
    ids = list(range(1, suppliers + 1))
    values, hand, best, cpu = _time_rounds(engine, config, period, ids, rounds)
    with Session(engine) as session:
        tracemalloc.start()
        evaluate_period(session=session, config=config, period=period, now=datetime(2026, 7, 1, tzinfo=UTC))
        session.flush()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        session.rollback()
    scored = sum(1 for v in values.values() if v["orders_due"])
    print(f"{engine.dialect.name}: {len(values)} suppliers ({scored} with orders due in {period.start:%Y-%m}); "
          f"values differing from the hand-written statement: {_agree(values, hand)}")  # fmt: skip
    name = engine.dialect.name
    print(f"{name}: variables (engine) {best['variables']:.2f} s, hand-written single statement "
          f"{best['hand_written']:.2f} s, ratio {best['variables'] / best['hand_written']:.2f}x; whole evaluation "
          f"(variables, scores, levels: {suppliers} evaluations, level changes and audit rows stored) "
          f"{best['evaluation']:.2f} s (wall, best of {rounds})")  # fmt: skip
    if name == "sqlite":  # the work is in this process: its CPU time is the figure other load disturbs least
        print(f"{name}: CPU time: variables {cpu['variables']:.2f} s, hand-written {cpu['hand_written']:.2f} s, "
              f"ratio {cpu['variables'] / cpu['hand_written']:.2f}x; whole evaluation {cpu['evaluation']:.2f} s")  # fmt: skip
    print(f"{name}: peak Python memory of the evaluation {peak / 2**20:.0f} MB; process max RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")  # fmt: skip
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suppliers", type=int, default=5000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5, help="timed runs of each (the best is shown)")
    parser.add_argument("--pg", default=None, help="PostgreSQL server URL (a scratch database is made there)")
    parser.add_argument(
        "--keep",
        default=None,
        help="keep the data in this SQLite file or PostgreSQL database "
        "(reused by the next run that names it)",
    )
    args = parser.parse_args()
    with scratch_database(args.pg, args.keep) as url:
        measure(url, args.suppliers, args.lines, args.rounds)


if __name__ == "__main__":
    main()

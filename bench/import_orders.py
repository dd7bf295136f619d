"""Import speed: N suppliers and an orders file of R rows through `srm import`, as a buyer would run it.

Each import runs the real command line in a process of its own (`python -m bot.cli import …`), so the
figures include start-up, and the peak memory is that process's maximum resident set size. Each database
is imported into twice: the first run inserts every order, the second finds them all already known
(the idempotent pass). Rows/s counts the file's rows over the command's wall time; rows/CPU-s over the
import process's own CPU time, which a busy machine disturbs less.

Run:  python bench/import_orders.py [--rows 200000] [--suppliers 200] [--pg URL] [--keep DIR]
      PostgreSQL: --pg, else SRM_TEST_POSTGRES_URL (a scratch database is created there and dropped);
      without either, SQLite only.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, make_url, text  # noqa: E402

from bot.core.db import upgrade  # noqa: E402

COUNTRIES = ["CN", "VN", "IN", "BD", "TR", "MX", "DE", "IT", "PL", "ID"]
OFFSETS = ["+08:00", "+07:00", "+05:30", "+06:00", "+03:00", "-06:00", "+01:00", "Z"]


def write_files(folder: Path, suppliers: int, rows: int, seed: int = 7) -> tuple[Path, Path]:
    rng = random.Random(seed)
    names = [f"Supplier {n:05} Co., Ltd" for n in range(suppliers)]
    suppliers_csv = folder / "suppliers.csv"
    with suppliers_csv.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["name", "country", "locale", "timezone", "channel_id"])
        for n, name in enumerate(names):
            out.writerow([name, COUNTRIES[n % len(COUNTRIES)], "", "", ""])
    orders_csv = folder / "orders.csv"
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with orders_csv.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["supplier", "po", "quantity", "due_date", "issued_at", "confirmed_at", "item", "price",
                      "currency", "status"])  # fmt: skip
        for n in range(rows):
            issued = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 700))
            offset = rng.choice(OFFSETS)
            confirmed = issued + timedelta(hours=rng.randrange(1, 96)) if rng.random() < 0.7 else None
            due: date = (issued + timedelta(days=rng.randrange(20, 120))).date()
            out.writerow([
                names[rng.randrange(suppliers)], f"PO-{n:08}", rng.randrange(1, 5000), due.isoformat(),
                _iso(issued, offset), _iso(confirmed, offset) if confirmed else "", f"Item {n % 977}",
                f"{rng.randrange(100, 100000) / 100:.2f}", "USD", "closed" if rng.random() < 0.05 else "",
            ])  # fmt: skip
    return suppliers_csv, orders_csv


def _iso(moment: datetime, offset: str) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + offset


@contextmanager
def scratch_postgres(server_url: str):
    name = f"srm_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def srm_import(url: str, kind: str, path: Path, workdir: Path) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak RSS in MiB, last line of output) of one `srm import` in its own
    process. CPU time is the steadier figure on a busy machine (the database server's is not in it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SRM_CONFIG"))}
    env |= {"DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    began = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "import", kind, str(path)], cwd=workdir,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"srm import {kind} failed ({process.returncode}):\n{output[-3000:]}")
    peak_mib = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    return seconds, usage.ru_utime + usage.ru_stime, peak_mib, output.strip().splitlines()[-1]


def bench(label: str, url: str, suppliers_csv: Path, orders_csv: Path, rows: int, workdir: Path) -> None:
    upgrade(url)
    srm_import(url, "suppliers", suppliers_csv, workdir)
    for run in ("new", "again"):
        seconds, cpu, peak, summary = srm_import(url, "orders", orders_csv, workdir)
        print(f"{label:10} {run:6} {rows:>9} rows {seconds:8.1f} s {rows / seconds:>10,.0f} rows/s "
              f"(CPU {cpu:6.1f} s: {rows / cpu:>8,.0f} rows/CPU-s) peak {peak:6.0f} MiB   ({summary})",
              flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000, help="order lines in the file (default 200000)")
    parser.add_argument("--suppliers", type=int, default=200)
    parser.add_argument("--pg", default=os.environ.get("SRM_TEST_POSTGRES_URL"), help="PostgreSQL server URL")
    parser.add_argument("--keep", type=Path, default=None, help="write the files (and SQLite database) here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        suppliers_csv, orders_csv = write_files(folder, args.suppliers, args.rows)
        size = orders_csv.stat().st_size / 2**20
        print(f"{args.rows} orders of {args.suppliers} suppliers: {size:.0f} MiB of CSV, written in "
              f"{time.perf_counter() - began:.1f} s", flush=True)  # fmt: skip
        sqlite_path = folder / "import-bench.db"
        sqlite_path.unlink(missing_ok=True)
        bench("sqlite", f"sqlite:///{sqlite_path}", suppliers_csv, orders_csv, args.rows, folder)
        if args.pg:
            with scratch_postgres(args.pg) as url:
                bench("postgresql", url, suppliers_csv, orders_csv, args.rows, folder)
        else:
            print("postgresql skipped (no --pg and no SRM_TEST_POSTGRES_URL)")


if __name__ == "__main__":
    main()

"""Digest delivery at scale: 1,000 recipients sharing one local time, two worker processes.

950 supplier channels (one order to confirm each) and 50 buyers, all in Asia/Shanghai, are due at 09:00.
Two `srm worker`-like processes run the digest job at that moment (both at once: claims decide who queues
what) and then their delivery loops (`delivery.senders` threads each, ≤ 1 message/s per channel) against
a fake Slack that answers in 100 ms and refuses 5 % of posts with 429 Retry-After: 1. The clock starts when
the workers start the job and stops when Slack holds a digest for every recipient. Every digest is checked
at the fake Slack (by the outbox id in its metadata): 0 lost, 0 duplicated.

Run:  python bench/digest_delivery.py [--recipients 1000] [--senders 8] [--slack-ms 100] [--share-429 0.05]
      [--db sqlite,postgresql]   (PostgreSQL from SRM_BENCH_POSTGRES_URL or SRM_TEST_POSTGRES_URL; a scratch
      database is created there and dropped)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from delivery_drain import scratch_database  # noqa: E402
from fakeslack import FakeSlack  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlmodel import select  # noqa: E402

from bot.core.db import make_engine, session_scope, upgrade  # noqa: E402
from models import Digest, Order, OutboxMessage, SlackUser, Supplier, SupplierChannel, utcnow  # noqa: E402

NINE_IN_SHANGHAI = datetime(2026, 9, 2, 1, 0, tzinfo=UTC)  # a Wednesday, 09:00 in Asia/Shanghai
BUYERS = 50


def seed(url: str, recipients: int, slack: FakeSlack) -> None:
    """Supplier channels with an order to confirm each, and buyers who have used the bot."""
    upgrade(url)
    engine = make_engine(url)
    suppliers = recipients - BUYERS
    now = utcnow()
    with session_scope(engine) as session:
        session.execute(insert(Supplier.__table__), [
            {"id": n + 1, "name": f"Supplier {n}", "name_key": f"supplier {n}", "country": "CN", "locale": "zh_CN",
             "timezone": "Asia/Shanghai", "created_by": "U0BENCH", "created_at": now} for n in range(suppliers)])  # fmt: skip
        session.execute(insert(SupplierChannel.__table__), [
            {"supplier_id": n + 1, "channel_id": f"C0BENCH{n:04}", "channel_name": f"s{n}", "is_shared": True,
             "linked_by": "U0BENCH", "linked_at": now} for n in range(suppliers)])  # fmt: skip
        session.execute(insert(Order.__table__), [
            {"supplier_id": n + 1, "po": f"PO-{n}", "po_key": f"po-{n}", "item": "", "quantity": 100,
             "due_date": date(2026, 12, 15), "original_due_date": date(2026, 12, 15), "status": "issued",
             "progress_percent": 0, "channel_id": f"C0BENCH{n:04}", "issued_by": "U0BENCH", "issued_at": now,
             "updated_at": now} for n in range(suppliers)])  # fmt: skip
        session.execute(insert(SlackUser.__table__), [
            {"user_id": f"U0BUYER{n:03}", "team_id": "T0HOME", "name": f"buyer{n}", "real_name": "", "is_bot": False,
             "is_restricted": False, "is_ultra_restricted": False, "is_stranger": False, "deleted": False,
             "locale": "en-US", "tz": "Asia/Shanghai", "fetched_at": now} for n in range(BUYERS)])  # fmt: skip
    engine.dispose()
    for n in range(suppliers):
        slack.add_channel(f"C0BENCH{n:04}", name=f"s{n}", shared=True)
    for n in range(BUYERS):
        slack.add_user(f"U0BUYER{n:03}", tz="Asia/Shanghai")


def worker(url: str, slack_url: str, name: str, senders: int, stop_file: str) -> None:
    """One worker process: the digest job at 09:00 Shanghai, then delivery until `stop_file` appears."""
    import threading

    from bot.app import make_client, scheduled_jobs
    from bot.config import AppConfig, DeliveryConfig
    from bot.core.delivery import Delivery
    from bot.core.scheduler import JobContext, run_job
    from bot.settings import Settings

    engine = make_engine(url)
    settings = Settings(
        _env_file=None, slack_bot_token="xoxb-bench", slack_api_url=slack_url, database_url=url
    )
    config = AppConfig(
        delivery=DeliveryConfig(senders=senders, channel_interval_seconds=1, poll_seconds=0.05)
    )
    client = make_client(settings)
    delivery = Delivery(engine=engine, client=client, config=config.delivery, worker_id=name)
    stop = threading.Event()
    thread = threading.Thread(target=delivery.run, args=(stop,))
    thread.start()  # as in `srm worker`: delivery runs while the job queues
    started = time.perf_counter()
    summary = run_job(
        JobContext(engine, config, client, name), scheduled_jobs(config), "digest", NINE_IN_SHANGHAI
    )
    print(
        json.dumps({"worker": name, "job_seconds": time.perf_counter() - started, "summary": summary}),
        flush=True,
    )
    while not os.path.exists(stop_file):
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=30)
    engine.dispose()


def run(url: str, *, recipients: int, senders: int, slack_ms: float, share_429: float) -> dict:
    slack = FakeSlack()
    seed(url, recipients, slack)
    slack.answer_slowly("chat.postMessage", seconds=slack_ms / 1000)
    slack.rate_limit_some("chat.postMessage", share=share_429, retry_after=1)
    slack.start()
    with tempfile.TemporaryDirectory() as tmp:
        stop_file = os.path.join(tmp, "stop")
        command = [sys.executable, __file__, "--worker", url, slack.url, "{name}", str(senders), stop_file]
        started = time.perf_counter()
        processes = [
            subprocess.Popen(
                [part.format(name=f"bench-w{n}") for part in command], stdout=subprocess.PIPE, text=True
            )
            for n in (1, 2)
        ]
        slack.wait_for(lambda: len(slack.messages) >= recipients, timeout=300, what="every digest")
        elapsed = time.perf_counter() - started
        Path(stop_file).touch()
        reports = [json.loads(p.communicate(timeout=60)[0].strip().splitlines()[-1]) for p in processes]
    posted = Counter(m["metadata"]["event_payload"]["outbox_id"] for m in slack.messages.values())
    engine = make_engine(url)
    with session_scope(engine) as session:
        digests = session.exec(select(Digest.outbox_id).where(Digest.status == "sent")).all()
        unsent = session.exec(select(OutboxMessage.id).where(OutboxMessage.status != "sent")).all()
    engine.dispose()
    calls = slack.calls_to("chat.postMessage")
    slack.stop()
    return {
        "elapsed": elapsed,
        "job": max(r["job_seconds"] for r in reports),
        "queued": {r["worker"]: r["summary"] for r in reports},
        "digests": len(digests),
        "lost": sum(1 for outbox_id in digests if posted[outbox_id] == 0) + len(unsent),
        "duplicated": sum(n - 1 for n in posted.values() if n > 1),
        "calls": len(calls),
        "rate_limited": len(calls) - len(slack.messages),
    }


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(*sys.argv[2:5], int(sys.argv[5]), sys.argv[6])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--slack-ms", type=float, default=100.0)
    parser.add_argument("--share-429", type=float, default=0.05)
    parser.add_argument("--db", default="sqlite,postgresql")
    args = parser.parse_args()
    postgres = os.environ.get("SRM_BENCH_POSTGRES_URL") or os.environ.get("SRM_TEST_POSTGRES_URL")
    print(f"{args.recipients} digests due at 09:00 Asia/Shanghai; fake Slack answers in {args.slack_ms:.0f} ms, "
          f"{args.share_429:.0%} of posts 429 (Retry-After 1 s); 2 worker processes x {args.senders} senders")  # fmt: skip
    failed = False
    for backend in args.db.split(","):
        if backend == "postgresql" and not postgres:
            print("postgresql: skipped (set SRM_BENCH_POSTGRES_URL or SRM_TEST_POSTGRES_URL)")
            continue
        with scratch_database(postgres if backend == "postgresql" else None) as url:
            r = run(url, recipients=args.recipients, senders=args.senders, slack_ms=args.slack_ms,
                    share_429=args.share_429)  # fmt: skip
        print(f"{backend:>10}: {r['digests']} digests delivered in {r['elapsed']:5.1f} s (job {r['job']:.1f} s; "
              f"queued {r['queued']}); {r['calls']} posts, {r['rate_limited']} answered 429; "
              f"lost {r['lost']}, duplicated {r['duplicated']}")  # fmt: skip
        failed |= r["lost"] > 0 or r["duplicated"] > 0 or r["digests"] != args.recipients or r["elapsed"] > 30
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

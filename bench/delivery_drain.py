"""Outbox drain rate: N queued messages over C channels, W delivery workers, against the fake Slack.

Pacing is off (`channel_interval_seconds: 0`) so the figure is the delivery machinery's own cost: claim,
HTTP call, record. Every post is counted at the fake Slack, so a message sent twice shows as a duplicate.

Run:  python bench/delivery_drain.py [--messages 600] [--channels 60] [--workers 1 2 4] [--slack-ms 0]
      [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]  (a scratch database is
      created there and dropped; default: SQLite in a temp dir)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fakeslack import FakeSlack  # noqa: E402
from sqlalchemy import create_engine, make_url, text  # noqa: E402

from bot.app import make_client  # noqa: E402
from bot.config import DeliveryConfig  # noqa: E402
from bot.core.db import make_engine, session_scope, upgrade  # noqa: E402
from bot.core.delivery import Delivery  # noqa: E402
from bot.core.outbox import enqueue  # noqa: E402
from bot.settings import Settings  # noqa: E402


@contextmanager
def scratch_database(server_url: str | None):
    if server_url is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/drain.db"
        return
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


def drain(url: str, *, messages: int, channels: int, workers: int, slack_ms: float) -> dict:
    upgrade(url)
    engine = make_engine(url)
    slack = FakeSlack()
    names = [f"C0DRAIN{n:03}" for n in range(channels)]
    for channel in names:
        slack.add_channel(channel, name=channel.lower())
    if slack_ms:
        slack.answer_slowly("chat.postMessage", seconds=slack_ms / 1000)
    slack.start()
    with session_scope(engine) as session:
        for n in range(messages):
            enqueue(session=session, channel_id=names[n % channels], payload={"text": f"m{n}"})
    settings = Settings(
        _env_file=None, slack_bot_token="xoxb-bench", slack_api_url=slack.url, database_url=url
    )
    config = DeliveryConfig(channel_interval_seconds=0, poll_seconds=0.05)
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=Delivery(
                engine=engine, client=make_client(settings), config=config, worker_id=f"w{i}"
            ).run,
            args=(stop,),
        )
        for i in range(workers)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    slack.wait_for(lambda: len(slack.messages) >= messages, timeout=600, what="every message")
    elapsed = time.perf_counter() - started
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    texts = Counter(c.params["text"] for c in slack.calls_to("chat.postMessage"))
    slack.stop()
    engine.dispose()
    return {"elapsed": elapsed, "duplicates": sum(n - 1 for n in texts.values()), "sent": len(texts)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--channels", type=int, default=60)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--slack-ms", type=float, default=0.0, help="latency of each fake Slack answer")
    parser.add_argument("--database-url", default=None, help="PostgreSQL server URL (default: SQLite)")
    args = parser.parse_args()
    backend = "postgresql" if args.database_url else "sqlite"
    print(
        f"{backend}: {args.messages} messages over {args.channels} channels, Slack answers in {args.slack_ms} ms"
    )
    failed = False
    for workers in args.workers:
        with scratch_database(args.database_url) as url:
            result = drain(url, messages=args.messages, channels=args.channels, workers=workers,
                           slack_ms=args.slack_ms)  # fmt: skip
        rate = result["sent"] / result["elapsed"]
        print(f"  {workers} worker(s): {result['elapsed']:6.2f} s, {rate:7.1f} msg/s, "
              f"{result['duplicates']} duplicates")  # fmt: skip
        failed |= result["duplicates"] > 0 or result["sent"] != args.messages
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

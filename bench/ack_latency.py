"""Ack latency and throughput of the real app against a bare Bolt app on the same server stack.

The app is a real `srm run --no-worker` subprocess (SQLite in a temp dir; the Slack Web API is faked by
tests/fakeslack.py in this process); the baseline, bench/bare_app.py, is a Bolt app whose listeners only ack,
in its own subprocess on the same waitress stack. Keep-alive sender threads, spread over load processes so
no GIL is shared with a server, fire signed requests: equal thirds of `/srm help`, supplier `message` events
in the shared channel and `/srm supplier show "Acme Textiles"`.

Run:  python bench/ack_latency.py [--seconds 20] [--senders 20] [--procs 2]

Exits 0 when every request answered 200 (targets missed or not); non-zero if any request errored.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fakeslack import HOME_TEAM, FakeSlack  # noqa: E402
from slackclient import sign  # noqa: E402

SECRET = "bench-signing-secret-0123456789ab"
BUYER, SUPPLIER_USER, CHANNEL = "U0BUYER", "U0ACME", "C0ACME"
P99_TARGET_MS, THROUGHPUT_TARGET = 150.0, 0.6
_ids = itertools.count(0)  # main counts 0, s, 2s..., load process i counts i+1, i+1+s...: ids stay unique


# --- requests as Slack sends them -------------------------------------------------------------------
def command(text: str) -> tuple[str, str]:
    form = {
        "token": "legacy", "team_id": HOME_TEAM, "team_domain": "home", "channel_id": CHANNEL,
        "channel_name": "acme-shared", "user_id": BUYER, "user_name": BUYER.lower(), "command": "/srm",
        "text": text, "api_app_id": "A0SRM", "response_url": "https://hooks.example.invalid/commands/1",
        "trigger_id": f"{next(_ids)}.trigger",
    }  # fmt: skip
    return urlencode(form), "application/x-www-form-urlencoded"


def message_event() -> tuple[str, str]:
    n = next(_ids)
    event = {"type": "message", "channel": CHANNEL, "user": SUPPLIER_USER, "text": f"Shipment update {n}",
             "ts": f"{int(time.time())}.{n:06d}", "channel_type": "channel"}  # fmt: skip
    envelope = {
        "token": "legacy", "team_id": HOME_TEAM, "api_app_id": "A0SRM", "type": "event_callback",
        "event_id": f"EvBench{n:010d}", "event_time": int(time.time()), "event": event,
        "authorizations": [{"team_id": HOME_TEAM, "user_id": "U0BOT", "is_bot": True}],
    }  # fmt: skip
    return json.dumps(envelope), "application/json"


KINDS: list[tuple[str, Callable[[], tuple[str, str]]]] = [
    ("help", lambda: command("help")),
    ("message", message_event),
    ("show", lambda: command('supplier show "Acme Textiles"')),
]


def post(conn: http.client.HTTPConnection, body: str, content_type: str) -> tuple[int, str]:
    ts = str(int(time.time()))
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
               "X-Slack-Signature": sign(SECRET, ts, body)}  # fmt: skip
    conn.request("POST", "/slack/events", body=body.encode(), headers=headers)
    response = conn.getresponse()
    return response.status, response.read().decode()


# --- load: sender threads in worker processes -------------------------------------------------------
def load_process(index: int, stride: int, port: int, seconds: float, offsets: list, gate, results) -> None:
    """Runs one sender thread per offset; puts ({kind: [seconds]}, [error], end time) on `results`."""
    global _ids
    _ids = itertools.count(index + 1, stride)
    samples: dict[str, list[float]] = {name: [] for name, _ in KINDS}
    errors: list[str] = []
    ends: list[float] = []  # list.append is atomic: the threads share these lists

    def sender(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        gate.wait()
        deadline = time.monotonic() + seconds
        for i in itertools.count(offset):
            if time.monotonic() >= deadline:
                break
            name, build = KINDS[i % len(KINDS)]
            body, content_type = build()
            began = time.perf_counter()
            try:
                status, text = post(conn, body, content_type)
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"{name}: {type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            samples[name].append(time.perf_counter() - began)
            if status != 200:
                errors.append(f"{name}: HTTP {status}: {text[:200]}")
        conn.close()
        ends.append(time.monotonic())

    threads = [threading.Thread(target=sender, args=(offset,)) for offset in offsets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((samples, errors, max(ends)))


def run_load(port: int, seconds: float, senders: int, procs: int) -> dict:
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: no fake Slack thread, no held locks
    gate, results = ctx.Barrier(senders + 1), ctx.Queue()
    workers = [ctx.Process(target=load_process, daemon=True,
                           args=(i, procs + 1, port, seconds, list(range(i, senders, procs)), gate, results))
               for i in range(procs)]  # fmt: skip
    for worker in workers:
        worker.start()
    gate.wait(timeout=60)
    began = time.monotonic()
    samples: dict[str, list[float]] = {name: [] for name, _ in KINDS}
    errors, end = [], began
    for _ in workers:
        theirs, their_errors, their_end = results.get(timeout=seconds + 120)
        for name, values in theirs.items():
            samples[name].extend(values)
        errors.extend(their_errors)
        end = max(end, their_end)
    for worker in workers:
        worker.join()
    every = [s for values in samples.values() for s in values]
    kinds = {name: percentiles(values) for name, values in samples.items()}
    return {**percentiles(every), "rps": len(every) / (end - began), "count": len(every),
            "errors": errors, "kinds": kinds}  # fmt: skip


def percentiles(seconds: list[float]) -> dict[str, float]:
    seconds = sorted(seconds)

    def pct(q: float) -> float:
        return seconds[min(len(seconds) - 1, int(q * len(seconds)))] * 1000 if seconds else float("nan")

    return {"p50": pct(0.50), "p99": pct(0.99), "max": pct(1.0)}


# --- the servers ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]


@contextmanager
def served(name: str, argv: list[str], env: dict, tmp: str) -> Iterator[int]:
    """Runs `python *argv` ("{port}" filled in) in `tmp`; yields the port once GET /healthz answers 200."""
    port, log_path = free_port(), Path(tmp) / f"{name}.log"
    argv = [sys.executable, *(arg.replace("{port}", str(port)) for arg in argv)]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(argv, cwd=tmp, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while not healthy(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log_path.read_text(errors="replace")[-3000:]
                sys.exit(f"{name} server not ready (exit code {proc.poll()}); its log ends:\n{tail}")
            time.sleep(0.05)
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            print(f"{name} server ignored SIGTERM for 15 s; killed")
            proc.kill()
            proc.wait()
        errors = [line for line in log_path.read_text(errors="replace").splitlines() if " ERROR " in line]
        if errors:
            print(f"{name} server logged {len(errors)} ERROR lines, first: {errors[0][:300]}")


def healthy(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def warm_up(port: int, create_supplier: bool) -> None:
    """Creates the supplier if asked, then one request of each kind (caching user lookups); checks answers."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    if create_supplier:
        status, text = post(conn, *command('supplier add "Acme Textiles" country=CN'))
        if status != 200 or "added" not in text:
            sys.exit(f"could not create the supplier: HTTP {status} {text[:300]}")
    for name, build in KINDS:
        status, text = post(conn, *build())
        if status != 200:
            sys.exit(f"warm-up {name} failed: HTTP {status} {text[:300]}")
        if name == "show" and text and "Acme Textiles" not in text:
            sys.exit(f"warm-up show did not show the supplier: {text[:300]}")
    conn.close()


def app_env(fake: FakeSlack, tmp: str) -> dict[str, str]:
    """The environment `srm run` reads, minus any real Slack, database or config settings of the caller."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SLACK_") and k not in ("DATABASE_URL", "SRM_CONFIG")}  # fmt: skip
    return {**env, "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.db", "PYTHONPATH": str(ROOT)}  # fmt: skip


def measure(name: str, argv: list[str], env: dict, tmp: str, args: argparse.Namespace) -> dict:
    with served(name, argv, env, tmp) as port:
        warm_up(port, create_supplier=name == "app")
        return run_load(port, args.seconds, args.senders, args.procs)


def report(name: str, r: dict) -> None:
    print(f"{name:<10} p50 {r['p50']:7.1f} ms   p99 {r['p99']:7.1f} ms   max {r['max']:7.1f} ms   "
          f"{r['rps']:7.1f} req/s   {r['count']:6d} ok   {len(r['errors'])} errors")  # fmt: skip
    for kind, k in r["kinds"].items():
        print(f"  {kind:<8} p50 {k['p50']:7.1f} ms   p99 {k['p99']:7.1f} ms   max {k['max']:7.1f} ms")
    for error, times in Counter(r["errors"]).most_common(10):
        print(f"    {times:5d} x {error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="load duration per app (default 20)")
    parser.add_argument("--senders", type=int, default=20, help="concurrent sender threads (default 20)")
    parser.add_argument("--procs", type=int, default=2, help="load processes (default 2)")
    args = parser.parse_args()
    args.procs = max(1, min(args.procs, args.senders))
    global _ids
    _ids = itertools.count(0, args.procs + 1)

    print(f"ack latency: {os.cpu_count()} cores, {args.seconds:g} s per app, {args.senders} keep-alive senders "
          f"in {args.procs} processes,")  # fmt: skip
    print("thirds of /srm help, supplier message events, /srm supplier show (SQLite, fake Slack, waitress)")
    print("servers (srm run --no-worker; bare Bolt) and the load generator run in separate processes")
    fake = FakeSlack()
    fake.add_user(BUYER, team_id=HOME_TEAM, locale="en-US")
    fake.add_user(SUPPLIER_USER, team_id="T0ACME", locale=None, tz="Asia/Shanghai")
    fake.add_channel(CHANNEL, name="acme-shared", shared=True)
    fake.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            srm_run = ["-m", "bot.cli", "run", "--no-worker", "--port", "{port}"]
            app = measure("app", srm_run, app_env(fake, tmp), tmp, args)
            bare_app = [str(ROOT / "bench" / "bare_app.py"), "{port}", fake.url, SECRET]
            bare = measure("bare", bare_app, {**os.environ, "PYTHONPATH": str(ROOT)}, tmp, args)
    finally:
        fake.stop()

    print()
    report("app", app)
    report("bare Bolt", bare)
    ratio = app["rps"] / bare["rps"] if bare["rps"] else float("nan")
    print()
    print(f"throughput app/bare: {ratio:.2f}x   p99 app {app['p99']:.1f} ms vs bare {bare['p99']:.1f} ms")
    met = {True: "met", False: "MISSED"}
    print(f"target p99 <= {P99_TARGET_MS:g} ms: {met[app['p99'] <= P99_TARGET_MS]}")
    print(f"target throughput >= {THROUGHPUT_TARGET}x bare: {met[ratio >= THROUGHPUT_TARGET]}")
    if fake.violations:
        print(f"fake Slack would have rejected: {fake.violations[:5]}")
    return 1 if app["errors"] or bare["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())

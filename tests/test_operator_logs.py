"""What an operator reads: one log line per delivered batch, job run and failure; dead messages in an export."""

import csv
import io
import logging
import signal
import subprocess
import threading

import pytest
from click.testing import CliRunner
from conftest import ACME_CHANNEL, BUYER, NOBOT_CHANNEL, SIGNING_SECRET
from openpyxl import load_workbook
from slackclient import SlackClient
from test_cli import SRM, _free_port, _get
from test_outbox import _delivery, _post, _rows
from test_scheduler import _ctx
from test_shutdown import _env

from bot.cli import main
from bot.core.db import upgrade
from bot.core.scheduler import Job, start_scheduler

DELIVERIES_HEADER = ["id", "channel", "method", "state", "attempts", "last_error", "created_at", "updated_at"]


def _messages(caplog, logger):
    return [r.getMessage() for r in caplog.records if r.name == logger]


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "is_archived", "invalid_blocks"])
def test_a_message_slack_will_never_accept_fails_at_once_and_shows_in_the_export(
    error, engine, settings, slack, db_url, tmp_path, monkeypatch, caplog
):
    channel = {"channel_not_found": "C0GONE", "not_in_channel": NOBOT_CHANNEL}.get(error, ACME_CHANNEL)
    if channel == ACME_CHANNEL:
        slack.fail_next("chat.postMessage", status=200, error=error)
    _post(engine, "never delivered", channel=channel)
    delivery = _delivery(engine, settings, max_attempts=5)
    with caplog.at_level(logging.INFO, logger="bot.core.delivery"):
        for _ in range(3):
            delivery.deliver_due()
    (row,) = _rows(engine)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, error)
    assert len(slack.posts()) == 1  # not retried
    assert _messages(caplog, "bot.core.delivery") == [
        f"outbox row {row.id} (chat.postMessage to {channel}) failed: {error} (Slack will not accept it; not retried)"
    ]

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["export", "deliveries"], env={"DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    header, line = csv.reader(io.StringIO(result.stdout))
    assert header == DELIVERIES_HEADER
    assert line[:6] == [str(row.id), channel, "chat.postMessage", "failed", "1", error]
    assert line[6] == row.created_at.isoformat() and line[7] >= line[6]

    out = tmp_path / "deliveries.xlsx"
    xlsx = CliRunner().invoke(main, ["export", "deliveries", "--format", "xlsx", "--out", str(out)],
                              env={"DATABASE_URL": db_url})  # fmt: skip
    assert xlsx.exit_code == 0, xlsx.output
    values = list(load_workbook(out).active.values)
    assert list(values[0]) == [
        h + " (UTC)" if h.endswith("_at") else h for h in DELIVERIES_HEADER
    ] and values[1][3:6] == ("failed", 1, error)


def test_retries_log_the_slack_error_and_a_batch_logs_one_line(engine, settings, slack, caplog):
    slack.fail_next("chat.postMessage", status=503, error="service_unavailable")
    _post(engine, "first")
    delivery = _delivery(engine, settings)
    stop = threading.Event()
    with caplog.at_level(logging.INFO, logger="bot.core.delivery"):
        thread = threading.Thread(target=delivery.run, args=(stop,), daemon=True)
        thread.start()
        slack.wait_for(lambda: slack.messages, what="delivery after one retry")
        slack.wait_for(
            lambda: any("delivered" in m for m in _messages(caplog, "bot.core.delivery")), what="log"
        )
        stop.set()
        thread.join(timeout=5)
    first, *rest = _messages(caplog, "bot.core.delivery")
    row = _rows(engine)[0].id
    assert first.startswith(
        f"outbox row {row} (chat.postMessage to {ACME_CHANNEL}): service_unavailable (attempt 1 of 3)"
    )
    assert rest == ["delivered 1 message"]


def test_a_job_run_is_one_line_and_an_idle_one_none(engine, config, settings, slack, caplog):
    ran = threading.Event()

    def idle(ctx, now):
        ran.set()

    jobs = [Job("busy", lambda ctx, now: "2 reminders", "does something"), Job("idle", idle, "nothing to do")]
    with caplog.at_level(logging.INFO, logger="bot.core.scheduler"):
        scheduler = start_scheduler(_ctx(engine, config, settings), jobs)
        try:
            ran.wait(10)
            slack.wait_for(lambda: _messages(caplog, "bot.core.scheduler"), what="the busy job's line")
        finally:
            scheduler.shutdown(wait=True)
    (line,) = _messages(caplog, "bot.core.scheduler")
    assert line.startswith("job busy: 2 reminders (") and line.endswith(" s)")


@pytest.mark.real_clock
def test_srm_run_logs_no_library_chatter(slack, tmp_path):
    url = f"sqlite:///{tmp_path}/srm.db"
    upgrade(url)
    port = _free_port()
    process = subprocess.Popen([*SRM, "run", "--port", str(port)], cwd=tmp_path, env=_env(slack, url),
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        slack.wait_for(lambda: _get(f"http://127.0.0.1:{port}/healthz"), timeout=30, what="srm run serving")
        client = SlackClient(f"http://127.0.0.1:{port}", SIGNING_SECRET)
        client.command('supplier add "Acme Textiles" country=CN', user=BUYER, channel=ACME_CHANNEL)
        slack.wait_for(lambda: slack.posts(ACME_CHANNEL), timeout=15, what="the welcome")
        process.send_signal(signal.SIGTERM)
        stderr = process.communicate(timeout=20)[1]
    finally:
        process.kill()
    for chatter in ("apscheduler", "waitress", "urllib3", "Running job", "executed successfully", "sent 0"):
        assert chatter not in stderr, stderr
    loggers = {line.split()[3].rstrip(":") for line in stderr.splitlines() if " INFO " in line}
    assert loggers <= {"srm", "bot.core.delivery", "bot.core.scheduler"}, stderr
    assert stderr.count("delivered 1 message") == 1, stderr

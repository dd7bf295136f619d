"""Ctrl-C and SIGTERM stop `srm run` and `srm worker`: requests and the message in flight finish, exit 0."""

import signal
import socket
import subprocess
import threading

import pytest
from conftest import ACME_CHANNEL, BUYER, SIGNING_SECRET
from slackclient import SlackClient
from sqlmodel import select
from test_cli import SRM, _clean_env, _free_port, _get

from bot.core.db import make_engine, session_scope, upgrade
from bot.core.outbox import enqueue
from models import OutboxMessage

STOPS = [pytest.param(signal.SIGINT, id="ctrl-c"), pytest.param(signal.SIGTERM, id="sigterm")]


@pytest.fixture
def sqlite_url(tmp_path):
    url = f"sqlite:///{tmp_path}/srm.db"
    upgrade(url)
    return url


def _env(slack, url):
    return _clean_env(SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack.url,
                      DATABASE_URL=url)  # fmt: skip


def _start(args, slack, url, cwd):
    return subprocess.Popen([*SRM, *args], cwd=cwd, env=_env(slack, url), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def _refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


@pytest.mark.real_clock  # signed requests to a process of its own, which runs on the real date
@pytest.mark.parametrize("stop", STOPS)
def test_run_stops_on_a_signal_after_the_request_in_progress(stop, slack, sqlite_url, tmp_path):
    port = _free_port()
    process = _start(["run", "--port", str(port)], slack, sqlite_url, tmp_path)
    try:
        slack.wait_for(lambda: _get(f"http://127.0.0.1:{port}/healthz"), timeout=30, what="srm run serving")
        gate = slack.hold("users.info")  # the first command of a newcomer waits on Slack here
        answers = []
        client = SlackClient(f"http://127.0.0.1:{port}", SIGNING_SECRET)
        request = threading.Thread(
            target=lambda: answers.append(client.command("help", user=BUYER, channel=ACME_CHANNEL))
        )
        request.start()
        slack.wait_for(lambda: slack.calls_to("users.info"), what="the request in progress")
        process.send_signal(stop)
        slack.wait_for(lambda: _refused(port), what="no new connections once stopping")
        assert process.poll() is None  # still finishing the request in progress
        gate.set()
        request.join(timeout=15)
        _, stderr = process.communicate(timeout=20)
    finally:
        process.kill()
    assert answers and answers[0].status == 200
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr


@pytest.mark.real_clock
@pytest.mark.parametrize("stop", STOPS)
def test_worker_stops_on_a_signal_after_the_message_it_is_sending(stop, slack, sqlite_url, tmp_path):
    engine = make_engine(sqlite_url)
    with session_scope(engine) as session:
        enqueue(session=session, channel_id=ACME_CHANNEL, payload={"text": "in flight at shutdown"})
    gate = slack.hold("chat.postMessage")
    process = _start(["worker"], slack, sqlite_url, tmp_path)
    try:
        slack.wait_for(lambda: slack.posts(ACME_CHANNEL), timeout=30, what="the worker sending")
        process.send_signal(stop)
        gate.set()
        _, stderr = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    with session_scope(engine) as session:
        assert session.exec(select(OutboxMessage.status)).all() == ["sent"]
    engine.dispose()

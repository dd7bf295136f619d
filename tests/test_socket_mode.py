"""`srm run --socket`: Slack's requests over a websocket, through the same per-request path as HTTP."""

import json
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from conftest import ACME_CHANNEL, ACME_USER, BUYER
from fakeslack import HOME_TEAM
from socketslack import SocketSlack
from sqlmodel import select
from test_cli import SRM, _clean_env

from bot.cli import main
from bot.core.db import make_engine, session_scope, upgrade
from models import ChannelMessage, Order

APP_TOKEN = "xapp-1-A0SRM-1-secret"


@pytest.fixture
def socket_slack(slack):
    stand_in = SocketSlack().start()
    slack.app_token, slack.socket_url = APP_TOKEN, stand_in.url
    yield stand_in
    stand_in.stop()


@pytest.fixture
def sqlite_url(tmp_path):
    url = f"sqlite:///{tmp_path}/srm.db"
    upgrade(url)
    return url


def _env(slack, url, **extra):
    return _clean_env(SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN=APP_TOKEN, SLACK_API_URL=slack.url,
                      DATABASE_URL=url) | extra  # fmt: skip


def _command(text, *, user, channel):
    return {"token": "legacy", "team_id": HOME_TEAM, "team_domain": "home", "channel_id": channel,
            "channel_name": "acme-shared", "user_id": user, "user_name": user.lower(), "command": "/srm",
            "text": text, "api_app_id": "A0SRM", "response_url": "https://hooks.example.invalid/commands/1",
            "trigger_id": f"{time.monotonic_ns()}.trigger"}  # fmt: skip


def _message(text, *, user, channel):
    ts = f"{time.time():.6f}"
    return {"token": "legacy", "team_id": HOME_TEAM, "api_app_id": "A0SRM", "type": "event_callback",
            "event_id": f"Ev{time.monotonic_ns()}", "event_time": int(time.time()),
            "authorizations": [{"team_id": HOME_TEAM, "user_id": "U0BOT", "is_bot": True}],
            "event": {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
                      "channel_type": "channel"}}  # fmt: skip


def _click(action_id, value, *, user, team, channel):
    return {"type": "block_actions", "user": {"id": user, "team_id": team}, "api_app_id": "A0SRM",
            "token": "legacy", "team": {"id": HOME_TEAM}, "channel": {"id": channel},
            "container": {"type": "message", "message_ts": "1700000001.000100", "channel_id": channel},
            "trigger_id": f"{time.monotonic_ns()}.trigger", "response_url": "https://hooks.example.invalid/a/1",
            "actions": [{"action_id": action_id, "block_id": "b", "value": value, "type": "button",
                         "action_ts": str(time.time())}]}  # fmt: skip


def _text(answer):
    return json.dumps(answer, ensure_ascii=False)


@pytest.mark.real_clock  # a process of its own, on the real date
def test_srm_run_socket_serves_commands_events_and_buttons(slack, socket_slack, sqlite_url, tmp_path):
    process = subprocess.Popen([*SRM, "run", "--socket"], cwd=tmp_path, env=_env(slack, sqlite_url),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    engine = make_engine(sqlite_url)
    try:
        assert socket_slack.connected(), "srm run --socket did not connect"
        assert slack.calls_to("apps.connections.open")[0].params["token"] == APP_TOKEN

        help_answer = socket_slack.request("slash_commands", _command("help", user=BUYER, channel=ACME_CHANNEL),
                                           accepts_response_payload=True)  # fmt: skip
        assert "/srm supplier add" in _text(help_answer)

        added = socket_slack.request(
            "slash_commands", _command('supplier add "Acme Textiles" country=CN', user=BUYER, channel=ACME_CHANNEL),
            accepts_response_payload=True,
        )  # fmt: skip
        assert "Acme Textiles" in _text(added)
        # The worker of `srm run --socket` delivers the welcome.
        slack.wait_for(lambda: slack.posts(ACME_CHANNEL), timeout=15, what="the welcome delivered")

        assert (
            socket_slack.request(
                "events_api", _message("hello from Acme", user=ACME_USER, channel=ACME_CHANNEL)
            )
            == {}
        )
        with session_scope(engine) as session:
            texts = session.exec(select(ChannelMessage.text)).all()
        assert texts == ["hello from Acme"]

        due = (datetime.now(UTC) + timedelta(days=120)).date().isoformat()
        issued = socket_slack.request("slash_commands", _command(f"order new PO-1 qty=100 due={due}", user=BUYER,
                                      channel=ACME_CHANNEL), accepts_response_payload=True)  # fmt: skip
        assert "PO-1" in _text(issued)
        with session_scope(engine) as session:
            order_id = session.exec(select(Order.id)).one()
        socket_slack.request("interactive", _click("order_confirm", str(order_id), user=ACME_USER, team="T0ACME",
                                                   channel=ACME_CHANNEL))  # fmt: skip
        with session_scope(engine) as session:
            assert session.exec(select(Order.status)).one() == "confirmed"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            _, stderr = process.communicate(timeout=20)
        finally:
            process.kill()
        engine.dispose()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr and " ERROR " not in stderr, stderr


@pytest.mark.real_clock
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_srm_run_socket_stops_on_a_signal_after_acking_the_request_in_progress(
    stop, slack, socket_slack, sqlite_url, tmp_path
):
    process = subprocess.Popen([*SRM, "run", "--socket"], cwd=tmp_path, env=_env(slack, sqlite_url),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert socket_slack.connected(), "srm run --socket did not connect"
        gate = slack.hold("users.info")  # the first command of a newcomer waits on Slack here
        envelope = socket_slack.send("slash_commands", _command("help", user=BUYER, channel=ACME_CHANNEL),
                                     accepts_response_payload=True)  # fmt: skip
        slack.wait_for(lambda: slack.calls_to("users.info"), what="the request in progress")
        process.send_signal(stop)
        for line in process.stderr:  # until the process says it is stopping
            if "stopping: no new requests; 1 in progress" in line:
                break
        gate.set()
        assert "/srm supplier add" in _text(socket_slack.ack(envelope)["payload"])
        _, stderr = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("app_token", "expected"),
    [
        pytest.param(None, "Missing SLACK_APP_TOKEN", id="missing"),
        pytest.param("xoxb-not-an-app-token", "SLACK_APP_TOKEN is not an app-level token (xapp-…)", id="bot-token"),
        pytest.param("xapp-1-revoked", "Slack refused SLACK_APP_TOKEN (invalid_auth)", id="refused"),
    ],
)  # fmt: skip
def test_a_missing_or_wrong_app_token_stops_the_start_with_one_line(
    app_token, expected, slack, socket_slack, sqlite_url, tmp_path
):
    env = _env(slack, sqlite_url)
    env.pop("SLACK_APP_TOKEN")
    if app_token:
        env["SLACK_APP_TOKEN"] = app_token
    result = subprocess.run([*SRM, "run", "--socket"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=60)  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert f"Error: {expected}" in result.stderr
    assert "Traceback" not in result.stderr
    assert "SLACK_SIGNING_SECRET" not in result.stderr.split("\n")[0]  # Socket Mode needs no signing secret


def test_port_and_socket_together_are_refused():
    result = CliRunner().invoke(main, ["run", "--socket", "--port", "3001"])
    assert result.exit_code == 2 and "--port has no effect with --socket" in result.output

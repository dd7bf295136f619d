"""At start, `srm run` and `srm worker` ask Slack whose token they hold; a refused token stops them at once."""

import signal
import subprocess

import pytest
from test_cli import SRM, _clean_env, _free_port
from test_shutdown import _env

from bot.core.db import upgrade


@pytest.fixture
def sqlite_url(tmp_path):
    url = f"sqlite:///{tmp_path}/srm.db"
    upgrade(url)
    return url


def test_the_start_up_log_names_the_workspace_and_the_bot_user(slack, sqlite_url, tmp_path):
    process = subprocess.Popen([*SRM, "worker"], cwd=tmp_path, env=_env(slack, sqlite_url),
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        slack.wait_for(lambda: slack.calls_to("auth.test"), timeout=30, what="auth.test")
        lines = []
        slack.wait_for(lambda: lines.append(process.stderr.readline()) or "worker running" in lines[-1],
                       timeout=30, what="the worker started")  # fmt: skip
        process.send_signal(signal.SIGTERM)
        lines += process.communicate(timeout=20)[1].splitlines()
    finally:
        process.kill()
    assert any("Slack: workspace Home (T0HOME), bot user srm (U0BOT)" in line for line in lines), lines
    assert len(slack.calls_to("auth.test")) == 1


@pytest.mark.parametrize(
    ("command", "error"),
    [(["run"], "invalid_auth"), (["worker"], "not_authed"), (["run", "--no-worker"], "invalid_auth")],
)
def test_a_refused_token_is_one_line_and_exit_2(command, error, slack, sqlite_url, tmp_path):
    slack.token_error = error
    args = [*command, "--port", str(_free_port())] if command[0] == "run" else command
    env = _clean_env() | _env(slack, sqlite_url)
    result = subprocess.run([*SRM, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert errors == [
        f"Error: Slack refused SLACK_BOT_TOKEN ({error}): copy the Bot User OAuth Token (xoxb-…) "
        "from your app's OAuth & Permissions page again"
    ]
    assert "Traceback" not in result.stderr
    assert [c.method for c in slack.calls] == ["auth.test"]

"""The `srm` command line as a new user meets it: run, manifest, export, db upgrade, health."""

import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ACME_CHANNEL, BUYER, SIGNING_SECRET
from openpyxl import load_workbook
from slackclient import SlackClient
from sqlalchemy import inspect, text

from bot.cli import main
from bot.core.db import make_engine

SRM = [sys.executable, "-m", "bot.cli"]
REPO = Path(__file__).resolve().parent.parent


def _clean_env(**extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DATABASE_URL", "SRM_CONFIG", "PORT"))
    }
    env["PYTHONPATH"] = str(REPO)
    return env | extra


def test_run_without_credentials_says_what_to_set(tmp_path):
    result = subprocess.run(
        [*SRM, "run"], cwd=tmp_path, env=_clean_env(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "SLACK_SIGNING_SECRET" in result.stderr
    assert "srm manifest" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_invalid_app_yaml_stops_start_up_naming_the_key(tmp_path):
    (tmp_path / "app.yaml").write_text("delivery:\n  max_attempts: many\ndefault_locale: fr\n")
    env = _clean_env(
        SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s", DATABASE_URL=f"sqlite:///{tmp_path}/x.db"
    )
    result = subprocess.run([*SRM, "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "delivery.max_attempts" in result.stderr and "default_locale" in result.stderr
    assert "Traceback" not in result.stderr


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.real_clock
def test_srm_run_upgrades_the_schema_and_serves_slack(tmp_path, slack):
    port = _free_port()
    db = tmp_path / "fresh.db"
    env = _clean_env(SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack.url,
                     DATABASE_URL=f"sqlite:///{db}")  # fmt: skip
    process = subprocess.Popen([*SRM, "run", "--port", str(port)], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        health = slack.wait_for(lambda: _get(f"http://127.0.0.1:{port}/healthz"), timeout=30, what="healthz")
        assert json.loads(health) == {"status": "ok", "database": "ok", "inbox": {"waiting": 0, "failed": 0}}
        client = SlackClient(
            f"http://127.0.0.1:{port}", SIGNING_SECRET, fake=slack
        )  # srm run's worker replies
        added = client.command('supplier add "Acme Textiles" country=CN', user=BUYER, channel=ACME_CHANNEL)
        assert added.status == 200 and "Acme Textiles" in added.text
        # The in-process worker delivers the welcome without any other command.
        slack.wait_for(lambda: slack.posts(ACME_CHANNEL), timeout=15, what="welcome from srm run's worker")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    assert "supplier" in inspect(make_engine(f"sqlite:///{db}")).get_table_names()


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode() if response.status == 200 else None
    except OSError:
        return None


def test_healthz(app_url):
    with urllib.request.urlopen(app_url + "/healthz") as response:
        assert response.status == 200
        assert json.loads(response.read()) == {
            "status": "ok",
            "database": "ok",
            "inbox": {"waiting": 0, "failed": 0},
        }


def test_unknown_paths_are_404(app_url):
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(app_url + "/admin")
    assert error.value.code == 404


def test_db_upgrade_creates_the_schema_with_wal_and_foreign_keys(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path}/new.db"
    result = CliRunner().invoke(main, ["db", "upgrade"], env={"DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    engine = make_engine(url)
    assert {"supplier", "supplier_channel", "outbox", "audit_event", "job_claim"} <= set(
        inspect(engine).get_table_names()
    )
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_manifest_is_built_from_the_listeners():
    result = CliRunner().invoke(main, ["manifest", "--url", "https://srm.example.org/slack/events"])
    manifest = json.loads(result.output)
    assert len(manifest["display_information"]["name"]) <= 35
    assert 175 <= len(manifest["display_information"]["long_description"]) <= 4000
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/srm" and command["url"] == "https://srm.example.org/slack/events"
    assert len(command["command"]) <= 32 and len(command.get("usage_hint", "")) <= 1000
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["request_url"] == "https://srm.example.org/slack/events"
    assert {"message.channels", "message.groups", "member_joined_channel"} <= set(
        settings["event_subscriptions"]["bot_events"]
    )
    assert {"commands", "chat:write", "users:read", "channels:read", "channels:history"} <= set(
        manifest["oauth_config"]["scopes"]["bot"]
    )
    assert settings["socket_mode_enabled"] is False
    assert settings["interactivity"] == {
        "is_enabled": True,
        "request_url": "https://srm.example.org/slack/events",
    }
    assert "reactions:write" in manifest["oauth_config"]["scopes"]["bot"]
    # Delivery reads channels and threads back to find a post whose answer was lost.
    assert {"channels:history", "groups:history"} <= set(manifest["oauth_config"]["scopes"]["bot"])


def test_socket_mode_manifest_has_no_urls():
    manifest = json.loads(CliRunner().invoke(main, ["manifest", "--socket"]).output)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in manifest["settings"]["event_subscriptions"]
    assert "url" not in manifest["features"]["slash_commands"][0]


def _with_two_suppliers(client):
    client.command('supplier add "Acme Textiles" country=CN', user=BUYER, channel=ACME_CHANNEL)
    client.command('supplier add "Beta, \\"Foods\\"" country=MX', user=BUYER, channel="C0BETA")


def test_export_suppliers_csv(client, db_url, tmp_path, monkeypatch):
    _with_two_suppliers(client)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["export", "suppliers"], env={"DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == [
        "id",
        "name",
        "country",
        "locale",
        "timezone",
        "channels",
        "contacts",
        "created_by",
        "created_at",
        "tier",
        "loyalty",
    ]
    assert [r[1:5] for r in rows[1:]] == [
        ["Acme Textiles", "CN", "zh_CN", "Asia/Shanghai"],
        ['Beta, "Foods"', "MX", "es_MX", "America/Mexico_City"],
    ]
    assert rows[1][8].endswith("+00:00")


def test_export_suppliers_xlsx(client, db_url, tmp_path, monkeypatch):
    _with_two_suppliers(client)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "suppliers.xlsx"
    result = CliRunner().invoke(
        main, ["export", "suppliers", "--format", "xlsx", "--out", str(out)], env={"DATABASE_URL": db_url}
    )
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).active
    values = list(sheet.values)
    assert values[0][:3] == ("id", "name", "country") and values[1][1] == "Acme Textiles" and len(values) == 3


def test_export_audit_and_unknown_kinds(client, db_url, tmp_path, monkeypatch):
    _with_two_suppliers(client)
    monkeypatch.chdir(tmp_path)
    audit = CliRunner().invoke(main, ["export", "audit"], env={"DATABASE_URL": db_url})
    rows = list(csv.reader(io.StringIO(audit.output)))
    assert [r[6] for r in rows[1:]] == ["created", "created"]
    unknown = CliRunner().invoke(main, ["export", "widgets"], env={"DATABASE_URL": db_url})
    assert unknown.exit_code != 0 and "unknown export 'widgets'" in unknown.output

"""A bad setting stops a command with one line on stderr that names it, exit code 2, never a traceback."""

import socket
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SIGNING_SECRET
from sqlalchemy import create_engine, make_url, text
from test_cli import SRM, _clean_env, _free_port

from bot.cli import main
from bot.core.db import upgrade
from bot.settings import Settings


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """`srm …` in an empty folder with only the given environment (no .env, no app.yaml)."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_API_URL",
        "DATABASE_URL",
        "SRM_CONFIG",
        "PORT",
    ):
        monkeypatch.delenv(name, raising=False)

    def invoke(*args, **env):
        return CliRunner().invoke(main, list(args), env=env)

    return invoke


def _one_line(result, *words):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert all(word in lines[0] for word in words), lines[0]
    return lines[0]


def test_a_database_url_that_is_not_one(cli):
    _one_line(cli("db", "upgrade", DATABASE_URL="srm.db"), "DATABASE_URL", "sqlite:///")


def test_a_database_url_without_a_driver(cli):
    _one_line(
        cli("db", "upgrade", DATABASE_URL="postgresql+psycopg2://u@localhost/srm"), "DATABASE_URL", "driver"
    )


def test_an_unreachable_database_names_it_and_the_driver_without_the_password(cli):
    line = _one_line(
        cli("export", "suppliers", DATABASE_URL="postgres://srm:s3cret@127.0.0.1:1/srm"),
        "DATABASE_URL",
        "postgresql+psycopg at 127.0.0.1:1/srm",
    )
    assert "s3cret" not in line


def test_a_sqlite_file_in_a_missing_folder(cli, tmp_path):
    _one_line(cli("db", "upgrade", DATABASE_URL=f"sqlite:///{tmp_path}/no/such/srm.db"), "sqlite", "no/such")


@pytest.mark.parametrize("spelling", ["postgres://", "postgresql://"])
def test_common_postgresql_spellings_mean_psycopg_3(spelling):
    settings = Settings(_env_file=None, database_url=f"{spelling}srm:pw@db.example:5432/srm")
    assert settings.database_url == "postgresql+psycopg://srm:pw@db.example:5432/srm"


def test_a_plain_postgresql_url_works_and_the_start_up_line_names_the_driver(tmp_path, empty_postgres_url):
    plain = make_url(empty_postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    result = subprocess.run([*SRM, "db", "upgrade"], cwd=tmp_path, env=_clean_env(DATABASE_URL=plain),
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "database: postgresql+psycopg at" in result.stderr


def test_port_that_is_not_a_number(cli):
    _one_line(cli("run", PORT="abc", SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s"), "PORT", "abc")


def test_port_in_use(slack, tmp_path):
    url = f"sqlite:///{tmp_path}/srm.db"
    upgrade(url)
    port = _free_port()
    env = _clean_env(SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack.url,
                     DATABASE_URL=url)  # fmt: skip
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", port))
        taken.listen()
        result = subprocess.run([*SRM, "run", "--port", str(port)], cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=60)  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if " INFO " not in line]
    assert errors == [
        f"Error: port {port} is already in use: stop the other program or pass --port N / set PORT"
    ]


def test_export_to_a_missing_folder(cli, tmp_path):
    url = f"sqlite:///{tmp_path}/srm.db"
    upgrade(url)
    _one_line(
        cli("export", "suppliers", "--out", "nowhere/suppliers.csv", DATABASE_URL=url), "--out", "nowhere"
    )
    assert not (tmp_path / "nowhere").exists()


def test_srm_config_that_does_not_exist(cli):
    _one_line(cli("jobs", "list", SRM_CONFIG="conf/srm.yaml"), "SRM_CONFIG=conf/srm.yaml", "no such file")


def test_app_yaml_that_does_not_parse(cli, tmp_path):
    (tmp_path / "app.yaml").write_text("delivery:\n  max_attempts: 3\n    poll_seconds: 1\n")
    _one_line(cli("jobs", "list"), "app.yaml", "not valid YAML", "line 3")


def test_app_yaml_that_fails_validation_names_the_key(cli, tmp_path):
    (tmp_path / "srm.yaml").write_text("delivery:\n  max_attempts: many\n")
    _one_line(cli("manifest", SRM_CONFIG="srm.yaml"), "srm.yaml", "delivery.max_attempts")


def test_missing_app_yaml_at_the_default_place_gives_the_defaults(cli):
    result = cli("jobs", "list")
    assert result.exit_code == 0 and "housekeeping" in result.output


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_into_a_pipe_closed_early_stops_quietly(fmt, tmp_path):
    url = f"sqlite:///{tmp_path}/srm.db"
    upgrade(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO audit_event (at, actor_id, actor_role, object_type, object_id, action) "
                 "VALUES ('2026-01-01 00:00:00', 'U1', 'buyer', 'order', :n, 'created')"),
            [{"n": str(n)} for n in range(20000)],
        )  # fmt: skip
    engine.dispose()
    reader = "head -1" if fmt == "csv" else "head -c 10"
    command = " ".join([*SRM, "export", "audit", "--format", fmt]) + f" | {reader} > /dev/null"
    result = subprocess.run(command, shell=True, cwd=tmp_path, env=_clean_env(DATABASE_URL=url),
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert (
        "Error" not in result.stderr and "Traceback" not in result.stderr and "Exception" not in result.stderr
    )


def test_the_readme_explains_every_start_up_error():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    troubleshooting = readme.split("## Troubleshooting", 1)[1].split("\n## ", 1)[0]
    for message in ("Missing SLACK_BOT_TOKEN", "Slack refused SLACK_BOT_TOKEN", "DATABASE_URL is not a database URL",
                    "no driver for", "DATABASE_URL: cannot open", "PORT='abc'", "is already in use",
                    "not allowed to listen", "SRM_CONFIG=…: no such file", "not valid YAML", "invalid configuration",
                    "does not exist", "failed: not_in_channel", "is_archived", "invalid_blocks"):  # fmt: skip
        assert message in troubleshooting, message

"""The `srm` command line."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from contextlib import nullcontext
from datetime import UTC, datetime

import click

from bot.config import AppConfig, ConfigError, load_config
from bot.settings import Settings, get_settings

MISSING_CREDENTIALS = """Missing {names}.

Set them in the environment or in a .env file in this folder, then run `srm run` again:
  SLACK_BOT_TOKEN       the app's Bot User OAuth Token (xoxb-…), under OAuth & Permissions
  SLACK_SIGNING_SECRET  under Basic Information → App Credentials

No Slack app yet? Create one from the manifest:
  srm manifest --url https://<your-public-host>/slack/events > manifest.json
then at https://api.slack.com/apps choose Create New App → From an app manifest, paste it,
and install the app to your workspace."""


def _load(settings: Settings) -> AppConfig:
    try:
        return load_config(settings.srm_config)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


SHUTDOWN_GRACE_SECONDS = 5.0


def _stop_on_signals() -> threading.Event:
    """An event set by Ctrl-C (SIGINT) or SIGTERM: the command then finishes what it is doing and exits 0."""
    stop = threading.Event()

    def handler(signum, _frame) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    return stop


def _context(settings: Settings, config: AppConfig):
    from bot.app import make_client
    from bot.core.db import make_engine
    from bot.core.scheduler import JobContext
    from bot.core.worker import worker_id

    engine = make_engine(settings.database_url)
    client = make_client(settings, timeout=config.delivery.http_timeout_seconds)
    return JobContext(engine=engine, config=config, client=client, worker_id=worker_id())


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log debug details.")
def main(verbose: bool) -> None:
    """Slack-native supplier relationship management."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("alembic", "apscheduler.executors"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "task queue depth" on every busy request


@main.command()
@click.option("--port", type=int, default=None, help="HTTP port (default: $PORT or 3000).")
@click.option("--no-worker", is_flag=True, help="Serve HTTP only; run `srm worker` elsewhere.")
def run(port: int | None, no_worker: bool) -> None:
    """Upgrade the schema and serve Slack requests (with the scheduler and delivery)."""
    settings = get_settings()
    if missing := settings.missing_slack_credentials():
        raise click.ClickException(MISSING_CREDENTIALS.format(names=" and ".join(missing)))
    config = _load(settings)
    from bot.app import create_app, scheduled_jobs
    from bot.core.db import upgrade
    from bot.core.web import SlackWsgiApp, make_server, serve_until
    from bot.core.worker import Worker

    upgrade(settings.database_url)
    ctx = _context(settings, config)
    wsgi = SlackWsgiApp(create_app(settings=settings, config=config, client=ctx.client), ctx.engine)
    server = make_server(wsgi, port=port or settings.port)
    stop = _stop_on_signals()
    worker = None if no_worker else Worker(ctx, scheduled_jobs(config)).start()
    click.echo(f"srm listening on http://0.0.0.0:{server.effective_port}/slack/events (health: /healthz)")
    try:
        serve_until(server, stop, grace=SHUTDOWN_GRACE_SECONDS)
    finally:
        if worker:
            worker.stop(grace=SHUTDOWN_GRACE_SECONDS)


@main.command()
def worker() -> None:
    """Run the scheduler and outbox delivery only (scale-out)."""
    settings = get_settings()
    config = _load(settings)
    from bot.app import scheduled_jobs
    from bot.core.db import upgrade
    from bot.core.worker import Worker

    upgrade(settings.database_url)
    stop = _stop_on_signals()
    running = Worker(_context(settings, config), scheduled_jobs(config)).start()
    click.echo("srm worker running (Ctrl-C to stop)")
    try:
        while not stop.wait(0.5):
            pass
    finally:
        running.stop(grace=SHUTDOWN_GRACE_SECONDS)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Upgrade the schema to the newest version."""
    from bot.core.db import upgrade

    upgrade(get_settings().database_url)
    click.echo("database is up to date")


@main.command()
@click.option("--url", default=None, help="Public request URL, e.g. https://srm.example.com/slack/events")
@click.option("--socket", is_flag=True, help="Socket Mode: no request URLs.")
def manifest(url: str | None, socket: bool) -> None:
    """Print the Slack app manifest (JSON)."""
    import json

    from bot.core.manifest import build_manifest
    from handlers import slack_needs

    needs = slack_needs(_load(get_settings()))
    click.echo(json.dumps(build_manifest(needs, url=url, socket=socket), indent=2))


@main.group()
def jobs() -> None:
    """Scheduled jobs."""


@jobs.command("list")
def jobs_list() -> None:
    """List the scheduled jobs."""
    from bot.app import scheduled_jobs

    for job in scheduled_jobs(_load(get_settings())):
        click.echo(f"{job.name:16} {job.description}")


@jobs.command("run")
@click.argument("name")
@click.option("--at", "at", default=None, help="Run as if at this ISO-8601 time (default: now, UTC).")
def jobs_run(name: str, at: str | None) -> None:
    """Run one job now (or as if at --at)."""
    from bot.app import scheduled_jobs
    from bot.core.scheduler import by_name, run_job

    settings = get_settings()
    config = _load(settings)
    known = by_name(scheduled_jobs(config))
    if name not in known:
        raise click.ClickException(f"unknown job {name!r}; known jobs: {', '.join(sorted(known))}")
    when = None
    if at:
        try:
            when = datetime.fromisoformat(at.replace("Z", "+00:00"))
        except ValueError as exc:
            raise click.ClickException(
                f"--at {at!r} is not an ISO-8601 time such as 2026-11-22T07:00:00Z"
            ) from exc
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
    click.echo(run_job(_context(settings, config), list(known.values()), name, when))


@main.command()
@click.argument("kind")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option(
    "--out", type=click.Path(dir_okay=False, writable=True), default=None, help="File (default: stdout)."
)
def export(kind: str, fmt: str, out: str | None) -> None:
    """Export records (suppliers, audit, …) as CSV or XLSX."""
    from bot.core.db import make_engine, session_scope
    from bot.exchange.exports import EXPORTS, PLANNED, write_csv, write_xlsx

    if kind not in EXPORTS:
        later = f" ({kind} is not recorded yet)" if kind in PLANNED else ""
        raise click.ClickException(f"unknown export {kind!r}{later}; available: {', '.join(EXPORTS)}")
    if fmt == "xlsx" and out is None and sys.stdout.isatty():
        raise click.ClickException("XLSX is binary: pass --out FILE or redirect stdout")
    engine = make_engine(get_settings().database_url)
    with session_scope(engine) as session:
        table = EXPORTS[kind](session)
        if fmt == "csv":
            with open(out, "w", newline="", encoding="utf-8") if out else nullcontext(sys.stdout) as handle:
                count = write_csv(table, handle)
        else:
            with open(out, "wb") if out else nullcontext(sys.stdout.buffer) as handle:
                count = write_xlsx(table, handle, kind)
    if out:
        click.echo(f"wrote {count} {kind} rows to {out}", err=True)


if __name__ == "__main__":
    main()

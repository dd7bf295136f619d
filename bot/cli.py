"""The `srm` command line."""

from __future__ import annotations

import io
import logging
import os
import secrets
import signal
import sys
import threading
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

import click
from pydantic import SecretStr

from bot.config import AppConfig, ConfigError
from bot.preflight import (
    StartupError,
    app_token_problem,
    check_app_token_format,
    check_slack_token,
    listen_problem,
    load_policy,
    load_settings,
    open_database,
)
from bot.settings import Settings

log = logging.getLogger("srm")

MISSING_CREDENTIALS = """Missing {names}.

Set them in the environment or in a .env file in this folder, then run `srm {command}` again:
  SLACK_BOT_TOKEN       the app's Bot User OAuth Token (xoxb-…), under OAuth & Permissions
  SLACK_SIGNING_SECRET  under Basic Information → App Credentials (HTTP only)
  SLACK_APP_TOKEN       Socket Mode only: an app-level token (xapp-…) with connections:write,
                        under Basic Information → App-Level Tokens

No Slack app yet? Create one from the manifest:
  srm manifest --url https://<your-public-host>/slack/events > manifest.json
then at https://api.slack.com/apps choose Create New App → From an app manifest, paste it,
and install the app to your workspace."""
QUIET = ("alembic", "apscheduler", "waitress", "urllib3", "slack_sdk", "slack_bolt", "httpx", "httpcore")
SHUTDOWN_GRACE_SECONDS = 5.0


class BadSetting(click.ClickException):
    """A setting that keeps a command from starting: one line on stderr, exit code 2."""

    exit_code = 2


class _Srm(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (StartupError, ConfigError) as exc:
            raise BadSetting(str(exc)) from None


def _context(settings: Settings, config: AppConfig, engine=None):
    from bot.app import make_client
    from bot.core.scheduler import JobContext
    from bot.core.worker import worker_id

    engine = engine or open_database(settings.database_url)
    client = make_client(settings, timeout=config.delivery.http_timeout_seconds)
    return JobContext(engine=engine, config=config, client=client, worker_id=worker_id())


def _require(settings: Settings, command: str, names: tuple[str, ...]) -> None:
    missing = [n for n in settings.missing_slack_credentials() if n in names]
    if missing:
        raise BadSetting(MISSING_CREDENTIALS.format(names=" and ".join(missing), command=command))


def _prepared(settings: Settings, config: AppConfig):
    """The database upgraded and reachable, and the Slack token checked: the start of run and worker."""
    from bot.core.db import upgrade

    engine = open_database(settings.database_url)
    upgrade(settings.database_url)
    ctx = _context(settings, config, engine)
    check_slack_token(ctx.client)
    return ctx


def _stop_on_signals() -> threading.Event:
    """An event set by Ctrl-C (SIGINT) or SIGTERM: the command then finishes what it is doing and exits 0."""
    stop = threading.Event()

    def handler(signum, _frame) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    return stop


@click.group(cls=_Srm)
@click.option("-v", "--verbose", is_flag=True, help="Log debug details.")
def main(verbose: bool) -> None:
    """Slack-native supplier relationship management."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in QUIET if not verbose else ():
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "task queue depth" on every busy request
    # Bolt also reads SLACK_BOT_TOKEN itself and warns that our client's copy of it wins: it does, by design.
    logging.getLogger("slack_bolt.App").addFilter(
        lambda record: "`token` will be unused" not in str(record.msg)
    )


@main.command()
@click.option(
    "--port", type=click.IntRange(1, 65535), default=None, help="HTTP port (default: $PORT or 3000)."
)
@click.option("--no-worker", is_flag=True, help="Serve Slack only; run `srm worker` elsewhere.")
@click.option(
    "--socket", is_flag=True, help="Socket Mode: take Slack's requests over a websocket (SLACK_APP_TOKEN)."
)
def run(port: int | None, no_worker: bool, socket: bool) -> None:
    """Upgrade the schema and serve Slack requests (with the scheduler and delivery)."""
    if socket and port:
        raise click.UsageError("--port has no effect with --socket: Socket Mode opens no HTTP port")
    settings = load_settings()
    needed = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN") if socket else ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    _require(settings, "run --socket" if socket else "run", needed)
    if socket:
        check_app_token_format(settings.slack_app_token.get_secret_value())
    config = load_policy(settings)
    from bot.app import create_app, scheduled_jobs
    from bot.core.inbox import Processor
    from bot.core.web import SlackRequests, SlackWsgiApp, make_server, serve_until
    from bot.core.worker import Worker

    ctx = _prepared(settings, config)
    bolt_app = create_app(settings=settings, config=config, client=ctx.client)
    requests = SlackRequests(bolt_app, ctx.engine)
    wsgi = None
    if socket:
        connection = _open_socket(requests, settings, ctx.client)
    else:
        port = port or settings.port
        secret = settings.slack_signing_secret.get_secret_value()
        try:
            wsgi = SlackWsgiApp(bolt_app, ctx.engine, signing_secret=secret)
            server = make_server(wsgi, port=port)
        except OSError as exc:
            raise listen_problem(exc, port) from None
    stop = _stop_on_signals()
    processor = None if socket else Processor(ctx.engine, requests.handle, bolt_app_secret(settings))
    worker = None if no_worker else Worker(ctx, scheduled_jobs(config), processor).start()
    try:
        if socket:
            log.info("connected to Slack in Socket Mode (no HTTP port; Ctrl-C stops)")
            while not stop.wait(0.5):
                pass
            connection.stop(grace=SHUTDOWN_GRACE_SECONDS)
        else:
            log.info(
                "listening on http://0.0.0.0:%s/slack/events (health: /healthz; Ctrl-C stops)",
                server.effective_port,
            )
            serve_until(server, stop, grace=SHUTDOWN_GRACE_SECONDS)
    finally:
        if worker:
            worker.stop(grace=SHUTDOWN_GRACE_SECONDS)
        if wsgi:
            wsgi.close()
    log.info("stopped")


def _open_socket(requests, settings: Settings, client):
    """The Socket Mode connection, open; a refused app token stops the start with one line."""
    from slack_sdk.errors import SlackApiError

    from bot.core.socket_mode import SlackSocket

    connection = SlackSocket(requests, settings.slack_app_token.get_secret_value(), web_client=client)
    try:
        connection.connect()
    except SlackApiError as exc:
        connection.close()
        problem = app_token_problem(exc)
        if problem:
            raise problem from None
        raise StartupError(
            f"Slack did not open a Socket Mode connection: {exc.response.get('error')}"
        ) from None
    except OSError as exc:
        connection.close()
        raise StartupError(f"could not reach Slack at {client.base_url} to open Socket Mode: {exc}") from None
    return connection


def bolt_app_secret(settings: Settings) -> str:
    """The secret the Bolt app checks signatures with: Slack's signing secret, or (a worker that has none)
    one of its own, since it only signs again what the HTTP side stored after checking it."""
    if settings.slack_signing_secret:
        return settings.slack_signing_secret.get_secret_value()
    return _PROCESS_SECRET


_PROCESS_SECRET = secrets.token_hex(16)


@main.command()
def worker() -> None:
    """Run the scheduler, outbox delivery and the processing of stored Slack requests (scale-out)."""
    settings = load_settings()
    _require(settings, "worker", ("SLACK_BOT_TOKEN",))
    config = load_policy(settings)
    from bot.app import create_app, scheduled_jobs
    from bot.core.inbox import Processor
    from bot.core.web import SlackRequests
    from bot.core.worker import Worker

    ctx = _prepared(settings, config)
    # The worker signs the requests it takes from the inbox itself (they were verified when stored), so it
    # needs no signing secret of its own: without one it makes up a secret for its own Bolt app.
    settings = settings.model_copy(update={"slack_signing_secret": SecretStr(bolt_app_secret(settings))})
    bolt_app = create_app(settings=settings, config=config, client=ctx.client)
    processor = Processor(ctx.engine, SlackRequests(bolt_app, ctx.engine).handle, bolt_app_secret(settings))
    stop = _stop_on_signals()
    running = Worker(ctx, scheduled_jobs(config), processor).start()
    log.info("worker running: scheduler, delivery and stored Slack requests (Ctrl-C stops)")
    try:
        while not stop.wait(0.5):
            pass
    finally:
        running.stop(grace=SHUTDOWN_GRACE_SECONDS)
    log.info("stopped")


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Upgrade the schema to the newest version."""
    from bot.core.db import upgrade

    database_url = load_settings().database_url
    open_database(database_url).dispose()
    upgrade(database_url)
    click.echo("database is up to date")


@main.command()
@click.option("--url", default=None, help="Public request URL, e.g. https://srm.example.com/slack/events")
@click.option("--socket", is_flag=True, help="Socket Mode: no request URLs.")
def manifest(url: str | None, socket: bool) -> None:
    """Print the Slack app manifest (JSON)."""
    import json

    from bot.core.manifest import build_manifest
    from handlers import slack_needs

    needs = slack_needs(load_policy(load_settings()))
    click.echo(json.dumps(build_manifest(needs, url=url, socket=socket), indent=2))


@main.group()
def jobs() -> None:
    """Scheduled jobs."""


@jobs.command("list")
def jobs_list() -> None:
    """List the scheduled jobs."""
    from bot.app import scheduled_jobs

    for job in scheduled_jobs(load_policy(load_settings())):
        click.echo(f"{job.name:16} {job.description}")


@jobs.command("run")
@click.argument("name")
@click.option("--at", "at", default=None, help="Run as if at this ISO-8601 time (default: now, UTC).")
def jobs_run(name: str, at: str | None) -> None:
    """Run one job now (or as if at --at)."""
    from bot.app import scheduled_jobs
    from bot.core.scheduler import by_name, run_job

    settings = load_settings()
    config = load_policy(settings)
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
    click.echo(run_job(_context(settings, config), list(known.values()), name, when) or "nothing to do")


@main.command()
@click.argument("kind")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option(
    "--out", type=click.Path(dir_okay=False, writable=True), default=None, help="File (default: stdout)."
)
def export(kind: str, fmt: str, out: str | None) -> None:
    """Export records (suppliers, audit, deliveries, …) as CSV or XLSX."""
    from bot.core.db import session_scope
    from bot.exchange.exports import EXPORTS, PLANNED, write_csv, write_xlsx

    if kind not in EXPORTS:
        later = f" ({kind} is not recorded yet)" if kind in PLANNED else ""
        raise click.ClickException(f"unknown export {kind!r}{later}; available: {', '.join(EXPORTS)}")
    if fmt == "xlsx" and out is None and sys.stdout.isatty():
        raise click.ClickException("XLSX is binary: pass --out FILE or redirect stdout")
    if out and not Path(out).absolute().parent.is_dir():
        raise BadSetting(f"--out {out}: the folder {Path(out).absolute().parent} does not exist")
    engine = open_database(load_settings().database_url)
    try:
        with session_scope(engine) as session:
            table = EXPORTS[kind](session)
            if fmt == "csv":
                with _open(out, "w") if out else nullcontext(sys.stdout) as handle:
                    count = write_csv(table, handle)
            else:
                buffer = (
                    io.BytesIO()
                )  # a zip file is written whole: a reader that stops early gets nothing torn
                count = write_xlsx(table, buffer, kind)
                with _open(out, "wb") if out else nullcontext(sys.stdout.buffer) as handle:
                    handle.write(buffer.getvalue())
            sys.stdout.flush()
    except BrokenPipeError:
        # The reader closed the pipe (`srm export … | head -1`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(1) from None
    finally:
        engine.dispose()
    if out:
        click.echo(f"wrote {count} {kind} rows to {out}", err=True)


@main.command("import")
@click.argument("kind", type=click.Choice(["suppliers", "orders", "receipts", "inspections"]))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None,
              help="File format (default: from the file's extension).")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Check every row and report, writing nothing.")
@click.option("--post-cards", is_flag=True, help="Post a card for each new order of a linked supplier.")
def import_(kind: str, file: str, fmt: str | None, dry_run: bool, post_cards: bool) -> None:
    """Import suppliers, orders, receipts or inspections (CSV or XLSX, header first), all or nothing.

    \b
    Columns ([…] optional):
      suppliers    name, country[, locale, timezone, channel_id]   (key: name; a known one is updated)
      orders       supplier, po, quantity, due_date, issued_at, confirmed_at[, item, price, currency,
                   status]   (key: supplier + po; times ISO-8601 with offset)
      receipts     supplier, po, quantity, received_on, reference
      inspections  supplier, po, sampled, defects, inspected_on, reference
                   (key: supplier + po + reference; dates YYYY-MM-DD)

    Every bad row is reported as `line N: reason` (the header is line 1) and nothing is written (exit
    code 1). Rows already imported (same key) are left as they are: importing a file twice changes
    nothing. Imported orders get no card unless --post-cards is given and their supplier is linked.
    """
    import bot.orders.errors
    import bot.suppliers.errors  # noqa: F401
    from bot.core.i18n import use_locale
    from bot.exchange.imports import run_import
    from bot.exchange.reading import format_of
    from bot.orders.flows import post_cards as post_order_cards

    fmt = format_of(file, fmt)
    if fmt is None:
        raise click.UsageError(f"{file}: say --format csv or --format xlsx (the extension does not tell)")
    settings = load_settings()
    config = load_policy(settings)
    engine = open_database(settings.database_url)

    def cards(session, report) -> None:
        post_order_cards(session=session, order_ids=report.card_order_ids, config=config)

    try:
        with use_locale(config.default_locale):
            report = run_import(engine=engine, kind=kind, path=file, fmt=fmt, config=config, dry_run=dry_run,
                                post_cards=post_cards, before_commit=cards if post_cards else None)  # fmt: skip
    except OSError as exc:
        raise BadSetting(f"{file}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise click.ClickException(f"{file} is not a readable {fmt.upper()} file: {exc}") from None
    finally:
        engine.dispose()
    for line, reason in report.problems:
        click.echo(f"line {line}: {reason}", err=True)
    if not report.ok:
        click.echo(
            f"{kind}: {len(report.problems)} bad row(s) of {report.rows}; nothing was imported", err=True
        )
        raise SystemExit(1)
    done = "checked, nothing written (dry run)" if dry_run else "imported"
    click.echo(f"{kind}: {report.rows} row(s) {done}: {report.created} new, {report.updated} updated, "
               f"{report.unchanged} already known" + (f", {len(report.card_order_ids)} card(s) queued" if post_cards and not dry_run else ""))  # fmt: skip


def _open(path: str, mode: str):
    try:
        return open(path, mode, newline="", encoding="utf-8") if "b" not in mode else open(path, mode)
    except OSError as exc:
        raise BadSetting(f"--out {path}: {exc.strerror}") from None


if __name__ == "__main__":
    main()

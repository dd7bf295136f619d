"""Start-up checks of the `srm` commands: each bad setting becomes one line that names it."""

from __future__ import annotations

import errno
import logging
from urllib.error import URLError

from pydantic import ValidationError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from bot.config import AppConfig, load_config
from bot.core.db import make_engine
from bot.core.delivery import TOKEN_ERRORS
from bot.core.slack_identity import remember_workspace
from bot.settings import Settings

log = logging.getLogger("srm")

DATABASE_EXAMPLES = "e.g. sqlite:///srm.db or postgresql://user:password@host:5432/srm"


class StartupError(Exception):
    """A setting that stops the command before it starts; the message is the one line to show."""


def load_settings() -> Settings:
    """Settings from the environment and `.env`; a value of the wrong type names its variable."""
    try:
        return Settings()
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err["loc"] else "environment"
        raise StartupError(f"{name}={err.get('input')!r}: {err['msg']}") from None


def load_policy(settings: Settings) -> AppConfig:
    """app.yaml (or SRM_CONFIG, which must then exist), validated."""
    return load_config(settings.config_path, required=settings.srm_config is not None)


def describe_database(url: URL) -> str:
    """Where the data lives and through which driver, without the password."""
    driver = f"{url.get_backend_name()}+{url.get_driver_name()}"
    if url.get_backend_name() == "sqlite":
        return f"{driver} at {url.database or ':memory:'}"
    port = f":{url.port}" if url.port else ""
    return f"{driver} at {url.host or 'localhost'}{port}/{url.database or ''}"


def open_database(database_url: str) -> Engine:
    """An engine for DATABASE_URL that has answered a query; logs which database and driver it uses."""
    try:
        url = make_url(database_url)
        engine = make_engine(database_url)
    except ArgumentError:
        raise StartupError(f"DATABASE_URL is not a database URL ({DATABASE_EXAMPLES})") from None
    except (NoSuchModuleError, ImportError) as exc:
        raise StartupError(
            f"DATABASE_URL: no driver for {database_url.split(':', 1)[0]}:// ({exc}); {DATABASE_EXAMPLES}"
        ) from None
    where = describe_database(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StartupError(f"DATABASE_URL: cannot open {where}: {reason}") from None
    log.info("database: %s", where)
    return engine


def check_slack_token(client: WebClient) -> None:
    """Ask Slack whose token this is (`auth.test`) and log it; a refused token stops the start."""
    try:
        answer = client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        if error in TOKEN_ERRORS:
            raise StartupError(
                f"Slack refused SLACK_BOT_TOKEN ({error}): copy the Bot User OAuth Token (xoxb-…) "
                "from your app's OAuth & Permissions page again"
            ) from None
        log.warning("Slack answered auth.test with %s; starting anyway", error or exc.response.status_code)
        return
    except (URLError, OSError) as exc:
        log.warning(
            "could not reach Slack at %s to check the token (%s); starting anyway", client.base_url, exc
        )
        return
    remember_workspace(client, answer.data)
    log.info(
        "Slack: workspace %s (%s), bot user %s (%s)",
        answer.get("team"),
        answer.get("team_id"),
        answer.get("user"),
        answer.get("user_id"),
    )


def listen_problem(exc: OSError, port: int) -> StartupError:
    """The one line for a port the server cannot listen on."""
    if exc.errno == errno.EADDRINUSE:
        return StartupError(
            f"port {port} is already in use: stop the other program or pass --port N / set PORT"
        )
    if exc.errno == errno.EACCES:
        return StartupError(f"not allowed to listen on port {port}: choose one above 1023 (--port N or PORT)")
    return StartupError(f"cannot listen on port {port}: {exc.strerror or exc}")


APP_TOKEN_HELP = (
    "create an app-level token (xapp-…) with the connections:write scope under Basic Information → "
    "App-Level Tokens, and enable Socket Mode (`srm manifest --socket`)"
)


def check_app_token_format(token: str) -> None:
    """SLACK_APP_TOKEN must be an app-level token; a bot or user token here is a common mix-up."""
    if not token.startswith("xapp-"):
        raise StartupError(f"SLACK_APP_TOKEN is not an app-level token (xapp-…): {APP_TOKEN_HELP}")


def app_token_problem(exc: SlackApiError) -> StartupError | None:
    """The one line for an app token Slack refused when opening the socket (None: not the token's fault)."""
    error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
    if error in TOKEN_ERRORS or error == "not_allowed_token_type":
        return StartupError(f"Slack refused SLACK_APP_TOKEN ({error}): {APP_TOKEN_HELP}")
    return None

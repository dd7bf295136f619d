"""Shared fixtures: a fake Slack Web API, the app served over real HTTP, SQLite and PostgreSQL databases.

Every test that uses a database runs twice: on SQLite and on PostgreSQL (SRM_TEST_POSTGRES_URL, e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/test; each run gets a fresh database of its own, dropped at
the end). Without that variable the PostgreSQL half is skipped.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import create_engine, make_url, text
from sqlmodel import Session, SQLModel

sys.path.insert(0, str(Path(__file__).parent))

from fakeslack import FakeSlack
from feedserver import feed_server  # noqa: F401  (a fixture: the risk feeds served locally)
from slackclient import SlackClient

from bot.app import create_app, make_client
from bot.config import AppConfig, DeliveryConfig
from bot.core.db import make_engine, upgrade
from bot.core.delivery import Delivery
from bot.core.inbox import Processor, claims_engine, inbox_engine
from bot.core.web import SlackWsgiApp, make_server, serve_forever, stop_server
from bot.settings import Settings

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
POSTGRES_URL = os.environ.get("SRM_TEST_POSTGRES_URL")

# People and channels of the fake workspace.
BUYER = "U0BUYER"  # full member, English
BUYER_ZH = "U0BUYERZH"  # full member, Simplified Chinese Slack
BUYER_ES = "U0BUYERES"  # full member, Spanish Slack
GUEST = "U0GUEST"  # single/multi-channel guest of the home workspace
ACME_USER = "U0ACME"  # Slack Connect member from the supplier's own workspace
BETA_USER = "U0BETA"  # another supplier's external member
ACME_CHANNEL = "C0ACME"
BETA_CHANNEL = "C0BETA"
INTERNAL_CHANNEL = "C0INTERNAL"
NOBOT_CHANNEL = "C0NOBOT"

# The tests' calendar: orders are issued with fixed due dates, which must not be in the past.
TODAY = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def calendar(request) -> Iterator[None]:
    """Every test starts on TODAY with the clock running (`@pytest.mark.real_clock`: the real date, for
    tests that sign requests to another process, whose clock is the real one)."""
    if request.node.get_closest_marker("real_clock"):
        yield
        return
    with time_machine.travel(TODAY, tick=True):
        yield


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_template(request, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """One migrated database per backend and test run."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "template.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield "sqlite", str(path)
        return
    if not POSTGRES_URL:
        pytest.skip("SRM_TEST_POSTGRES_URL is not set")
    name = f"srm_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield "postgresql", url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    """A new, empty PostgreSQL database of this test's own (never the shared one SRM_TEST_POSTGRES_URL names)."""
    if not POSTGRES_URL:
        pytest.skip("SRM_TEST_POSTGRES_URL is not set")
    name = f"srm_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def db_url(database_template, tmp_path) -> str:
    """A clean, migrated database for one test."""
    kind, where = database_template
    if kind == "sqlite":
        path = tmp_path / "srm.db"
        shutil.copy(where, path)
        return f"sqlite:///{path}"
    engine = create_engine(where)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return where


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    inbox_engine(engine).dispose()  # on SQLite the inbox files' connections (the same engine elsewhere)
    claims_engine(engine).dispose()
    engine.dispose()


class FreshSession(Session):
    """Every read sees the latest commits: tests look at what the app has just stored."""

    def exec(self, *args, **kwargs):
        self.expire_all()
        return super().exec(*args, **kwargs)

    def get(self, *args, **kwargs):
        self.expire_all()
        return super().get(*args, **kwargs)


@pytest.fixture
def session(engine) -> Iterator[Session]:
    """A session for looking at what the app stored."""
    with FreshSession(engine.execution_options(isolation_level="AUTOCOMMIT")) as session:
        yield session


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    for user, locale in ((BUYER, "en-US"), (BUYER_ZH, "zh-CN"), (BUYER_ES, "es-ES")):
        fake.add_user(user, locale=locale)
    fake.add_user(GUEST, guest=True, locale=None)
    fake.add_user(ACME_USER, team_id="T0ACME", locale=None, tz="Asia/Shanghai")
    fake.add_user(BETA_USER, team_id="T0BETA", locale=None, tz="America/Mexico_City")
    fake.add_channel(ACME_CHANNEL, name="acme-shared", shared=True)
    fake.add_channel(BETA_CHANNEL, name="beta-shared", shared=True)
    fake.add_channel(INTERNAL_CHANNEL, name="procurement")
    fake.add_channel(NOBOT_CHANNEL, name="no-bot", bot_member=False)
    fake.start()
    yield fake
    fake.stop()
    assert not fake.violations, f"Slack would have rejected: {fake.violations}"


@pytest.fixture
def config() -> AppConfig:
    """Policy for tests: fast retries and no per-channel pacing (the pacing test sets its own)."""
    return AppConfig(
        delivery=DeliveryConfig(
            channel_interval_seconds=0,
            backoff_seconds=0.05,
            max_backoff_seconds=0.2,
            poll_seconds=0.05,
            max_attempts=4,
            http_timeout_seconds=5,
        ),
    )


@pytest.fixture
def settings(slack, db_url) -> Settings:
    return Settings(
        _env_file=None,
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.url,
        database_url=db_url,
    )


@pytest.fixture
def served(settings, config, engine) -> Iterator[tuple[str, Processor]]:
    """The app served exactly as `srm run` serves it, on a free port, with the processor of the requests
    it stores (the tests run it in their own threads: see `settler`)."""
    bolt_app = create_app(settings=settings, config=config)
    wsgi = SlackWsgiApp(bolt_app, engine, signing_secret=SIGNING_SECRET)
    server = make_server(wsgi, host="127.0.0.1", port=0)
    thread = threading.Thread(target=serve_forever, args=(server,), daemon=True)
    thread.start()
    finished: set[int] = set()
    processor = Processor(engine, wsgi.requests.handle, SIGNING_SECRET, on_done=finished.add)
    processor.finished = finished
    yield f"http://127.0.0.1:{server.effective_port}", processor
    processor.close()  # a request thread the test left behind must not take the next test's requests
    stop_server(server, thread)
    wsgi.close()  # the door's writer and janitor stop (their connections go back) before the engine is disposed


@pytest.fixture
def app_url(served) -> str:
    return served[0]


def settler(processor: Processor, timeout: float = 30.0):
    """What a test's request waits on once answered: the stored requests processed in the caller's thread,
    as a worker would, until its own is finished (another thread may be the one processing it)."""

    def settle(request_id: int) -> None:
        deadline = time.monotonic() + timeout
        while request_id not in processor.finished and not processor.closed.is_set():
            if not processor.process_next():
                time.sleep(0.005)  # another thread is processing it: polling, with a deadline
            if time.monotonic() > deadline:
                raise AssertionError(f"the app did not process request {request_id} within {timeout} s")

    return settle


@pytest.fixture
def client(served, slack) -> SlackClient:
    url, processor = served
    return SlackClient(url, SIGNING_SECRET, settle=settler(processor), fake=slack)


@pytest.fixture
def delivery(engine, settings, config) -> Iterator[Delivery]:
    """The outbox delivery loop running in the background, as in `srm run`."""
    worker = Delivery(engine=engine, client=make_client(settings), config=config.delivery, worker_id="test-1")
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    yield worker
    stop.set()
    thread.join(timeout=5)


@pytest.fixture
def acme(client, slack):
    """Acme (China) linked to its shared channel; its external user seen there once."""
    assert (
        client.command('supplier add "Acme Textiles" country=CN', user=BUYER, channel=ACME_CHANNEL).status
        == 200
    )
    client.message("hello", user=ACME_USER, channel=ACME_CHANNEL)
    return ACME_CHANNEL


@pytest.fixture
def beta(client):
    assert (
        client.command('supplier add "Beta Foods" country=MX', user=BUYER, channel=BETA_CHANNEL).status == 200
    )
    client.message("hola", user=BETA_USER, channel=BETA_CHANNEL)

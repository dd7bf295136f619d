"""Database engine, sessions and schema upgrades (SQLite by default, PostgreSQL via psycopg 3)."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, event, literal, make_url, text
from sqlmodel import Session, create_engine

import models  # noqa: F401  (registers every table)

MIGRATIONS = Path(__file__).resolve().parents[2] / "models" / "migrations"


_sqlite_locks: dict[str, threading.Lock] = {}
_sqlite_locks_guard = threading.Lock()


def _writer_lock(url: str) -> threading.Lock:
    with _sqlite_locks_guard:
        return _sqlite_locks.setdefault(url, threading.Lock())


def make_engine(url: str, *, ping: bool = True) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys, a busy timeout and one writer at a time. On
    PostgreSQL each checkout from the pool first checks the connection is alive, unless `ping` is False
    (for a caller that retries on a dropped connection itself)."""
    if not url.startswith("sqlite"):
        # An unreachable server answers within 10 s instead of hanging (unless the URL says otherwise).
        timeout = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": 10}
        return create_engine(url, pool_pre_ping=ping, pool_size=10, max_overflow=20, connect_args=timeout)
    # Enough pooled connections for every server thread: a new SQLite connection (and its pragmas) is costly.
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=20, max_overflow=10
    )
    lock = _writer_lock(url)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:
        # pysqlite's own transaction handling would let a SAVEPOINT's RELEASE commit the whole
        # transaction; SQLAlchemy's documented remedy is to disable it and emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection) -> None:
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        if not options.get("sqlite_immediate"):
            connection.exec_driver_sql("BEGIN")
            return
        # A transaction that reads and then writes must hold the write lock from the start: in WAL
        # mode a deferred one fails at once ("database is locked") if another commit came between.
        # Writers of this process queue on a Python lock, which hands over promptly; SQLite's busy
        # handler (for other processes, such as a separate `srm worker`) sleeps in growing steps.
        lock.acquire()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            lock.release()
            raise
        connection.info["srm_writer_lock"] = lock

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _sqlite_end(connection) -> None:
        held = connection.info.pop("srm_writer_lock", None)
        if held is not None:
            held.release()

    return engine


_writers: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
_autocommit: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def _writer(engine: Engine) -> Engine:
    writer = _writers.get(engine)
    if writer is None:
        writer = _writers.setdefault(engine, engine.execution_options(sqlite_immediate=True))
    return writer


def statement_writer(engine: Engine) -> Engine:
    """Where writes of one statement each go: on PostgreSQL the statement is its own transaction (one
    round trip, not BEGIN, the statement and COMMIT); on SQLite the writer, which queues for the lock."""
    if engine.dialect.name != "postgresql":
        return _writer(engine)
    writer = _autocommit.get(engine)
    if writer is None:
        writer = _autocommit.setdefault(engine, engine.execution_options(isolation_level="AUTOCOMMIT"))
    return writer


def writing_session(engine: Engine) -> Session:
    """A session whose transaction may write (on SQLite it takes the write lock when it begins)."""
    return Session(_writer(engine), expire_on_commit=False)


def reading_session(engine: Engine) -> Session:
    """A session that only reads: on SQLite a plain deferred transaction, never the write lock."""
    return Session(engine, expire_on_commit=False)


class RequestSession(Session):
    """The session of one Slack request: it writes unless told, before its first query, that it only reads.

    The choice is made when a transaction begins (`get_bind`), so a listener that only reads (help, show,
    list) never queues behind writers, and one that may write holds SQLite's write lock from its start.
    """

    def __init__(self, engine: Engine):
        super().__init__(engine, expire_on_commit=False)
        self._write_bind = _writer(engine)
        self.writes = True

    def get_bind(self, mapper=None, clause=None, **kw):
        return self._write_bind if self.writes else self.bind

    def read_only(self) -> None:
        """Only read from here on (until `may_write`); must be said before the transaction begins."""
        self._switch(False)

    def may_write(self) -> None:
        """Write again (for example an audit record after a refused read); outside a transaction only."""
        self._switch(True)

    def _switch(self, writes: bool) -> None:
        if self.writes == writes:
            return
        if self.in_transaction():
            raise RuntimeError("a request session changes mode only between transactions")
        self.writes = writes


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One writing transaction: committed when the block ends, rolled back if it raises."""
    with writing_session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_scope(engine: Engine) -> Iterator[Session]:
    """One short read-only transaction, ended when the block ends.

    It ends with a commit, which for a read is the same as a rollback but keeps the connection's
    prepared statements: psycopg drops them all at every rollback (and sends DEALLOCATE ALL)."""
    with reading_session(engine) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        session.commit()


def among(column, *states: str):
    """`column IN (states)` with the states written into the SQL instead of sent as parameters: the
    database then uses a partial index naming exactly these states (`status IN ('pending', …)`) in every
    plan, PostgreSQL's cached ones included, and SQLite at all."""
    return column.in_([literal(state, literal_execute=True) for state in states])


def lock_row(session: Session, instance: object) -> None:
    """Hold `instance`'s row until the transaction ends, re-read as last committed.

    On PostgreSQL this is `SELECT … FOR UPDATE`: a second request changing the same row waits here and
    then checks its rules against the first one's result. A SQLite writer already holds the database's
    write lock from its first statement (see `make_engine`), so nothing more is needed there.
    """
    if session.get_bind().dialect.name != "sqlite":
        session.refresh(instance, with_for_update=True)


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str) -> None:
    """Bring the schema at `url` to the newest migration."""
    command.upgrade(alembic_config(url), "head")


def check_database(engine: Engine) -> bool:
    """True when the database answers a trivial query."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False

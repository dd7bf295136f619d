"""The HTTP surface: `POST /slack/events` (Bolt) and `GET /healthz`, served by waitress."""

from __future__ import annotations

import errno
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from waitress import wasyncore
from waitress.server import create_server

from bot.core.after_commit import collecting, run_all
from bot.core.db import RequestSession, check_database
from bot.core.i18n import DEFAULT_LOCALE, use_locale
from bot.core.inbox import Door, backlog

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"


class SlackRequests:
    """The per-request machinery every transport shares (HTTP here, Socket Mode in bot.core.socket_mode):
    one DB transaction per Slack request, committed only when the listener succeeded.

    Slack calls the listener deferred (`after_commit`) run once the transaction has committed.
    """

    def __init__(self, bolt_app: App, engine: Engine):
        self.bolt_app, self.engine = bolt_app, engine

    def handle(
        self, bolt_request: BoltRequest, finish: Callable[[Session], bool] | None = None
    ) -> BoltResponse | None:
        """Dispatch one request to Bolt inside its own transaction; after-commit calls follow a commit.

        `finish(session)` runs just before a commit, in the same transaction; when it says False the
        request's work is rolled back and None is returned (the inbox: another worker owns the request).
        """
        committed = False
        with collecting() as after, RequestSession(self.engine) as session, use_locale(DEFAULT_LOCALE):
            bolt_request.context["session"] = session
            try:
                response = self.bolt_app.dispatch(bolt_request)
                if response.status < 400 and finish is not None and not finish(session):
                    session.rollback()
                    return None
                if response.status < 400:
                    session.commit()
                    committed = True
                else:
                    session.rollback()
            except Exception:
                session.rollback()
                raise
            finally:
                session.close()  # the connection goes back to the pool before any Slack call
            if committed:
                run_all(after)
        return response


class SlackWsgiApp:
    """WSGI app: `POST /slack/events` and `GET /healthz`.

    A verified request is stored in the inbox and answered at once (bot.core.inbox); one whose answer
    must be the ack (a modal's submission, options, Slack's URL check) or that fails the signature check
    goes through SlackRequests while Slack waits.
    """

    def __init__(self, bolt_app: App, engine: Engine, signing_secret: str | None = None):
        self.bolt_app, self.engine = bolt_app, engine
        self.requests = SlackRequests(bolt_app, engine)
        self.door = Door(engine, signing_secret) if signing_secret else None

    def close(self) -> None:
        """Stop the door's background work, once the server has stopped."""
        if self.door is not None:
            self.door.close()

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        request = WsgiHttpRequest(environ)
        if request.method == "GET" and request.path == "/healthz":
            return self._health(start_response)
        if request.method != "POST" or request.path != EVENTS_PATH:
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Not Found"]
        body, headers = request.get_body(), request.get_headers()
        stored = self.door.take(body, headers) if self.door is not None else None
        if stored is not None:  # the id lets an operator follow the request in the worker's log
            start_response("200 OK", [("Content-Length", "0"), ("X-Srm-Request", str(stored))])
            return [b""]
        response = self.requests.handle(BoltRequest(body=body, query=request.query_string, headers=headers))
        headers = [(k, v) for k, values in response.headers.items() for v in values]
        start_response(f"{response.status} {_REASONS.get(response.status, 'OK')}", headers)
        return [response.body.encode("utf-8")]

    def _health(self, start_response) -> Iterable[bytes]:
        """The database's state, and the inbox's: requests acked but not processed yet (a number that keeps
        growing means no worker is processing) and requests that failed."""
        ok = check_database(self.engine)
        health: dict[str, object] = {
            "status": "ok" if ok else "degraded",
            "database": "ok" if ok else "unreachable",
        }
        if ok:
            try:
                waiting, failed = backlog(self.engine)
                health["inbox"] = {"waiting": waiting, "failed": failed}
            except SQLAlchemyError:
                log.warning("the inbox could not be counted for /healthz", exc_info=True)
        start_response("200 OK" if ok else "503 Service Unavailable", [("Content-Type", "application/json")])
        return [json.dumps(health).encode()]


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    500: "Internal Server Error",
}


def make_server(wsgi_app, host: str = "0.0.0.0", port: int = 3000, threads: int = 48):
    """The production server used by `srm run`, the tests and the benchmark alike.

    A request's thread mostly waits: for the commit of the batch that stores it (bot.core.inbox). The
    threads bound the requests in flight, and requests in flight together are stored together, so there
    are enough of them for a busy morning's senders (with 8, 20 senders on PostgreSQL got 0.67x a bare
    Bolt app's requests/s, waiting for threads; with 48, 0.94x: bench/ack_latency.py)."""
    return create_server(
        wsgi_app, host=host, port=port, threads=threads, ident="srm", clear_untrusted_proxy_headers=True
    )


def serve_forever(server) -> None:
    """Run the server until every socket is closed (or waitress stops on an interrupt).

    waitress 3.0.2's loop dies when a worker thread closes a socket (a client that went away) while the
    loop is between building its select() lists and calling select(): EBADF. The next round rebuilds the
    lists without that socket, so going round again is safe (as waitress' unreleased upstream fix does).
    """
    while server._map:
        try:
            server.run()
        except OSError as exc:
            if exc.errno != errno.EBADF:
                raise
            for fd in list(server._map):
                if not _is_open(fd):
                    server._map.pop(fd, None)
            log.debug("a socket closed under select(); serving on")
        else:
            if server._map:  # waitress caught KeyboardInterrupt/SystemExit and stopped its threads
                return


def serve_until(server, stop: threading.Event, grace: float = 5.0) -> None:
    """Serve in a thread until `stop` is set, then shut down gracefully (see `drain`).

    The caller's thread only waits, so a signal handler that sets `stop` is all it takes to end serving.
    """
    failure: list[BaseException] = []

    def loop() -> None:
        try:
            serve_forever(server)
        except BaseException as exc:
            failure.append(exc)
            stop.set()

    thread = threading.Thread(target=loop, name="http", daemon=True)
    thread.start()
    while not stop.wait(0.5):
        pass
    if failure:
        raise failure[0]
    drain(server, thread, grace)


def drain(server, thread, grace: float = 5.0) -> None:
    """Stop accepting connections, let requests in progress finish (up to `grace` s), then close."""
    close_listener = lambda: wasyncore.dispatcher.close(server)  # noqa: E731  (not waitress' trigger)
    try:
        server.trigger.pull_trigger(close_listener)
    except OSError:  # the loop has already let go of its trigger
        close_listener()
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and _busy(server):
        time.sleep(0.05)  # polling for the worker threads to finish, with a deadline
    if left := _busy(server):
        log.warning("stopped with %s request(s) still in progress after %.0f s", left, grace)
    stop_server(server, thread, timeout=grace)


def _busy(server) -> int:
    """How many connections have a request in progress or a response not yet flushed."""
    channels = [c for c in list(server._map.values()) if hasattr(c, "requests")]
    return sum(1 for c in channels if c.requests or c.total_outbufs_len)


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def close_all(server) -> None:
    """Close the listening socket and every connection (from the server's own thread)."""
    for channel in list(server._map.values()):
        channel.close()


def stop_server(server, thread=None, timeout: float = 5.0) -> None:
    """Stop a server running in `thread`: its sockets are closed from its own loop, which then ends."""
    try:
        server.trigger.pull_trigger(lambda: close_all(server))
    except OSError:  # the loop has already let go of its trigger
        close_all(server)
    if thread is not None:
        thread.join(timeout)
    server.task_dispatcher.shutdown()

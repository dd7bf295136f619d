"""A local HTTP server for the risk feeds: serves the project's fixture files (no internet), answers
conditional GETs, and can fail or return garbage on demand."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "risk"


@dataclass
class Served:
    body: bytes
    status: int = 200
    content_type: str = "application/xml"


@dataclass
class FeedServer:
    files: dict[str, Served] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def serve(
        self, path: str, fixture: str | None = None, *, body: bytes | None = None, status: int = 200
    ) -> None:
        """Serve `path` from a fixture file (or the given body) with `status`."""
        content = body if body is not None else (FIXTURES / (fixture or path)).read_bytes()
        self.files[path] = Served(content, status)

    def down(self, path: str) -> None:
        self.files[path] = Served(b"Service Unavailable", 503, "text/plain")

    def html_error(self, path: str) -> None:
        """What a broken proxy sends: an HTML error page with status 200."""
        self.files[path] = Served(b"<html><body><h1>Error</h1>Try later</body></html>", 200, "text/html")

    def hits(self, path: str) -> list[dict[str, str]]:
        return [headers for requested, headers in self.requests if requested == path]


def _handler(server: FeedServer):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.lstrip("/")
            server.requests.append((path, dict(self.headers)))
            served = server.files.get(path)
            if served is None:
                self.send_response(404)
                self.end_headers()
                return
            etag = '"' + hashlib.sha256(served.body).hexdigest()[:16] + '"'
            if served.status == 200 and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(served.status)
            self.send_header("Content-Type", served.content_type)
            self.send_header("Content-Length", str(len(served.body)))
            if served.status == 200:
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", "Tue, 01 Sep 2026 06:00:00 GMT")
            self.end_headers()
            self.wfile.write(served.body)

    return Handler


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    state = FeedServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()

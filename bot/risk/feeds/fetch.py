"""Fetching a feed with httpx (or from a file:// URL): timeouts, retries, conditional GET. No database
here: the caller fetches outside any transaction and stores the outcome afterwards."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import httpx

from bot.risk.feeds import FeedError

log = logging.getLogger(__name__)
BACKOFF_SECONDS = 0.5


@dataclass(frozen=True)
class Fetched:
    """`content` is new and good (parsed), or None: unchanged (304) when `error` is empty, else failed."""

    url: str
    content: bytes | None = None
    parsed: Any = None
    etag: str | None = None
    last_modified: str | None = None
    error: str = ""


def _read_file(url: str) -> bytes:
    return Path(unquote(urlparse(url).path)).read_bytes()


def _get(client: httpx.Client, url: str, headers: dict[str, str], retries: int) -> httpx.Response:
    """GET with retries on network errors and 5xx answers (a short backoff between attempts)."""
    for attempt in range(retries + 1):
        try:
            response = client.get(url, headers=headers)
        except httpx.HTTPError as exc:
            if attempt == retries:
                raise
            log.info("feed %s: %s; retrying", url, exc)
        else:
            if response.status_code < 500 or attempt == retries:
                return response
            log.info("feed %s: HTTP %s; retrying", url, response.status_code)
        time.sleep(BACKOFF_SECONDS * 2**attempt)
    raise AssertionError("unreachable")


def fetch(url: str, parse: Callable[[bytes], Any], *, etag: str | None = None, last_modified: str | None = None,
          timeout: float = 20, retries: int = 2) -> Fetched:  # fmt: skip
    """Fetch and parse one feed; never raises: a failure or unusable content comes back as `error`."""
    try:
        if url.startswith("file://"):
            content, etag, last_modified = _read_file(url), None, None
        else:
            headers = {"User-Agent": "srm-bot risk feeds"}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            with httpx.Client(timeout=timeout, follow_redirects=True) as client:
                response = _get(client, url, headers, retries)
            if response.status_code == 304:
                return Fetched(url=url, etag=etag, last_modified=last_modified)
            if response.status_code != 200:
                return Fetched(url=url, error=f"HTTP {response.status_code}")
            content = response.content
            etag = response.headers.get("ETag")
            last_modified = response.headers.get("Last-Modified")
        parsed = parse(content)
    except FeedError as exc:
        return Fetched(url=url, error=f"unusable content: {exc}")
    except (httpx.HTTPError, OSError) as exc:
        return Fetched(url=url, error=f"unreachable: {exc.__class__.__name__}: {exc}"[:500])
    return Fetched(url=url, content=content, parsed=parsed, etag=etag, last_modified=last_modified)

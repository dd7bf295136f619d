"""A fake Slack Web API on a free localhost port: records calls, enforces Block Kit limits, fails on demand."""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from blockkit import block_kit_problems
from fakeslack_files import FilesApi
from fakeslack_history import HistoryApi

HOME_TEAM = "T0HOME"
BOT_USER = "U0BOT"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def _pop_first(queue: list | None):
    return queue.pop(0) if queue else None


class FakeSlack(HistoryApi, FilesApi):
    """State of the fake workspace plus the HTTP server answering like slack.com/api."""

    def __init__(self) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.violations: list[str] = []
        self.usergroups: dict[str, list[str]] = {}
        self.token_error: str | None = None  # e.g. "invalid_auth": every call is refused as Slack would
        self.app_token: str | None = None  # the app-level token apps.connections.open accepts
        self.socket_url: str | None = None  # the websocket it hands out (a SocketSlack's URL)
        self._failures: dict[str, list[Failure]] = {}
        self._holds: dict[str, list[tuple[Callable[[dict], bool] | None, threading.Event, bool]]] = {}
        self._slow: dict[str, tuple[float, Callable[[], object] | None, Callable[[dict], bool] | None]] = {}
        self._in_flight: dict[str, int] = {}
        self._lost_answers: dict[str, list[tuple[bool, float]]] = {}
        self._rate_limited: dict[str, tuple[float, int, random.Random]] = {}
        self.max_in_flight: dict[str, int] = {}
        self.members: dict[str, set[str]] = {}
        self.replies: dict[str, list[dict[str, Any]]] = {}  # what reached each response_url, by its key
        self.reply_times: dict[str, float] = {}  # when (time.monotonic()) the first reply to a key came
        self.api_unreachable = False  # the Web API drops every connection; response_urls still answer
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- setting up the workspace -------------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        *,
        team_id: str = HOME_TEAM,
        locale: str | None = "en-US",
        tz: str | None = "Europe/Berlin",
        guest: bool = False,
        bot: bool = False,
    ) -> None:
        user = {
            "id": user_id,
            "team_id": team_id,
            "name": user_id.lower(),
            "real_name": f"Person {user_id}",
            "is_bot": bot,
            "is_restricted": guest,
            "is_ultra_restricted": False,
            "deleted": False,
        }
        if tz:  # None: a profile without a zone
            user["tz"] = tz
        if locale:
            user["locale"] = locale
        self.users[user_id] = user

    def add_channel(
        self, channel_id: str, *, name: str, shared: bool = False, bot_member: bool = True
    ) -> None:
        self.channels[channel_id] = {
            "id": channel_id,
            "name": name,
            "is_channel": True,
            "is_private": False,
            "is_im": False,
            "is_mpim": False,
            "is_ext_shared": shared,
            "is_shared": shared,
            "is_member": bot_member,
        }

    def fail_next(
        self,
        method: str,
        *,
        status: int = 503,
        times: int = 1,
        error: str = "service_unavailable",
        retry_after: int | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` with an HTTP error (429 with Retry-After if given)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        with self._lock:
            self._failures.setdefault(method, []).extend(
                Failure(status, {"ok": False, "error": error}, headers) for _ in range(times)
            )

    def hold(self, method: str, when: Callable[[dict], bool] | None = None) -> threading.Event:
        """Keep every call of `method` (whose params satisfy `when`) waiting until the event is set (≤ 30 s)."""
        gate = threading.Event()
        with self._lock:
            self._holds.setdefault(method, []).append((when, gate, False))
        return gate

    def hold_next(self, method: str) -> threading.Event:
        """Answer the next call of `method` only once the returned event is set (at most 30 s)."""
        gate = threading.Event()
        with self._lock:
            self._holds.setdefault(method, []).append((None, gate, True))
        return gate

    def answer_slowly(
        self,
        method: str,
        *,
        seconds: float,
        clock_step: Callable[[], object] | None = None,
        when: Callable[[dict], bool] | None = None,
    ) -> None:
        """Take `seconds` to answer each call of `method` (whose params satisfy `when`; 0 s undoes it);
        `clock_step()` then runs once per answer (e.g. a time-machine shift), so that a slow answer also
        takes simulated time."""
        with self._lock:
            if seconds:
                self._slow[method] = (seconds, clock_step, when)
            else:
                self._slow.pop(method, None)

    def rate_limit_some(self, method: str, *, share: float, retry_after: int = 1, seed: int = 7) -> None:
        """Answer a `share` of the calls of `method` (chosen at random, reproducibly) with 429 and Retry-After."""
        with self._lock:
            self._rate_limited[method] = (share, retry_after, random.Random(seed))

    def lose_answer_next(self, method: str, *, carried_out: bool = True, late_by: float = 0) -> None:
        """Drop the connection of the next call of `method` without an answer: after carrying the call out
        (Slack accepted a post but its answer never reached the client) or before (it never got there).
        With `late_by`, the call is carried out and answered that many seconds later instead, for a client
        whose timeout is shorter."""
        with self._lock:
            self._lost_answers.setdefault(method, []).append((carried_out, late_by))

    # --- reading what happened ----------------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def posts(self, channel: str | None = None) -> list[dict[str, Any]]:
        return [
            c.params for c in self.calls_to("chat.postMessage") if channel in (None, c.params.get("channel"))
        ]

    def wait_for(self, predicate, timeout: float = 10.0, what: str = "condition"):
        """Poll until `predicate()` is truthy; fail with `what` after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}")

    # --- serving ------------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _answer(
        self, method: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        """The HTTP status, body and headers to answer with; None to drop the connection instead."""
        with self._lock:
            self.calls.append(Call(method, params, time.monotonic()))
            lost, late_by = _pop_first(self._lost_answers.get(method)) or (None, 0)
            failure = _pop_first(self._failures.get(method))
            if failure is None and method in self._rate_limited:
                share, retry_after, rng = self._rate_limited[method]
                if rng.random() < share:
                    failure = Failure(
                        429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
                    )
            gate = self._matching_hold(method, params)
            slow = self._slow.get(method)
            if slow and slow[2] is not None and not slow[2](params):
                slow = None
            self._in_flight[method] = self._in_flight.get(method, 0) + 1
            self.max_in_flight[method] = max(self.max_in_flight.get(method, 0), self._in_flight[method])
        try:
            if gate:
                gate.wait(timeout=30)
            if slow:
                time.sleep(slow[0])  # a slow server, not synchronisation: nothing waits on this
                if slow[1] is not None:
                    slow[1]()
            if failure:
                return failure.status, failure.body, failure.headers
            if lost is False:  # never reached the workspace
                return None
            answer = self._handle(method, params)
            if late_by:
                time.sleep(late_by)  # a server answering after the client gave up; nothing waits on it
                return answer
            return None if lost else answer
        finally:
            with self._lock:
                self._in_flight[method] -= 1

    def _matching_hold(self, method: str, params: dict[str, Any]) -> threading.Event | None:
        holds = self._holds.get(method) or []
        for i, (when, gate, once) in enumerate(holds):
            if when is None or when(params):
                if once:
                    holds.pop(i)
                return gate
        return None

    def _handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        if self.token_error:
            return 200, {"ok": False, "error": self.token_error}, {}
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        return 200, handler(params), {}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # the SDK reads conversations.history/replies with GET
                path, _, query = self.path.partition("?")
                self._serve(path, dict(parse_qsl(query)))

            def do_POST(self) -> None:
                content = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/upload/"):  # a file's bytes, to the URL getUploadURLExternal gave
                    self.send_response(fake.receive_upload(self.path, content))
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"OK")
                    return
                raw = content.decode()
                if self.path.startswith("/hooks/"):  # a response_url (Slack's hooks.slack.com/commands/…)
                    fake.receive_reply(self.path.removeprefix("/hooks/"), json.loads(raw or "{}"))
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                    return
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(raw or "{}")
                else:
                    params = dict(parse_qsl(raw))
                self._serve(self.path, params)

            def _serve(self, path: str, params: dict[str, Any]) -> None:
                if fake.api_unreachable:
                    self.close_connection = True
                    return
                method = path.split("/api/", 1)[-1].strip("/")
                bearer = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                if bearer and "token" not in params:  # Slack takes the token as a header or a parameter
                    params["token"] = bearer
                answer = fake._answer(method, params)
                if answer is None:
                    self.close_connection = True
                    return
                status, body, headers = answer
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    # --- response_url ---------------------------------------------------------------------------
    def hook_url(self, key: str) -> str:
        """A response_url whose posts this fake records under `key`."""
        return self.url.removesuffix("api/") + "hooks/" + key

    def receive_reply(self, key: str, message: dict[str, Any]) -> None:
        problems = block_kit_problems(message) if message.get("blocks") else []
        with self._lock:
            self.replies.setdefault(key, []).append(message)
            self.reply_times.setdefault(key, time.monotonic())
            self.violations.extend(f"response_url {key}: {p}" for p in problems)

    # --- Web API methods ----------------------------------------------------------------------
    def api_auth_test(self, params):
        return {"ok": True, "url": "https://home.slack.example/", "team": "Home", "team_id": HOME_TEAM,
                "user": "srm", "user_id": BOT_USER, "bot_id": "B0BOT"}  # fmt: skip

    def api_users_info(self, params):
        user = self.users.get(params.get("user"))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def api_conversations_info(self, params):
        channel = self.channels.get(params.get("channel"))
        return {"ok": True, "channel": channel} if channel else {"ok": False, "error": "channel_not_found"}

    def api_conversations_members(self, params):
        channel = params.get("channel")
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "members": sorted(self.members.get(channel, set())),
            "response_metadata": {"next_cursor": ""},
        }

    def api_usergroups_users_list(self, params):
        return {"ok": True, "users": self.usergroups.get(params.get("usergroup"), [])}

    def _check(self, params, *, modal=False) -> str | None:
        problems = block_kit_problems(params, modal=modal)
        if problems:
            self.violations.extend(problems)
            return "invalid_blocks"
        return None

    def api_chat_postMessage(self, params):
        if params.get("channel") in self.users:  # a user id: the app's direct message with that person
            return self._post_direct(params)
        channel = self.channels.get(params.get("channel"))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if not channel["is_member"]:
            return {"ok": False, "error": "not_in_channel"}
        if error := self._check(params):
            return {"ok": False, "error": error}
        ts = f"{1_700_000_000 + next(self._ts)}.000100"
        with self._lock:
            self.messages[(params["channel"], ts)] = dict(params)
        return {"ok": True, "channel": params["channel"], "ts": ts, "message": {"text": params.get("text")}}

    def _post_direct(self, params):
        user = self.users[params["channel"]]
        if user["is_bot"] or user["deleted"]:
            return {"ok": False, "error": "cannot_dm_bot" if user["is_bot"] else "user_not_found"}
        if error := self._check(params):
            return {"ok": False, "error": error}
        channel, ts = "D" + params["channel"], f"{1_700_000_000 + next(self._ts)}.000100"
        with self._lock:  # Slack opens the DM on the first post; replies in its threads go to the D… id
            self.channels.setdefault(channel, {"id": channel, "name": "", "is_channel": False, "is_private": True,
                                               "is_im": True, "is_mpim": False, "is_ext_shared": False,
                                               "is_shared": False, "is_member": True, "user": params["channel"]})  # fmt: skip
            self.messages[(channel, ts)] = dict(params) | {"channel": channel}
        return {"ok": True, "channel": channel, "ts": ts, "message": {"text": params.get("text")}}

    def api_chat_update(self, params):
        key = (params.get("channel"), params.get("ts"))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        if error := self._check(params):
            return {"ok": False, "error": error}
        with self._lock:
            kept = {k: v for k, v in self.messages[key].items() if k in ("metadata", "thread_ts")}
            self.messages[key] = kept | dict(params)  # an update keeps the thread and metadata
        return {"ok": True, "channel": key[0], "ts": key[1]}

    def api_chat_postEphemeral(self, params):
        if error := self._check(params):
            return {"ok": False, "error": error}
        return {"ok": True, "message_ts": "1.1"}

    def api_views_open(self, params):
        view = params.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        if error := self._check(view, modal=True):
            return {"ok": False, "error": error}
        return {"ok": True, "view": {"id": "V1", **view}}

    def api_views_publish(self, params):
        view = params.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        if not params.get("user_id") or view.get("type") != "home":
            return {"ok": False, "error": "invalid_arguments"}
        if error := self._check(view):
            return {"ok": False, "error": error}
        return {"ok": True, "view": {"id": "VHOME", **view}}

    def api_chat_getPermalink(self, params):
        return {
            "ok": True,
            "permalink": f"https://home.slack.example/archives/{params.get('channel')}/p{params.get('message_ts', '').replace('.', '')}",
        }

    def api_apps_connections_open(self, params):
        token = params.get("token") or ""
        if not token.startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        if token != self.app_token or not self.socket_url:
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, "url": self.socket_url}

    def api_reactions_add(self, params):
        return {"ok": True}

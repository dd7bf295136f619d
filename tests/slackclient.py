"""Sends requests to the app exactly as Slack does: signed with the signing secret, over real HTTP."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from blockkit import block_kit_problems
from fakeslack import HOME_TEAM

_ids = itertools.count(1)


def sign(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Response:
    status: int
    body: str

    def json(self) -> dict[str, Any]:
        return json.loads(self.body) if self.body else {}

    @property
    def text(self) -> str:
        """Everything a person reads in the answer: fallback text and every block's text."""
        data = self.json()
        parts = [data.get("text", "")]
        for block in data.get("blocks", []):
            parts.append(json.dumps(block, ensure_ascii=False))
        return "\n".join(parts)


class SlackClient:
    """Signed requests to the app. The app answers most of them at once and processes them behind the
    answer (bot.core.inbox): with `settle` (wait until the app has processed what it stored) every call
    returns once its request has been processed, and with `fake` a command returns the reply the app sent
    to the command's response_url, as Slack would show it."""

    def __init__(self, base_url: str, signing_secret: str, *, settle: Callable[[int], None] | None = None,
                 fake: Any = None):  # fmt: skip
        self.url = base_url.rstrip("/") + "/slack/events"
        self.secret = signing_secret
        self.settle, self.fake = settle, fake

    def response_url(self, kind: str) -> str:
        key = f"{kind}/{next(_ids)}"
        return self.fake.hook_url(key) if self.fake is not None else f"https://hooks.example.invalid/{key}"

    def reply(self, response_url: str) -> dict[str, Any] | None:
        """The last message the app sent to `response_url`, without the fields only a response_url needs."""
        if self.fake is None:
            return None
        sent = self.fake.replies.get(response_url.rsplit("/hooks/", 1)[-1]) or []
        if not sent:
            return None
        return {k: v for k, v in sent[-1].items() if k not in ("response_type", "replace_original")}

    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        request = urllib.request.Request(self.url, data=body.encode(), method="POST")
        request.add_header("Content-Type", content_type)
        request.add_header("X-Slack-Request-Timestamp", ts)
        request.add_header("X-Slack-Signature", signature or sign(self.secret, ts, body))
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answer = Response(response.status, response.read().decode())
                stored = int(response.headers.get("X-Srm-Request") or 0)
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode())
        if self.settle is not None and stored:
            self.settle(stored)
        return answer

    def command(
        self,
        text: str,
        *,
        user: str,
        channel: str,
        channel_name: str = "supplier-shared",
        team: str = HOME_TEAM,
        **sign_options,
    ) -> Response:
        """`/srm <text>` as Slack sends it (form-encoded), answered with the ephemeral reply."""
        form = {
            "token": "legacy",
            "team_id": team,
            "team_domain": "home",
            "channel_id": channel,
            "channel_name": channel_name,
            "user_id": user,
            "user_name": user.lower(),
            "command": "/srm",
            "text": text,
            "api_app_id": "A0SRM",
            "response_url": self.response_url("commands"),
            "trigger_id": f"{next(_ids)}.trigger",
        }
        response = self.post(urlencode(form), "application/x-www-form-urlencoded", **sign_options)
        reply = None
        if response.status == 200 and not response.body and self.fake is not None:
            # Processed here (settle) or by the app's own worker (a `srm run` process): its reply, once sent.
            if self.settle is not None:
                reply = self.reply(form["response_url"])
            else:
                reply = self.fake.wait_for(
                    lambda: self.reply(form["response_url"]), timeout=15, what="the reply"
                )
        if reply is not None:
            response = Response(200, json.dumps(reply))
        if response.status == 200 and response.body:
            problems = block_kit_problems(response.json())
            assert not problems, f"ephemeral answer breaks Block Kit limits: {problems}"
        return response

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        team: str = HOME_TEAM,
        retry: int | None = None,
    ) -> Response:
        """An Events API delivery (event_callback); `retry` sets the X-Slack-Retry-Num header."""
        envelope = {
            "token": "legacy",
            "team_id": team,
            "api_app_id": "A0SRM",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}",
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": HOME_TEAM, "user_id": "U0BOT", "is_bot": True}],
        }
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return self.post(json.dumps(envelope), "application/json", headers=headers)

    def message(
        self,
        text: str,
        *,
        user: str,
        channel: str,
        thread_ts: str | None = None,
        ts: str | None = None,
        files: list[dict] | None = None,
        event_id: str | None = None,
    ) -> Response:
        event = {
            "type": "message",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": ts or f"{int(time.time())}.{next(_ids):06d}",
            "channel_type": "channel",
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        if files:
            event["files"], event["subtype"] = files, "file_share"
        return self.event(event, event_id=event_id)

    def message_changed(self, ts: str, text: str, *, user: str, channel: str, previous: str,
                        edited_ts: str | None = None, event_id: str | None = None) -> Response:  # fmt: skip
        """Someone edited their message `ts` (Slack sends the new version and the previous one)."""
        edited = edited_ts or f"{int(time.time())}.{next(_ids):06d}"
        return self.event({
            "type": "message", "subtype": "message_changed", "hidden": True, "channel": channel,
            "channel_type": "channel", "ts": edited, "event_ts": edited,
            "message": {"type": "message", "user": user, "text": text, "ts": ts, "edited": {"user": user, "ts": edited}},
            "previous_message": {"type": "message", "user": user, "text": previous, "ts": ts},
        }, event_id=event_id)  # fmt: skip

    def message_deleted(self, ts: str, *, user: str, channel: str, previous: str) -> Response:
        """Message `ts` was deleted."""
        now = f"{int(time.time())}.{next(_ids):06d}"
        return self.event({
            "type": "message", "subtype": "message_deleted", "hidden": True, "channel": channel,
            "channel_type": "channel", "ts": now, "event_ts": now, "deleted_ts": ts,
            "previous_message": {"type": "message", "user": user, "text": previous, "ts": ts},
        })  # fmt: skip


def _interactive(client: SlackClient, payload: dict[str, Any]) -> Response:
    if "response_url" in payload:
        payload = {**payload, "response_url": client.response_url("actions")}
    return client.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


def click(client: SlackClient, action_id: str, value: str, *, user: str, channel: str, team: str = HOME_TEAM,
          message_ts: str = "1700000001.000100") -> Response:  # fmt: skip
    """A button press on a bot message, as Slack sends it (block_actions)."""
    return _interactive(client, {
        "type": "block_actions", "user": {"id": user, "team_id": team}, "api_app_id": "A0SRM", "token": "legacy",
        "team": {"id": HOME_TEAM}, "channel": {"id": channel},
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
        "trigger_id": f"{next(_ids)}.trigger", "response_url": "https://hooks.example.invalid/actions/1",
        "actions": [{"action_id": action_id, "block_id": "b", "value": value, "type": "button",
                     "action_ts": str(time.time())}],
    })  # fmt: skip


def submit(client: SlackClient, view: dict[str, Any], values: dict[str, Any], *, user: str,
           team: str = HOME_TEAM) -> Response:  # fmt: skip
    """Submit a modal the app opened: `values` maps block id → typed value (str, date, selected option)."""
    state = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input" or block["block_id"] not in values:
            continue
        kind, value = block["element"]["type"], values[block["block_id"]]
        element = {"type": kind}
        if kind == "datepicker":
            element["selected_date"] = value
        elif kind == "static_select":
            element["selected_option"] = {"value": value, "text": {"type": "plain_text", "text": value}}
        elif kind == "timepicker":
            element["selected_time"] = value
        elif kind == "checkboxes":
            element["selected_options"] = [
                {"value": v, "text": {"type": "plain_text", "text": v}} for v in value
            ]
        else:
            element["value"] = value
        state[block["block_id"]] = {"value": element}
    return _interactive(client, {
        "type": "view_submission", "team": {"id": HOME_TEAM}, "user": {"id": user, "team_id": team},
        "api_app_id": "A0SRM", "token": "legacy", "trigger_id": f"{next(_ids)}.trigger",
        "view": {**view, "id": "V0MODAL", "state": {"values": state}},
    })  # fmt: skip


def click_home(
    client: SlackClient, action_id: str, value: str, *, user: str, team: str = HOME_TEAM
) -> Response:
    """A button press on the app's Home tab (block_actions from a view: no channel)."""
    return _interactive(client, {
        "type": "block_actions", "user": {"id": user, "team_id": team}, "api_app_id": "A0SRM", "token": "legacy",
        "team": {"id": HOME_TEAM}, "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home", "blocks": [], "private_metadata": ""},
        "trigger_id": f"{next(_ids)}.trigger",
        "actions": [{"action_id": action_id, "block_id": "b", "value": value, "type": "button",
                     "action_ts": str(time.time())}],
    })  # fmt: skip


def message_shortcut(client: SlackClient, callback_id: str, *, user: str, channel: str, message: dict[str, Any],
                     team: str = HOME_TEAM) -> Response:  # fmt: skip
    """A message shortcut ("…" menu on a message), as Slack sends it."""
    return _interactive(client, {
        "type": "message_action", "callback_id": callback_id, "user": {"id": user, "team_id": team},
        "team": {"id": HOME_TEAM}, "channel": {"id": channel, "name": "shared"}, "api_app_id": "A0SRM",
        "token": "legacy", "trigger_id": f"{next(_ids)}.trigger", "message_ts": message["ts"], "message": message,
        "response_url": "https://hooks.example.invalid/shortcuts/1",
    })  # fmt: skip


def select(client: SlackClient, action_id: str, value: str, *, user: str, channel: str,
           team: str = HOME_TEAM) -> Response:  # fmt: skip
    """A choice in a static select on a bot message (block_actions)."""
    return _interactive(client, {
        "type": "block_actions", "user": {"id": user, "team_id": team}, "api_app_id": "A0SRM", "token": "legacy",
        "team": {"id": HOME_TEAM}, "channel": {"id": channel}, "trigger_id": f"{next(_ids)}.trigger",
        "container": {"type": "message", "message_ts": "1700000001.000100", "channel_id": channel},
        "actions": [{"action_id": action_id, "block_id": "b", "type": "static_select",
                     "selected_option": {"value": value, "text": {"type": "plain_text", "text": value}},
                     "action_ts": str(time.time())}],
    })  # fmt: skip

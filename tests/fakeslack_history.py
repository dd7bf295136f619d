"""The fake Slack's reading of channels and threads back (conversations.history/replies), paged as Slack pages."""

from __future__ import annotations

import json
from typing import Any


class HistoryApi:
    """Mixed into FakeSlack: its `messages`, `channels` and `_lock` are the state read here."""

    def _listed(self, ts: str, params: dict[str, Any]) -> dict[str, Any]:
        """A stored message as conversations.history/replies list it (metadata only when asked for)."""
        message = self.messages[(params["channel"], ts)]
        listed = {"type": "message", "ts": ts, "text": message.get("text"), "bot_id": "B0BOT"}
        if message.get("thread_ts"):
            listed["thread_ts"] = message["thread_ts"]
        metadata = message.get("metadata")
        if metadata and str(params.get("include_all_metadata")).lower() in ("true", "1"):
            listed["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        return listed

    def _channel_messages(self, params) -> list[str] | None:
        if params.get("channel") not in self.channels:
            return None
        with self._lock:
            return sorted((ts for channel, ts in self.messages if channel == params["channel"]), key=float)

    def api_conversations_history(self, params):
        """Top-level messages, newest first (`oldest` is not applied: the fake's ts are not real times)."""
        found = self._channel_messages(params)
        if found is None:
            return {"ok": False, "error": "channel_not_found"}
        top = [self._listed(ts, params) for ts in reversed(found)]
        return self._page([m for m in top if m.get("thread_ts") in (None, m["ts"])], params)

    def api_conversations_replies(self, params):
        """The thread's parent and its replies, oldest first."""
        found = self._channel_messages(params)
        if found is None or params.get("ts") not in found:
            return {"ok": False, "error": "thread_not_found"}
        listed = [self._listed(ts, params) for ts in found]
        thread = [m for m in listed if m["ts"] == params["ts"] or m.get("thread_ts") == params["ts"]]
        return self._page(thread, params)

    @staticmethod
    def _page(messages: list[dict[str, Any]], params) -> dict[str, Any]:
        """One page of `limit` messages from `cursor` (the fake's cursor is an offset), as Slack pages."""
        start, limit = int(params.get("cursor") or 0), int(params.get("limit") or 100)
        more = start + limit < len(messages)
        return {"ok": True, "messages": messages[start : start + limit], "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}  # fmt: skip

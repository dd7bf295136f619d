"""Finding a post that Slack accepted although its answer never arrived.

Every `chat.postMessage` from the outbox carries message metadata naming its outbox row. When an
attempt's outcome is unknown (a timeout or a dropped connection, or a worker that died mid-send), the
next attempt first reads the channel (or the thread) back and adopts the message it finds instead of
posting a second one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient

from bot.core.manifest_parts import SlackNeeds

EVENT_TYPE = "srm_outbox"
# Recorded as the last error of a row whose worker stopped while sending it (see Delivery).
WORKER_STOPPED = "unknown: the worker stopped while sending"
# Last errors after which Slack may have stored the post: no clean answer came back.
_UNKNOWN_OUTCOME_PREFIXES = ("network:", "unknown:")
# Slack's clock and ours differ; the window starts this much before the row was queued.
LOOKBACK_MARGIN = timedelta(minutes=5)
PAGE_SIZE = 200  # Slack's recommended page size for conversations.history/replies
MAX_PAGES = 10  # a busier window than 2,000 messages since the row was queued is not read to its end
# Posting with metadata needs nothing more than chat:write; reading a channel back needs its history.
NEEDS = SlackNeeds(scopes=("chat:write", "channels:history", "groups:history"))


def outbox_metadata(row_id: int) -> dict[str, Any]:
    """The message metadata that marks a post as the outbox row `row_id`'s."""
    return {"event_type": EVENT_TYPE, "event_payload": {"outbox_id": row_id}}


def outcome_unknown(last_error: str | None) -> bool:
    """Whether the previous attempt may have reached Slack although no answer said so."""
    return bool(last_error) and last_error.startswith(_UNKNOWN_OUTCOME_PREFIXES)


def find_earlier_post(
    client: WebClient, *, row_id: int, channel: str, thread_ts: str | None, since: datetime
) -> tuple[str, str] | None:
    """The (ts, channel) of the row's post if Slack already has it, else None; raises when Slack cannot
    be asked (the caller then posts)."""
    oldest = f"{(since - LOOKBACK_MARGIN).timestamp():.6f}"
    read = client.conversations_replies if thread_ts else client.conversations_history
    where = {"channel": channel, "ts": thread_ts} if thread_ts else {"channel": channel}
    cursor = None
    for _ in range(MAX_PAGES):
        page = {"cursor": cursor} if cursor else {}
        response = read(**where, oldest=oldest, include_all_metadata=True, limit=PAGE_SIZE, **page)
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == EVENT_TYPE and str(payload.get("outbox_id")) == str(row_id):
                return message["ts"], channel
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None

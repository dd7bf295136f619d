"""Who the bot is in its workspace, for every request, without making requests wait on Slack.

Bolt asks `auth.test` on the first request of a process when it is given a token, and answers with an
apology (or an HTTP 500) while Slack cannot say. Here the answer is remembered once Slack has given it;
until then a request goes on with the token alone, and Slack is asked again at most every
`retry_seconds`, in a short call: `/srm help` is answered even while the Web API is down. Request
signatures are verified before this runs, as always.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


class BotIdentity(Authorize):
    """Bolt's `authorize` for one workspace and a static bot token, remembering `auth.test`."""

    def __init__(self, client: WebClient, *, retry_seconds: float = 30.0, timeout: int = 2):
        self._token = client.token
        self._client = WebClient(
            token=client.token, base_url=client.base_url, timeout=timeout, retry_handlers=[]
        )
        self._retry_seconds = retry_seconds
        self._known: dict[str, Any] | None = None
        self._next_try = 0.0
        self._asking = threading.Lock()

    def __call__(self, *, context: BoltContext, enterprise_id: str | None, team_id: str | None,
                 user_id: str | None, **_actor: Any) -> AuthorizeResult:  # fmt: skip
        known = self._known or self._ask()
        if known is None:  # Slack has not said yet: the bot's own ids are unknown for now
            return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=self._token,
                                   user_id=user_id)  # fmt: skip
        return AuthorizeResult(
            enterprise_id=known.get("enterprise_id"), team_id=known.get("team_id"), bot_token=self._token,
            bot_id=known.get("bot_id"), bot_user_id=known.get("user_id"), user_id=user_id,
        )  # fmt: skip

    def _ask(self) -> dict[str, Any] | None:
        """auth.test, by one request at a time and not again before the retry time; None when Slack
        cannot say now."""
        if time.monotonic() < self._next_try or not self._asking.acquire(blocking=False):
            return None
        try:
            if self._known is None:
                self._known = dict(self._client.auth_test().data)
        except (SlackApiError, OSError) as exc:
            log.warning("auth.test failed (%s); going on with the token alone for now", exc)
            self._next_try = time.monotonic() + self._retry_seconds
        finally:
            self._asking.release()
        return self._known


_WORKSPACES: dict[tuple[str, str | None], dict[str, Any]] = {}


def remember_workspace(client: WebClient, answer: dict[str, Any]) -> None:
    """Keep auth.test's answer for this client's token (start-up asks it once; jobs reuse it)."""
    _WORKSPACES[(client.base_url, client.token)] = dict(answer)


def workspace_identity(client: WebClient) -> dict[str, Any] | None:
    """auth.test's answer for this client's token (`url`, `team_id`, …), asked once per process; None
    while Slack cannot say. Call it with no transaction open."""
    key = (client.base_url, client.token)
    if key not in _WORKSPACES:
        try:
            remember_workspace(client, client.auth_test().data)
        except (SlackApiError, OSError) as exc:
            log.warning("auth.test failed (%s)", exc)
            return None
    return _WORKSPACES[key]

"""Socket Mode: Slack's requests arrive over a websocket opened with the app token (`srm run --socket`).

Each envelope goes through the same SlackRequests.handle as an HTTP request (one transaction, after-commit
calls) and is acknowledged by its envelope id with the listener's answer. Slack authenticates the socket
with the app token, so there is no signature to check (Bolt skips it for mode="socket_mode").
"""

from __future__ import annotations

import logging
import threading
import time

from slack_bolt import BoltRequest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import build_headers, send_response
from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.core.web import SlackRequests

log = logging.getLogger(__name__)


class SlackSocket(SocketModeHandler):
    """Bolt's built-in Socket Mode handler, dispatching through SlackRequests; stops gracefully."""

    def __init__(self, requests: SlackRequests, app_token: str, web_client: WebClient, concurrency: int = 8):
        super().__init__(requests.bolt_app, app_token, web_client=web_client, concurrency=concurrency)
        self.requests = requests
        self._stopping = False
        self._in_flight = 0
        self._idle = threading.Condition()

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        with self._idle:
            if self._stopping:
                return  # not acknowledged: Slack delivers it again to the next connection
            self._in_flight += 1
        try:
            start = time.time()
            bolt_request = BoltRequest(mode="socket_mode", body=req.payload, headers=build_headers(req))
            send_response(client, req, self.requests.handle(bolt_request), start)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def stop(self, grace: float = 5.0) -> None:
        """Take no new envelope, let those in progress finish and be acknowledged (≤ `grace` s), close."""
        with self._idle:
            self._stopping = True
            log.info("stopping: no new requests; %s in progress", self._in_flight)
            if not self._idle.wait_for(lambda: self._in_flight == 0, timeout=grace):
                log.warning(
                    "stopped with %s request(s) still in progress after %.0f s", self._in_flight, grace
                )
        self.close()

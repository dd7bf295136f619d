"""A stand-in for Slack's Socket Mode server: a local websocket that says hello, sends envelopes and
collects the app's acknowledgements by envelope id."""

from __future__ import annotations

import itertools
import json
import threading
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

_ids = itertools.count(1)


class SocketSlack:
    """Accepts the app's websocket at `url`; `send()` pushes an envelope, `ack()` waits for its answer."""

    def __init__(self) -> None:
        self.server: Server = serve(self._serve, "127.0.0.1", 0, ping_interval=None)
        self.url = f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/link/?ticket=t1"
        self.acks: dict[str, dict[str, Any]] = {}
        self._connection: ServerConnection | None = None
        self._changed = threading.Condition()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> SocketSlack:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)

    def _serve(self, connection: ServerConnection) -> None:
        connection.send(
            json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0SRM"}})
        )
        with self._changed:
            self._connection = connection
            self._changed.notify_all()
        try:
            for raw in connection:
                message = json.loads(raw)
                with self._changed:
                    self.acks[message["envelope_id"]] = message
                    self._changed.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                if self._connection is connection:
                    self._connection = None
                self._changed.notify_all()

    def connected(self, timeout: float = 30.0) -> bool:
        """Wait until the app has connected (and been greeted)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._connection is not None, timeout=timeout)

    def send(self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool = False) -> str:
        """Send one envelope (`events_api`, `slash_commands`, `interactive`); returns its envelope id."""
        envelope_id = f"env-{next(_ids)}"
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": accepts_response_payload}  # fmt: skip
        with self._changed:
            connection = self._connection
        assert connection is not None, "the app is not connected"
        connection.send(json.dumps(envelope))
        return envelope_id

    def ack(self, envelope_id: str, timeout: float = 15.0) -> dict[str, Any]:
        """The app's acknowledgement of `envelope_id` (fails after `timeout` s without one)."""
        with self._changed:
            if not self._changed.wait_for(lambda: envelope_id in self.acks, timeout=timeout):
                raise AssertionError(f"no ack for {envelope_id}")
            return self.acks[envelope_id]

    def request(self, kind: str, payload: dict[str, Any], **options) -> dict[str, Any]:
        """Send an envelope and return the payload of its ack ({} when the ack carries none)."""
        return self.ack(self.send(kind, payload, **options)).get("payload") or {}

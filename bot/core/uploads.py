"""Files posted through the outbox: the row holds what to draw, delivery draws it and uploads it.

Drawing (a chart, say) is slow and needs no database, so it happens at delivery time, outside any
transaction; the row is written in the transaction of the change behind it, like every message. A domain
registers a renderer under a name (`register_renderer`); core knows no domain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from bot.core.outbox import enqueue
from models import OutboxMessage

# Not a Web API method name: delivery calls files.getUploadURLExternal, the upload URL and
# files.completeUploadExternal for it (slack_sdk's files_upload_v2).
UPLOAD_METHOD = "files.upload_v2"

Renderer = Callable[[dict[str, Any]], bytes]
_RENDERERS: dict[str, Renderer] = {}


def register_renderer(name: str, render: Renderer) -> None:
    """Make `name` drawable: `render(data)` returns the file's bytes."""
    if _RENDERERS.get(name, render) is not render:
        raise ValueError(f"renderer {name!r} already registered")
    _RENDERERS[name] = render


def render(name: str, data: dict[str, Any]) -> bytes:
    """The file's bytes; KeyError when no renderer of that name is installed."""
    return _RENDERERS[name](data)


def upload_payload(
    *, renderer: str, data: dict[str, Any], filename: str, title: str, alt_text: str = ""
) -> dict[str, Any]:
    """The outbox payload of a file drawn by `renderer` from `data` (queued with method UPLOAD_METHOD)."""
    return {"renderer": renderer, "data": data, "filename": filename, "title": title, "alt_txt": alt_text}


def queue_upload(
    *,
    session: Session,
    channel_id: str,
    renderer: str,
    data: dict[str, Any],
    filename: str,
    title: str,
    alt_text: str = "",
) -> OutboxMessage:
    """Queue a file for `channel_id`, drawn by `renderer` from `data` when it is delivered."""
    payload = upload_payload(renderer=renderer, data=data, filename=filename, title=title, alt_text=alt_text)
    return enqueue(session=session, channel_id=channel_id, payload=payload, method=UPLOAD_METHOD)

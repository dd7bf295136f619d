"""The fake Slack's file uploads, as files_upload_v2 makes them: files.getUploadURLExternal, a POST of the
bytes to the upload URL it handed out, then files.completeUploadExternal sharing the file in a channel."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class FakeFile:
    id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str | None = None
    channel: str | None = None
    initial_comment: str | None = None
    alt_txt: str | None = None

    @property
    def is_png(self) -> bool:
        return bool(self.content) and self.content.startswith(PNG_SIGNATURE)


class FilesApi:
    """Mixed into FakeSlack: uses its `channels`, `_lock` and `url`; keeps `files` by id."""

    _file_ids = itertools.count(1)

    def _files(self) -> dict[str, FakeFile]:
        if not hasattr(self, "_uploaded"):
            self._uploaded: dict[str, FakeFile] = {}
        return self._uploaded

    @property
    def files(self) -> list[FakeFile]:
        """Files shared in a channel (upload completed), in order."""
        with self._lock:
            return [f for f in self._files().values() if f.channel]

    def files_in(self, channel: str) -> list[FakeFile]:
        return [f for f in self.files if f.channel == channel]

    def api_files_getUploadURLExternal(self, params):
        filename, length = params.get("filename"), params.get("length")
        if not filename or not str(length or "").isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._file_ids):06d}"
        with self._lock:
            self._files()[file_id] = FakeFile(file_id, filename, int(length), alt_txt=params.get("alt_txt"))
        upload_url = self.url.removesuffix("/api/") + f"/upload/{file_id}"
        return {"ok": True, "upload_url": upload_url, "file_id": file_id}

    def receive_upload(self, path: str, content: bytes) -> int:
        """The POST of a file's bytes to its upload URL; the HTTP status to answer."""
        file_id = path.rstrip("/").rsplit("/", 1)[-1]
        with self._lock:
            found = self._files().get(file_id)
            if found is None or found.content is not None or len(content) != found.length:
                return 400
            found.content = content
        return 200

    def api_files_completeUploadExternal(self, params):
        files = params.get("files")
        files = json.loads(files) if isinstance(files, str) else files or []
        channel = params.get("channel_id")
        if channel and channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        shared: list[dict[str, Any]] = []
        with self._lock:
            for item in files:
                found = self._files().get(item.get("id"))
                if found is None or found.content is None:
                    return {"ok": False, "error": "file_not_found"}
                found.title, found.channel = item.get("title"), channel
                found.initial_comment = params.get("initial_comment")
                shared.append({"id": found.id, "name": found.filename, "title": found.title})
        return {"ok": True, "files": shared}

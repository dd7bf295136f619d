"""Domain errors: a stable code plus parameters; views turn them into the reader's language."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the request; nothing was changed."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class Forbidden(DomainError):
    """The actor has no right to do this."""

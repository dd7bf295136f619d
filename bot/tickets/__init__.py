"""Problem tickets and their service-level targets."""

from bot.tickets import errors as _errors  # noqa: F401  (registers this domain's error texts)

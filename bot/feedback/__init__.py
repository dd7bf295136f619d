"""Two-way feedback: supplier contacts rate the buying side each evaluation period."""

from bot.feedback import errors as _errors  # noqa: F401  (registers this domain's error texts)

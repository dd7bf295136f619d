"""Suppliers and their linked channels."""

from bot.suppliers import errors as _errors  # noqa: F401  (registers this domain's error texts)

"""Orders: issuing, confirmation, date proposals, production updates, receipts, inspections."""

from bot.orders import errors as _errors  # noqa: F401  (registers this domain's error texts)

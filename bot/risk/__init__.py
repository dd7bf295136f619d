"""Risk early warning: signals from stored data and outside feeds, alerts, exposure."""

from bot.risk import errors as _errors  # noqa: F401  (registers this domain's error texts)

"""Co-creation projects with a supplier: joint R&D, cost-down or market work, and the value it realises."""

from bot.projects import errors as _errors  # noqa: F401  (registers this domain's error texts)

"""Corrective actions (CAPA): rules, cards, the overdue reminder and scorecard variables."""

from bot.capa import errors as _errors  # noqa: F401  (registers this domain's error texts)

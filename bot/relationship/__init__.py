"""Relationship depth: tiers with their policies, loyalty and tier promotions, country guides."""

from bot.relationship import errors as _errors  # noqa: F401  (registers this domain's error texts)

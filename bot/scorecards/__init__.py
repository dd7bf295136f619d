"""Supplier scorecards: variables, criteria formulas, scores, levels and their approvals."""

from bot.core.uploads import register_renderer
from bot.scorecards import errors as _errors  # noqa: F401  (registers this domain's error texts)
from bot.scorecards.chart import RENDERER, render_chart

register_renderer(RENDERER, render_chart)

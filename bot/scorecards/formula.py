"""Criterion scores and a supplier's score from its variables, as app.yaml's criteria define them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from bot.config import Criterion
from bot.expressions import Formula, parse


@dataclass(frozen=True)
class Scored:
    """A supplier's score (0-100, None: not enough data) and each criterion's 0-100 score (None: left out)."""

    score: float | None
    criteria: dict[str, float | None]


@cache
def compiled(text: str) -> Formula:
    """The checked formula of `text` (app.yaml is checked at start, so this does not fail for its formulas)."""
    return parse(text)


def criterion_score(criterion: Criterion, values: Mapping[str, float | None]) -> float | None:
    """clamp(formula, 0, max_score) / max_score * 100; None when any variable it names is null."""
    value = compiled(criterion.formula).evaluate(values)
    if value is None:
        return None
    return min(max(value, 0.0), criterion.max_score) / criterion.max_score * 100


def score(criteria: Sequence[Criterion], values: Mapping[str, float | None]) -> Scored:
    """The weighted sum of the criterion scores, the weights of those left out shared by the rest."""
    scores = {c.name: criterion_score(c, values) for c in criteria}
    weights = sum(c.weight for c in criteria if scores[c.name] is not None)
    if not weights:
        return Scored(None, scores)
    total = sum(c.weight * scores[c.name] for c in criteria if scores[c.name] is not None)
    return Scored(total / weights, scores)

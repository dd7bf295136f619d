"""What other domains show on the scorecard surfaces, registered by the composition root (bot/surfaces.py):
facts about each supplier next to its level on the card, and sections of the buyers' portfolio. This
package imports none of those domains."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from bot.scorecards.periods import Period

Fact = Callable[[], str]  # a short text, rendered in the current locale (the card's reader's)
CardFacts = Callable[[Session, list[int]], "dict[int, list[Fact]]"]
Blocks = Callable[[], "list[dict[str, Any]]"]  # Block Kit blocks, rendered in the current locale
PortfolioSection = Callable[[Session, Period], "Blocks | None"]

_CARD_FACTS: list[CardFacts] = []
_PORTFOLIO_SECTIONS: list[PortfolioSection] = []


def register_card_facts(provider: CardFacts) -> None:
    """`provider(session, supplier_ids)` → supplier id → facts; it answers for all suppliers at once (a few
    aggregate queries, never one per supplier)."""
    if provider not in _CARD_FACTS:
        _CARD_FACTS.append(provider)


def register_portfolio_section(provider: PortfolioSection) -> None:
    """`provider(session, period)` → a builder of the portfolio's blocks for that period, or None."""
    if provider not in _PORTFOLIO_SECTIONS:
        _PORTFOLIO_SECTIONS.append(provider)


def card_facts(session: Session, supplier_ids: list[int]) -> dict[int, tuple[Fact, ...]]:
    """Every registered fact of each supplier, in the order the providers were registered."""
    if not supplier_ids:
        return {}
    found: dict[int, list[Fact]] = {supplier_id: [] for supplier_id in supplier_ids}
    for provider in _CARD_FACTS:
        for supplier_id, facts in provider(session, supplier_ids).items():
            if supplier_id in found:
                found[supplier_id].extend(facts)
    return {supplier_id: tuple(facts) for supplier_id, facts in found.items()}


def portfolio_sections(session: Session, period: Period) -> tuple[Blocks, ...]:
    return tuple(
        blocks for provider in _PORTFOLIO_SECTIONS if (blocks := provider(session, period)) is not None
    )

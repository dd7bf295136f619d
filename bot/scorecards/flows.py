"""Scorecard workflows: an evaluation's rule plus the messages it causes, in the same transaction."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from bot.config import AppConfig


def announce_evaluation(
    *, session: Session, config: AppConfig, period_start: date, period_end: date, proposal_ids: list[int]
) -> None:
    """Posts cards, portfolio and proposals; filled by the Slack side."""
    return None

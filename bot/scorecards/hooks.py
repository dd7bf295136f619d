"""What other domains do when scorecards change, registered by the composition root (bot/app.py), so the
scorecards domain imports none of them (a rectification CAPA after a downgrade, feedback invitations
after an evaluation)."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from sqlmodel import Session

from bot.config import AppConfig


class LevelApplied(Protocol):
    def __call__(self, *, session: Session, supplier_id: int, old_level: str | None, new_level: str,
                 downgrade: bool, config: AppConfig) -> None: ...  # fmt: skip


class PeriodEvaluated(Protocol):
    def __call__(
        self, *, session: Session, config: AppConfig, period_start: date, period_end: date
    ) -> None: ...


_LEVEL_APPLIED: list[LevelApplied] = []
_PERIOD_EVALUATED: list[PeriodEvaluated] = []


def on_level_applied(hook: LevelApplied) -> LevelApplied:
    """Call `hook` in the transaction of every approved level change, once it is applied."""
    if hook not in _LEVEL_APPLIED:
        _LEVEL_APPLIED.append(hook)
    return hook


def on_period_evaluated(hook: PeriodEvaluated) -> PeriodEvaluated:
    """Call `hook` in the transaction of every period's evaluation, after its posts are queued."""
    if hook not in _PERIOD_EVALUATED:
        _PERIOD_EVALUATED.append(hook)
    return hook


def remove_hook(hook: LevelApplied | PeriodEvaluated) -> None:
    """Undo `on_level_applied` / `on_period_evaluated` for `hook`."""
    for hooks in (_LEVEL_APPLIED, _PERIOD_EVALUATED):
        if hook in hooks:
            hooks.remove(hook)


def level_applied(*, session: Session, supplier_id: int, old_level: str | None, new_level: str,
                  downgrade: bool, config: AppConfig) -> None:  # fmt: skip
    for hook in list(_LEVEL_APPLIED):
        hook(session=session, supplier_id=supplier_id, old_level=old_level, new_level=new_level,
             downgrade=downgrade, config=config)  # fmt: skip


def period_evaluated(*, session: Session, config: AppConfig, period_start: date, period_end: date) -> None:
    for hook in list(_PERIOD_EVALUATED):
        hook(session=session, config=config, period_start=period_start, period_end=period_end)

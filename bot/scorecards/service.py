"""Scorecard rules: evaluate every supplier for a period, store the evaluations, classify levels.

A supplier's first classification is applied directly (a level change `set`); after that a level
moves only by an admin's approval of a `proposed` change, and only when the score crosses a band's
edge by `scorecards.hysteresis` points, so a score wavering around an edge does not flap. Scores never
propose a blacklisted supplier away from the blacklist."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from bot.config import BLACKLIST_LEVEL, AppConfig, LevelBand
from bot.core.actors import SYSTEM
from bot.core.audit import record_event
from bot.scorecards.formula import score
from bot.scorecards.periods import Period
from bot.scorecards.variables import compute_variables
from models import LevelChange, ScorecardEvaluation, Supplier


@dataclass
class Evaluated:
    """What one evaluation of a period stored: the evaluations and the level changes it made."""

    evaluations: list[ScorecardEvaluation] = field(default_factory=list)
    set_levels: list[LevelChange] = field(default_factory=list)
    proposals: list[LevelChange] = field(default_factory=list)


def band_of(value: float, bands: Sequence[LevelBand]) -> LevelBand:
    """The highest band whose min_score the score reaches (`bands` from the lowest; the lowest starts at 0)."""
    reached = [band for band in bands if band.min_score <= value]
    return reached[-1] if reached else bands[0]


def level_after(current: str | None, value: float, bands: Sequence[LevelBand], hysteresis: float) -> str:
    """The level a score supports from `current`: up only at `hysteresis` points or more above the next
    band's edge, down only more than `hysteresis` points below the current band's edge."""
    names = [band.name for band in bands]
    if current not in names:
        return band_of(value, bands).name
    up, down = band_of(value - hysteresis, bands).name, band_of(value + hysteresis, bands).name
    if names.index(up) > names.index(current):
        return up
    if names.index(down) < names.index(current):
        return down
    return current


def evaluate_period(*, session: Session, config: AppConfig, period: Period, now: datetime) -> Evaluated:
    """Evaluate and store every supplier's scorecard for `period`, classify levels (one transaction:
    the caller's); suppliers without data get an evaluation with a null score."""
    policy = config.scorecards
    suppliers = session.exec(select(Supplier).order_by(Supplier.id)).all()
    values = compute_variables(
        session=session, period=period, config=policy, supplier_ids=[s.id for s in suppliers]
    )
    bands = policy.bands()
    done = Evaluated()
    for supplier in suppliers:
        scored = score(policy.criteria, values[supplier.id])
        level = None if scored.score is None else band_of(scored.score, bands).name
        done.evaluations.append(
            ScorecardEvaluation(
                supplier_id=supplier.id,
                period_start=period.start,
                period_end=period.end,
                score=scored.score,
                level=level,
                variables=values[supplier.id],
                criteria=scored.criteria,
                evaluated_at=now,
            )
        )
    session.add_all(done.evaluations)
    session.flush()
    for evaluation in done.evaluations:
        _audit(session, "scorecard_evaluation", evaluation.id, "evaluated", None,
               {"supplier_id": evaluation.supplier_id, "period_start": period.start.isoformat(),
                "score": evaluation.score, "level": evaluation.level})  # fmt: skip
    _classify(session, config, suppliers, done, now)
    return done


def _classify(
    session: Session, config: AppConfig, suppliers: Sequence[Supplier], done: Evaluated, now: datetime
):
    policy = config.scorecards
    bands = policy.bands()
    pending = _pending_proposals(session)
    for supplier, evaluation in zip(suppliers, done.evaluations, strict=True):
        if evaluation.score is None or supplier.level == BLACKLIST_LEVEL:
            continue
        if supplier.level is None:
            done.set_levels.append(_set_first_level(session, supplier, evaluation, now))
            continue
        target = level_after(supplier.level, evaluation.score, bands, policy.hysteresis)
        for older in pending.get(supplier.id, []):
            _supersede(session, older, now)
        if target != supplier.level:
            done.proposals.append(_propose(session, supplier, evaluation, target, now))
    session.flush()


def _pending_proposals(session: Session) -> dict[int, list[LevelChange]]:
    found: dict[int, list[LevelChange]] = {}
    for change in session.exec(select(LevelChange).where(LevelChange.status == "proposed")):
        found.setdefault(change.supplier_id, []).append(change)
    return found


def _set_first_level(session: Session, supplier: Supplier, evaluation: ScorecardEvaluation, now: datetime):
    change = LevelChange(supplier_id=supplier.id, evaluation_id=evaluation.id, from_level=None,
                         to_level=evaluation.level, status="set", proposed_at=now, decided_by=SYSTEM.user_id,
                         decided_at=now)  # fmt: skip
    session.add(change)
    supplier.level, supplier.level_since = evaluation.level, now
    _audit(session, "supplier", supplier.id, "level_set", {"level": None}, {"level": evaluation.level})
    return change


def _supersede(session: Session, older: LevelChange, now: datetime) -> None:
    """A pending proposal that a newer evaluation replaces (by another proposal, or by keeping the level)."""
    older.status, older.decided_by, older.decided_at = "superseded", SYSTEM.user_id, now
    _audit(session, "level_change", older.id, "superseded", {"status": "proposed"}, {"status": "superseded"})


def _propose(
    session: Session, supplier: Supplier, evaluation: ScorecardEvaluation, target: str, now: datetime
):
    change = LevelChange(supplier_id=supplier.id, evaluation_id=evaluation.id, from_level=supplier.level,
                         to_level=target, status="proposed", proposed_at=now)  # fmt: skip
    session.add(change)
    session.flush()
    _audit(session, "level_change", change.id, "proposed", {"level": supplier.level},
           {"level": target, "supplier_id": supplier.id, "score": evaluation.score})  # fmt: skip
    return change


def _audit(session: Session, object_type: str, object_id, action: str, before, after) -> None:
    record_event(session=session, actor_id=SYSTEM.user_id, actor_role="system", object_type=object_type,
                 object_id=object_id, action=action, before=before, after=after)  # fmt: skip

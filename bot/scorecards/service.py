"""Scorecard rules: evaluate every supplier for a period, store the evaluations, classify levels.

A supplier's first classification is applied directly (a level change `set`); after that a level
moves only by an admin's approval of a `proposed` change, and only when the score crosses a band's
edge by `scorecards.hysteresis` points, so a score wavering around an edge does not flap. Scores never
propose a blacklisted supplier away from the blacklist.

An evaluation writes a row or two for every supplier, so it writes them with bulk statements rather than
one object at a time (thousands of suppliers are evaluated in one transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, select

from bot.config import BLACKLIST_LEVEL, AppConfig, LevelBand
from bot.core.actors import SYSTEM, Actor
from bot.core.audit import record_event, record_events
from bot.core.db import lock_row
from bot.core.errors import DomainError, Forbidden
from bot.scorecards import hooks
from bot.scorecards.formula import score
from bot.scorecards.periods import Period
from bot.scorecards.variables import compute_variables
from models import LevelChange, ScorecardEvaluation, Supplier


@dataclass
class Evaluated:
    """What one evaluation of a period did."""

    evaluated: int = 0
    scored: int = 0
    levels_set: int = 0
    proposal_ids: list[int] = field(default_factory=list)


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
    """Evaluate and store every supplier's scorecard for `period` and classify levels, in the caller's
    transaction; suppliers without data get an evaluation with a null score."""
    policy = config.scorecards
    suppliers = dict(session.exec(select(Supplier.id, Supplier.level).order_by(Supplier.id)).all())
    values = compute_variables(session=session, period=period, config=policy, supplier_ids=list(suppliers))
    bands = policy.bands()
    rows = []
    for supplier_id, variables in values.items():
        scored = score(policy.criteria, variables)
        rows.append({"supplier_id": supplier_id, "period_start": period.start, "period_end": period.end,
                     "score": scored.score, "level": None if scored.score is None else band_of(scored.score, bands).name,
                     "variables": variables, "criteria": scored.criteria, "evaluated_at": now})  # fmt: skip
    if not rows:
        return Evaluated()
    session.execute(insert(ScorecardEvaluation.__table__), rows)
    ids = dict(
        session.exec(
            select(ScorecardEvaluation.supplier_id, ScorecardEvaluation.id).where(
                ScorecardEvaluation.period_start == period.start
            )
        ).all()
    )
    done = Evaluated(evaluated=len(rows), scored=sum(1 for r in rows if r["score"] is not None))
    # One event for the period's evaluations (new records, not changes); level changes get one each.
    _audit(session, [("scorecard_period", period.key, "evaluated", None,
                      {"period_start": period.start.isoformat(), "period_end": period.end.isoformat(),
                       "suppliers": done.evaluated, "scored": done.scored})])  # fmt: skip
    _classify(session, config, suppliers, [r | {"id": ids[r["supplier_id"]]} for r in rows], now, done)
    return done


def _classify(session: Session, config: AppConfig, levels: dict[int, str | None], evaluations: list[dict],
              now: datetime, done: Evaluated) -> None:  # fmt: skip
    """First levels set at once; other changes proposed, superseding the supplier's waiting proposals."""
    policy = config.scorecards
    bands = policy.bands()
    pending = _pending_proposals(session)
    first: list[dict] = []
    proposed: list[dict] = []
    superseded: list[int] = []
    for evaluation in evaluations:
        supplier_id, current = evaluation["supplier_id"], levels[evaluation["supplier_id"]]
        if evaluation["score"] is None or current == BLACKLIST_LEVEL:
            continue
        if current is None:
            first.append(evaluation)
            continue
        superseded.extend(pending.get(supplier_id, []))
        target = level_after(current, evaluation["score"], bands, policy.hysteresis)
        if target != current:
            proposed.append({"supplier_id": supplier_id, "evaluation_id": evaluation["id"], "from_level": current,
                             "to_level": target, "score": evaluation["score"]})  # fmt: skip
    _supersede(session, superseded, now)
    _set_first_levels(session, first, now)
    done.levels_set = len(first)
    done.proposal_ids = _propose(session, proposed, now)


def _pending_proposals(session: Session) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    query = select(LevelChange.supplier_id, LevelChange.id).where(LevelChange.status == "proposed")
    for supplier_id, change_id in session.exec(query):
        found.setdefault(supplier_id, []).append(change_id)
    return found


def _level_changes(
    evaluations: list[dict], status: str, now: datetime, decided: bool
) -> list[dict[str, Any]]:
    return [{"supplier_id": e["supplier_id"], "evaluation_id": e["evaluation_id"], "from_level": e["from_level"],
             "to_level": e["to_level"], "status": status, "reason": "", "proposed_by": SYSTEM.user_id,
             "proposed_at": now, "decided_by": SYSTEM.user_id if decided else None,
             "decided_at": now if decided else None} for e in evaluations]  # fmt: skip


def _set_first_levels(session: Session, evaluations: list[dict], now: datetime) -> None:
    """A supplier's first classification applies at once, recorded as a level change `set`."""
    if not evaluations:
        return
    changes = [{"supplier_id": e["supplier_id"], "evaluation_id": e["id"], "from_level": None, "to_level": e["level"]}
               for e in evaluations]  # fmt: skip
    session.execute(insert(LevelChange.__table__), _level_changes(changes, "set", now, decided=True))
    table = Supplier.__table__
    session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(level=bindparam("b_level"), level_since=now),
        [{"b_id": e["supplier_id"], "b_level": e["level"]} for e in evaluations],
    )
    _audit(session, [("supplier", e["supplier_id"], "level_set", {"level": None}, {"level": e["level"]})
                     for e in evaluations])  # fmt: skip


def _supersede(session: Session, change_ids: list[int], now: datetime) -> None:
    """Waiting proposals a newer evaluation replaces (by another proposal, or by keeping the level)."""
    if not change_ids:
        return
    session.execute(
        update(LevelChange.__table__)
        .where(LevelChange.__table__.c.id.in_(change_ids))
        .values(status="superseded", decided_by=SYSTEM.user_id, decided_at=now)
    )
    _audit(session, [("level_change", change_id, "superseded", {"status": "proposed"}, {"status": "superseded"})
                     for change_id in change_ids])  # fmt: skip


def _propose(session: Session, proposals: list[dict], now: datetime) -> list[int]:
    """Level changes waiting for an admin's approval; their ids, in supplier order."""
    if not proposals:
        return []
    session.execute(insert(LevelChange.__table__), _level_changes(proposals, "proposed", now, decided=False))
    by_evaluation = dict(
        session.exec(
            select(LevelChange.evaluation_id, LevelChange.id).where(
                LevelChange.status == "proposed",
                LevelChange.evaluation_id.in_([p["evaluation_id"] for p in proposals]),
            )
        ).all()
    )
    _audit(session, [("level_change", by_evaluation[p["evaluation_id"]], "proposed", {"level": p["from_level"]},
                      {"level": p["to_level"], "supplier_id": p["supplier_id"], "score": p["score"]})
                     for p in proposals])  # fmt: skip
    return [by_evaluation[p["evaluation_id"]] for p in proposals]


def _audit(session: Session, events: list[tuple]) -> None:
    record_events(session=session, events=[
        {"actor_id": SYSTEM.user_id, "actor_role": "system", "object_type": object_type, "object_id": object_id,
         "action": action, "before": before, "after": after}
        for object_type, object_id, action, before, after in events
    ])  # fmt: skip


def is_downgrade(before: str | None, after: str, bands: Sequence[LevelBand]) -> bool:
    """Whether `after` is a lower level than `before` (the blacklist is below every band)."""
    rank = {band.name: i for i, band in enumerate(bands)} | {BLACKLIST_LEVEL: -1}
    return before in rank and after in rank and rank[after] < rank[before]


def decide_level_change(
    *, session: Session, actor: Actor, change_id: int, approve: bool, now: datetime,
    config: AppConfig | None = None,
) -> LevelChange:  # fmt: skip
    """An admin approves (the supplier's level becomes the proposed one) or rejects a waiting proposal.

    Decided by a conditional UPDATE: of two admins pressing at once, one decides and the other is told
    it is already decided (so is anyone pressing on a proposal a newer evaluation replaced)."""
    if not actor.is_admin:
        raise Forbidden("admins_only")
    table = LevelChange.__table__
    status = "approved" if approve else "rejected"
    decided = session.execute(
        update(table).where(table.c.id == change_id, table.c.status == "proposed")
        .values(status=status, decided_by=actor.user_id, decided_at=now)
    ).rowcount  # fmt: skip
    change = session.exec(
        select(LevelChange).where(LevelChange.id == change_id).execution_options(populate_existing=True)
    ).first()
    if change is None:
        raise DomainError("level_change_unknown", id=change_id)
    if decided != 1:
        raise DomainError("level_change_decided", status=change.status)
    record_event(session=session, actor_id=actor.user_id, actor_role=actor.role, object_type="level_change",
                 object_id=change.id, action=change.status, before={"status": "proposed"},
                 after={"status": change.status})  # fmt: skip
    if approve:
        supplier = session.get(Supplier, change.supplier_id)
        lock_row(session, supplier)
        before = supplier.level
        supplier.level, supplier.level_since = change.to_level, now
        record_event(session=session, actor_id=actor.user_id, actor_role=actor.role, object_type="supplier",
                     object_id=supplier.id, action="level_changed", before={"level": before},
                     after={"level": change.to_level, "level_change_id": change.id})  # fmt: skip
        session.flush()
        config = config or AppConfig()
        hooks.level_applied(session=session, supplier_id=supplier.id, old_level=before, new_level=change.to_level,
                            downgrade=is_downgrade(before, change.to_level, config.scorecards.bands()),
                            config=config)  # fmt: skip
    session.flush()
    return change

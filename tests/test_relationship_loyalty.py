"""Loyalty end to end: computed for every supplier after each scorecard evaluation from relationship
length, recent orders, recent scores and CAPA discipline; two evaluations at or above `promote_at`
propose a tier promotion that only admins approve or reject, once."""

import json
from datetime import UTC, date, datetime
from functools import partial

import pytest
from conftest import ACME_CHANNEL, ACME_USER, BETA_CHANNEL, BUYER, BUYER_ES, BUYER_ZH
from helpers import translated
from slackclient import click
from sqlmodel import select
from test_races import at_once

from bot.app import make_client, scheduled_jobs
from bot.capa.service import open_rectification
from bot.core.db import session_scope
from bot.core.scheduler import JobContext, run_job
from bot.relationship.flows import announce_promotion
from bot.relationship.tiers import propose_promotion
from models import AuditEvent, Order, ScorecardEvaluation, Supplier, SupplierRelationship, TierChange

ADMIN, ADMIN_ZH = BUYER_ES, BUYER_ZH
APPROVALS = "C0ADMINS"


@pytest.fixture
def policy() -> dict:
    """`relationship` keys a test changes (parametrize `policy` to change them)."""
    return {}


@pytest.fixture
def config(config, policy):
    scorecards = config.scorecards.model_copy(update={"approvals_channel": APPROVALS})
    relationship = config.relationship.model_copy(update=policy)
    return config.model_copy(update={"admins": [ADMIN, ADMIN_ZH], "scorecards": scorecards,
                                     "relationship": relationship})  # fmt: skip


@pytest.fixture
def jobs(engine, config, settings, slack):
    slack.add_channel(APPROVALS, name="srm-admins")
    ctx = JobContext(engine=engine, config=config, client=make_client(settings), worker_id="w1")
    return partial(run_job, ctx, scheduled_jobs(config))


def _ids(session):
    return {s.name: s.id for s in session.exec(select(Supplier))}


def _evaluations(engine, supplier_id, scores):
    """Stored evaluations of May to September 2026 with these scores."""
    with session_scope(engine) as db:
        for month, score in zip(range(5, 10), scores, strict=True):
            end = date(2026, month + 1, 1).toordinal() - 1
            db.add(ScorecardEvaluation(supplier_id=supplier_id, period_start=date(2026, month, 1),
                                       period_end=date.fromordinal(end), score=score,
                                       evaluated_at=datetime(2026, month + 1, 1, tzinfo=UTC)))  # fmt: skip


def test_loyalty_is_computed_for_every_supplier_once(client, session, engine, config, jobs, acme, beta):
    client.command("order new PO-1 qty=10 due=2026-12-15", user=BUYER, channel=ACME_CHANNEL)
    client.command("order new PO-2 qty=10 due=2026-12-16", user=BUYER, channel=ACME_CHANNEL)
    with session_scope(engine) as db:  # Acme's first order was issued in June 2025
        db.exec(select(Order).where(Order.po == "PO-1")).one().issued_at = datetime(2025, 6, 15, tzinfo=UTC)
    ids = _ids(session)
    _evaluations(engine, ids["Acme Textiles"], [10, 60, 70, 80, 90])  # the last four: 75
    _evaluations(engine, ids["Beta Foods"], [50, 50, 50, 50, 50])
    with session_scope(engine) as db:  # Beta's corrective action was due in September and never verified
        open_rectification(session=db, supplier_id=ids["Beta Foods"], reason="Level down", config=config,
                           due=date(2026, 9, 20))  # fmt: skip
    assert jobs("loyalty", datetime(2026, 10, 2, tzinfo=UTC)) == (
        "2026-09-01: loyalty of 2 suppliers, 0 tier promotions proposed"
    )
    assert jobs("loyalty", datetime(2026, 10, 2, 1, tzinfo=UTC)) is None  # once per evaluated period
    acme = session.get(SupplierRelationship, ids["Acme Textiles"])
    beta = session.get(SupplierRelationship, ids["Beta Foods"])
    # 15 whole months since its first order (× 25/36), 1 order in the last 12 months (1/12 × 25), scores 75
    # × 0.35, no CAPA due: 100 × 0.15
    assert acme.loyalty == pytest.approx(15 / 36 * 25 + 25 / 12 + 75 * 0.35 + 15)
    assert beta.loyalty == pytest.approx(50 * 0.35)  # no orders; its only CAPA due was late: 0 %
    assert (acme.loyalty_period, acme.loyalty_streak, acme.tier) == (date(2026, 9, 1), 0, "transactional")
    shown = json.dumps(
        client.command('supplier show "Acme Textiles"', user=BUYER, channel=ACME_CHANNEL).json()
    )
    assert "*Loyalty*: 54 / 100" in shown


@pytest.mark.parametrize("policy", [{"loyalty_formula": "{orders_12m} * 50", "promote_at": 80}])
def test_two_high_evaluations_propose_a_promotion_that_admins_decide_once(client, slack, session, engine, jobs,
                                                                           config, acme, beta, delivery):  # fmt: skip
    client.command("order new PO-1 qty=10 due=2026-12-15", user=BUYER, channel=ACME_CHANNEL)
    client.command("order new PO-2 qty=10 due=2026-12-16", user=BUYER, channel=ACME_CHANNEL)
    client.command("order new PO-3 qty=10 due=2026-12-15", user=BUYER, channel=BETA_CHANNEL)
    client.command("order new PO-4 qty=10 due=2026-12-16", user=BUYER, channel=BETA_CHANNEL)
    for month in (10, 11):
        assert jobs("scorecards", datetime(2026, month, 2, tzinfo=UTC))
        assert jobs("loyalty", datetime(2026, month, 2, 1, tzinfo=UTC))
    proposals = session.exec(select(TierChange).order_by(TierChange.id)).all()
    assert [(p.from_tier, p.to_tier, p.status, p.loyalty) for p in proposals] == [
        ("transactional", "core", "proposed", 100.0), ("transactional", "core", "proposed", 100.0)]  # fmt: skip
    cards = slack.wait_for(
        lambda: len(slack.posts(APPROVALS)) == 2 and slack.posts(APPROVALS), what="proposals"
    )
    buttons = [e["action_id"] for b in cards[0]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["tier_approve", "tier_reject"]
    acme_change, beta_change = (str(p.id) for p in proposals)

    click(client, "tier_approve", acme_change, user=BUYER, channel=APPROVALS)  # a buyer, not an admin
    click(
        client, "tier_approve", acme_change, user=ACME_USER, channel=ACME_CHANNEL
    )  # the supplier replaying it
    assert session.get(TierChange, int(acme_change)).status == "proposed"
    refusals = slack.wait_for(
        lambda: [c.params["text"] for c in slack.calls_to("chat.postEphemeral")], what="refusal"
    )
    assert translated("en", "Only admins can change a supplier's tier.") in refusals[0]

    at_once(partial(click, client, "tier_approve", acme_change, user=ADMIN, channel=APPROVALS),
            partial(click, client, "tier_approve", acme_change, user=ADMIN_ZH, channel=APPROVALS))  # fmt: skip
    click(client, "tier_reject", beta_change, user=ADMIN, channel=APPROVALS)
    click(client, "tier_approve", beta_change, user=ADMIN, channel=APPROVALS)  # already rejected
    ids = _ids(session)
    assert session.get(SupplierRelationship, ids["Acme Textiles"]).tier == "core"
    assert session.get(SupplierRelationship, ids["Beta Foods"]).tier == "transactional"
    decided = session.exec(select(AuditEvent.action).where(AuditEvent.object_type == "tier_change",
                                                           AuditEvent.action.in_(("approved", "rejected")))).all()  # fmt: skip
    assert sorted(decided) == ["approved", "rejected"]
    told = slack.wait_for(
        lambda: [p for p in slack.posts(ACME_CHANNEL) if ":handshake:" in p["text"]], what="told"
    )
    assert translated("zh_CN", "Core") in told[0]["text"] and len(told) == 1
    assert not [p for p in slack.posts(BETA_CHANNEL) if ":handshake:" in p["text"]]
    slack.wait_for(lambda: len(slack.calls_to("chat.update")) >= 2, what="cards show the decisions")
    updated = [json.dumps(c.params) for c in slack.calls_to("chat.update")]
    assert not any("tier_approve" in u for u in updated)
    history = session.exec(select(TierChange).where(TierChange.status == "approved")).all()
    assert [(h.supplier_id, h.decided_by in (ADMIN, ADMIN_ZH)) for h in history] == [
        (ids["Acme Textiles"], True)
    ]


def test_a_tier_set_by_hand_replaces_a_waiting_promotion(client, slack, session, engine, config, jobs, acme,
                                                         delivery):  # fmt: skip
    acme_id = _ids(session)["Acme Textiles"]
    with session_scope(engine) as db:
        change = propose_promotion(session=db, supplier_id=acme_id, loyalty=91.0, now=datetime.now(UTC))
        announce_promotion(session=db, config=config, change=change)
        change_id = str(change.id)
    slack.wait_for(lambda: slack.posts(APPROVALS), what="proposal card")
    client.command('supplier set "Acme Textiles" tier=strategic reason="Sole supplier of recycled yarn"',
                   user=ADMIN, channel=ACME_CHANNEL)  # fmt: skip
    assert session.get(TierChange, int(change_id)).status == "superseded"
    click(client, "tier_approve", change_id, user=ADMIN, channel=APPROVALS)
    assert session.get(SupplierRelationship, acme_id).tier == "strategic"  # not back down to core
    told = slack.wait_for(
        lambda: [c.params["text"] for c in slack.calls_to("chat.postEphemeral")], what="refusal"
    )
    assert (
        translated("es", "This tier proposal no longer applies: the tier was set by hand since.") in told[-1]
    )
    card = slack.wait_for(lambda: slack.calls_to("chat.update"), what="card replaced")[-1].params
    assert "tier_approve" not in json.dumps(card)

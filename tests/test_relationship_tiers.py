"""Supplier tiers end to end: set by admins only with a reason and kept in the history, shown on the
supplier card and in the export; a tier's SLA factor and the supplier country's work week in ticket due
times; a tier due for review reminded once."""

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from click.testing import CliRunner
from conftest import ACME_CHANNEL, BETA_CHANNEL, BUYER, BUYER_ES, INTERNAL_CHANNEL
from helpers import translated
from sqlmodel import select

from bot.app import make_client, rectify_downgrade, scheduled_jobs
from bot.cli import main
from bot.config import AppConfig, ConfigError, load_config
from bot.core.db import session_scope
from bot.core.scheduler import JobContext, run_job
from bot.relationship.tiers import tier_of
from models import AuditEvent, CorrectiveAction, Supplier, SupplierRelationship, TierChange

ADMIN = BUYER_ES  # an admin who reads Spanish
APPROVALS = "C0ADMINS"


@pytest.fixture
def config(config):
    scorecards = config.scorecards.model_copy(update={"approvals_channel": APPROVALS})
    return config.model_copy(update={"admins": [ADMIN], "scorecards": scorecards})


@pytest.fixture
def approvals(slack):
    slack.add_channel(APPROVALS, name="srm-admins")
    return APPROVALS


def export(db_url, kind):
    result = CliRunner().invoke(main, ["export", kind], env={"DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.output)))


def _acme(session):
    return session.exec(select(Supplier).where(Supplier.name == "Acme Textiles")).one()


def test_only_admins_set_a_tier_with_a_reason_kept_in_the_history(client, session, acme, db_url):
    refused = client.command('supplier set "Acme Textiles" tier=core reason="Sole dye house"', user=BUYER,
                             channel=ACME_CHANNEL).text  # fmt: skip
    assert translated("en", "Only admins can change a supplier's tier.") in refused
    no_reason = client.command(
        'supplier set "Acme Textiles" tier=core', user=ADMIN, channel=ACME_CHANNEL
    ).text
    assert translated("es", 'Say why: add reason="…" to the command.') in no_reason
    unknown = client.command(
        'supplier set "Acme Textiles" tier=gold reason="x"', user=ADMIN, channel=ACME_CHANNEL
    )
    assert "gold" in unknown.text and "strategic, core, transactional" in unknown.text
    nobody = client.command('supplier set "Nobody" tier=core reason="x"', user=ADMIN, channel=ACME_CHANNEL)
    assert "Nobody" in nobody.text
    assert session.exec(select(TierChange)).all() == []
    assert session.get(SupplierRelationship, _acme(session).id) is None
    assert export(db_url, "suppliers")[0]["tier"] == "transactional"

    answer = client.command('supplier set "Acme Textiles" tier=core reason="Sole dye house"', user=ADMIN,
                            channel=ACME_CHANNEL)  # fmt: skip
    assert translated("es", "Core") in answer.text
    client.command('supplier set "acme textiles" tier=strategic reason="Joint R&D on recycled yarn"', user=ADMIN,
                   channel=ACME_CHANNEL)  # fmt: skip
    history = session.exec(select(TierChange).order_by(TierChange.id)).all()
    assert [(c.from_tier, c.to_tier, c.status, c.reason, c.decided_by) for c in history] == [
        ("transactional", "core", "set", "Sole dye house", ADMIN),
        ("core", "strategic", "set", "Joint R&D on recycled yarn", ADMIN),
    ]
    assert session.get(SupplierRelationship, _acme(session).id).tier == "strategic"
    audit = session.exec(select(AuditEvent.action, AuditEvent.actor_id).where(
        AuditEvent.object_type == "supplier", AuditEvent.action.like("tier%"))).all()  # fmt: skip
    assert audit == [("tier_changed", ADMIN), ("tier_changed", ADMIN)]
    denied = session.exec(select(AuditEvent.action).where(AuditEvent.actor_id == BUYER,
                                                          AuditEvent.action.like("denied:%"))).all()  # fmt: skip
    assert denied == ["denied:supplier set"]

    shown = client.command('supplier show "Acme Textiles"', user=BUYER, channel=ACME_CHANNEL).json()
    text = str(shown["blocks"])
    assert (
        "*Tier*: Strategic" in text and "Joint R&amp;D on recycled yarn" in text and "Sole dye house" in text
    )
    assert "*Loyalty*: — / 100" in text
    (row,) = export(db_url, "suppliers")
    assert (row["tier"], row["loyalty"]) == ("strategic", "")


def _ticket(client, channel, severity="medium"):
    answer = client.command(f'ticket new "Seams open" severity={severity}', user=BUYER, channel=channel)
    assert ":warning:" not in answer.text, answer.text


def _due(db_url):
    return {
        row["supplier"]: (datetime.fromisoformat(row["opened_at"]), datetime.fromisoformat(row["first_response_due"]),
                          datetime.fromisoformat(row["resolution_due"]))
        for row in export(db_url, "tickets")
    }  # fmt: skip


def test_a_tiers_sla_factor_shortens_ticket_due_times(client, acme, beta, db_url):
    client.command(
        'supplier set "Acme Textiles" tier=strategic reason="Key partner"', user=ADMIN, channel=ACME_CHANNEL
    )
    with time_machine.travel(datetime(2026, 9, 1, 7, 0, tzinfo=UTC), tick=True):  # Tuesday, before 09:00
        _ticket(client, ACME_CHANNEL)  # medium: 8 and 72 business hours (09:00-18:00, Monday-Friday)
        _ticket(client, BETA_CHANNEL)
    due = _due(db_url)
    _, first, resolution = due["Acme Textiles"]  # strategic: × 0.5
    assert (first, resolution) == (datetime(2026, 9, 1, 13, tzinfo=UTC), datetime(2026, 9, 4, 18, tzinfo=UTC))
    _, first, resolution = due["Beta Foods"]  # transactional: as configured
    assert (first, resolution) == (
        datetime(2026, 9, 1, 17, tzinfo=UTC),
        datetime(2026, 9, 10, 18, tzinfo=UTC),
    )


def test_sla_business_days_follow_the_suppliers_work_week(client, slack, db_url):
    slack.add_channel("C0DHAKA", name="dhaka-shared", shared=True)
    with time_machine.travel(datetime(2026, 9, 3, 14, 0, tzinfo=UTC), tick=True):  # a Thursday
        assert client.command('supplier add "Dhaka Knit" country=BD tz=UTC', user=BUYER,
                              channel="C0DHAKA").status == 200  # fmt: skip
        client.command('supplier add "Berlin Garn" country=DE tz=UTC', user=BUYER, channel=INTERNAL_CHANNEL)
        _ticket(client, "C0DHAKA")
        _ticket(client, INTERNAL_CHANNEL)
    due = _due(db_url)
    # 4 business hours on Thursday, then Bangladesh's weekend (Friday, Saturday): Sunday 13:00.
    assert due["Dhaka Knit"][1].replace(second=0, microsecond=0) == datetime(2026, 9, 6, 13, 0, tzinfo=UTC)
    assert due["Berlin Garn"][1].replace(second=0, microsecond=0) == datetime(2026, 9, 4, 13, 0, tzinfo=UTC)


def test_a_tier_due_for_review_is_reminded_once(client, slack, session, engine, config, settings, acme, beta,
                                                approvals, delivery):  # fmt: skip
    client.command(
        'supplier set "Acme Textiles" tier=strategic reason="Key partner"', user=ADMIN, channel=ACME_CHANNEL
    )
    ctx = JobContext(engine=engine, config=config, client=make_client(settings), worker_id="w1")
    jobs = scheduled_jobs(config)
    assert run_job(ctx, jobs, "tier_review", datetime(2027, 2, 28, tzinfo=UTC)) is None
    assert run_job(ctx, jobs, "tier_review", datetime(2027, 3, 2, tzinfo=UTC)) == "1 tier reviews due"
    other = JobContext(engine=engine, config=config, client=make_client(settings), worker_id="w2")
    assert run_job(other, jobs, "tier_review", datetime(2027, 3, 3, tzinfo=UTC)) is None
    reminders = slack.wait_for(lambda: slack.posts(APPROVALS), what="review reminder")
    assert len(reminders) == 1 and "Acme Textiles" in reminders[0]["text"]
    # Beta, transactional since it was added, comes up after 12 months; Acme is not reminded again.
    assert run_job(ctx, jobs, "tier_review", datetime(2027, 9, 2, tzinfo=UTC)) == "1 tier reviews due"
    slack.wait_for(lambda: len(slack.posts(APPROVALS)) == 2, what="Beta's reminder")
    assert "Beta Foods" in slack.posts(APPROVALS)[1]["text"]


def test_tier_policy_in_app_yaml_is_checked_at_start(tmp_path):
    bad = [("relationship:\n  tiers:\n    gold: {sla_factor: 0.5, review_months: 6}\n", "relationship.tiers"),
           ("relationship:\n  loyalty_formula: '{orders_due} * 2'\n", "relationship.loyalty_formula"),
           ("relationship:\n  tiers:\n    core: {sla_factor: 0, review_months: 6}\n", "relationship.tiers.core")]  # fmt: skip
    for text, key in bad:
        path = tmp_path / "app.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
            load_config(path)
    path.write_text(
        "relationship:\n  tiers:\n    core: {sla_factor: 0.6, review_months: 3}\n", encoding="utf-8"
    )
    tiers = load_config(path).relationship.tiers
    assert (tiers["core"].sla_factor, tiers["strategic"].sla_factor) == (0.6, 0.5)  # the others keep defaults


def test_without_an_approvals_channel_each_admin_is_reminded_directly(client, slack, engine, settings, acme,
                                                                     delivery):  # fmt: skip
    slack.add_channel(ADMIN, name="direct-message")  # Slack opens the admin's DM with the bot for a user id
    config = AppConfig(admins=[ADMIN], delivery=delivery.config)
    ctx = JobContext(engine=engine, config=config, client=make_client(settings), worker_id="w1")
    assert (
        run_job(ctx, scheduled_jobs(config), "tier_review", datetime(2027, 9, 2, tzinfo=UTC))
        == "1 tier reviews due"
    )
    reminder = slack.wait_for(lambda: slack.posts(ADMIN), what="direct reminder")[0]
    assert "Acme Textiles" in reminder["text"] and "transactional" in reminder["text"].lower()


def test_a_downgrade_of_a_core_supplier_opens_a_rectification_capa(
    client, session, engine, config, acme, beta
):
    client.command(
        'supplier set "Acme Textiles" tier=core reason="Key partner"', user=ADMIN, channel=ACME_CHANNEL
    )
    ids = {s.name: s.id for s in session.exec(select(Supplier))}
    with session_scope(engine) as db:
        assert rectify_downgrade(
            session=db, supplier_id=ids["Acme Textiles"], reason="Level down", config=config
        )
        assert not rectify_downgrade(
            session=db, supplier_id=ids["Beta Foods"], reason="Level down", config=config
        )
        assert (
            tier_of(db, ids["Acme Textiles"]) == "core" and tier_of(db, ids["Beta Foods"]) == "transactional"
        )
    (capa,) = session.exec(select(CorrectiveAction)).all()
    assert (capa.supplier_id, capa.kind, capa.reason) == (ids["Acme Textiles"], "rectification", "Level down")

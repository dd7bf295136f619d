"""Scorecard formulas, weights, levels with hysteresis, and `srm export scorecards`."""

import csv
import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import BUYER
from openpyxl import load_workbook
from sqlmodel import Session, select
from test_scorecard_variables import AUGUST_DONE, august_history

from bot.app import make_client, scheduled_jobs
from bot.cli import main
from bot.config import AppConfig, ConfigError, Criterion, ScorecardsConfig, load_config
from bot.core.actors import Actor
from bot.core.errors import DomainError, Forbidden
from bot.core.scheduler import JobContext, run_job
from bot.expressions import FormulaError, parse
from bot.scorecards.formula import score
from bot.scorecards.periods import last_complete_period, period_containing
from bot.scorecards.service import decide_level_change
from models import AuditEvent, LevelChange, ScorecardRating, Supplier


@pytest.mark.parametrize(
    ("formula", "values", "expected"),
    [
        ("{a} + {b} * 2", {"a": 1, "b": 3}, 7),
        ("min({a}, 48) / 48 * 60", {"a": 96}, 60),
        ("100 if {a} >= 95 and not {b} > 0 else round({a} / 3, 1)", {"a": 50, "b": 0}, 16.7),
        ("max(abs({a} - 10), 2, 3)", {"a": 4}, 6),
        ("0 < {a} <= 1 or {b} == 2", {"a": 5, "b": 2}, 1),
        ("{a} / {b}", {"a": 1, "b": 0}, None),  # division by zero: left out like missing data
        ("{a} + 1", {"a": None}, None),
    ],
)
def test_the_formula_language(formula, values, expected):
    assert parse(formula).evaluate(values) == expected


@pytest.mark.parametrize(
    ("formula", "problem"),
    [
        ("__import__('os').system('id')", "calling anything but min, max, abs and round"),
        ("{a} ** 2", "the operator Pow"),
        ("{a} // 2", "the operator FloorDiv"),
        ("{a}.real", "the construct Attribute"),
        ("[1, 2][0]", "the construct Subscript"),
        ("lambda: 1", "the construct Lambda"),
        ("'text'", "the constant 'text'"),
        ("True", "the constant True"),
        ("a + 1", "bare name 'a'"),
        ("min({a})", "min() takes 2 to 64 arguments"),
        ("max(*{a}, 1)", "the construct Starred"),
        ("{a} +", "invalid syntax"),
        ("{a}; {b}", "invalid syntax"),
        ("(" * 300 + "1" + ")" * 300, "invalid syntax"),
        ("1 + " * 300 + "1", "longer than 1000 characters"),
    ],
)
def test_forbidden_formulas_are_refused(formula, problem):
    with pytest.raises(FormulaError, match=re.escape(problem)):
        parse(formula)


CRITERIA = """scorecards:
  criteria:
    - {name: quality, formula: "{lot_acceptance_rate}", weight: 60}
    - {name: speed, formula: "FORMULA", weight: 40}
"""


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (CRITERIA.replace("FORMULA", "{foo} * 2"), "scorecards.criteria[1].formula: unknown variable {foo}"),
        (CRITERIA.replace("FORMULA", "open('x')"), "scorecards.criteria[1].formula: calling anything but"),
        (CRITERIA.replace("FORMULA", "{on_time_rate} +"), "scorecards.criteria[1].formula: invalid syntax"),
        (CRITERIA.replace("FORMULA", "{rating_taste}"), "scorecards.criteria[1].formula: unknown variable"),
        (CRITERIA.replace("FORMULA", "1").replace("40", "30"), "scorecards.criteria: weights sum to 90, not 100"),
        (CRITERIA.replace("FORMULA", "1").replace("speed", "quality"),
         "scorecards.criteria[1].name: duplicate criterion name 'quality'"),
        ("scorecards:\n  levels:\n    - {name: good, min_score: 50}\n    - {name: good, min_score: 0}\n",
         "scorecards.levels[1].name: duplicate level name 'good'"),
        ("scorecards:\n  levels:\n    - {name: good, min_score: 50}\n", "the lowest level must have min_score 0"),
        ("scorecards:\n  levels:\n    - {name: a, min_score: 0, actions: [shout]}\n", "scorecards.levels[0].actions"),
        ("scorecards:\n  ratings: [Price]\n", "scorecards.ratings"),
    ],
)  # fmt: skip
def test_bad_criteria_and_levels_name_the_key(tmp_path, yaml_text, message):
    path = tmp_path / "app.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert message in str(error.value)


def test_rating_dimensions_and_partner_variables_are_known(tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text(CRITERIA.replace("FORMULA", "{rating_taste} + {capas_opened}") + "  ratings: [taste]\n")
    assert load_config(path).scorecards.ratings == ["taste"]


def test_weights_of_criteria_left_out_are_shared_by_the_rest():
    criteria = [
        Criterion(name="a", formula="{on_time_rate}", weight=50),
        Criterion(name="b", formula="{lot_acceptance_rate} * 2", max_score=200, weight=30),
        Criterion(name="c", formula="{defect_ppm} / 10", weight=20),
    ]
    both = score(criteria, {"on_time_rate": 80, "lot_acceptance_rate": 150, "defect_ppm": None})
    assert both.criteria == {"a": 80, "b": 100, "c": None}  # b: clamped to its max_score, then scaled
    assert both.score == pytest.approx((80 * 50 + 100 * 30) / 80)
    below_zero = score(criteria, {"on_time_rate": -5, "lot_acceptance_rate": None, "defect_ppm": None})
    assert below_zero.score == 0 and below_zero.criteria["a"] == 0
    assert (
        score(criteria, {"on_time_rate": None, "lot_acceptance_rate": None, "defect_ppm": None}).score is None
    )


def test_periods_follow_the_default_time_zone():
    moment = datetime(2026, 3, 31, 17, 0, tzinfo=UTC)  # already April 1 in Shanghai
    assert period_containing(moment, "month", "Asia/Shanghai").start == date(2026, 4, 1)
    august = last_complete_period(datetime(2026, 9, 1, tzinfo=UTC), "month", "UTC")
    assert (august.start, august.end, august.key) == (date(2026, 8, 1), date(2026, 8, 31), "month:2026-08-01")
    quarter = last_complete_period(datetime(2026, 4, 1, 3, tzinfo=UTC), "quarter", "America/New_York")
    assert (quarter.start, quarter.end) == (date(2025, 10, 1), date(2025, 12, 31))
    assert quarter.starts_at == datetime(2025, 10, 1, 4, tzinfo=UTC)
    assert quarter.ends_at == datetime(2026, 1, 1, 5, tzinfo=UTC)  # standard time by then


PRICE_ONLY = ScorecardsConfig(criteria=[Criterion(name="price", formula="{rating_price}", weight=100)])


def test_levels_move_only_past_the_hysteresis_margin_and_by_proposal(engine, config, settings, session):
    config = AppConfig(**(config.model_dump() | {"scorecards": PRICE_ONLY.model_dump()}))
    with Session(engine) as setup:
        acme = Supplier(
            name="Acme", name_key="acme", country="CN", locale="zh_CN", timezone="UTC", created_by=BUYER
        )
        setup.add(acme)
        setup.commit()
        acme_id = acme.id
    ctx = JobContext(engine=engine, config=config, client=make_client(settings), worker_id="w1")

    def month(n: int, rating: int) -> list[tuple]:
        with Session(engine) as writing:
            writing.add(ScorecardRating(supplier_id=acme_id, period_start=date(2026, n, 1), dimension="price",
                                        score=rating, reviewer_id="U1"))  # fmt: skip
            writing.commit()
        run_job(ctx, scheduled_jobs(config), "scorecards", datetime(2026, n + 1, 1, tzinfo=UTC))
        changes = session.exec(select(LevelChange).order_by(LevelChange.id)).all()
        return [(c.from_level, c.to_level, c.status) for c in changes]

    assert month(1, 72) == [(None, "key", "set")]  # the first classification applies at once
    assert month(2, 68) == [(None, "key", "set")]  # in "ordinary", but within 3 points of the edge
    assert month(3, 66) == [(None, "key", "set"), ("key", "ordinary", "proposed")]
    # Back within the margin: the level in force holds, and the waiting proposal no longer stands.
    assert month(4, 69)[1:] == [("key", "ordinary", "superseded")]
    assert month(5, 60)[2:] == [("key", "ordinary", "proposed")]
    assert month(6, 55)[2:] == [("key", "ordinary", "superseded"), ("key", "ordinary", "proposed")]
    assert month(7, 87)[3:] == [("key", "ordinary", "superseded")]  # 87 < 85 + 3: stays key
    assert month(8, 88)[4:] == [("key", "core_strategic", "proposed")]
    assert session.get(Supplier, acme_id).level == "key"
    with Session(engine) as writing:
        writing.get(Supplier, acme_id).level = "blacklist"
        writing.commit()
    assert month(9, 100)[4:] == [("key", "core_strategic", "proposed")]  # scores never lift a blacklisting
    assert session.get(Supplier, acme_id).level == "blacklist"
    actions = [
        e.action for e in session.exec(select(AuditEvent).where(AuditEvent.object_type != "scorecard_period"))
    ]
    assert actions.count("level_set") == 1 and actions.count("proposed") == 4 and "superseded" in actions


EXPORT_START = ["supplier", "period_start", "period_end", "score", "level", "current_level", "orders_due", "qty_due",
                "qty_on_time", "on_time_rate", "otif_rate", "sampled", "defects", "defect_ppm",
                "lot_acceptance_rate", "confirmation_hours", "first_response_hours", "resolution_hours",
                "sla_breaches", "rating_price", "rating_compliance", "rating_service", "capas_opened",
                "capa_on_time_rate", "cocreation_value"]  # fmt: skip
CRITERIA_COLUMNS = ["criterion:quality", "criterion:on_time_delivery", "criterion:price_competitiveness",
                    "criterion:after_sales_service", "criterion:compliance", "criterion:collaboration"]  # fmt: skip


def test_export_has_a_row_per_supplier_and_period(engine, config, settings, db_url, tmp_path, monkeypatch):
    august_history(engine)
    ctx = JobContext(engine=engine, config=config, client=make_client(settings), worker_id="w1")
    run_job(ctx, scheduled_jobs(config), "scorecards", AUGUST_DONE)
    run_job(ctx, scheduled_jobs(config), "scorecards", datetime(2026, 10, 1, tzinfo=UTC))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["export", "scorecards"], env={"DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    header, *rows = list(csv.reader(io.StringIO(result.output)))
    assert header == EXPORT_START + CRITERIA_COLUMNS
    table = [dict(zip(header, row, strict=True)) for row in rows]
    assert [(r["supplier"], r["period_start"], r["period_end"]) for r in table] == [
        ("Acme", "2026-08-01", "2026-08-31"), ("Beta", "2026-08-01", "2026-08-31"),
        ("Cora", "2026-08-01", "2026-08-31"), ("Acme", "2026-09-01", "2026-09-30"),
        ("Beta", "2026-09-01", "2026-09-30"), ("Cora", "2026-09-01", "2026-09-30"),
    ]  # fmt: skip
    acme, beta, cora, acme_september = table[0], table[1], table[2], table[3]
    assert len(acme["score"].split(".")[1]) >= 2 and acme["level"] == "key" and acme["current_level"] == "key"
    assert (acme["orders_due"], acme["on_time_rate"], acme["otif_rate"]) == ("4", "71.4286", "25.0000")
    assert acme["criterion:compliance"] == "70.0000" and acme["rating_service"] == ""
    assert (beta["score"], beta["level"], beta["current_level"], beta["on_time_rate"]) == ("", "", "", "")
    assert beta["criterion:quality"] == "" and beta["sampled"] == "0"
    assert cora["score"] == "100.0000" and cora["criterion:on_time_delivery"] == "100.0000"
    assert (acme_september["level"], acme_september["current_level"]) == ("reserve", "key")
    out = tmp_path / "scorecards.xlsx"
    xlsx = CliRunner().invoke(main, ["export", "scorecards", "--format", "xlsx", "--out", str(out)],
                              env={"DATABASE_URL": db_url})  # fmt: skip
    assert xlsx.exit_code == 0, xlsx.output
    sheet = list(load_workbook(out).active.values)
    assert list(sheet[0]) == header and sheet[1][header.index("period_start")].date() == date(2026, 8, 1)
    assert sheet[1][header.index("on_time_rate")] == pytest.approx(150 / 210 * 100, abs=1e-4)
    assert sheet[2][header.index("score")] is None  # Beta: not enough data


def test_app_yaml_writes_out_the_default_scorecard_and_a_valid_second_profile():
    config = load_config("app.yaml")
    assert config.scorecards == AppConfig().scorecards
    text = Path("app.yaml").read_text(encoding="utf-8")
    profile = text[text.index("  # ratings: [strategy") :].replace("  # ", "  ")
    second = AppConfig.model_validate(yaml.safe_load("scorecards:\n" + profile)).scorecards
    assert [c.name for c in second.criteria] == [
        "strategic_alignment", "capability", "service", "financial_stability", "risk_control"]  # fmt: skip


def test_an_admin_approves_or_rejects_a_proposal_once(engine, config, settings, session):
    ids = august_history(engine)
    ctx = JobContext(engine=engine, config=config, client=make_client(settings), worker_id="w1")
    run_job(ctx, scheduled_jobs(config), "scorecards", AUGUST_DONE)
    run_job(ctx, scheduled_jobs(config), "scorecards", datetime(2026, 10, 1, tzinfo=UTC))
    proposal = session.exec(select(LevelChange).where(LevelChange.status == "proposed")).one()
    admin = Actor(user_id="U0ADMIN", kind="member", is_buyer=True, is_admin=True)
    buyer = Actor(user_id=BUYER, kind="member", is_buyer=True)
    decided_at = datetime(2026, 10, 2, tzinfo=UTC)
    with Session(engine) as writing, pytest.raises(Forbidden):
        decide_level_change(session=writing, actor=buyer, change_id=proposal.id, approve=True, now=decided_at)
    with Session(engine) as writing:
        decide_level_change(session=writing, actor=admin, change_id=proposal.id, approve=True, now=decided_at)
        writing.commit()
    acme = session.get(Supplier, ids["acme"])
    assert (acme.level, acme.level_since) == ("reserve", decided_at)
    assert session.get(LevelChange, proposal.id).status == "approved"
    with Session(engine) as writing, pytest.raises(DomainError) as again:
        decide_level_change(
            session=writing, actor=admin, change_id=proposal.id, approve=False, now=decided_at
        )
    assert again.value.code == "level_change_decided"
    changed = session.exec(select(AuditEvent).where(AuditEvent.action == "level_changed")).one()
    assert (changed.actor_id, changed.before, changed.after["level"]) == (
        "U0ADMIN",
        {"level": "key"},
        "reserve",
    )


def test_switching_to_quarters_keeps_a_month_already_stored_under_the_same_start(
    engine, config, settings, session
):
    august_history(engine)
    ctx = JobContext(engine=engine, config=config, client=make_client(settings), worker_id="w1")
    assert run_job(ctx, scheduled_jobs(config), "scorecards", datetime(2026, 8, 1, tzinfo=UTC)).startswith(
        "2026-07-01..2026-07-31"
    )
    quarterly = AppConfig(**(config.model_dump() | {"scorecards": {"period": "quarter"}}))
    ctx = JobContext(engine=engine, config=quarterly, client=make_client(settings), worker_id="w1")
    assert run_job(ctx, scheduled_jobs(quarterly), "scorecards", datetime(2026, 10, 1, tzinfo=UTC)) is None
    assert run_job(ctx, scheduled_jobs(quarterly), "scorecards", datetime(2027, 1, 1, tzinfo=UTC)).startswith(
        "2026-10-01..2026-12-31: 3 suppliers evaluated"
    )

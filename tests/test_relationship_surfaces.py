"""Relationship facts on other features' surfaces: tier, loyalty and risk exposure next to the level on each
supplier's scorecard (in its language, never what raised the exposure); the suppliers' feedback means and
the period's co-creation value in the buyers' portfolio; tiers, loyalty and feedback on the buyers' Home."""

import json
from datetime import UTC, date, datetime

import time_machine
from conftest import ACME_CHANNEL, ACME_USER, BETA_CHANNEL, BUYER, BUYER_ZH, INTERNAL_CHANNEL
from helpers import translated
from sqlalchemy import event
from test_home_dashboard import _home_opened, _latest_home
from test_home_dashboard import portfolio as portfolio
from test_scorecard_slack import ADMIN, _rate, _run, _supplier_id, _texts
from test_scorecard_slack import admins as admins
from test_scorecard_slack import config as config

from bot.core.db import session_scope
from bot.scorecards.facts import card_facts
from models import FeedbackResponse, RiskAlert, SupplierRelationship

SANCTIONS_ENTRY = "ACME TEXTILE TRADING LLC (SDN 12345)"


def _loyalty(engine, supplier_id, loyalty):
    with session_scope(engine) as db:
        row = db.get(SupplierRelationship, supplier_id)
        row.loyalty = loyalty


def _sanctions_alert(engine, supplier_id):
    """A high sanctions alert: it counts in Acme's exposure, and its details are for buyers only."""
    with session_scope(engine) as db:
        db.add(RiskAlert(supplier_id=supplier_id, kind="sanctions", subject=SANCTIONS_ENTRY, severity="high",
                         dedupe_key=f"sanctions:{supplier_id}:12345",
                         details={"entry": SANCTIONS_ENTRY, "list": "OFAC SDN", "score": 93}))  # fmt: skip


def _feedback(engine, supplier_id, start, end, *answers):
    with session_scope(engine) as db:
        for n, (payment, specifications, communication, forecast, fairness) in enumerate(answers):
            db.add(FeedbackResponse(supplier_id=supplier_id, period_start=start, period_end=end,
                                    contact_id=f"U0C{supplier_id}{n}", payment=payment,
                                    specifications=specifications, communication=communication,
                                    forecast=forecast, fairness=fairness))  # fmt: skip


def test_the_scorecard_shows_tier_loyalty_and_exposure_in_the_suppliers_language(
    client, slack, session, engine, config, settings, acme, beta, admins, delivery
):
    acme_id, beta_id = _supplier_id(session), _supplier_id(session, "Beta Foods")
    set_tier = client.command('supplier set "Acme Textiles" tier=core reason="Sole dye house"', user=ADMIN,
                              channel=INTERNAL_CHANNEL)  # fmt: skip
    assert set_tier.status == 200
    _loyalty(engine, acme_id, 71.6)
    _sanctions_alert(engine, acme_id)
    _rate(engine, acme_id, 8, price=90, compliance=60)
    _run(engine, config, settings, datetime(2026, 9, 1, 9, tzinfo=UTC))

    acme_card = slack.wait_for(
        lambda: [t for t in _texts(slack, ACME_CHANNEL) if "▓" in t], what="Acme's card"
    )[0]
    core = translated("zh_CN", "Core")
    assert core != "Core"  # the catalog has it in Chinese
    for fact in (translated("zh_CN", "Tier: {tier}", tier=core), translated("zh_CN", "Loyalty: {loyalty}/100",
                 loyalty="72"), translated("zh_CN", "Risk exposure: {score}/100", score="50")):  # fmt: skip
        assert fact in acme_card
    for secret in (SANCTIONS_ENTRY, "OFAC", "12345", "sanctions"):  # the figure only, never what raised it
        assert secret not in acme_card
    # Beta: transactional (never set), no loyalty yet, no open alert; in Spanish, with no score either.
    beta_card = slack.wait_for(
        lambda: [t for t in _texts(slack, BETA_CHANNEL) if "2026" in t], what="Beta's"
    )[0]
    assert translated("es", "Tier: {tier}", tier=translated("es", "Transactional")) in beta_card
    assert translated("es", "Risk exposure: {score}/100", score="0") in beta_card
    assert translated("es", "Loyalty: {loyalty}/100", loyalty="")[:4] not in beta_card
    assert session.get(SupplierRelationship, beta_id) is None

    # `/srm scorecard` shows the same facts, in the reader's language (the buyer's English here).
    shown = json.dumps(
        client.command('scorecard "Acme Textiles"', user=BUYER, channel=INTERNAL_CHANNEL).json()
    )
    assert "Tier: Core" in shown and "Loyalty: 72/100" in shown and "Risk exposure: 50/100" in shown
    own = json.dumps(client.command('scorecard "Acme Textiles"', user=ACME_USER, channel=ACME_CHANNEL).json(),
                     ensure_ascii=False)  # fmt: skip
    assert translated("zh_CN", "Risk exposure: {score}/100", score="50") in own and "OFAC" not in own


def test_the_portfolio_shows_the_suppliers_feedback_and_the_periods_cocreation_value(
    client, slack, session, engine, config, settings, acme, beta, admins, delivery
):
    acme_id, beta_id = _supplier_id(session), _supplier_id(session, "Beta Foods")
    with time_machine.travel(datetime(2026, 8, 14, 10, tzinfo=UTC), tick=True):  # in the evaluated August
        assert "P-1" in client.command('project new "Recycled yarn" supplier="Acme Textiles" kind=rnd currency=USD',
                                       user=BUYER, channel=INTERNAL_CHANNEL).text  # fmt: skip
        assert "P-2" in client.command('project new "Lighter crates" supplier="Beta Foods" kind=cost currency=USD',
                                       user=BUYER, channel=INTERNAL_CHANNEL).text  # fmt: skip
        for command in ("project value P-1 amount=12000 supplier_share=40",
                        "project value P-1 amount=3000 supplier_share=40",
                        "project value P-2 amount=2500.50 supplier_share=50"):  # fmt: skip
            assert client.command(command, user=BUYER, channel=INTERNAL_CHANNEL).status == 200
    with time_machine.travel(datetime(2026, 9, 3, 10, tzinfo=UTC), tick=True):  # after the period: not in it
        assert client.command("project value P-2 amount=99999 supplier_share=50", user=BUYER,
                              channel=INTERNAL_CHANNEL).status == 200  # fmt: skip
    # July's answers (August's invitations go out with August's evaluation): two from Acme, one from Beta.
    _feedback(engine, acme_id, date(2026, 7, 1), date(2026, 7, 31), (2, 4, 4, 3, 4), (4, 4, 5, 3, 4))
    _feedback(engine, beta_id, date(2026, 7, 1), date(2026, 7, 31), (5, 5, 5, 5, 5))
    _rate(engine, acme_id, 8, price=90, compliance=60)
    _run(engine, config, settings, datetime(2026, 9, 1, 9, tzinfo=UTC))

    portfolio = slack.wait_for(lambda: [t for t in _texts(slack, INTERNAL_CHANNEL) if "portfolio" in t],
                               what="portfolio")[0]  # fmt: skip
    assert "*How suppliers rate us*, Jul 1, 2026 to Jul 31, 2026 (3 answers)" in portfolio
    # Means over every answer: payment (2 + 4 + 5) / 3, communication (4 + 5 + 5) / 3; overall of the five.
    assert "Payment on time: *3.7*" in portfolio and "Communication: *4.7*" in portfolio
    assert "Overall: *4.1* of 5" in portfolio
    assert "Lowest overall ratings: Acme Textiles 3.7, Beta Foods 5" in portfolio
    assert "*Co-creation value realised*: $17,500.50 (2 suppliers)" in portfolio
    assert "Acme Textiles: $15,000.00" in portfolio and "Beta Foods: $2,500.50" in portfolio
    assert "99,999" not in portfolio


def test_home_shows_tier_and_loyalty_next_to_each_supplier_and_the_feedback_means(
    client,
    slack,
    session,
    engine,
    portfolio,
):
    session.add(SupplierRelationship(supplier_id=portfolio, tier="strategic", loyalty=88.2))
    session.commit()
    _feedback(engine, portfolio, date(2026, 11, 1), date(2026, 11, 30), (3, 4, 4, 4, 5))
    with time_machine.travel(datetime(2026, 12, 20, 9, tzinfo=UTC), tick=True):
        assert _home_opened(client, BUYER_ZH).status == 200
        home = json.dumps(_latest_home(slack, BUYER_ZH, 1), ensure_ascii=False)
    strategic = translated("zh_CN", "Strategic")
    assert (
        "Acme Textiles · 64/100 · ordinary · " + translated("zh_CN", "Tier: {tier}", tier=strategic) in home
    )
    assert translated("zh_CN", "Loyalty: {loyalty}/100", loyalty="88") in home
    # Suppliers per tier: Acme strategic, Beta transactional (no row).
    assert translated("zh_CN", "Suppliers per tier") in home
    assert f"{strategic}: 1" in home and translated("zh_CN", "Transactional") + ": 1" in home
    assert translated("zh_CN", "*How suppliers rate us*, {start} to {end}", start="", end="")[:4] in home
    assert translated("zh_CN", "Overall: *{mean}* of 5", mean="4") in home
    assert translated("zh_CN", "Payment on time") + ": *3*" in home


def test_the_cards_facts_take_the_same_few_queries_for_one_supplier_or_many(session, engine, acme, beta):
    """The facts of every card of an evaluation come from a fixed number of aggregate queries."""
    acme_id, beta_id = _supplier_id(session), _supplier_id(session, "Beta Foods")
    _sanctions_alert(engine, acme_id)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    with session_scope(engine) as db:
        card_facts(db, [acme_id])  # the transaction begun
        event.listen(engine, "before_cursor_execute", listener)
        try:
            one = card_facts(db, [acme_id])
            few = len(statements)
            both = card_facts(db, [acme_id, beta_id])
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) == 2 * few and few <= 3
    assert len(one[acme_id]) == len(both[acme_id]) == 2 and len(both[beta_id]) == 2  # tier, exposure

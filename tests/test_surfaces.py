"""What one feature shows on another's surface: new risk alerts and the suppliers' coming holiday periods in
the buyers' digest, active risks on the buyers' Home tab."""

import json
from datetime import UTC, datetime

import pytest
from conftest import ACME_CHANNEL, BUYER, BUYER_ZH
from helpers import translated
from test_digests import _digest_post
from test_digests import _run as run_digest
from test_home_dashboard import _home_opened, _latest_home
from test_risk import _order, risk_config
from test_risk import _run as run_risk


@pytest.fixture
def config(feed_server):
    return risk_config(feed_server)


def test_the_buyers_digest_lists_the_days_new_risk_alerts(client, slack, session, engine, config, settings, acme,
                                                           delivery):  # fmt: skip
    _order(client)
    assert run_risk(engine, config, settings, datetime(2026, 9, 4, 7, tzinfo=UTC)) == "3 alerts opened"
    run_digest(engine, config, settings, datetime(2026, 9, 4, 9, tzinfo=UTC))  # 11:00 in the buyer's Berlin
    digest = json.dumps(_digest_post(slack, session, BUYER), ensure_ascii=False)
    assert translated("en", "New and escalated risk alerts") in digest
    for kind in ("Sanctions screening", "Natural disaster", "Order not confirmed"):
        assert kind in digest
    assert digest.index(":red_circle: *Sanctions screening*") < digest.index(":large_orange_circle:")
    # The next day's digest no longer lists them (they are not new), though they are still open.
    run_digest(engine, config, settings, datetime(2026, 9, 7, 9, tzinfo=UTC))  # Monday
    later = json.dumps(_digest_post(slack, session, BUYER), ensure_ascii=False)
    assert "Sanctions screening" not in later


def test_the_buyers_digest_names_a_suppliers_holiday_period_ahead(client, slack, session, engine, config, settings,
                                                                  acme, delivery):  # fmt: skip
    _order(client)
    # Monday 21 September: China's Mid-Autumn Festival (25 September) and National Day (1 October) are near.
    run_digest(engine, config, settings, datetime(2026, 9, 21, 9, tzinfo=UTC))
    digest = json.dumps(_digest_post(slack, session, BUYER), ensure_ascii=False)
    assert translated("en", "Holiday periods ahead at suppliers") in digest
    assert "Mid-Autumn" in digest and ": Acme Textiles in CN" in digest


def test_home_shows_the_suppliers_most_at_risk(
    client, slack, session, engine, config, settings, acme, delivery
):
    _order(client)
    run_risk(engine, config, settings, datetime(2026, 9, 4, 7, tzinfo=UTC))
    assert _home_opened(client, BUYER_ZH).status == 200
    home = json.dumps(_latest_home(slack, BUYER_ZH, 1), ensure_ascii=False)
    assert translated("zh_CN", "Active risks") in home and "Acme Textiles" in home
    assert translated("zh_CN", "exposure {score}/100", score="")[:2] in home
    assert ACME_CHANNEL not in home

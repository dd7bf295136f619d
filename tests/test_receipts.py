"""Receipt dates are the dates the buyer means: their own zone, else the supplier's, else the app's."""

from datetime import UTC, date, datetime

import time_machine
from conftest import ACME_CHANNEL, ACME_USER, BUYER, INTERNAL_CHANNEL
from sqlmodel import select

from bot.core.geo import today_in
from models import Inspection, Receipt

BUYER_NY = "U0BUYERNY"  # a buyer in New York
BUYER_NO_ZONE = "U0BUYERNOTZ"  # a buyer whose Slack profile has no zone


def _acme_with_an_order_due_on_15_december(client):
    client.command(
        'supplier add "Acme Textiles" country=CN', user=BUYER, channel=ACME_CHANNEL
    )  # Asia/Shanghai
    client.message("hello", user=ACME_USER, channel=ACME_CHANNEL)
    answer = client.command("order new PO-1 qty=100 due=2026-12-15", user=BUYER, channel=ACME_CHANNEL)
    assert answer.status == 200 and "PO-1" in answer.text


def _receipt(session) -> Receipt:
    return session.exec(select(Receipt)).one()


def test_a_delivery_at_8_pm_in_new_york_on_the_due_date_is_on_time(client, slack, session):
    slack.add_user(BUYER_NY, tz="America/New_York")
    _acme_with_an_order_due_on_15_december(client)
    # 20:00 in New York on the due date is already 01:00 on 16 December in UTC.
    with time_machine.travel(datetime(2026, 12, 16, 1, 0, tzinfo=UTC), tick=True):
        answer = client.command("receive PO-1 qty=100", user=BUYER_NY, channel=ACME_CHANNEL)
    assert "on time" in answer.text
    receipt = _receipt(session)
    assert (receipt.received_on, receipt.on_time) == (date(2026, 12, 15), True)


def test_without_a_zone_of_their_own_the_buyer_means_the_suppliers_date(client, slack, session):
    slack.add_user(BUYER_NO_ZONE, tz=None)
    _acme_with_an_order_due_on_15_december(client)
    # 17:00 UTC on the due date is 01:00 on 16 December in Shanghai, where the supplier is.
    with time_machine.travel(datetime(2026, 12, 15, 17, 0, tzinfo=UTC), tick=True):
        answer = client.command(
            'receive PO-1 qty=100 supplier="Acme Textiles"', user=BUYER_NO_ZONE, channel=INTERNAL_CHANNEL
        )
    assert "late" in answer.text
    receipt = _receipt(session)
    assert (receipt.received_on, receipt.on_time) == (date(2026, 12, 16), False)


def test_an_explicit_date_wins_over_the_clock(client, slack, session):
    slack.add_user(BUYER_NY, tz="America/New_York")
    _acme_with_an_order_due_on_15_december(client)
    with time_machine.travel(datetime(2026, 12, 16, 1, 0, tzinfo=UTC), tick=True):
        client.command("receive PO-1 qty=100 date=2026-12-16", user=BUYER_NY, channel=ACME_CHANNEL)
    assert (_receipt(session).received_on, _receipt(session).on_time) == (date(2026, 12, 16), False)


def test_today_is_taken_in_the_first_known_zone():
    with time_machine.travel(datetime(2026, 12, 16, 1, 0, tzinfo=UTC)):
        assert today_in("America/New_York", "Asia/Shanghai") == date(2026, 12, 15)
        assert today_in(None, "Not/AZone", "Asia/Shanghai") == date(2026, 12, 16)
        assert today_in(None, None, "UTC") == date(2026, 12, 16)
        assert today_in(None) == date(2026, 12, 16)


def test_an_inspection_is_dated_as_a_receipt_is(client, slack, session):
    slack.add_user(BUYER_NY, tz="America/New_York")
    slack.add_user(BUYER_NO_ZONE, tz=None)
    _acme_with_an_order_due_on_15_december(client)
    with time_machine.travel(datetime(2026, 12, 16, 1, 0, tzinfo=UTC), tick=True):
        client.command("inspect PO-1 sampled=10 defects=0", user=BUYER_NY, channel=ACME_CHANNEL)
        client.command("inspect PO-1 sampled=10 defects=1", user=BUYER_NO_ZONE, channel=ACME_CHANNEL)
    dates = [i.inspected_on for i in session.exec(select(Inspection).order_by(Inspection.id))]
    # New York's date for the buyer who has a zone; the supplier's (Shanghai) for the one without.
    assert dates == [date(2026, 12, 15), date(2026, 12, 16)]

"""Country guides: shown to the buyer who links a supplier and on request, in the reader's language; every
country of the contract has a complete guide; a supplier's holiday periods ahead for the digest."""

import json
from datetime import date

import pytest
from blockkit import block_kit_problems
from conftest import ACME_CHANNEL, BETA_CHANNEL, BUYER, BUYER_ES, BUYER_ZH
from helpers import translated
from sqlmodel import select

from bot.core.db import read_scope
from bot.core.i18n import use_locale
from bot.relationship.guide_data import GUIDES
from bot.relationship.guide_views import guide_message
from bot.relationship.guides import country_facts, holiday_periods, holidays_ahead
from models import Supplier

CONTRACT = ("CN", "VN", "IN", "BD", "TR", "MX", "DE", "IT", "PL", "ID", "TH", "MY", "PK", "KR", "JP", "TW", "BR", "PT",
            "ES", "US")  # fmt: skip


def _text(answer) -> str:
    return json.dumps(answer.json(), ensure_ascii=False)


def test_the_buyer_who_links_a_supplier_reads_its_countrys_guide_in_spanish(client):
    answer = client.command('supplier add "Beta Foods" country=MX', user=BUYER_ES, channel=BETA_CHANNEL)
    shown = _text(answer)
    assert translated("es", "Country guide: {country}", country="México") in shown
    assert translated("es", "*Work week*: {days}", days="lunes, martes, miércoles, jueves, viernes") in shown
    with use_locale("es"):
        assert str(GUIDES["MX"].address) in shown and str(GUIDES["MX"].tips) in shown
    assert "Navidad" in shown  # the holiday calendar in Spanish


def test_a_guide_on_request_in_chinese_and_the_bangladesh_work_week(client, slack):
    client.command('supplier add "Acme Textiles" country=CN', user=BUYER, channel=ACME_CHANNEL)
    slack.add_channel("C0DHAKA", name="dhaka-shared", shared=True)
    client.command('supplier add "Dhaka Knit" country=BD', user=BUYER, channel="C0DHAKA")
    shown = _text(client.command('supplier guide "Acme Textiles"', user=BUYER_ZH, channel=ACME_CHANNEL))
    assert translated("zh_CN", "Country guide: {country}", country="中国") in shown
    assert "春节" in shown and "2026/12/31" in shown
    with use_locale("zh_CN"):
        assert str(GUIDES["CN"].tips) in shown
    dhaka = _text(client.command('supplier guide "Dhaka Knit"', user=BUYER, channel=ACME_CHANNEL))
    assert "*Work week*: Monday, Tuesday, Wednesday, Thursday, Sunday" in dhaka
    assert "Nobody" in client.command('supplier guide "Nobody"', user=BUYER, channel=ACME_CHANNEL).text


@pytest.mark.parametrize("country", CONTRACT)
def test_every_contract_country_has_a_complete_translated_guide(country):
    facts = country_facts(country)
    assert facts.text is not None and facts.working_days and facts.timezone and facts.text.languages
    assert len(facts.working_days) == 5
    periods = holiday_periods(country, date(2026, 9, 1), 365)
    assert len(periods) >= 3
    english = (str(facts.text.address), str(facts.text.tips))
    for locale in ("es", "zh_CN"):
        with use_locale(locale):
            translated_texts = (str(facts.text.address), str(facts.text.tips))
            payload = guide_message(facts, periods, "Supplier")
        assert all(t and t != e for t, e in zip(translated_texts, english, strict=True)), (country, locale)
        assert not block_kit_problems(payload), (country, locale)


def test_holiday_periods_ahead_of_a_supplier_for_the_digest(client, engine):
    client.command('supplier add "Acme Textiles" country=CN', user=BUYER, channel=ACME_CHANNEL)
    with read_scope(engine) as db:
        supplier_id = db.exec(select(Supplier.id)).one()
        ahead = holidays_ahead(session=db, supplier_id=supplier_id, start=date(2026, 9, 28), days=7)
    (golden_week,) = ahead
    assert (golden_week.start, golden_week.end, golden_week.days) == (date(2026, 10, 1), date(2026, 10, 7), 7)
    assert "National Day" in golden_week.names[0]

"""`/srm supplier edit`: name, country, locale and zone, checked as `supplier add` checks them, audited."""

import pytest
from conftest import ACME_CHANNEL, ACME_USER, BUYER, INTERNAL_CHANNEL
from helpers import counts, translated
from sqlmodel import select

from models import AuditEvent, Supplier


def _edit(client, text, user=BUYER, channel=INTERNAL_CHANNEL):
    return client.command(text, user=user, channel=channel)


def test_edit_changes_what_is_given_and_audits_before_and_after(client, session, acme):
    text = _edit(
        client, 'supplier edit "acme textiles" name="Acme Weaving" locale=en_US tz=Asia/Hong_Kong'
    ).text
    assert "Acme Weaving" in text and "en_US" in text and "Asia/Hong_Kong" in text
    supplier = session.exec(select(Supplier)).one()
    assert (supplier.name, supplier.name_key, supplier.country, supplier.locale, supplier.timezone) == (
        "Acme Weaving", "acme weaving", "CN", "en_US", "Asia/Hong_Kong",
    )  # fmt: skip
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "edited")).one()
    assert audit.actor_id == BUYER and audit.object_id == str(supplier.id)
    assert audit.before == {"name": "Acme Textiles", "locale": "zh_CN", "timezone": "Asia/Shanghai"}
    assert audit.after == {"name": "Acme Weaving", "locale": "en_US", "timezone": "Asia/Hong_Kong"}
    shown = _edit(client, 'supplier show "Acme Weaving"').text
    assert "Asia/Hong_Kong" in shown


def test_edit_country_keeps_locale_and_zone(client, session, acme):
    assert "VN" in _edit(client, 'supplier edit "Acme Textiles" country=vn').text
    supplier = session.exec(select(Supplier)).one()
    assert (supplier.country, supplier.locale, supplier.timezone) == ("VN", "zh_CN", "Asia/Shanghai")


def test_edited_locale_is_used_in_the_suppliers_channel_at_once(client, session, acme):
    _edit(client, 'supplier edit "Acme Textiles" locale=es_MX')
    # A supplier person without a Slack locale of their own reads the supplier's language.
    text = client.command("help", user=ACME_USER, channel=ACME_CHANNEL).text
    assert translated("es", "Show this help.") in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('supplier edit "Acme Textiles" country=XX', "“XX” is not an ISO country code"),
        ('supplier edit "Acme Textiles" locale=xx_QQ', "“xx_QQ” is not a locale"),
        ('supplier edit "Acme Textiles" tz=Mars/Olympus', "“Mars/Olympus” is not a time zone"),
        ('supplier edit "Acme Textiles" name="' + "x" * 201 + '"', "1 to 200 characters"),
        ('supplier edit "Acme Textiles" name=""', "Missing or empty value: name="),
        ('supplier edit "Acme Textiles" colour=red owner=me', "Unknown option(s): colour, owner."),
        ('supplier edit "Acme Textiles"', "Missing or empty value"),
        ("supplier edit country=VN", "Missing or empty value"),
        ('supplier edit "Nobody" country=VN', "No supplier named Nobody was found."),
        ('supplier edit "Acme Textiles" name="beta  FOODS"', "A supplier named beta FOODS already exists."),
        ('supplier edit "Acme Textiles" country=VN tz=Mars/Olympus', "is not a time zone"),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(client, session, acme, beta, text, expected):
    before = counts(session)
    rows = [(s.name, s.country, s.locale, s.timezone) for s in session.exec(select(Supplier))]
    response = _edit(client, text)
    assert expected in response.text
    assert counts(session) == before
    assert [(s.name, s.country, s.locale, s.timezone) for s in session.exec(select(Supplier))] == rows


def test_renaming_to_another_case_of_its_own_name_is_allowed(client, session, acme):
    assert "ACME Textiles" in _edit(client, 'supplier edit "Acme Textiles" name="ACME Textiles"').text
    assert session.exec(select(Supplier)).one().name == "ACME Textiles"


def test_supplier_people_cannot_edit(client, session, acme):
    before = counts(session)
    text = _edit(client, 'supplier edit "Acme Textiles" country=VN', user=ACME_USER).text
    assert "Only buyers of this workspace can do that." in text
    assert counts(session) == before

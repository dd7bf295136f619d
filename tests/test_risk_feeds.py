"""The feed formats and name normalisation, on the project's own fixtures (no database, no network)."""

from pathlib import Path

import pytest

from bot.risk.feeds import FeedError, fx, gdacs, sanctions
from bot.risk.feeds.sanctions import normalise, screen

FIXTURES = Path(__file__).parent / "fixtures" / "risk"


@pytest.mark.parametrize(
    ("written", "compared"),
    [
        ("Acme Textiles Co., Ltd.", "acme textiles"),
        ("ACME TEXTILES COMPANY LIMITED", "acme textiles"),
        ("Acme-Textiles LLC", "acme textiles"),
        ("Textiles Acme, Inc.", "acme textiles"),
        ("Müller Stahl GmbH", "muller stahl"),
        ("Sibir Energo Joint Stock Company", "energo sibir"),
        ("JSC Sibir Energo", "energo sibir"),
        ("Beta Foods S.A. de C.V.", "beta foods"),
        ("Công ty TNHH May Việt Tiến", "may tien viet"),
        ("Đồng Tâm Group", "dong group tam"),
        ("Øresund Straße Shipping", "oresund shipping strasse"),
        ("深圳华强电子有限公司", "深圳华强电子"),
        ("Limited", "limited"),  # nothing but a legal form: kept rather than emptied
    ],
)
def test_names_are_compared_without_case_accents_punctuation_or_legal_forms(written, compared):
    assert normalise(written) == compared


def test_gdacs_orange_and_red_events_name_every_country():
    events, skipped = gdacs.parse((FIXTURES / "gdacs.xml").read_bytes())
    found = {e.key: (e.severity, sorted(e.countries)) for e in events}
    assert found == {
        "TC1001234": ("medium", ["CN", "VN"]),  # names only, gdacs:iso3 empty
        "EQ1400001": ("medium", ["BG", "IQ", "IR", "TR"]),  # "Turkey" and TUR
        "VO1300001": ("medium", []),
    }  # the green flood is ignored
    assert skipped == ["unknown country 'Atlantis'"]


def test_sanctions_lists_are_recognised_from_their_content():
    ofac = sanctions.parse((FIXTURES / "sdn.csv").read_bytes() + b"\x1a\r\n")  # as OFAC publishes it
    assert [e.uid for e in ofac] == ["OFAC:36", "OFAC:173", "OFAC:9001", "OFAC:9003"]  # no vessel
    assert ofac[2].aliases == ("ACME TEXTILE MILLS",) and ofac[2].programme == "SDGT"
    eu = sanctions.parse((FIXTURES / "eu.csv").read_bytes())
    assert [(e.uid, e.name, e.aliases) for e in eu] == [
        ("EU:13", "Beta Foods S.A. de C.V.", ("Beta Alimentos",)), ("EU:14", "Pavel Smirnov", ())]  # fmt: skip
    with pytest.raises(FeedError, match="NameAlias_WholeName"):
        sanctions.parse((FIXTURES / "eu_changed.csv").read_bytes())
    for garbage in (b"<html><body>Error</body></html>", b"name,country\nAcme,CN\n", b""):
        with pytest.raises(FeedError):
            sanctions.parse(garbage)


def test_screening_reports_the_best_match_per_entry_with_its_strength():
    entries = sanctions.parse((FIXTURES / "sdn.csv").read_bytes())
    matches = screen([(1, "Acme Textile Mills Ltd", ()), (2, "Anglo Caribbean", ()), (3, "Blue Mugs", ())],
                     entries, 90)  # fmt: skip
    assert [(m.supplier_id, m.entry.uid, m.listed_name, m.percent) for m in matches] == [
        (1, "OFAC:9001", "ACME TEXTILE MILLS", 100.0), (2, "OFAC:173", "ANGLO-CARIBBEAN CO., LTD.", 100.0)]  # fmt: skip


def test_ecb_rates_daily_or_history_and_garbage_refused():
    days = fx.parse((FIXTURES / "ecb_moved.xml").read_bytes())
    assert sorted(days) == [d for d in sorted(days)] and len(days) == 3
    assert days[max(days)] == {"USD": 1.1, "CNY": 7.2, "MXN": 20.1}
    for garbage in (b"<html><body>Error</body></html>", b"not xml", b"<Envelope><Cube/></Envelope>"):
        with pytest.raises(FeedError):
            fx.parse(garbage)

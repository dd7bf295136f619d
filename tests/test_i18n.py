"""Every string a person reads is translated into all eight shipped languages; locale resolution."""

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from conftest import BETA_CHANNEL, BUYER
from helpers import translated
from sqlmodel import select

from bot.config import SUPPORTED_LOCALES
from bot.core.geo import default_locale
from bot.core.i18n import format_date, format_datetime, format_decimal, resolve_locale, use_locale
from models import Supplier

REPO = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
TRANSLATED = [locale for locale in SUPPORTED_LOCALES if locale != "en"]
WORD = re.compile(r"[A-Za-z]{2,}")
# Messages that are the same word in a language (tickets are "tickets" in many; Slack's German says Channels).
SAME_IN = {
    "es": {"Ticket", "Tickets"},
    "de": {"Ticket", "Tickets", "Status", "Fairness", "*Channels*: {channels}"},
    "pt_BR": {"Status", "Item"},
}


def _source_messages() -> dict[str, tuple[str, ...]]:
    """msgid → all its forms, extracted from the code exactly as scripts/i18n.sh does."""
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None}
    found = {}
    for folder in ("bot", "handlers"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            REPO / folder, method_map=[("**.py", "python")], keywords=keywords
        ):
            forms = (message,) if isinstance(message, str) else tuple(message)
            found[forms[0]] = forms
    return found


def _catalog(locale):
    with (REPO / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_message_in_the_code_is_translated(locale):
    catalog = _catalog(locale)
    missing = []
    for msgid, forms in _source_messages().items():
        entry = catalog.get(forms if len(forms) > 1 else msgid)
        strings = entry.string if entry else None
        strings = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or entry.fuzzy or not all(strings):
            missing.append(msgid)
    assert not missing, (
        f"{locale} lacks {len(missing)} translations (run scripts/i18n.sh update): {missing[:5]}"
    )


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_keep_every_placeholder(locale):
    wrong = []
    for entry in _catalog(locale):
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        expected = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if string and set(PLACEHOLDER.findall(string)) - expected:
                wrong.append(entry.id)
            if string and not set(PLACEHOLDER.findall(ids[0])) - {"{n}"} <= set(PLACEHOLDER.findall(string)):
                wrong.append(entry.id)
    assert not wrong, f"{locale}: placeholders differ in {wrong}"


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        (["zh-CN", "es_MX"], "zh_CN"),
        (["zh-TW"], "zh_CN"),
        ([None, "es_MX"], "es"),
        (["vi-VN", "es_MX"], "vi"),
        (["fr-FR", "es_MX"], "es"),  # no French catalog: the supplier's locale is next
        (["de-DE", None], "de"),
        (["de_CH"], "de"),
        (["tr_TR"], "tr"),
        (["hi_IN"], "hi"),
        (["pt-BR"], "pt_BR"),
        (["pt_PT"], "pt_BR"),  # one Portuguese catalog
        (["pt"], "pt_BR"),
        ([None, None], "en"),
        (["xx-invalid"], "en"),
    ],
)
def test_locale_resolution_takes_the_first_supported_candidate(candidates, expected):
    assert resolve_locale(candidates) == expected


def test_locale_resolution_falls_back_to_the_configured_default():
    assert resolve_locale([None, "fr_FR"], default="es") == "es"


def test_dates_and_times_follow_the_readers_locale_and_zone():
    moment = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    with use_locale("zh_CN"):
        assert format_date(date(2026, 12, 1)) == "2026年12月1日"
        assert "2026年11月23日" in format_datetime(moment, "Asia/Shanghai")
    with use_locale("es"):
        assert format_date(date(2026, 12, 1)) == "1 dic 2026"
    with use_locale("en"):
        assert "Nov 22, 2026" in format_datetime(moment, "America/Mexico_City")


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_catalog_exists_and_gives_each_plural_all_its_forms(locale):
    path = REPO / "locales" / locale / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"no {locale} catalog: create it with scripts/i18n.sh update"
    catalog = _catalog(locale)
    short = [
        entry.id
        for entry in catalog
        if isinstance(entry.id, tuple) and len(entry.string) != catalog.num_plurals
    ]
    assert not short, f"{locale}: plural entries without {catalog.num_plurals} forms: {short}"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_no_translation_is_an_english_copy(locale):
    copies = []
    for entry in _catalog(locale):
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        words = WORD.findall(PLACEHOLDER.sub("", ids[0]))
        if entry.id and words and ids[0] not in SAME_IN.get(locale, set()) and strings[0] == ids[0]:
            copies.append(ids[0])
    assert not copies, f"{locale}: left in English: {copies[:5]}"


@pytest.mark.parametrize(
    ("country", "reader"),
    [("CN", "zh_CN"), ("MX", "es"), ("VN", "vi"), ("TR", "tr"), ("DE", "de"), ("AT", "de"), ("CH", "de"),
     ("BR", "pt_BR"), ("PT", "pt_BR"), ("IN", "en"), ("US", "en"), ("FR", "en")],
)  # fmt: skip
def test_a_suppliers_language_follows_its_country(country, reader):
    assert resolve_locale([default_locale(country)]) == reader


@pytest.mark.parametrize(
    ("command", "locale", "stored"),
    [
        ('supplier add "Nordlicht Textil" country=DE', "de", "de_DE"),
        ('supplier add "Tecelagem Aurora" country=BR', "pt_BR", "pt_BR"),
        ('supplier add "Fiação Lusa" country=PT', "pt_BR", "pt_PT"),
        ('supplier add "Ganga Weaves" country=IN', "en", "en_IN"),
    ],
)
def test_a_new_supplier_is_welcomed_in_its_countrys_language(
    client, slack, session, delivery, command, locale, stored
):
    name = command.split('"')[1]
    assert client.command(command, user=BUYER, channel=BETA_CHANNEL).status == 200
    assert session.exec(select(Supplier.locale)).one() == stored
    welcome = slack.wait_for(lambda: slack.posts(BETA_CHANNEL), what="welcome")[0]
    assert welcome["blocks"][0]["text"]["text"] == translated(locale, "Welcome, {supplier}!", supplier=name)
    if locale != "en":
        assert welcome["blocks"][0]["text"]["text"] != f"Welcome, {name}!"


def test_german_and_brazilian_readers_get_their_own_dates_and_numbers():
    with use_locale("de"):
        assert (format_date(date(2026, 12, 1)), format_decimal(1234.5)) == ("01.12.2026", "1.234,5")
    with use_locale("pt_BR"):
        assert (format_date(date(2026, 12, 1)), format_decimal(1234.5)) == ("1 de dez. de 2026", "1.234,5")


@pytest.mark.parametrize(
    ("command", "locale", "holiday"),
    [
        ('supplier add "Nordlicht Textil" country=DE', "de", "Erster Weihnachtstag"),
        (
            'supplier add "Fiação Lusa" country=PT',
            "pt_BR",
            "Dia de Natal",
        ),  # Portugal's calendar, in Portuguese
    ],
)
def test_an_order_card_names_holidays_in_the_suppliers_language(
    client, slack, session, delivery, command, locale, holiday
):
    assert client.command(command, user=BUYER, channel=BETA_CHANNEL).status == 200
    order = 'order new PO-X qty=10 due=2026-12-28 item="Blue mug"'
    assert client.command(order, user=BUYER, channel=BETA_CHANNEL).status == 200
    title = translated(locale, "Purchase order {po}", po="PO-X")
    card = slack.wait_for(
        lambda: [m for m in slack.posts(BETA_CHANNEL) if title in json.dumps(m, ensure_ascii=False)],
        what="order card",
    )[0]
    assert holiday in json.dumps(card, ensure_ascii=False)

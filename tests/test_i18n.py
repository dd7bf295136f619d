"""Every string a person reads is translated into every shipped language; locale resolution."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LOCALES
from bot.core.i18n import format_date, format_datetime, resolve_locale, use_locale

REPO = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
TRANSLATED = [locale for locale in SUPPORTED_LOCALES if locale != "en"]


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
        (["vi-VN", "es_MX"], "es"),  # no Vietnamese catalog yet: the supplier's locale is next
        (["de-DE", None], "en"),
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

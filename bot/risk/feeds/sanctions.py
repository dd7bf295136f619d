"""Sanctions lists (OFAC SDN CSV, EU consolidated CSV, recognised from their content) and name screening.

Names are compared after normalisation (case, accents, punctuation and legal-form words removed, the words
sorted) with rapidfuzz over whole matrices of names at once: no Python loop over name pairs.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from bot.risk.feeds import FeedError

OFAC_COLUMNS = 12  # ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT, ...
OFAC_EMPTY = "-0-"
EU_ID, EU_NAME, EU_TYPE = "Entity_LogicalId", "NameAlias_WholeName", "Entity_SubjectType"
EU_PROGRAMME = "Entity_Regulation_Programme"

# Legal-form words in their long and short forms: phrases first (as word sequences), then single words.
LEGAL_PHRASES = (
    "public joint stock company", "closed joint stock company", "open joint stock company", "joint stock company",
    "limited liability company", "limited liability partnership", "public limited company", "company limited",
    "private limited", "s de rl de cv", "s a de c v", "sa de cv", "s de r l", "s a", "s l", "s r l", "s p a",
    "b v", "n v", "co ltd", "pte ltd", "pvt ltd", "cong ty tnhh", "cong ty co phan", "sanayi ve ticaret",
)  # fmt: skip
LEGAL_WORDS = frozenset(
    [
        "co",
        "company",
        "companies",
        "ltd",
        "limited",
        "llc",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "gmbh",
        "jsc",
        "ojsc",
        "cjsc",
        "pjsc",
        "plc",
        "llp",
        "lp",
        "pte",
        "pvt",
        "bv",
        "nv",
        "ag",
        "kg",
        "sarl",
        "srl",
        "spa",
        "sas",
        "sro",
        "ooo",
        "zao",
        "oao",
        "pao",
        "tov",
        "kk",
        "tnhh",
        "jsc",
        "sdn",
        "bhd",
        "tbk",
        "ltda",
        "eireli",
        "as",
        "a.s.",
        "ab",
        "oy",
        "the",
    ]
)
CJK_LEGAL = ("股份有限公司", "有限责任公司", "有限公司", "公司", "株式会社")
# Letters that are not a base letter plus an accent, so NFKD leaves them as they are.
_LETTERS = str.maketrans({"đ": "d", "Đ": "d", "ø": "o", "Ø": "o", "ß": "ss", "ł": "l", "Ł": "l", "ı": "i", "æ": "ae",
                          "œ": "oe", "þ": "th"})  # fmt: skip
_PUNCT = re.compile(r"[^\w\s]|_", re.UNICODE)
_PHRASES = re.compile(r"\b(" + "|".join(re.escape(p) for p in LEGAL_PHRASES) + r")\b")
_AKA = re.compile(r"a\.k\.a\.,?\s+'([^']+)'", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    """One listed party: `uid` is stable across fetches (list and the list's own id)."""

    uid: str
    list_name: str
    name: str
    aliases: tuple[str, ...]
    programme: str


@dataclass(frozen=True)
class Match:
    supplier_id: int
    supplier_name: str
    entry: Entry
    listed_name: str
    percent: float


def normalise(name: str) -> str:
    """Lower case, no accents, punctuation or legal-form words, the words sorted."""
    text = unicodedata.normalize("NFKC", name).translate(_LETTERS)
    for form in CJK_LEGAL:
        text = text.replace(form, " ")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _PUNCT.sub(" ", text.casefold().replace("&", " and "))
    text = _PHRASES.sub(" ", " ".join(text.split()))
    words = [w for w in text.split() if w not in LEGAL_WORDS]
    return " ".join(sorted(words)) or " ".join(sorted(text.split()))


def _clean(value: str) -> str:
    value = value.strip()
    return "" if value == OFAC_EMPTY else value


def _ofac(text: str) -> list[Entry]:
    entries = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not any(cell.strip(" \t\r\n\x1a") for cell in row):  # the published file ends with Ctrl-Z
            continue
        if len(row) != OFAC_COLUMNS or not row[0].strip().isdigit():
            raise FeedError(
                f"OFAC SDN line {number}: {len(row)} columns, expected {OFAC_COLUMNS} starting with ent_num"
            )
        kind = _clean(row[2]).casefold()
        if kind in ("vessel", "aircraft"):
            continue
        name = _clean(row[1])
        aliases = tuple(dict.fromkeys(_AKA.findall(row[11])))
        entries.append(Entry(uid=f"OFAC:{row[0].strip()}", list_name="OFAC SDN", name=name, aliases=aliases,
                             programme=_clean(row[3])))  # fmt: skip
    return entries


def _eu(text: str) -> list[Entry]:
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    missing = [c for c in (EU_ID, EU_NAME) if c not in (reader.fieldnames or [])]
    if missing:
        raise FeedError(f"EU list header changed: no column {missing[0]}")
    names: dict[str, list[str]] = {}
    programmes: dict[str, str] = {}
    for row in reader:
        uid, name = (row.get(EU_ID) or "").strip(), (row.get(EU_NAME) or "").strip()
        if not uid or not name:
            continue
        names.setdefault(uid, [])
        if name not in names[uid]:
            names[uid].append(name)
        programmes.setdefault(uid, (row.get(EU_PROGRAMME) or "").strip())
    return [Entry(uid=f"EU:{uid}", list_name="EU", name=listed[0], aliases=tuple(listed[1:]),
                  programme=programmes[uid]) for uid, listed in names.items()]  # fmt: skip


def parse(content: bytes) -> list[Entry]:
    """The entries of an OFAC SDN or EU consolidated CSV, whichever `content` is."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("latin-1")
    head = text.lstrip()[:2000]
    if head.startswith("<"):
        raise FeedError("not a CSV file (HTML or XML)")
    first_line = head.split("\n", 1)[0]
    if ";" in first_line and ("Entity_" in first_line or "NameAlias_" in first_line):
        entries = _eu(text)
    elif re.match(r'^\d+,"?', first_line):
        entries = _ofac(text)
    else:
        raise FeedError("unrecognised sanctions list format (neither OFAC SDN CSV nor EU consolidated CSV)")
    if not entries:
        raise FeedError("the sanctions list has no entries")
    return entries


def screen(
    suppliers: Sequence[tuple[int, str, Iterable[str]]], entries: Sequence[Entry], threshold: float,
    chunk: int = 1000,
) -> list[Match]:  # fmt: skip
    """Each supplier name (and alias) against each listed name; the best match per supplier and entry at or
    above `threshold` %."""
    queries, owners = [], []
    for index, (_, name, aliases) in enumerate(suppliers):
        for candidate in dict.fromkeys((name, *aliases)):
            if normal := normalise(candidate):
                queries.append(normal)
                owners.append((index, candidate))
    choices, listed = [], []
    for position, entry in enumerate(entries):
        for candidate in dict.fromkeys((entry.name, *entry.aliases)):
            if normal := normalise(candidate):
                choices.append(normal)
                listed.append((position, candidate))
    best: dict[tuple[int, int], tuple[float, str]] = {}
    cutoff = int(np.floor(threshold))
    for start in range(0, len(queries), chunk):
        scores = process.cdist(queries[start : start + chunk], choices, scorer=fuzz.ratio, dtype=np.uint8,
                               score_cutoff=cutoff, workers=-1)  # fmt: skip
        for row, column in zip(*np.nonzero(scores), strict=True):
            percent = fuzz.ratio(queries[start + row], choices[column])  # exact, not rounded to uint8
            if percent < threshold:
                continue
            supplier, entry = owners[start + row][0], listed[column][0]
            if percent > best.get((supplier, entry), (-1.0, ""))[0]:
                best[(supplier, entry)] = (percent, listed[column][1])
    return [
        Match(supplier_id=suppliers[s][0], supplier_name=suppliers[s][1], entry=entries[e], listed_name=name,
              percent=round(percent, 1))
        for (s, e), (percent, name) in sorted(best.items())
    ]  # fmt: skip

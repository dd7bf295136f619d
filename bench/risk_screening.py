"""Sanctions screening at full size: N supplier names against a synthetic list of M entries (OFAC SDN CSV
format, parsed as the risk job parses it), with a few planted near-matches that must be found.

Prints the seconds to parse the list and to screen every supplier (normalisation included), best of
REPEAT, the number of name pairs compared and the matches found.

Run:  python bench/risk_screening.py [--suppliers 2000] [--entries 15000] [--repeat 3] [--threshold 90]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from bot.risk.feeds.sanctions import parse, screen  # noqa: E402

_WORDS = ("golden star ocean river dragon phoenix eastern western northern pacific atlantic united global royal "
         "prime silver crystal harmony victory liberty summit horizon delta alpha omega sunrise evergreen jade "
         "lotus tiger falcon crown bridge anchor harbor valley mountain forest desert coastal metro urban")  # fmt: skip
_TRADES = ("textiles trading logistics shipping electronics garments machinery chemicals metals plastics foods "
          "packaging industrial holdings imports exports manufacturing ceramics furniture apparel")  # fmt: skip
WORDS, TRADES = _WORDS.split(), _TRADES.split()
FORMS = (
    "Co., Ltd.",
    "LLC",
    "GmbH",
    "JSC",
    "S.A. de C.V.",
    "Limited",
    "Inc.",
    "Company Limited",
    "Pvt. Ltd.",
    "",
)


SYLLABLES = ("ka", "lo", "min", "tra", "shen", "vu", "an", "ber", "zhi", "ko", "mar", "del", "ri", "sa", "tan",
             "hua", "pol", "nor", "el", "qi", "do", "yun", "fer", "li", "ost", "gu", "ra", "ven", "tek", "son")  # fmt: skip


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3))))


def _name(rng: random.Random) -> str:
    """A company name: one or two made-up words, often a common word and a trade, usually a legal form."""
    words = [_word(rng) for _ in range(rng.choice((1, 2)))] + rng.sample(WORDS, rng.choice((0, 1)))
    words += rng.sample(TRADES, rng.choice((1, 1, 2)))
    return " ".join(w.title() for w in words) + (" " + rng.choice(FORMS) if rng.random() < 0.8 else "")


def synthetic_list(entries: int, rng: random.Random) -> bytes:
    """An OFAC SDN CSV of `entries` rows (a third of them people and vessels, as in the real list)."""
    rows = []
    for n in range(1, entries + 1):
        kind = rng.choice(("-0- ", "-0- ", "individual", "vessel"))
        name = _name(rng).upper() if kind != "individual" else f"{_word(rng).upper()}, {_word(rng).title()}"
        aka = f"a.k.a. '{_name(rng).upper()}'." if rng.random() < 0.3 else "-0- "
        rows.append(
            f'{n},"{name}",{kind if kind != "-0- " else "-0- "},"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"{aka}"'
        )
    return ("\n".join(rows) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suppliers", type=int, default=2000)
    parser.add_argument("--entries", type=int, default=15000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threshold", type=float, default=90)
    args = parser.parse_args()
    rng = random.Random(7)
    content = synthetic_list(args.entries, rng)
    suppliers = [(n, _name(rng), ()) for n in range(1, args.suppliers + 1)]
    entries = parse(content)
    planted = rng.sample(range(len(suppliers)), 5)
    for index in planted:  # the listed name, written the way a buyer would type it
        listed = rng.choice([e for e in entries if e.uid.startswith("OFAC:")]).name
        suppliers[index] = (suppliers[index][0], listed.title().replace(",", ""), ())
    parse_times, screen_times = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        entries = parse(content)
        parse_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        matches = screen(suppliers, entries, args.threshold)
        screen_times.append(time.perf_counter() - started)
    found = {m.supplier_id for m in matches}
    names = sum(1 + len(e.aliases) for e in entries)
    print(
        f"{args.suppliers} suppliers × {len(entries)} listed parties ({names} names, {len(content) / 1e6:.1f} MB)"
    )
    print(f"  parse the list:   {min(parse_times):.2f} s")
    print(f"  screen:           {min(screen_times):.2f} s  ({args.suppliers * names / 1e6:.0f} M name pairs)")
    print(f"  total:            {min(parse_times) + min(screen_times):.2f} s (limit 5 s)")
    print(f"  matches ≥ {args.threshold:g} %: {len(matches)} for {len(found)} suppliers; "
          f"planted found: {sum(suppliers[i][0] in found for i in planted)}/5")  # fmt: skip


if __name__ == "__main__":
    main()

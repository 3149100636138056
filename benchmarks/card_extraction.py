"""Card extraction (issue 25) measured on the curated judgments and decisions with their cards removed:
the curated cards are the answer key.

A field the key states counts as found when the extracted line matches the key's value, pinpoint
and formatting aside (the court's or parties' words are among the key's, the date is one the key
gives, every case number or amount extracted is one the key gives). A key value that says the
sources do not confirm it ("not confirmed by the sources used", "not given") counts as not stated.
A field extracted where the key has none is listed for a reader to judge: the curated cards leave
out some facts their text states (Thaler's parties, for one).

Usage: .venv/bin/python benchmarks/card_extraction.py [--no-write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import REPO, machine, write_section  # noqa: E402

from assistant.card_extraction import LABEL_WORDS, citable_paragraphs, extract  # noqa: E402
from assistant.card_extraction import _DATES, _MONEY, _date_of  # noqa: E402
from assistant.cards import CASE_DOC_TYPES, without_pinpoint  # noqa: E402
from assistant.loaders import load_file  # noqa: E402
from assistant.schema import CARD_FIELDS  # noqa: E402

RESULTS = REPO / "benchmarks" / "RESULTS.md"
NOT_STATED = re.compile(r"not confirmed|not given in the sources|exact dates? .{0,40}not", re.IGNORECASE)
STOP = frozenset({"the", "of", "and", "for", "in", "a", "an", "on", "at"})
SAME = [(r"\beuropean union\b", "eu"), (r"\bunited states\b", "us"), (r"\bu\.s\.", "us")]


def _folded(text: str) -> str:
    text = text.casefold()
    for pattern, replacement in SAME:
        text = re.sub(pattern, replacement, text)
    return text


def _compact(text: str) -> str:
    return re.sub(r"[\W_]+", "", _folded(text))


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[^\W\d_]+|\d+", _folded(text)) if w not in STOP and w not in LABEL_WORDS}


def _dates(text: str) -> set[dt.date]:
    return {date for pattern in _DATES for m in pattern.finditer(text) if (date := _date_of(m))}


def _amounts(text: str) -> set[str]:
    return {re.sub(r"[^\d.]", "", m.group()) + ("b" if "billion" in m.group() else "") for m in _MONEY.finditer(text)}


def matches(name: str, extracted: str, key: str) -> bool:
    """Whether an extracted line says what the key's line says, pinpoints and formatting aside."""
    extracted, key = without_pinpoint(extracted), without_pinpoint(key)
    if name == "decided":
        return bool(_dates(extracted)) and _dates(extracted) <= _dates(key)
    if name == "case_number":
        return all(_compact(number) in _compact(key) for number in extracted.split(";"))
    if name in ("claimed", "remedies"):
        return bool(_amounts(extracted)) and _amounts(extracted) <= _amounts(key)
    return _compact(extracted) in _compact(key) or _words(extracted) <= _words(key)


@dataclass
class Tally:
    stated: int = 0
    produced: int = 0
    correct: int = 0
    wrong: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    unkeyed: list[str] = field(default_factory=list)


AMOUNT_FIELDS = ("claimed", "remedies")


def run() -> tuple[dict[str, Tally], int, float]:
    """Each curated ruling's card extracted from its text and scored against its curated card. An
    amount field counts as stated only where the key gives an amount (the rules read nothing else
    there): its tally is kept under "claimed (amount)" and "remedies (amount)"."""
    tallies = {name: Tally() for name in [*CARD_FIELDS, *(f"{name} (amount)" for name in AMOUNT_FIELDS)]}
    documents = 0
    started = time.perf_counter()
    for path in sorted((REPO / "corpus").glob("*.md")):
        doc = load_file(path, curated=True)
        if doc.meta.doc_type not in CASE_DOC_TYPES or doc.meta.card is None:
            continue
        documents += 1
        key = {name: value for name, value in doc.meta.card.fields().items() if not NOT_STATED.search(value)}
        got = extract(citable_paragraphs(doc)).card  # the text alone: the front matter is not read
        for name in AMOUNT_FIELDS:
            if name in key and _amounts(without_pinpoint(key[name])):
                key[f"{name} (amount)"] = key[name]
            if name in got:
                got[f"{name} (amount)"] = got[name]
        for name, tally in tallies.items():
            tally.stated += name in key
            tally.produced += name in got
            if name in got and name in key:
                if matches(name.removesuffix(" (amount)"), got[name], key[name]):
                    tally.correct += 1
                else:
                    tally.wrong.append(f"{doc.meta.id}: `{got[name]}` (key: `{key[name]}`)")
            elif name in got:
                tally.unkeyed.append(f"{doc.meta.id}: `{got[name]}`")
            elif name in key:
                tally.missed.append(doc.meta.id)
    return tallies, documents, time.perf_counter() - started


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "—"


def report(tallies: dict[str, Tally], documents: int, seconds: float) -> str:
    info = machine()
    amounts = {name: tallies.pop(name) for name in list(tallies) if name.endswith("(amount)")}
    asked = [tallies[name] for name in ("court", "decided", "case_number", "parties")] + list(amounts.values())
    asked_correct, asked_stated = sum(t.correct for t in asked), sum(t.stated for t in asked)
    ruled = [name for name, t in tallies.items() if t.produced]
    rows = ["| field | stated in the key | extracted | correct | precision | recall |", "|---|---|---|---|---|---|"]
    for name, t in tallies.items():
        keyed = t.correct + len(t.wrong)
        rows.append(f"| {name} | {t.stated} | {t.produced} | {t.correct} | {_ratio(t.correct, keyed)} | "
                    f"{_ratio(t.correct, t.stated)} |")
    correct = sum(t.correct for t in tallies.values())
    keyed = sum(t.correct + len(t.wrong) for t in tallies.values())
    stated = sum(t.stated for t in tallies.values())
    stated_ruled = sum(tallies[name].stated for name in ruled)
    wrong = [line for t in tallies.values() for line in t.wrong]
    unkeyed = [f"{name}: {line}" for name, t in tallies.items() for line in t.unkeyed]
    amount_rows = [f"| {name} | {t.stated} | {t.produced} | {t.correct} | — | {_ratio(t.correct, t.stated)} |"
                   for name, t in amounts.items()]
    rows[2 + CARD_FIELDS.index("remedies") + 1:2 + CARD_FIELDS.index("remedies") + 1] = amount_rows
    lines = [
        "## Card extraction (benchmarks/card_extraction.py)",
        "",
        f"Run {info['date']} on {info['cores']} cores ({info['cpu']}), commit {info['commit']}: "
        f"{documents} curated judgments and decisions, read from their text alone with the card and front "
        f"matter removed, the curated cards as the answer key ({seconds:.1f} s in all, rules only, no model).",
        "",
        *rows,
        "",
        f"- **Precision: {correct} of {keyed} extracted lines that the key also states are correct "
        f"({_ratio(correct, keyed)})**; every line was checked against the paragraph it cites before it was kept.",
        f"- **The fields the issue names (court, date decided, case number, parties, and the amounts claimed and "
        f"awarded where the key states one): {asked_correct} of {asked_stated} found and correct "
        f"({_ratio(asked_correct, asked_stated)})**.",
        f"- Recall over the fields the rules read ({', '.join(ruled)}): {_ratio(correct, stated_ruled)}; "
        f"over every field the key states: {_ratio(correct, stated)}. The rules do not read what was held or "
        "the appeal, nor a claim or remedy that has no amount (an apology, a dismissal); the issue leaves "
        "those to the model, which this extraction does not use.",
        f"- Extracted where the key has no line: {len(unkeyed)} (below). Each one's figures and words are in the "
        "paragraph it cites (the check keeps nothing else), so none is invented; the curated card leaves the fact out "
        "(a pending case's interim order, a case name the card does not repeat).",
    ]
    if wrong:
        lines += ["", "Wrong (the key says otherwise):", "", *[f"- {line}" for line in wrong]]
    if unkeyed:
        lines += ["", "Extracted where the key has no line:", "", *[f"- {line}" for line in unkeyed]]
    missed = [f"{name}: {', '.join(t.missed)}" for name, t in tallies.items() if t.missed and name in ruled]
    if missed:
        lines += ["", "Missed (stated in the key, not extracted), fields the rules read:", "",
                  *[f"- {line}" for line in missed]]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md as it is")
    args = parser.parse_args()
    section = report(*run())
    print(section)
    if not args.no_write:
        write_section(RESULTS, section)


if __name__ == "__main__":
    main()

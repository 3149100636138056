"""Figures in a text — amounts, counts, dates, case numbers — normalised so that the same figure
written two ways meets itself, and a different one does not.

"RMB 300,000", "30 万元" and "300000" are one figure; "six million" and "six billion" are two;
"13 July 2023", "July 13, 2023" and "2023年7月13日" are one date, and a date also stands for its
month and year ("in July 2023" is borne out by "on 13 July 2023"). The checker needs this because
borrowing a neighbouring figure, or writing a count in words, is the small model's typical error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MONTH = r"(?P<{0}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"

_WORD_NUMBERS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_WORD_NUMBERS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
                      "ninety": 90, "hundred": 100})
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12, "千": 10**3, "万": 10**4,
           "亿": 10**8, "k": 10**3, "m": 10**6, "bn": 10**9}
_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

_DATE_PATTERNS = [
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"),
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*日)?"),
    re.compile(r"(?<!\d)(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
    re.compile(r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH.format("mon") + r",?\s+(?P<y>\d{4})\b",
               re.IGNORECASE),
    re.compile(r"\b" + _MONTH.format("mon") + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})\b", re.IGNORECASE),
    re.compile(r"\b" + _MONTH.format("mon") + r",?\s+(?P<y>\d{4})\b", re.IGNORECASE),
    re.compile(r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH.format("mon") + r"\b(?!\s*\d)",
               re.IGNORECASE),
]
_AMOUNT = re.compile(
    r"(?<![A-Za-z0-9_.])(?P<n>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<f>\d+))?(?![\d,]*\d)"
    r"(?:\s*(?P<s>thousand|million|billion|trillion|bn|千|万|亿)(?![a-z]))?",
    re.IGNORECASE,
)
_WORDS = re.compile(
    r"\b(?P<w>(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|"
    r"seven|eight|nine))?|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|hundred)(?:\s+(?P<s>thousand|million|billion|trillion))?\b",
    re.IGNORECASE,
)
# Chinese numerals before a measure word or a scale ("三天", "六组", "十二首", "三十万").
_ZH_NUMBER = re.compile(r"(?P<w>[一二两三四五六七八九十]{1,3})(?P<s>千|万|亿)?(?=[天组个项名年次首件家部条款章位份种张幅元万亿千倍])")


@dataclass(frozen=True)
class Figure:
    """One figure of a text: its normalised value, where it is, and the values it also stands for."""

    value: str
    start: int
    end: int
    implies: tuple[str, ...] = ()


def _scaled(integer: str, fraction: str | None, scale: str | None) -> str:
    number = float(f"{integer.replace(',', '')}.{fraction}") if fraction else int(integer.replace(",", ""))
    if scale:
        number = number * _SCALES[scale.lower()]
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    return str(number)


def _zh_value(text: str) -> int:
    if "十" not in text:
        return sum(_ZH_DIGITS[c] * 10 ** i for i, c in enumerate(reversed(text)))
    tens, _, units = text.partition("十")
    return (_ZH_DIGITS.get(tens, 1) if tens else 1) * 10 + (_ZH_DIGITS.get(units, 0) if units else 0)


def _month(name: str) -> int:
    key = name.lower().rstrip(".")
    return _MONTHS.get(key) or _MONTHS[key[:3]]


def _date(match: re.Match[str]) -> Figure:
    parts = match.groupdict()
    month = int(parts["m"]) if parts.get("m") else _month(parts["mon"])
    year, day = parts.get("y"), parts.get("d")
    if year and day:
        value, implies = f"{year}-{month:02d}-{int(day):02d}", (f"{year}-{month:02d}", year, f"{month:02d}-{int(day):02d}")
    elif year:
        value, implies = f"{year}-{month:02d}", (year,)
    else:
        value, implies = f"{month:02d}-{int(day):02d}", ()
    return Figure(value, match.start(), match.end(), implies)


def figure_spans(text: str) -> list[Figure]:
    """The figures of a text in reading order; a date is one figure, not its day and year."""
    taken: list[tuple[int, int]] = []
    found: list[Figure] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            if free(match.start(), match.end()):
                found.append(_date(match))
                taken.append((match.start(), match.end()))
    for match in _AMOUNT.finditer(text):
        if free(match.start(), match.end()):
            found.append(Figure(_scaled(match["n"], match["f"], match["s"]), match.start(), match.end()))
            taken.append((match.start(), match.end()))
    for match in _WORDS.finditer(text):
        if free(match.start(), match.end()):
            words = re.split(r"[- ]", match["w"].lower())
            found.append(Figure(_scaled(str(sum(_WORD_NUMBERS[w] for w in words)), None, match["s"]),
                                match.start(), match.end()))
    for match in _ZH_NUMBER.finditer(text):
        if free(match.start(), match.end()):
            found.append(Figure(_scaled(str(_zh_value(match["w"])), None, match["s"]), match.start(), match.end()))
    return sorted(found, key=lambda f: f.start)


def figures_in(text: str) -> set[str]:
    """Every figure of a text, with what each date also stands for (its month and its year)."""
    values: set[str] = set()
    for figure in figure_spans(text):
        values.add(figure.value)
        values.update(figure.implies)
    return values


def claimed_figures(text: str) -> set[str]:
    """The figures a sentence asserts: each as written, a date only as precise as it is given."""
    return {figure.value for figure in figure_spans(text)}

"""Case cards for uploaded rulings, read from their text by rules, so that a judgment uploaded without
a sidecar can be asked about like a curated one: its court, date, number and parties answer fact
questions, its parties and number become aliases the linker knows it by, and its date puts it on
the timeline.

A card line is stated to the user as fact, so every rule returns the words as the text writes them
and the paragraph (¶N, or p. N for a PDF) they stand in; the line is then checked against that
paragraph (each of its figures and words must occur there) and dropped if it fails. What rules
cannot read reliably (what was held, the appeal, a claim or remedy without an amount) is left out,
never guessed, and the card is labelled "extracted" until the user confirms it in the Library view.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.cards import CASE_DOC_TYPES
from assistant.chunking import paragraph_pinpoints
from assistant.loaders import SIDECAR_SUFFIX, LoadedDocument, pretty_stem
from assistant.schema import SchemaError, UserDocumentMeta, parse_yaml_mapping, validate_meta
from assistant.text import CJK, CJK_CHARS, sentence_spans

HAN = f"[{CJK_CHARS}]"
_OPENING_CHARS = 800  # where a document names itself: its caption, or a summary's first sentences
UPPER = "A-ZÀ-ÖØ-ÞĀ-Ž"  # capitals, with the accented ones of Czech, German, French names
LABEL_WORDS = frozenset({"plaintiff", "plaintiffs", "defendant", "defendants", "claimant", "claimants",
                         "applicant", "applicants", "v", "and"})
MONTHS = {name: number for number, name in enumerate(
    "january february march april may june july august september october november december".split(), 1)}


@dataclass(frozen=True)
class Paragraph:
    """A citable stretch of the document: its pinpoint as a card writes it ("¶3", "¶3-4", "p. 2")."""

    pinpoint: str
    text: str


@dataclass(frozen=True)
class Found:
    """A value as the text writes it, and the paragraphs it was read from."""

    value: str
    where: tuple[Paragraph, ...]

    @property
    def line(self) -> str:
        """The card line: the value ending with its pinpoint, "RMB 500 in damages (¶30)"."""
        return f"{self.value} ({', '.join(p.pinpoint for p in self.where)})"


@dataclass
class Extraction:
    """What the rules found: the card lines (verified), and the plain values the metadata takes."""

    card: dict[str, str] = field(default_factory=dict)
    court: str | None = None
    decided: dt.date | None = None
    case_numbers: list[str] = field(default_factory=list)
    jurisdiction: str | None = None
    aliases: list[str] = field(default_factory=list)
    case_name: str | None = None  # "Harbour Lights v. Northwind Press": how a citation names the case


def citable_paragraphs(doc: LoadedDocument) -> list[Paragraph]:
    """The document's paragraphs with the pinpoints its chunks carry: pages for a PDF, numbered
    paragraphs (or ¶1, ¶2… in order) for markdown and text."""
    paragraphs: list[Paragraph] = []
    for page, text in doc.pages:
        if page is not None:
            paragraphs.append(Paragraph(f"p. {page}", text))
        else:
            paragraphs += [Paragraph(pinpoint, body) for pinpoint, body in paragraph_pinpoints(text)]
    return [p for p in paragraphs if p.text.strip()]


# -- verification ------------------------------------------------------------------------------------
_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")
_LATIN_WORD = re.compile(r"[^\W\d_]{2,}")


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text).casefold()


def verified(found: Found) -> bool:
    """Whether every figure, word and Chinese character run of the value occurs in the paragraphs it
    cites (role labels such as "Plaintiff" aside): a line the text does not state is never shown."""
    source = _plain(" ".join(p.text for p in found.where))
    figures = source.replace(",", "")
    if any(figure.replace(",", "") not in figures for figure in _FIGURE.findall(found.value)):
        return False
    words = [w for w in _LATIN_WORD.findall(found.value) if not CJK.match(w) and w.casefold() not in LABEL_WORDS]
    han = re.findall(f"{HAN}+", found.value)
    compact = re.sub(r"\s+", "", source)
    return (all(w.casefold() in source for w in words)
            and all(run in compact for run in han if run not in ("原告", "被告")))


# -- the rules ---------------------------------------------------------------------------------------
def _sentences(paragraph: Paragraph) -> Iterator[str]:
    for start, end in sentence_spans(paragraph.text):
        yield paragraph.text[start:end]


def _first(paragraphs: list[Paragraph], find: Callable[[str], str | None]) -> Found | None:
    """The first sentence, in reading order, for which ``find`` returns a value."""
    for paragraph in paragraphs:
        for sentence in _sentences(paragraph):
            value = find(sentence)
            if value:
                return Found(value, (paragraph,))
    return None


_CASE_NUMBERS = [
    re.compile(r"[（(]\s*\d{4}\s*[）)]\s*" + HAN + r"{1,3}\s*\d{1,4}\s*" + HAN + r"{1,5}\s*\d{1,6}\s*号"),
    re.compile(r"\(\d{4}\)\s*[A-Z][a-z]{1,8}(?:\s+\d{2,4})?(?:\s+[A-Z][a-z]{0,6}){1,3}\s+No\.\s*\d{1,6}"),
    re.compile(r"\bNo\.\s*\d{1,2}:\d{2}-[a-z]{2,3}-\d{3,6}(?:-[A-Z]{2,4})*"),
    re.compile(r"\bNo\.\s*\d{2}-\d{3,5}(?:\s+\([A-Z]{2,4}\))?"),
    re.compile(r"\[\d{4}\]\s+(?:UKSC|UKHL|UKPC|EWCA\s+(?:Civ|Crim)|EWHC)\s+\d{1,5}"
               r"(?:\s+\((?:Ch|KB|QB|Pat|IPEC|Comm|Fam|TCC|Admin)\))?"),
    re.compile(r"\bClaim\s+No\.?:?\s*[A-Z]{2}-\d{4}-\d{6}\b"),
    re.compile(r"(?<![\w-])[CT]-\d{1,4}/\d{2}\b"),
    re.compile(r"(?<![\w/.-])\d{1,3}\s+[A-Z]{1,2}\s+\d{1,6}/\d{2,4}(?:-\d{1,4})?\b"),
]


def _case_numbers(text: str) -> list[str]:
    """Every case number in ``text``, in order, each once."""
    spans = sorted((m.start(), m.end(), kind)
                   for kind, pattern in enumerate(_CASE_NUMBERS) for m in pattern.finditer(text))
    numbers: list[str] = []
    last_end = -1
    for start, end, kind in spans:
        if start >= last_end:  # a Chinese number has no spaces; OCR puts some in: "(2024 )京0491民初2345号"
            numbers.append(re.sub(r"\s+", "" if kind == 0 else " ", text[start:end]).strip())
            last_end = end
    return list(dict.fromkeys(numbers))


def _find_case_numbers(paragraphs: list[Paragraph]) -> tuple[Found | None, list[str]]:
    """The numbers of the first paragraph that gives any: the document's own come before those of
    the cases it cites."""
    for paragraph in paragraphs:
        numbers = _case_numbers(paragraph.text)
        if numbers:
            return Found("; ".join(numbers), (paragraph,)), numbers
    return None, []


US_STATES = ("Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|"
             "Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|"
             "Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|"
             "North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|"
             "South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming|"
             "Columbia|Puerto Rico")
_CAPITALISED = rf"[{UPPER}][\w'’.-]*"
_COURTS: list[tuple[str, re.Pattern[str]]] = [
    ("CN", re.compile(rf"(?:(?<!{HAN})|(?<=[向在由经于据]))(?:最高人民法院|{HAN}{{2,10}}?(?:高级人民法院|中级人民法院|"
                      rf"人民法院|互联网法院|知识产权法院))")),
    ("CN", re.compile(rf"(?:{_CAPITALISED}\s+){{1,4}}(?:Intermediate\s+People's|Higher\s+People's|People's|Internet|"
                      r"Intellectual\s+Property)\s+Court")),
    ("US", re.compile(rf"(?:(?:U\.S\.|United\s+States)\s+)?District\s+Court\s+for\s+the\s+(?:(?:Northern|Southern|"
                      rf"Eastern|Western|Central|Middle)\s+)?District\s+of\s+(?:{US_STATES})\b", re.IGNORECASE)),
    ("US", re.compile(r"(?:U\.S\.|United\s+States)\s+Court\s+of\s+Appeals\s+for\s+the\s+(?:[\w.]+\s+){1,2}?Circuit",
                      re.IGNORECASE)),
    ("US", re.compile(r"(?:U\.S\.|United\s+States)\s+Copyright\s+Office(?:\s+Review\s+Board)?")),
    ("UK", re.compile(r"High\s+Court\s+of\s+Justice(?:\s+of\s+England\s+and\s+Wales)?(?:,?\s+(?:Business\s+and\s+"
                      r"Property\s+Courts\s+of\s+England\s+and\s+Wales,?\s+)?(?:Chancery|King's\s+Bench|Queen's\s+Bench)"
                      r"\s+Division)?")),
    ("IN", re.compile(r"High\s+Court\s+of\s+(?:Delhi|Bombay|Madras|Calcutta)(?:,\s+Intellectual\s+Property\s+Division)?")),
    ("EU", re.compile(r"Court\s+of\s+Justice\s+of\s+the\s+European\s+Union|General\s+Court\s+of\s+the\s+European\s+Union")),
    ("DE", re.compile(rf"(?:Bundesgerichtshof|(?:Ober)?[Ll]andgericht\s+[{UPPER}][\wäöüß]+(?:\s+I{{1,3}}\b)?)")),
    ("CZ", re.compile(r"(?:Městský|Krajský|Okresní|Obvodní|Vrchní|Nejvyšší)\s+soud(?:\s+v\s+[A-ZČŘŠŽÚ]\w+)?")),
]
# A name in brackets straight after the court's, in Chinese or naming a court: "(北京互联网法院)".
_COURT_GLOSS = re.compile(rf"\s*[(（]([^()（）]*(?:{HAN}|Court)[^()（）]*)[)）]")
# Words a court's name carries in some texts and not in others: "The", "of England and Wales".
_NAME_NOISE = re.compile(r"^(?:The|THE)\s+|\s+of\s+England\s+and\s+Wales|Business\s+and\s+Property\s+Courts\s+"
                         r"of\s+England\s+and\s+Wales,?\s+")
_SMALL_WORDS = frozenset({"OF", "THE", "FOR", "AND", "IN"})


def _court_at(text: str) -> tuple[int, str, str] | None:
    """The earliest court named in ``text``: (position, name as written, jurisdiction)."""
    hits = [(m.start(), -len(m.group()), m, jurisdiction)
            for jurisdiction, pattern in _COURTS for m in pattern.finditer(text)]
    if not hits:
        return None
    start, _, match, jurisdiction = min(hits, key=lambda hit: hit[:2])
    name = _NAME_NOISE.sub("", re.sub(r"\s+", " ", match.group()))
    if name.isupper():  # a caption's "UNITED STATES DISTRICT COURT FOR THE DISTRICT OF OREGON"
        name = " ".join(word.lower() if word in _SMALL_WORDS and at else word.capitalize()
                        for at, word in enumerate(name.split()))
    gloss = _COURT_GLOSS.match(text, match.end())
    return start, name + (f" ({gloss.group(1).strip()})" if gloss else ""), jurisdiction


def _find_court(paragraphs: list[Paragraph]) -> tuple[Found | None, str | None]:
    for paragraph in paragraphs:
        court = _court_at(paragraph.text)
        if court:
            return Found(court[1], (paragraph,)), court[2]
    return None, None


_MONTH = "January|February|March|April|May|June|July|August|September|October|November|December"
_ZH_DIGITS = "〇○零O0一二三四五六七八九十"
_DATES = [
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m>{_MONTH}),?\s+(?P<y>\d{{4}})\b", re.IGNORECASE),
    re.compile(rf"\b(?P<m>{_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,\s*(?P<y>\d{{4}})\b", re.IGNORECASE),
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
    re.compile(rf"(?P<y>[{_ZH_DIGITS}]{{4,5}})\s*年\s*(?P<m>[{_ZH_DIGITS}]{{1,3}})\s*月\s*(?P<d>[{_ZH_DIGITS}]{{1,3}})\s*日"),
]
# A date the text gives as the decision's: after a "Date:" label, in Chinese numerals (the signature
# of a Chinese judgment), or in a sentence that says the ruling was made then and not that something
# else (a filing, a hearing, an appeal, a report) happened then.
_DATE_LABEL = re.compile(r"(?:^|\n)\s*(?:Date(?:d| of (?:judgment|decision))?|Decided|Judgment date|Handed down)"
                         r"\s*:\s*$", re.IGNORECASE)
_DECISION_CUE = re.compile(
    r"\b(?:decided|delivered|announced|handed\s+down|dated|ruled|pronounced|rendered|granted|denied|dismissed|"
    r"(?:judgment|decision|order|opinion|ruling)\s+(?:of|dated|on))\b|判决|裁定|宣判|作出", re.IGNORECASE)
_OTHER_EVENT = re.compile(
    r"\b(?:filed|fil(?:ing|es)|complaint|lodged|issued\s+(?:its\s+)?claim|reported|report|appeal\w*|hearing|heard|"
    r"argument|registered|published|signed|reassigned|motion|moved|not\s+yet)\b|立案|起诉|上诉|报道|受理|开庭|提交|提出|"
    r"动议|尚未", re.IGNORECASE)


def _zh_number(text: str) -> int:
    """一九 style digits ("二〇二三") or counted tens ("二十七") as a number."""
    digits = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0, "O": 0, "0": 0}
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (digits.get(tens, 1) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0)
    return int("".join(str(digits[c]) for c in text))


def _date_of(match: re.Match[str]) -> dt.date | None:
    y, m, d = match.group("y"), match.group("m"), match.group("d")
    if len(y) == 5:  # OCR reads 〇 in 二〇二四 twice ("二O〇二四"): keep one of the two
        y = re.sub(r"[〇○零O0]{2}", lambda zeros: zeros.group()[0], y, count=1)
    try:
        year = int(y) if y.isdigit() else _zh_number(y)
        month = MONTHS[m.lower()] if m.lower() in MONTHS else int(m) if m.isdigit() else _zh_number(m)
        day = int(d) if d.isdigit() else _zh_number(d)
        return dt.date(year, month, day)
    except (KeyError, ValueError):
        return None


def _decision_date(sentence: str) -> tuple[str, dt.date] | None:
    """The date the sentence gives as a ruling's, as written and as a date."""
    for index, pattern in enumerate(_DATES):
        for match in pattern.finditer(sentence):
            date = _date_of(match)
            if date is None:
                continue
            before, after = sentence[:match.start()], sentence[match.end():match.end() + 30]
            labelled = bool(_DATE_LABEL.search(before)) or index == 3
            clause = before[max(before.rfind(";"), before.rfind("；")) + 1:]
            if labelled or (_DECISION_CUE.search(sentence) and not _OTHER_EVENT.search(clause + " " + after)):
                return match.group(), date
    return None


def _find_decided(paragraphs: list[Paragraph]) -> tuple[Found | None, dt.date | None]:
    dates: dict[str, dt.date] = {}

    def find(sentence: str) -> str | None:
        hit = _decision_date(sentence)
        if hit:
            dates[hit[0]] = hit[1]
        return hit[0] if hit else None

    found = _first(paragraphs, find)
    return found, dates.get(found.value) if found else None


_NAME_WORD = rf"(?:{_CAPITALISED}|\([A-Z]{{2,3}}\)|&)"
_NAME = rf"(?<![\w'’.-]){_CAPITALISED}(?:[ \t]+(?:{_NAME_WORD}|of|and|de|the)){{0,6}}"  # on one line
_CASE_NAME = re.compile(rf"(?P<a>{_NAME})\s+v\.?\s+(?P<b>{_NAME})")
_OPENING_WORDS = re.compile(r"^(?:(?:In|See|On|At|As|From|Under|After|Before|Unlike|Both|And|But|Whereas|While|"
                            r"Also|Per|Cf\.|Case|Judgment|Decision)\s+)+")
_DANGLING_WORDS = re.compile(r"(?:\s+(?:of|and|de|the|&))+$")
_ZH_CASE_NAME = re.compile(rf"(?<![上起申反投告])(?P<a>{HAN}{{2,15}}?)\s*诉\s*(?!讼|称|请|求|至)(?P<b>{HAN}{{2,15}}?)"
                           rf"(?=等?{HAN}{{0,12}}?案)")
_ROLE_LINE = re.compile(r"(?P<role>原告|被告|Plaintiffs?|Defendants?|Claimants?|Applicants?)\s*(?:[（(][^)）]{1,8}[)）])?"
                        r"\s*[：:]\s*(?P<name>[^，,。；;\n（(:：]{2,60})")
_ROLE_PROSE = re.compile(rf"\b[Tt]he\s+(?P<role>plaintiff|claimant|applicant|defendant)s?(?:(?:\s+in\s+[^,.;]{{1,80}}?)?"
                         rf"\s+(?:is|was|are|were)\s+|,\s+|\s+)(?P<name>(?:Mr\.|Ms\.|Mrs\.)?\s?{_NAME})")
# A caption's "STEPHEN THALER, Plaintiff, v. SHIRA PERLMUTTER, …, Defendant."
_ROLE_AFTER = re.compile(rf"(?P<name>{_NAME}),\s*(?P<role>Plaintiffs?|Defendants?|Claimants?|Applicants?)\b")
_PLAINTIFF_SIDE = frozenset({"原告", "plaintiff", "claimant", "applicant"})
_ABBREVIATED_END = re.compile(rf"(?:\b(?i:Co|Inc|Ltd|Corp|Bros|Jr|Sr)|\b[{UPPER}])\.$")


def _name_as_written(text: str) -> str:
    """A party's name without the punctuation that ended its sentence ("Co." keeps its dot)."""
    name = _DANGLING_WORDS.sub("", text.strip().rstrip(" ,"))
    return name[:-1] if name.endswith(".") and not _ABBREVIATED_END.search(name) else name


_ROLE_WORD = re.compile(r"\b(?:Plaintiffs?|Defendants?|Claimants?|Applicants?|PLAINTIFFS?|DEFENDANTS?)\b")


def _case_name(sentence: str) -> str | None:
    """"Li v. Liu", "李某某诉刘某某": the case as the text names it by its parties."""
    match = _CASE_NAME.search(sentence)
    if match and not _ROLE_WORD.search(match.group()):
        first = _DANGLING_WORDS.sub("", _OPENING_WORDS.sub("", match.group("a")))
        second = _DANGLING_WORDS.sub("", match.group("b"))
        if first and second:
            return f"{first} {sentence[match.end('a'):match.start('b')].strip()} {second}"
    chinese = _ZH_CASE_NAME.search(sentence)
    return f"{chinese.group('a')}诉{chinese.group('b')}" if chinese else None


def _roles(paragraphs: list[Paragraph]) -> dict[str, tuple[str, Found]]:
    """The first party on each side that the text names by its role ("原告：李某某", "Plaintiff:
    Harbour Lights LLC", "the claimants … are Getty Images (US) Inc"), by side ("plaintiff" or
    "defendant"), with the role word the text uses."""
    roles: dict[str, tuple[str, Found]] = {}
    for paragraph in paragraphs:
        for pattern in (_ROLE_LINE, _ROLE_AFTER, _ROLE_PROSE):
            for match in pattern.finditer(paragraph.text):
                role = match.group("role").lower().removesuffix("s")
                side = "plaintiff" if role in _PLAINTIFF_SIDE else "defendant"
                name = _name_as_written(match.group("name"))
                if name and side not in roles:
                    roles[side] = (role, Found(name, (paragraph,)))
    return roles


def _opening(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """The document's first ``_OPENING_CHARS``, where a ruling names itself; later case names are
    those of the cases it discusses."""
    opening, room = [], _OPENING_CHARS
    for paragraph in paragraphs:
        if room <= 0:
            break
        opening.append(Paragraph(paragraph.pinpoint, paragraph.text[:room]))
        room -= len(paragraph.text)
    return opening


_COMPANY_FORM = re.compile(r"(?:,?\s+(?i:LLC|L\.L\.C\.|Inc\.?|Ltd\.?|Limited|Co\.|Corp\.?|Corporation|PBC|GmbH|plc|LLP|LP)"
                           r"|(?:股份)?有限(?:责任)?公司)$")


def _without_company_form(name: str) -> str:
    """A party as people call it: "Northwind Press Inc." -> "Northwind Press", "星河科技有限公司" -> "星河科技"."""
    return _COMPANY_FORM.sub("", name).strip() or name


_LOWER_IN_NAMES = frozenset({"of", "the", "and", "for", "in", "on", "at", "de", "v."})


def _as_name(name: str) -> str:
    """A case name as a title writes it: a caption's capitals ("HARBOUR LIGHTS v. NORTHWIND PRESS")
    in title case, other names as written."""
    if not name.replace(" v. ", " ").isupper():
        return name
    words = name.split()
    return " ".join(word.lower() if word.lower() in _LOWER_IN_NAMES and index else word.capitalize()
                    for index, word in enumerate(words))


def _find_parties(paragraphs: list[Paragraph]) -> tuple[Found | None, list[str], str | None]:
    """The parties' line, the aliases it gives and the case's name: both roles named when the text
    names them so, else the case name its opening gives ("Li v. Liu"), else the one role it names."""
    named = _first(_opening(paragraphs), _case_name)
    aliases = []
    if named:
        aliases = [named.value] + ([named.value.replace(" v. ", " v ")] if " v. " in named.value else [])
    roles = _roles(paragraphs)
    if {"plaintiff", "defendant"} <= roles.keys():
        (role_a, plaintiff), (role_b, defendant) = roles["plaintiff"], roles["defendant"]
        where = tuple(dict.fromkeys(plaintiff.where + defendant.where))
        short_a, short_b = _without_company_form(plaintiff.value), _without_company_form(defendant.value)
        if CJK.search(plaintiff.value + defendant.value):
            value = f"{role_a}{plaintiff.value}；{role_b}{defendant.value}"
            names = [f"{plaintiff.value}诉{defendant.value}", f"{short_a}诉{short_b}"]
        else:
            value = f"{role_a.capitalize()} {plaintiff.value}; {role_b} {defendant.value}"
            names = [f"{plaintiff.value} v. {defendant.value}", f"{short_a} v. {short_b}"]
        case_name = named.value if named else _as_name(names[1])
        return Found(value, where), list(dict.fromkeys([*aliases, *names])), case_name
    if named:
        return named, aliases, named.value
    for role, found in roles.values():
        return Found(f"{role.capitalize()} {found.value}", found.where), aliases, None
    return None, aliases, None


_MONEY = re.compile(r"(?:RMB|CNY|US\$|USD|HK\$|\$|£|GBP|€|EUR|¥|INR|Rs\.?)\s?\d[\d,]*(?:\.\d+)?"
                    r"(?:\s?(?:million|billion|thousand|万|亿))?"
                    r"|\d[\d,]*(?:\.\d+)?\s?(?:万|亿)?\s?(?:元|(?:yuan|euros?|dollars|pounds)\b)")
_AWARD_CUE = re.compile(r"\b(?:awarded|awards?|ordered|orders|to\s+pay|shall\s+pay|settlement)\b|判令|赔偿|支付",
                        re.IGNORECASE)
_CLAIM_CUE = re.compile(r"(?:\b(?:plaintiff|claimant|applicant)s?\b[^.;]{0,80}?\b(?:claimed|claims|sought|seeks|asked"
                        r"\s+for|demanded|requested)\b|原告[^。；]{0,40}?(?:请求|要求|诉请)|诉讼请求)", re.IGNORECASE)
_CLAIM_WORDS = re.compile(r"\b(?:claimed|claims|sought|seeks|asked|demanded|requested)\b|请求|要求|诉请", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[;；(（]|,\s+(?:against|compared|instead)\b|\s+against\s+the\b")


def _money_clause(sentence: str, cue: re.Pattern[str], claim: bool) -> str | None:
    """The clause that holds the cue, up to the last amount after it, when one follows (an award
    must not be what was claimed, nor a claim what was awarded)."""
    for match in cue.finditer(sentence):
        start = max(sentence.rfind(mark, 0, match.start()) for mark in (",", ";", "；", "，", "：", ":")) + 1
        end = _CLAUSE_END.search(sentence, match.end())
        clause = sentence[:end.start() if end else len(sentence)]
        amounts = [m for m in _MONEY.finditer(clause) if m.start() >= match.end()]
        if not amounts or (not claim and _CLAIM_WORDS.search(clause, match.start(), amounts[0].start())):
            continue
        follow = re.match(r"\s+(?:in\s+(?:\w+\s+)?(?:damages|costs)|for\s+economic\s+loss)", clause[amounts[-1].end():])
        return (clause[start:amounts[-1].end()] + (follow.group() if follow else "")).strip(" ,")
    return None


_ORDERS_FOLLOW = [re.compile(r"(?:判决|裁定)\s*如"), re.compile(r"本院认为")]


def _orders(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Where a Chinese judgment's orders may stand: after "判决如下" (or, if OCR lost that, after
    "本院认为"). Its claims come before and say 判令 too, so a judgment that lists claims
    (诉讼请求) but shows neither marker gives no orders at all; other texts are read whole."""
    for marker in _ORDERS_FOLLOW:
        for index, paragraph in enumerate(paragraphs):
            found = marker.search(paragraph.text)
            if found:
                return [Paragraph(paragraph.pinpoint, paragraph.text[found.start():]), *paragraphs[index + 1:]]
    return [] if any("诉讼请求" in p.text for p in paragraphs) else paragraphs


def _capitalised(found: Found | None) -> Found | None:
    return dataclasses.replace(found, value=found.value[0].upper() + found.value[1:]) if found else None


def extract(paragraphs: list[Paragraph]) -> Extraction:
    """The card lines the text states, each verified against the paragraph it cites, and the values
    the document's metadata takes from them."""
    court, jurisdiction = _find_court(paragraphs)
    decided, date = _find_decided(paragraphs)
    numbers, case_numbers = _find_case_numbers(paragraphs)
    parties, aliases, case_name = _find_parties(paragraphs)
    claimed = _capitalised(_first(paragraphs, lambda s: _money_clause(s, _CLAIM_CUE, claim=True)))
    remedies = _capitalised(_first(_orders(paragraphs),
                                   lambda s: _money_clause(s, _AWARD_CUE, claim=False)))
    lines = {"court": court, "decided": decided, "case_number": numbers, "parties": parties,
             "claimed": claimed, "remedies": remedies}
    card = {name: found.line for name, found in lines.items() if found is not None and verified(found)}
    if "case_number" in card and jurisdiction is None:
        jurisdiction = _jurisdiction_of_number(case_numbers[0])
    return Extraction(
        card=card,
        court=court.value if "court" in card and court else None,
        decided=date if "decided" in card else None,
        case_numbers=case_numbers if "case_number" in card else [],
        jurisdiction=jurisdiction,
        aliases=list(dict.fromkeys([*(aliases if "parties" in card else []),
                                    *(case_numbers if "case_number" in card else [])])),
        case_name=case_name if "parties" in card else None,
    )


def _jurisdiction_of_number(number: str) -> str | None:
    for jurisdiction, pattern in (("CN", r"号|Min|Xing|Zhi"), ("US", r"No\.\s*\d"), ("UK", r"EW|UK|Claim"),
                                  ("EU", r"^[CT]-")):
        if re.search(pattern, number):
            return jurisdiction
    return None


# -- uploads -----------------------------------------------------------------------------------------
_RULING_HEADING = re.compile(r"判决书|裁定书|调解书|\b(?:APPROVED\s+)?JUDGMENT\b|MEMORANDUM\s+OPINION|OPINION\s+AND\s+ORDER|"
                             r"\bDECISION\s+AND\s+ORDER\b|^\s*(?:ORDER|OPINION|DECISION|Judgment)\s*$", re.MULTILINE)


def looks_like_ruling(paragraphs: list[Paragraph]) -> bool:
    """Whether a document that does not say what it is reads as a ruling: its opening names a court
    and carries a ruling's heading or its parties' roles. An article about a case names the court
    too, but neither of the others."""
    opening = "\n\n".join(p.text for p in paragraphs)[:_OPENING_CHARS]
    return _court_at(opening) is not None and bool(_RULING_HEADING.search(opening) or _ROLE_LINE.search(opening))


_FILE_LIKE_TITLE = re.compile(r"(?i)(?:scan|img|image|document|doc|untitled|microsoft word)\b[\w\s.-]*"
                              r"|[\w.]+(?:[-_][\w.]+)+")


def _names_a_file(title: str, path: Path) -> bool:
    """Whether a title only repeats a file's name ("harbour-lights-scan", a scanner's "Scan 0012"):
    a ruling's own name then serves a citation better."""
    return (title.lower() in (path.stem.lower(), pretty_stem(path).lower())
            or bool(_FILE_LIKE_TITLE.fullmatch(title)))


def with_extracted_card(doc: LoadedDocument) -> LoadedDocument:
    """``doc`` with a card, aliases and the case's metadata read from its text, when it is a user's
    judgment or decision (declared, or read as one) whose metadata has no card; fields its metadata
    states are kept. The card is marked ``card_origin: extracted`` until the user confirms it."""
    meta = doc.meta
    if not isinstance(meta, UserDocumentMeta) or meta.card is not None:
        return doc
    paragraphs = citable_paragraphs(doc)
    if meta.doc_type not in (None, *CASE_DOC_TYPES) or (meta.doc_type is None and not looks_like_ruling(paragraphs)):
        return doc
    found = extract(paragraphs)
    if not found.card:
        return doc
    office = found.court is not None and re.search(r"Office|Board", found.court)
    chinese = sum(1 for _ in CJK.finditer(" ".join(p.text for p in paragraphs)))
    inferred = {"doc_type": "decision" if office else "judgment", "court_or_body": found.court,
                "date": found.decided, "case_number": found.case_numbers[0] if found.case_numbers else None,
                "jurisdiction": found.jurisdiction,
                "language": "zh" if chinese > 0.3 * sum(len(p.text) for p in paragraphs) else "en"}
    data = meta.model_dump()
    data |= {name: value for name, value in inferred.items() if data.get(name) is None and value is not None}
    if found.case_name and _names_a_file(meta.title, doc.path):
        data["title"] = found.case_name
    data |= {"card": found.card, "card_origin": "extracted",
             "aliases": list(dict.fromkeys([*meta.aliases, *found.aliases]))}
    return dataclasses.replace(doc, meta=validate_meta(doc.path, data, UserDocumentMeta))


# -- the user's check --------------------------------------------------------------------------------
EDITABLE_FIELDS = ("title", "doc_type", "jurisdiction", "court_or_body", "date", "case_number", "language",
                   "aliases", "card")
_EDIT_HEADER = ("# Check each card line against the paragraph or page it cites, correct or delete it, then save.\n"
                "# A line must end with its pinpoint, like (¶12) or (p. 3).\n")


def editable_yaml(meta: dict[str, Any]) -> str:
    """An upload's metadata (a manifest entry's ``meta``) as the YAML the user checks and edits."""
    shown = {name: meta[name] for name in EDITABLE_FIELDS if meta.get(name) not in (None, "", [], {})}
    if isinstance(shown.get("card"), dict):
        shown["card"] = {name: value for name, value in shown["card"].items() if value is not None}
    return _EDIT_HEADER + yaml.safe_dump(shown, allow_unicode=True, sort_keys=False, width=120)


def confirmed_sidecar(path: Path, source_id: str, text: str) -> str:
    """The sidecar to write beside ``path`` once the user has checked its card: their edited YAML,
    checked like any sidecar, under the document's own id and marked ``card_origin: confirmed``.
    Raises SchemaError (one line) when the YAML or a field is wrong."""
    sidecar = path.with_name(path.stem + SIDECAR_SUFFIX)
    edited = parse_yaml_mapping(sidecar, text, "card")
    unknown = sorted(set(edited) - set(EDITABLE_FIELDS))
    if unknown:
        raise SchemaError(sidecar, f"unknown field(s) {', '.join(unknown)} (editable: {', '.join(EDITABLE_FIELDS)})")
    data = {"file": path.name, "id": source_id, **edited, "card_origin": "confirmed"}
    validate_meta(sidecar, {"title": path.stem, **data}, UserDocumentMeta)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120, default_flow_style=False)

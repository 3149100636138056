"""A source as a brief or a thesis cites it: Bluebook (US), OSCOLA (UK), GB/T 7714-2015 (CN) and a
neutral form for everything else, built only from the document's metadata and the passage's locator.

Nothing is looked up or guessed: a reporter, a neutral citation or a Federal Register page appears
only when the metadata states it, and a missing field is left out rather than filled in. Two rules
keep a pinpoint honest:

- A curated entry is a summary written from the public sources, so its ¶ numbers are the library's,
  not the judgment's: its citation carries no ¶ pinpoint. A statute's or regulation's article or
  section (from the heading the passage sits under) is the source's own and is cited.
- An upload is the source's own text, so its ¶ and page locators are cited as they are.

A case's date is cited only as far as its card confirms it was decided then: a date the card calls
an announcement or a report is cut to its year, and a case whose card states no decision (a filing,
a reference, a hearing) is cited without a date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal

from assistant.cards import CASE_DOC_TYPES, card_fields, without_pinpoint
from assistant.types import Citation

Style = Literal["bluebook", "oscola", "gbt7714", "neutral"]
STYLES: tuple[Style, ...] = ("bluebook", "oscola", "gbt7714", "neutral")
STYLE_NAMES: dict[Style, str] = {"bluebook": "Bluebook", "oscola": "OSCOLA", "gbt7714": "GB/T 7714-2015",
                                 "neutral": "Neutral"}
PREFERRED: dict[str, Style] = {"US": "bluebook", "UK": "oscola", "CN": "gbt7714"}  # elsewhere: neutral

LEGISLATION = frozenset({"statute", "regulation"})
COUNTRY = {"CN": "China", "US": "United States", "UK": "United Kingdom", "EU": "European Union", "JP": "Japan",
           "DE": "Germany", "CZ": "Czech Republic", "KR": "South Korea", "IN": "India"}
# Bluebook's geographic abbreviations (T10) for the jurisdictions of the library.
BLUEBOOK_COUNTRY = {"CN": "China", "UK": "U.K.", "EU": "EU", "JP": "Japan", "DE": "Ger.", "CZ": "Czech",
                    "KR": "S. Kor.", "IN": "India"}
# Words a title puts before a statute's own name ("UK Copyright, Designs and Patents Act 1988").
_COUNTRY_PREFIX = {"UK": ("UK", "United Kingdom"), "US": ("US", "U.S."), "EU": ("EU",), "JP": ("Japan",),
                   "KR": ("Korea", "South Korea"), "CN": ("China", "PRC"), "DE": ("Germany",), "IN": ("India",),
                   "CZ": ("Czech",)}
US_STATES = {
    "Alabama": "Ala.", "Alaska": "Alaska", "Arizona": "Ariz.", "Arkansas": "Ark.", "California": "Cal.",
    "Colorado": "Colo.", "Connecticut": "Conn.", "Delaware": "Del.", "Florida": "Fla.", "Georgia": "Ga.",
    "Hawaii": "Haw.", "Idaho": "Idaho", "Illinois": "Ill.", "Indiana": "Ind.", "Iowa": "Iowa", "Kansas": "Kan.",
    "Kentucky": "Ky.", "Louisiana": "La.", "Maine": "Me.", "Maryland": "Md.", "Massachusetts": "Mass.",
    "Michigan": "Mich.", "Minnesota": "Minn.", "Mississippi": "Miss.", "Missouri": "Mo.", "Montana": "Mont.",
    "Nebraska": "Neb.", "Nevada": "Nev.", "New Hampshire": "N.H.", "New Jersey": "N.J.", "New Mexico": "N.M.",
    "New York": "N.Y.", "North Carolina": "N.C.", "North Dakota": "N.D.", "Ohio": "Ohio", "Oklahoma": "Okla.",
    "Oregon": "Or.", "Pennsylvania": "Pa.", "Rhode Island": "R.I.", "South Carolina": "S.C.",
    "South Dakota": "S.D.", "Tennessee": "Tenn.", "Texas": "Tex.", "Utah": "Utah", "Vermont": "Vt.",
    "Virginia": "Va.", "Washington": "Wash.", "West Virginia": "W. Va.", "Wisconsin": "Wis.", "Wyoming": "Wyo.",
    "Puerto Rico": "P.R.",
}
CIRCUITS = {"First": "1st", "Second": "2d", "Third": "3d", "Fourth": "4th", "Fifth": "5th", "Sixth": "6th",
            "Seventh": "7th", "Eighth": "8th", "Ninth": "9th", "Tenth": "10th", "Eleventh": "11th",
            "D.C.": "D.C.", "Federal": "Fed."}
_BLUEBOOK_MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")

_PARENTHETICAL = re.compile(r"\s*\((?![A-Z]{1,4}\))[^()]*\)")  # descriptive "(…)", not "(EU)"
_TRAILING_PARENTHETICAL = re.compile(r"\s*\([^()]*\)\s*$")
_CORPORATE = re.compile(r"(?:Inc|Ltd|LLC|L\.L\.C|Corp|Co|plc|GmbH|AG|S\.A|s\.r\.o|PBC|LP|N\.A)\b\.?")
_PROVISION_LIST = re.compile(r"[,:]\s+(?:sections?|articles?|ss?\.|arts?\.)\s+\d.*$", re.IGNORECASE)
_NEUTRAL_CITATION = re.compile(r"\[\d{4}\] [A-Z]+(?: [A-Z][a-z]+)? \d+(?: \([A-Za-z ]+\))?")
_REPORTER = re.compile(r"\b\d{1,4} (?:U\.S\.|S\. ?Ct\.|L\. ?Ed\. ?2d|F\. App'x|F\.(?: Supp\.)?(?: ?(?:2d|3d|4th))?) "
                       r"\d{1,5}\b|\b\d{4} WL \d+\b")
_FEDERAL_REGISTER = re.compile(r"\b(\d{1,3}) (?:FR|Fed\. ?Reg\.) (\d{1,3}(?:,?\d{3})*)\b")
_PROVISION = re.compile(r"^(?:(article|art\.?)|(section|sec\.?|s\.))\s*(\d[\w().-]*)$", re.IGNORECASE)
_ZH_ARTICLE = re.compile(r"^第\s*([\d一二三四五六七八九十百零]+)\s*条$")
_PARAGRAPH = re.compile(r"¶\s*(\d+(?:\s*[-–]\s*\d+)?)")
_PAGE = re.compile(r"^p\.\s*(\d+)")
_STOP_BEFORE_DIGIT = re.compile(r"(?<![^\W\d_])([^\W\d_]{1,4})\.(?=\d)")  # "F.4th"
_ABBREVIATION_STOP = re.compile(r"(?<![^\W\d_])([^\W\d_]{1,4})\.(?![^\W\d_]{2})")  # "U.S.", "No.", "v."


@dataclass(frozen=True)
class Pinpoint:
    """Where in the source a passage is: a provision ("article", "3"), a paragraph or a page."""

    provision: tuple[Literal["article", "section"], str] | None = None
    paragraph: str = ""
    page: str = ""


def pinpoint(locator: str, doc_type: str, own_text: bool) -> Pinpoint:
    """The citable part of a locator ("Article 53 ¶6", "Reasoning ¶19", "p. 3"). Provisions count
    only in legislation; ¶ and page only when the text is the source's own (see the module doc)."""
    locator = (locator or "").strip()
    section = locator.split("¶")[0].strip()
    provision = None
    if doc_type in LEGISLATION and (match := _PROVISION.match(section)):
        provision = ("article" if match.group(1) else "section", match.group(3))
    elif doc_type in LEGISLATION and (match := _ZH_ARTICLE.match(section)):
        provision = ("article", match.group(1))
    if not own_text:
        return Pinpoint(provision)
    paragraph = _PARAGRAPH.search(locator)
    page = _PAGE.match(locator)
    return Pinpoint(provision, paragraph.group(1).replace("-", "–").replace(" ", "") if paragraph else "",
                    page.group(1) if page else "")


@dataclass(frozen=True)
class Source:
    """The parts of a document every style is assembled from, each read off its metadata."""

    jurisdiction: str
    doc_type: str
    name: str  # the case name or the document's short title
    author: str  # the court for a case, the issuing body otherwise
    number: str  # the case number: a neutral citation, a docket, a court's own number
    reporter: str  # a US reporter citation stated in the metadata ("130 F.4th 1039")
    federal_register: tuple[str, str] | None  # (volume, page)
    date: dt.date | None
    exact_date: bool  # False: only the year is known to be right
    as_of: dt.date | None
    url: str

    @property
    def is_case(self) -> bool:
        return self.doc_type in CASE_DOC_TYPES

    @property
    def is_legislation(self) -> bool:
        return self.doc_type in LEGISLATION

    @property
    def court_is_author(self) -> bool:
        """A title that opens with its issuing body ("U.S. Copyright Office report on…") names it already."""
        return bool(self.author) and self.name.lower().startswith(self.author.lower())


def _iso_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip()[:10])
    except ValueError:
        return None


def _card(metadata: dict[str, Any]) -> dict[str, str]:
    raw = metadata.get("card")
    if isinstance(raw, dict):  # a manifest entry: empty card fields are None
        return {name: str(value) for name, value in raw.items() if value not in (None, "")}
    return card_fields(metadata)


def _case_date(when: dt.date | None, card: dict[str, str]) -> tuple[dt.date | None, bool]:
    """How much of a case's date its card confirms as the date of decision (see the module doc)."""
    if when is None or not card:
        return when, when is not None
    decided = without_pinpoint(card.get("decided", "")).lower()
    if not decided or "not confirmed" in decided:
        return None, False
    hedged = any(word in decided for word in ("announced", "reported", "not given"))
    spelled = (f"{when.day} {_MONTHS[when.month - 1]} {when.year}".lower(), when.isoformat())
    if not hedged and any(form in decided for form in spelled):
        return when, True
    return (when, False) if str(when.year) in decided else (None, False)


def _name(title: str, doc_type: str, jurisdiction: str) -> str:
    """The case name or short title inside a descriptive library title: "Li v. Liu (AI-generated
    image case), Beijing Internet Court" -> "Li v. Liu"; "UK Copyright, Designs and Patents Act 1988,
    sections 9(3) and 178 (…)" -> "Copyright, Designs and Patents Act 1988"."""
    name = " ".join(_PARENTHETICAL.sub("", title).split())
    if doc_type in CASE_DOC_TYPES:
        for match in re.finditer(r", ", name):
            if not _CORPORATE.match(name, match.end()):
                return name[: match.start()]
        return name
    if doc_type in LEGISLATION:
        name = _PROVISION_LIST.sub("", name)
        for prefix in _COUNTRY_PREFIX.get(jurisdiction, ()):
            if name.startswith(prefix + " ") and name[len(prefix) + 1:][:1].isupper():
                return name[len(prefix) + 1:]
    return name


def _first_part(value: str) -> str:
    """The first of several values joined by ";" ("No. 23-5233 (D.C. Cir.); No. 22-1564 (D.D.C.)")."""
    return value.split(";")[0].strip()


def _case_number(value: str) -> str:
    number = _first_part(value)
    if _NEUTRAL_CITATION.fullmatch(number):
        return number
    return _TRAILING_PARENTHETICAL.sub("", number).strip()


def source_of(metadata: dict[str, Any]) -> Source:
    """Read a document's citation parts from passage metadata or a manifest entry's ``meta``."""
    doc_type = str(metadata.get("doc_type") or "")
    jurisdiction = str(metadata.get("jurisdiction") or "")
    card = _card(metadata)
    body = str(metadata.get("court_or_body") or "")
    is_case = doc_type in CASE_DOC_TYPES
    author = " ".join(_PARENTHETICAL.sub("", _first_part(body)).split()) if is_case else _first_part(body)
    stated = " ; ".join(str(v) for v in (metadata.get("case_number"), card.get("case_number"), metadata.get("status"))
                        if v)
    reporter = _REPORTER.search(stated) if jurisdiction == "US" else None
    register = _FEDERAL_REGISTER.search(stated) if jurisdiction == "US" else None
    when = _iso_date(metadata.get("date"))
    date, exact = _case_date(when, card) if is_case else (when, when is not None)
    url = str(metadata.get("source_url") or "")
    if not url and isinstance(metadata.get("sources"), list) and metadata["sources"]:
        url = str(metadata["sources"][0])
    return Source(
        jurisdiction=jurisdiction, doc_type=doc_type,
        name=_name(str(metadata.get("title") or metadata.get("source_id") or ""), doc_type, jurisdiction),
        author=author, number=_case_number(str(metadata.get("case_number") or "")),
        reporter=reporter.group(0) if reporter else "",
        federal_register=(register.group(1), register.group(2)) if register else None,
        date=date, exact_date=exact, as_of=_iso_date(metadata.get("as_of")),
        url=url if re.match(r"^https?://\S+$", url) else "",
    )


# -- shared pieces --------------------------------------------------------------------------------
def _join(*parts: str, sep: str = ", ") -> str:
    return sep.join(part for part in parts if part)


def _end(text: str) -> str:
    """A citation ends with one full stop."""
    text = text.strip()
    return text if text.endswith(".") else text + "."


def _long_date(source: Source) -> str:
    """"27 November 2023" (OSCOLA and neutral), or the year alone when only it is confirmed."""
    if source.date is None:
        return ""
    if not source.exact_date:
        return str(source.date.year)
    return f"{source.date.day} {_MONTHS[source.date.month - 1]} {source.date.year}"


def _name_has_year(source: Source) -> bool:
    return source.date is not None and str(source.date.year) in source.name


def _provision(pin: Pinpoint, style: Style) -> str:
    if pin.provision is None:
        return ""
    kind, number = pin.provision
    words = {"bluebook": ("art.", "§"), "oscola": ("art", "s"), "gbt7714": ("Article", "Section"),
             "neutral": ("Article", "Section")}[style]
    return f"{words[0] if kind == 'article' else words[1]} {number}"


# -- Bluebook -------------------------------------------------------------------------------------
def _bluebook_date(source: Source, year_only: bool = False) -> str:
    if source.date is None:
        return ""
    if year_only or not source.exact_date:
        return str(source.date.year)
    return f"{_BLUEBOOK_MONTHS[source.date.month - 1]} {source.date.day}, {source.date.year}"


def bluebook_court(court: str) -> str:
    """A court as a Bluebook date parenthetical names it (T1, T7): "U.S. District Court for the
    Northern District of California" -> "N.D. Cal."; an unknown court keeps its name, "Court" as "Ct."."""
    if re.search(r"\bSupreme Court of the United States\b|\bU\.S\. Supreme Court\b", court):
        return "U.S."
    if match := re.search(r"Court of Appeals for the (.+?) Circuit", court):
        return f"{CIRCUITS.get(match.group(1), match.group(1))} Cir."
    if match := re.search(r"District Court for the (?:(Northern|Southern|Eastern|Western|Central|Middle) )?"
                          r"District of ([A-Z][\w. ]+?)\s*$", court):
        if match.group(2) == "Columbia":
            return "D.D.C."
        state = US_STATES.get(match.group(2))
        if state:  # adjacent single capitals close up: "S.D.N.Y.", but "N.D. Cal."
            district = f"{match.group(1)[0] + '.' if match.group(1) else ''}D."
            return district + ("" if re.fullmatch(r"(?:[A-Z]\.)+", state) else " ") + state
    return re.sub(r"\bBoard\b", "Bd.", re.sub(r"\bCourt\b", "Ct.", court))


def _bluebook_case_name(name: str) -> str:
    return re.sub(r" v\.? ", " v. ", name)


def bluebook(source: Source, pin: Pinpoint) -> str:
    country = f" ({BLUEBOOK_COUNTRY[source.jurisdiction]})" if source.jurisdiction in BLUEBOOK_COUNTRY else ""
    provision = _provision(pin, "bluebook")
    if source.is_case:
        name = _bluebook_case_name(source.name)
        if _NEUTRAL_CITATION.fullmatch(source.number):  # a UK neutral citation carries its year and court
            where = "Eng." if re.search(r"\] EW", source.number) else "U.K."
            return _end(_join(name, source.number, f"¶ {pin.paragraph}" if pin.paragraph else "") + f" ({where})")
        cite = source.reporter or source.number
        pin_text = f"¶ {pin.paragraph}" if pin.paragraph else (
            f"slip op. at {pin.page}" if pin.page and not source.reporter else "")
        when = _join(bluebook_court(source.author), _bluebook_date(source, year_only=bool(source.reporter)), sep=" ")
        return _end(_join(name, cite, pin_text) + (f" ({when})" if when else "") + country)
    if source.is_legislation:
        year = "" if _name_has_year(source) else _bluebook_date(source, year_only=True)
        return _end(_join(source.name, provision) + (f" ({year})" if year else "") + country)
    pin_text = f"¶ {pin.paragraph}" if pin.paragraph else (f"at {pin.page}" if pin.page else "")
    when = _bluebook_date(source)
    if source.federal_register:
        volume, page = source.federal_register
        page = f"{int(page.replace(',', '')):,}"
        return _end(_join(source.name, f"{volume} Fed. Reg. {page}", pin_text) + (f" ({when})" if when else ""))
    author = "" if source.court_is_author else source.author
    return _end(_join(author, source.name, pin_text) + (f" ({when})" if when else ""))


# -- OSCOLA ---------------------------------------------------------------------------------------
def _no_stops(text: str) -> str:
    """OSCOLA writes abbreviations without full stops: "Li v. Liu, No. 11279" -> "Li v Liu, No 11279"."""
    return _ABBREVIATION_STOP.sub(r"\1", _STOP_BEFORE_DIGIT.sub(r"\1 ", text))


def oscola(source: Source, pin: Pinpoint) -> str:
    provision = _provision(pin, "oscola")
    if source.is_case:
        name = _no_stops(source.name)
        if _NEUTRAL_CITATION.fullmatch(source.number):
            pin_text = f" [{pin.paragraph}]" if pin.paragraph else (f", {pin.page}" if pin.page else "")
            return _end(f"{name} {source.number}{pin_text}")
        pin_text = f" para {pin.paragraph}" if pin.paragraph else (f", {pin.page}" if pin.page else "")
        if source.reporter:
            court = _no_stops(bluebook_court(source.author))
            year = str(source.date.year) if source.date else ""
            return _end(f"{name} {_no_stops(source.reporter)}" + f" ({_join(court, year, sep=' ')})" + pin_text)
        details = _join(_no_stops(source.author), _no_stops(source.number), _long_date(source))
        return _end(name + (f" ({details})" if details else "") + pin_text)
    if source.is_legislation:
        if source.jurisdiction == "UK":
            return _end(_join(source.name, provision))
        where = _join(COUNTRY.get(source.jurisdiction, ""), _long_date(source))
        return _end(_join(source.name, provision) + (f" ({where})" if where else ""))
    pin_text = f" para {pin.paragraph}" if pin.paragraph else (f" {pin.page}" if pin.page else "")
    author = "" if source.court_is_author else _no_stops(source.author)
    return _end(_join(author, source.name) + (f" ({_long_date(source)})" if source.date else "") + pin_text)


# -- GB/T 7714-2015 -------------------------------------------------------------------------------
def _gbt_type(source: Source) -> str:
    """The document type code, with "/OL" for a source read online (an electronic resource is EB/OL)."""
    code = {"report": "R", "news": "N"}.get(source.doc_type, "Z")
    if not source.url:
        return code
    return "EB/OL" if code == "Z" else f"{code}/OL"


def gbt7714(source: Source, pin: Pinpoint) -> str:
    """主要责任者. 题名: 其他题名信息[文献类型标志]. 出版年: 引文页码(更新或修改日期)[引用日期]. 获取和访问路径."""
    other = source.number if source.is_case else _provision(pin, "gbt7714")
    title = _join(source.name, other, sep=": ")
    page = pin.page or (f"¶{pin.paragraph}" if pin.paragraph else "")
    date = "" if source.date is None else (source.date.isoformat() if source.exact_date else str(source.date.year))
    if source.url:
        year = str(source.date.year) if source.date else ""
        published = f"{year}: {page}" if page and year else ""
        dates = (f"({date})" if date else "") + (f"[{source.as_of.isoformat()}]" if source.as_of else "")
        issued = published + dates
    else:
        issued = _join(date, page, sep=": ")
    head = _join(source.author, f"{title}[{_gbt_type(source)}]", sep=". ")
    return _end(_join(head, issued, source.url, sep=". "))


# -- neutral --------------------------------------------------------------------------------------
def neutral(source: Source, pin: Pinpoint) -> str:
    """Name, court or body, number, date and pinpoint, in plain words any reader can follow."""
    pin_text = f"¶ {pin.paragraph}" if pin.paragraph else (f"p. {pin.page}" if pin.page else "")
    provision = _provision(pin, "neutral")
    if source.is_case:
        return _end(_join(source.name, source.author, source.number, _long_date(source), pin_text))
    if source.is_legislation:
        where = _join(COUNTRY.get(source.jurisdiction, ""), _long_date(source))
        pin_text = f", {pin_text}" if pin_text else ""
        return _end(_join(source.name, provision) + (f" ({where})" if where else "") + pin_text)
    author = "" if source.court_is_author else source.author
    return _end(_join(author, source.name, _long_date(source), pin_text))


FORMATTERS = {"bluebook": bluebook, "oscola": oscola, "gbt7714": gbt7714, "neutral": neutral}


def preferred_style(jurisdiction: str) -> Style:
    return PREFERRED.get(jurisdiction, "neutral")


def cite_as(metadata: dict[str, Any], locator: str = "", own_text: bool = False) -> dict[str, str]:
    """Every style of one source at one locator, and under ``preferred`` the one its jurisdiction uses.
    ``own_text``: the indexed text is the source itself (an upload), so its ¶ and pages are citable."""
    source = source_of(metadata)
    pin = pinpoint(locator, source.doc_type, own_text)
    formatted: dict[str, str] = {style: FORMATTERS[style](source, pin) for style in STYLES}
    formatted["preferred"] = formatted[preferred_style(source.jurisdiction)]
    return formatted


def citation_formats(citation: Citation) -> dict[str, str]:
    """``cite_as`` for an answer's citation (its passage's metadata and locator)."""
    metadata = {"title": citation.title, "source_id": citation.source_id, **(citation.metadata or {})}
    return cite_as(metadata, citation.locator, own_text=citation.origin == "upload")

"""Cases: which documents a question names, what kind of fact it asks for, and the case cards.

A question that names a case ("Li v. Liu", "春风送来了温柔", "the Stable Diffusion case") must be
answered from that case, not from whichever judgment shares the most words with it. Names come
from each document's ``aliases`` front matter, plus the "X v. Y" part of its title and its case
number, so a user's upload with a title like "Smith v. Jones" links without any aliases.

The card of a judgment holds its key facts, each ending with the paragraph that states it
("RMB 500 in damages (¶30)"). Questions asking for exactly those facts are answered from the card.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CARD_LOCATOR = "Case card"
CARD_LABELS: dict[str, str] = {
    "court": "Court", "decided": "Decided", "case_number": "Case number", "parties": "Parties",
    "claimed": "Claimed", "held": "Held", "remedies": "Remedies", "appeal": "Appeal",
}
CARD_LABELS_ZH: dict[str, str] = {
    "court": "法院", "decided": "裁判日期", "case_number": "案号", "parties": "当事人",
    "claimed": "诉讼请求", "held": "裁判结果", "remedies": "判赔与责任", "appeal": "上诉情况",
}
CASE_DOC_TYPES = frozenset({"judgment", "decision"})

_PINPOINT = re.compile(r"\s*\(((?:¶|p\.)[^()]*)\)\s*$")
_PARAGRAPH_NUMBER = re.compile(r"(\d+)(?:\s*[-–]\s*¶?\s*(\d+))?")


def card_text(fields: dict[str, str]) -> str:
    """The card as a passage: one "Label: value (¶N)" line per filled field."""
    return "\n".join(f"{CARD_LABELS[name]}: {value}" for name, value in fields.items() if name in CARD_LABELS)


def card_fields(metadata: dict[str, object]) -> dict[str, str]:
    """The card stored in a chunk's metadata (a JSON string), or {}."""
    raw = metadata.get("card") or ""
    try:
        value = json.loads(raw) if isinstance(raw, str) and raw else raw
    except json.JSONDecodeError:
        return {}
    return {k: str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def aliases_of(metadata: dict[str, object]) -> list[str]:
    raw = metadata.get("aliases") or ""
    try:
        value = json.loads(raw) if isinstance(raw, str) and raw else raw
    except json.JSONDecodeError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def without_pinpoint(value: str) -> str:
    """"RMB 500 in damages (¶30)" -> "RMB 500 in damages"."""
    return _PINPOINT.sub("", value).strip()


def pinpoint_paragraphs(value: str) -> list[int]:
    """The paragraph numbers a card value names: "(¶29-30)" -> [29, 30]; "(¶4, ¶11)" -> [4, 11]."""
    match = _PINPOINT.search(value)
    if not match:
        return []
    numbers: list[int] = []
    for first, last in _PARAGRAPH_NUMBER.findall(match.group(1)):
        start, end = int(first), int(last or first)
        numbers.extend(range(start, min(end, start + 10) + 1))
    return list(dict.fromkeys(numbers))


def paragraph_numbers(paragraph: str) -> set[int]:
    """A chunk's ``paragraph`` metadata ("30" or "29–30") as numbers."""
    found: set[int] = set()
    for first, last in _PARAGRAPH_NUMBER.findall(paragraph or ""):
        found.update(range(int(first), int(last or first) + 1))
    return found


# -- linking a question to the cases it names ---------------------------------------------------

def _fold(text: str) -> str:
    """Lower case without accents, "v." / "vs." / "v" alike, single spaces: how names are compared."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"\bvs?\.?(?=\s)", "v", text)
    return re.sub(r"\s+", " ", text)


def _key(folded: str) -> str:
    """A name's lookup key: its first word when it starts with a Latin letter or digit, else its
    first character (Chinese names have no spaces)."""
    first = re.match(r"[a-z0-9]\w*", folded)
    return first.group(0) if first and folded[0].isascii() else folded[0]


def _title_name(title: str) -> str | None:
    """The "X v. Y" case name at the head of a title, if any."""
    head = re.split(r"\s[(（—–-]\s?|,", title, maxsplit=1)[0].strip()
    return head if re.search(r"\sv(s)?\.?\s", head) else None


@dataclass(frozen=True)
class _Name:
    source_id: str
    folded: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class CaseRef:
    source_id: str
    title: str
    is_case: bool


class CaseLinker:
    """Finds the library documents a text names, by their aliases, title case name or case number."""

    def __init__(self, documents: Iterable[tuple[str, dict[str, object]]]) -> None:
        self.documents: dict[str, CaseRef] = {}
        self.clues: dict[str, set[str]] = {}
        names: list[_Name] = []
        for source_id, metadata in documents:
            title = str(metadata.get("title") or "")
            proper = re.findall(r"\b[A-Z][\w-]{2,}", f"{title} {metadata.get('court_or_body') or ''}")
            self.clues[source_id] = {_fold(word) for word in proper}
            is_case = str(metadata.get("doc_type") or "") in CASE_DOC_TYPES or bool(metadata.get("card"))
            self.documents[source_id] = CaseRef(source_id, title, is_case)
            candidates = list(aliases_of(metadata))
            if is_case:
                candidates += [n for n in (_title_name(title), str(metadata.get("case_number") or "")) if n]
            for alias in dict.fromkeys(candidates):
                folded = _fold(alias).strip()
                if len(folded) < 3 and not re.search(r"[\u3400-\u9fff]{2}", folded):
                    continue  # too short to be a name
                names.append(_Name(source_id, folded, self._pattern(folded)))
        self.names = sorted(names, key=lambda n: len(n.folded), reverse=True)
        # Names by their first word (or first character, for Chinese), so a question is matched only
        # against names that can occur in it: a library of thousands of cases stays a few lookups.
        self._by_key: dict[str, list[_Name]] = {}
        for name in self.names:
            self._by_key.setdefault(_key(name.folded), []).append(name)

    @staticmethod
    def _pattern(folded: str) -> re.Pattern[str]:
        body = re.escape(folded).replace(r"\ ", r"\s+")
        before = r"(?<![\w])" if re.match(r"\w", folded[0]) and folded[0].isascii() else ""
        after = r"(?![\w])" if re.match(r"\w", folded[-1]) and folded[-1].isascii() else ""
        # A Latin name may take a plural or possessive ending: "Thaler's", "Ultraman cases".
        if after:
            after = r"(?:'s|s)?" + after
        return re.compile(before + body + after)

    def link(self, text: str) -> list[str]:
        """Source ids the text names, in order of first mention. A shorter name inside a longer
        one that was matched ("Ultraman" inside "Ultraman LoRA case") does not count."""
        folded = _fold(text)
        taken: list[tuple[int, int]] = []
        found: list[tuple[int, str]] = []
        for name in self._candidates(folded):  # longest first
            for match in name.pattern.finditer(folded):
                span = match.span()
                if any(s <= span[0] and span[1] <= e and e - s > span[1] - span[0] for s, e in taken):
                    continue
                taken.append(span)
                found.append((span[0], name.source_id))
        by_start: dict[int, list[str]] = {}
        for start, source_id in sorted(found):
            by_start.setdefault(start, []).append(source_id)
        ordered: list[str] = []
        for sharing in by_start.values():
            ordered += self._narrowed(sharing, folded)
        return list(dict.fromkeys(ordered))

    def _candidates(self, folded: str) -> list[_Name]:
        """The names whose first word or character occurs in the text, longest first."""
        keys = set(re.findall(r"\w+", folded)) | set(folded)
        found = [name for key in keys for name in self._by_key.get(key, ())]
        return sorted(found, key=lambda n: len(n.folded), reverse=True)

    def _narrowed(self, sharing: list[str], folded: str) -> list[str]:
        """Documents sharing a name ("the Ultraman case"), narrowed to those the rest of the text
        points at by a word of their own title or court ("Guangzhou"); all of them when it is silent."""
        if len(sharing) < 2:
            return sharing
        words = set(re.findall(r"\w+", folded))
        common = set.intersection(*(self.clues.get(s, set()) for s in sharing))
        pointed = [s for s in sharing if (self.clues.get(s, set()) - common) & words]
        return pointed or sharing

    def without_names(self, text: str, source_ids: Sequence[str]) -> str:
        """The text (folded) with the given documents' names taken out: what is left is the topic."""
        folded = _fold(text)
        for name in self._candidates(folded):  # longest first
            if name.source_id in source_ids:
                folded = name.pattern.sub(" ", folded)
        return re.sub(r"\s+", " ", folded).strip()

    def is_case(self, source_id: str) -> bool:
        ref = self.documents.get(source_id)
        return bool(ref and ref.is_case)


# -- what kind of fact a question asks for -------------------------------------------------------

# Each card field with the question wording that asks for it (English, and Chinese).
_ASKS_FIELD: dict[str, re.Pattern[str]] = {
    "case_number": re.compile(r"case (?:number|no\b)|docket|reference number|案号|案件编号", re.I),
    "decided": re.compile(
        r"\b(?:when|what date|which date|on what day|what day|which year|what year)\b[^?]*\b(?:decid|rul|judg|deliver|"
        r"hand(?:ed)? down|issu|render|decision|determin)|\bdate of (?:the )?(?:judgment|decision|ruling)|"
        r"(?:何时|什么时候|哪天|哪一天|日期|哪年)[^?？]*(?:判决|裁判|宣判|作出|裁定|决定)|(?:判决|裁判|宣判)(?:日期|时间)", re.I),
    "court": re.compile(r"\b(?:which|what) (?:court|body|tribunal)\b[^?]*\b(?:decid|rul|hear|heard|judg|hand)|"
                        r"哪个法院|哪家法院|哪一法院|什么法院|哪级法院", re.I),
    "parties": re.compile(r"\bwho (?:were|are) the parties|\bwho (?:sued|brought|filed)|\bwho was the (?:plaintiff|defendant)|"
                          r"当事人是|原告是谁|被告是谁|谁起诉", re.I),
    "claimed": re.compile(r"\bwhat did (?:the plaintiff|he|she|they|\w+) (?:claim|ask for|seek|sue for|demand)|"
                          r"\bhow much did (?:the plaintiff|he|she|they|\w+) (?:claim|ask for|seek|demand)|诉讼请求|请求赔偿多少|索赔多少", re.I),
    "remedies": re.compile(r"\bhow much\b(?![^?]*\b(?:claim|ask|seek|sought|demand))|\b(?:award|awarded|damages|compensation|"
                           r"remed(?:y|ies)|ordered to pay|order(?:ed)? (?:the defendant|her|him|them) to)\b|"
                           r"赔偿|判赔|赔了多少|多少钱|承担什么责任", re.I),
    "held": re.compile(r"\bdid (?:the )?[\w .'’-]{0,60}?\b(?:win|lose|succeed|prevail)\b|\bwho (?:won|lost)\b|"
                       r"\bwhat (?:was|is) the (?:outcome|result|ruling)\b|胜诉|败诉|谁赢|输赢|"
                       r"\bwhat did (?:the )?(?:[\w.'’]+ ){0,4}(?:court|circuit|office|board|tribunal|judge)\w* "
                       r"(?:decide|hold|rule|find|conclude)|\bwhich\b[^?]*\brights?\b[^?]*\binfring|\bwhat (?:was|were) (?:the )?(?:holding|outcome|result)|"
                       r"判决结果|裁判结果|法院(?:如何|怎么)判|侵犯了(?:原告的)?哪些权利|结果如何", re.I),
    "appeal": re.compile(r"\bappeal(?:ed|s)?\b|\bfinality\b|\bis (?:the|that|this|it) (?:judgment|decision|ruling )?final\b|"
                         r"\btook (?:legal )?effect\b|上诉|二审|是否生效", re.I),
}
_REASONING = re.compile(r"\b(?:why|how did|how does|how do|how was|reason|reasoning|explain|rationale|basis|"
                        r"on what grounds|what test|what factors|argu)|为什么|为何|理由|如何认定|怎么认定|依据", re.I)


def card_fields_asked(question: str) -> list[str]:
    """The card fields a question asks for, in card order."""
    return [name for name, pattern in _ASKS_FIELD.items() if pattern.search(question)]


def asks_reasoning(question: str) -> bool:
    """Whether the question (also) asks why or how: that part needs the judgment's reasoning."""
    return bool(_REASONING.search(question))


# Answer types: what a sentence that answers must contain.
_ASKS_TYPE: dict[str, re.Pattern[str]] = {
    "amount": re.compile(r"\bhow much\b|\b(?:award|damages|compensation|fine|paid|pay|amount|sum|fee)\w*|赔偿|多少钱|金额|罚款|判赔", re.I),
    "date": re.compile(r"\bwhen\b|\bwhat (?:date|day|year)\b|\bwhich (?:date|day|year)\b|何时|什么时候|哪天|哪一天|日期|哪年", re.I),
    "court": re.compile(r"\b(?:which|what) (?:court|body|tribunal|office)\b|哪个法院|哪家法院|什么法院", re.I),
    "person": re.compile(r"\bwho\b|\bwhich (?:judge|party|person|artist|company)\b|谁|哪位", re.I),
    "place": re.compile(r"\bwhere\b|\b(?:which|what) (?:platform|website|site|app)\b|哪里|哪个平台|什么平台|在哪", re.I),
    "right": re.compile(r"\b(?:which|what) rights?\b|\brights? (?:were|was) infring|哪些权利|什么权利|哪项权利", re.I),
    "appeal": re.compile(r"\bappeal\w*|上诉|二审", re.I),
    "number": re.compile(r"case (?:number|no\b)|docket|案号", re.I),
}
_HAS_TYPE: dict[str, re.Pattern[str]] = {
    "amount": re.compile(r"(?:RMB|CNY|US\$|USD|EUR|GBP|£|€|\$|¥)\s?\d|\d[\d,.]*\s?(?:yuan|元|万元|dollars|euros|pounds)", re.I),
    "date": re.compile(r"\b\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|"
                       r"December) \d{4}\b|\b(?:January|February|March|April|May|June|July|August|September|October|"
                       r"November|December) \d{1,2},? \d{4}\b|\d{4}年\d{1,2}月(?:\d{1,2}日)?|\b\d{4}-\d{2}-\d{2}\b"),
    "court": re.compile(r"\bcourt\b|\bboard\b|\boffice\b|法院|委员会", re.I),
    "person": re.compile(r"\b(?:plaintiff|defendant|judge|Mr\.|Ms\.|artist|applicant|author)\b|原告|被告|法官", re.I),
    "place": re.compile(r"\bposted|\bpublished|\bplatform|\bwebsite|\bonline\b|\bsite\b|平台|发布|网站|小红书|百家号", re.I),
    "right": re.compile(r"\bright of\b|\brights?\b|权", re.I),
    "appeal": re.compile(r"\bappeal|legal effect|\bfinal\b|上诉|生效|二审", re.I),
    "number": re.compile(r"\bNo\.\s?\d|号"),
}


def answer_types(question: str) -> set[str]:
    """What kind of fact the question asks for: amount, date, court, person, place, right, appeal, number."""
    return {name for name, pattern in _ASKS_TYPE.items() if pattern.search(question)}


def types_in(text: str) -> set[str]:
    """The kinds of fact a passage or sentence holds."""
    return {name for name, pattern in _HAS_TYPE.items() if pattern.search(text)}


# Jurisdictions a question names, in English and Chinese.
_JURISDICTION_NAMES: dict[str, re.Pattern[str]] = {
    "CN": re.compile(r"\b(?:China|Chinese|PRC)\b|中国|我国|国内", re.I),
    "US": re.compile(r"\b(?:United States|U\.S\.|US|USA|American?)\b|美国"),
    "UK": re.compile(r"\b(?:United Kingdom|UK|U\.K\.|British|England|Britain)\b|英国"),
    "EU": re.compile(r"\b(?:European Union|EU|Europe|CJEU)\b|欧盟|欧洲"),
    "JP": re.compile(r"\b(?:Japan|Japanese)\b|日本", re.I),
    "DE": re.compile(r"\b(?:Germany|German)\b|德国", re.I),
    "CZ": re.compile(r"\b(?:Czech|Czechia)\b|捷克", re.I),
    "KR": re.compile(r"\b(?:Korea|Korean)\b|韩国", re.I),
    "IN": re.compile(r"\b(?:India|Indian)\b|印度", re.I),
}
# Member states whose law an EU question may also rest on.
_EU_MEMBERS = frozenset({"DE", "CZ"})


def jurisdictions_named(question: str) -> set[str]:
    """The jurisdictions a question names ("Indian copyright law" -> IN)."""
    return {code for code, pattern in _JURISDICTION_NAMES.items() if pattern.search(question)}


def allowed_jurisdictions(question: str) -> set[str] | None:
    """The jurisdictions an answer to a question about one jurisdiction may cite; None when the
    question names none or several (a comparison)."""
    named = jurisdictions_named(question)
    if len(named) != 1:
        return None
    return named | (_EU_MEMBERS if "EU" in named else set())

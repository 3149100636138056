"""Which library documents a question names: "Li v. Liu", "春风送来了温柔", a case number.

A question that names a case must be answered from that case, not from whichever judgment shares
the most words with it. Names come from each document's ``aliases`` front matter, plus the
"X v. Y" part of its title and its case number, so a user's upload titled "Smith v. Jones" links
without any aliases.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assistant.cards import CASE_DOC_TYPES, aliases_of
from assistant.questions import jurisdictions_named
from assistant.text import STOPWORDS


_ANONYMISED = re.compile(r"([\u3400-\u9fff])(?:某某|某|先生|女士|小姐)")


def _fold(text: str) -> str:
    """Lower case without accents, "v." / "vs." / "versus" alike, single spaces, and a Chinese court's
    anonymised party written one way (李某某, 李某, 李先生 -> 李某): how names are compared."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"\b(?:vs?\.?|versus)(?=\s)", "v", text)
    text = _ANONYMISED.sub(r"\1某", text)
    return re.sub(r"\s+", " ", text)


def _key(folded: str) -> str:
    """A name's lookup key: its first word when it starts with a Latin letter or digit, else its
    first character (Chinese names have no spaces)."""
    first = re.match(r"[a-z0-9]+", folded)
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
    proper: bool = False  # a party's one-word name: counts only when written with a capital ("Times")


@dataclass(frozen=True)
class CaseRef:
    source_id: str
    title: str
    is_case: bool
    jurisdiction: str = ""
    year: str = ""


# Words of a court's name that say what kind of court it is, not where: "Beijing Internet Court"
# is pointed at by "Beijing", not by "Internet" or "Court".
_COURT_WORDS = frozenset("""court courts people's peoples district internet municipal regional higher high
    intermediate supreme circuit division chancery justice first instance appeal appeals civil chamber the of
    for in and on at u.s us united states state northern southern eastern western central new office review
    board copyright registration tribunal reference preliminary ruling england wales landgericht
    oberlandesgericht hanseatisches hanseatic intellectual property people european union""".split())
# Words that may stand for a party in a case name but mean something else on their own.
_ORDINARY = frozenset("""west east north south new copyright office register registrar authors artists""".split())
_CJK_COURT = re.compile(r"([\u3400-\u9fff]{2,12}?)(?:中级|高级)?(?:人民|互联网)?法院")
# Words that make a phrase refer to a ruling ("the Beijing court's AI picture ruling", "蝴蝶椅案").
_CASE_WORDS = re.compile(r"\b(?:case|cases|ruling|rulings|ruled|judgment|judgement|judgments|decision|decisions|"
                         r"decide|decided|court|courts|court's|judge|judges|lawsuit|suit|litigation|dispute|held|"
                         r"holding)\b|案|判决|裁定|判了|判的|法院|起诉", re.IGNORECASE)
# "Case" in phrases that name no case.
_IDIOMS = re.compile(r"\bin (?:all|any|some|many|most|such|these|those|that|this|which|either) cases?\b|"
                     r"\bin case\b|\bcase by case\b|\buse cases?\b|\bcase law\b", re.IGNORECASE)
# Where a question turns from one case to another ("…, while the Zhangjiagang court…").
_CLAUSE_BREAK = re.compile(r"[,;:?!，；：？！、]|\b(?:while|whereas|but|and|versus|compared (?:with|to)|vs)\b|"
                           r"和|与|跟|而|以及|相比")


def _party_words(name: str) -> list[str]:
    """The parties of an "X v. Y" or "X诉Y" name, each side whole ("Bartz", "ROSS Intelligence",
    "李某"), so "the Bartz ruling" or "李某案" names the case."""
    sides = re.split(r"\s+(?:v|vs|versus)\.?\s+|诉", name.strip())
    if len(sides) != 2:
        return []
    words = [_fold(re.sub(r"\b(?:Co|Inc|Ltd|LLC|Corp|PLC|AG|GmbH|et al)\b\.?", " ", side).strip(" .,")) for side in sides]
    return [w for w in words if (len(w) >= 4 or re.search(r"[\u3400-\u9fff]某", w))
            and w not in STOPWORDS and w not in _ORDINARY]


def _near(word: str, name: str) -> bool:
    """One typo apart (a letter dropped, added, changed or two swapped): "Kadery" for "Kadrey"."""
    if abs(len(word) - len(name)) > 1 or word == name:
        return False
    if len(word) == len(name):
        diff = [i for i, (a, b) in enumerate(zip(word, name)) if a != b]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                   and word[diff[0]] == name[diff[1]] and word[diff[1]] == name[diff[0]])
    short, long = sorted((word, name), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


class CaseLinker:
    """Finds the library documents a text names: by their aliases, title case name, case number,
    a party's name ("Thaler", "李先生"), or a typo of one; and, for the retriever to settle by
    reading, which cases a phrase that describes a ruling by its court or country may mean."""

    def __init__(self, documents: Iterable[tuple[str, dict[str, object]]]) -> None:
        self.documents: dict[str, CaseRef] = {}
        self.clues: dict[str, set[str]] = {}
        self.anchors: dict[str, set[str]] = {}  # a court's place word -> the cases it decided
        names: list[_Name] = []
        parties: dict[str, set[str]] = {}
        for source_id, metadata in documents:
            title = str(metadata.get("title") or "")
            court = str(metadata.get("court_or_body") or "")
            proper = re.findall(r"\b[A-Z][\w-]{2,}", f"{title} {court}")
            self.clues[source_id] = {_fold(word) for word in proper}
            is_case = str(metadata.get("doc_type") or "") in CASE_DOC_TYPES or bool(metadata.get("card"))
            self.documents[source_id] = CaseRef(source_id, title, is_case, str(metadata.get("jurisdiction") or ""),
                                                str(metadata.get("date") or "")[:4])
            aliases = list(aliases_of(metadata))
            candidates = list(aliases)
            if is_case:
                title_name = _title_name(title)
                candidates += [n for n in (title_name, str(metadata.get("case_number") or "")) if n]
                for name in [title_name or "", *aliases]:
                    for word in _party_words(name):
                        parties.setdefault(word, set()).add(source_id)
                card = str(metadata.get("card") or "")
                for place in {_fold(w) for w in re.findall(r"\b[A-Z][\w-]{3,}", court)} - _COURT_WORDS:
                    self.anchors.setdefault(place, set()).add(source_id)
                for court_name in _CJK_COURT.findall(" ".join([card, court, *aliases])):
                    for place in re.split(r"[省市区县]", court_name):
                        if len(place) >= 2:
                            self.anchors.setdefault(place, set()).add(source_id)
                            self.clues[source_id].add(place)  # "广州那个奥特曼案" points at Guangzhou's
            for alias in dict.fromkeys(candidates):
                folded = _fold(alias).strip()
                if len(folded) < 3 and not re.search(r"[\u3400-\u9fff]{2}", folded):
                    continue  # too short to be a name
                names.append(_Name(source_id, folded, self._pattern(folded)))
        taken = {name.folded for name in names}
        for word, ids in parties.items():  # "Allen" is also in another case's name ("Jason Allen")
            pattern = self._pattern(word)
            ids.update(n.source_id for n in names if n.source_id not in ids and pattern.search(n.folded))
        # A party's name links only when no other case has a party of that name ("Stability" is in two).
        names += [_Name(next(iter(ids)), word, self._pattern(word), proper=word.isascii() and " " not in word)
                  for word, ids in parties.items() if len(ids) == 1 and word not in taken]
        self.party_names = {word: next(iter(ids)) for word, ids in parties.items()
                            if len(ids) == 1 and word.isascii() and " " not in word and len(word) >= 5}
        self.names = sorted(names, key=lambda n: len(n.folded), reverse=True)
        # Names by their first word (or first character, for Chinese), so a question is matched only
        # against names that can occur in it: a library of thousands of cases stays a few lookups.
        self._by_key: dict[str, list[_Name]] = {}
        for name in self.names:
            self._by_key.setdefault(_key(name.folded), []).append(name)

    @staticmethod
    def _pattern(folded: str) -> re.Pattern[str]:
        body = re.escape(folded).replace(r"\ ", r"\s+")
        # Latin names end where Latin letters end, even when Chinese follows ("Thaler那个案子").
        before = r"(?<![a-z0-9])" if folded[0].isascii() and folded[0].isalnum() else ""
        after = r"(?![a-z0-9])" if folded[-1].isascii() and folded[-1].isalnum() else ""
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
            if name.proper and not re.search(rf"(?<![A-Za-z]){name.folded[0].upper()}{re.escape(name.folded[1:])}", text):
                continue
            for match in name.pattern.finditer(folded):
                span = match.span()
                if any(s <= span[0] and span[1] <= e and e - s > span[1] - span[0] for s, e in taken):
                    continue
                taken.append(span)
                found.append((span[0], name.source_id))
        found += self._misspelt(text, {source_id for _, source_id in found})
        by_start: dict[int, list[str]] = {}
        for start, source_id in sorted(found):
            by_start.setdefault(start, []).append(source_id)
        ordered: list[str] = []
        for sharing in by_start.values():
            ordered += self._narrowed(sharing, folded)
        return list(dict.fromkeys(ordered))

    def _misspelt(self, text: str, found: set[str]) -> list[tuple[int, str]]:
        """Capitalised words one typo from a party's name ("Kadery"), where no name matched exactly."""
        hits: list[tuple[int, str]] = []
        for match in re.finditer(r"\b[A-Z][a-z]{4,}\b", text):
            word = match.group(0).lower()
            if word in STOPWORDS:
                continue
            near = {source_id for name, source_id in self.party_names.items() if _near(word, name)}
            if len(near) == 1 and not near & found:
                hits.append((match.start(), next(iter(near))))
        return hits

    def described(self, text: str) -> list[tuple[str, str, list[str]]]:
        """The phrases of a text that describe a ruling by its court's place or its country
        ("the Zhangjiagang court refused…", "the Czech DALL-E ruling"): each such clause with its
        sentence and the cases it may mean, one group per place named. Which case a group means is
        for the retriever to settle by reading their passages against the whole sentence (the
        subject, "AI images", may sit in another clause than the court)."""
        described: list[tuple[str, str, list[str]]] = []
        for sentence in re.split(r"(?<=[.?!。？！])\s*", text):
            if _CASE_WORDS.search(_IDIOMS.sub(" ", sentence)):
                described += self._described_in(sentence)
        return described

    def _described_in(self, sentence: str) -> list[tuple[str, str, list[str]]]:
        """``described`` for one sentence that refers to rulings, clause by clause."""
        described: list[tuple[str, str, list[str]]] = []
        for clause in (c.strip() for c in _CLAUSE_BREAK.split(sentence) if c and c.strip()):
            folded = _fold(clause)
            words = set(re.findall(r"[a-z][a-z0-9-]+", folded))
            groups = [ids for place, ids in self.anchors.items()
                      if (place in words if place.isascii() else place in folded)]
            placed = set().union(*groups) if groups else set()
            # A court's city is specific enough within a sentence about rulings ("the courts in
            # Beijing and Prague"); a country only in a clause that itself speaks of a ruling.
            countries = jurisdictions_named(clause) if _CASE_WORDS.search(_IDIOMS.sub(" ", clause)) else set()
            for code in countries:
                in_country = {s for s, ref in self.documents.items() if ref.is_case and ref.jurisdiction == code}
                if in_country and not in_country & placed:
                    groups.append(in_country)
            years = set(re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", clause))
            for group in dict.fromkeys(frozenset(g) for g in groups):
                # "the Beijing Internet Court … in 2019": the cases of that year, when there are any
                that_year = {s for s in group if self.documents[s].year in years}
                described.append((clause, sentence.strip(), sorted(that_year or group)))
        return described

    def _candidates(self, folded: str) -> list[_Name]:
        """The names whose first word or character occurs in the text, longest first."""
        keys = set(re.findall(r"[a-z0-9]+", folded)) | set(folded)
        found = [name for key in keys for name in self._by_key.get(key, ())]
        return sorted(found, key=lambda n: len(n.folded), reverse=True)

    def _narrowed(self, sharing: list[str], folded: str) -> list[str]:
        """Documents sharing a name ("the Ultraman case", "奥特曼案"), narrowed to those the rest of
        the text points at by a word of their own title or court ("Guangzhou", "广州"); all of them
        when it is silent."""
        if len(sharing) < 2:
            return sharing
        words = set(re.findall(r"\w+", folded))
        common = set.intersection(*(self.clues.get(s, set()) for s in sharing))

        def points_at(source_id: str) -> bool:
            return any(clue in words if clue.isascii() else clue in folded
                       for clue in self.clues.get(source_id, set()) - common)

        return [s for s in sharing if points_at(s)] or sharing

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

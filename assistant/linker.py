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

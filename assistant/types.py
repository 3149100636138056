"""The data the core's steps hand each other, and their one JSON form.

A question becomes a ``RetrievalResult`` of ``Passage``s; the model's reply becomes ``Statement``s
that the checker judges; what passes becomes an ``Answer`` with ``Citation``s (and ``Conflict``s
where an upload disagrees with the library's record). Each type names its JSON keys in ``JSON``
(key → attribute); ``JsonRecord.to_json`` turns it, and any record nested in it, into plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal


class JsonRecord:
    """Mixin: ``to_json`` from the class's ``JSON`` map, with floats rounded to ``JSON_DIGITS``."""

    JSON: ClassVar[dict[str, str]]
    JSON_DIGITS: ClassVar[int] = 4

    def to_json(self) -> dict[str, Any]:
        return {key: _plain(getattr(self, attribute), self.JSON_DIGITS) for key, attribute in self.JSON.items()}


def _plain(value: Any, digits: int) -> Any:
    if isinstance(value, JsonRecord):
        return value.to_json()
    if isinstance(value, list):
        return [_plain(item, digits) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item, digits) for key, item in value.items()}
    if isinstance(value, float):
        return round(value, digits)
    return value


def _keys(*names: str, **renamed: str) -> dict[str, str]:
    """A JSON map: keys equal to their attribute, then keys named differently (key=attribute)."""
    return {**{name: name for name in names}, **renamed}


@dataclass
class Passage(JsonRecord):
    """One retrieved chunk with its pinpoint and the fused score that ranked it."""

    JSON = _keys("source_id", "title", "locator", "score", "text")

    chunk_id: str
    source_id: str
    title: str
    locator: str
    text: str
    score: float
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class RetrievalResult:
    """What retrieval found for a query; ``linked`` are the cases it names (their paragraphs come first)."""

    query: str
    passages: list[Passage]
    best_dense: float
    seconds: float
    linked: list[str] = field(default_factory=list)


@dataclass
class Statement(JsonRecord):
    """One answer sentence, the sources it cites (1-based) and whether they support it."""

    JSON = _keys("text", "supported", "reason", "cited")

    text: str
    cited: list[int] = field(default_factory=list)
    model_cited: list[int] = field(default_factory=list)
    supported: bool = False
    reason: str = ""  # the check that decided ``supported``, in words a user reads


@dataclass
class Citation(JsonRecord):
    """A numbered citation: the passage it opens and the sentence of it that supports the claim."""

    JSON = _keys("n", "source_id", "title", "locator", "quote", "supported", "origin")

    n: int
    source_id: str
    title: str
    locator: str
    quote: str
    supported: bool
    metadata: dict[str, Any] = field(default_factory=dict)
    origin: Literal["library", "upload"] = "library"  # an upload is never presented as the curated library


@dataclass
class Conflict(JsonRecord):
    """An upload's sentence about a curated case, and what the case's own record says."""

    JSON = _keys(upload_says="statement", upload="upload_id", case="case_id", record_says="record",
                 record_locators="record_locators")

    statement: str
    upload: Passage
    case_id: str
    case_title: str
    record: str  # the card line that disagrees, without its pinpoint; "" when the card has none
    record_passages: list[Passage] = field(default_factory=list)

    @property
    def upload_id(self) -> str:
        return self.upload.source_id

    @property
    def record_locators(self) -> list[str]:
        return [p.locator for p in self.record_passages]


@dataclass
class Answer(JsonRecord):
    """The answer to one question: the text shown, its citations, and how it was reached."""

    JSON = {**_keys("question", "answer", "refused", "refusal_reason", "answered_from"), "linked_cases": "linked",
            **_keys("citations", "conflicts", "unverified"), "checked": "statements", **_keys("passages", "timings")}
    JSON_DIGITS = 3

    question: str
    answer: str
    refused: bool
    citations: list[Citation]
    passages: list[Passage]
    timings: dict[str, float | None]
    evidence: list[Passage] = field(default_factory=list)
    language: str = "en"
    refusal_reason: str | None = None
    statements: list[Statement] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    model_text: str = ""
    answered_from: Literal["model", "card", "card+model", "quote", "none"] = "model"
    linked: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        """Whether the answer is shown as verified: it answers, and every sentence it shows
        passed every check (unsupported ones are left out of ``answer``)."""
        return not self.refused


@dataclass
class AnswerEvent:
    """One step of a streamed answer: the passages found, a piece of text, or the final answer."""

    kind: Literal["passages", "token", "final"]
    text: str = ""
    passages: list[Passage] = field(default_factory=list)
    answer: Answer | None = None

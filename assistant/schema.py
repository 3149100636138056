"""Document metadata: what every library document must declare, checked with one-line errors.

Curated documents feed pinpoint citations, so their metadata is strict. Files a user adds may omit
most fields, but whatever they do state is held to the same rules.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from frontmatter.default_handlers import YAMLHandler
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

Jurisdiction = Literal["CN", "US", "UK", "EU", "JP", "DE", "CZ", "KR", "IN"]
DocType = Literal["judgment", "statute", "regulation", "guidance", "decision", "report", "commentary", "news"]
# How a case came out, for the library's timeline: copyright in AI output granted or refused,
# infringement found or not, or no ruling yet.
Outcome = Literal["protected", "not_protected", "liable", "not_liable", "pending"]
JURISDICTIONS: tuple[str, ...] = get_args(Jurisdiction)
DOC_TYPES: tuple[str, ...] = get_args(DocType)
OUTCOMES: tuple[str, ...] = get_args(Outcome)
# Where an upload's card came from: read from its text by rules (to be checked), or confirmed or
# edited by the user in the Library view. A curated card, or one a user wrote in a sidecar, has none.
CardOrigin = Literal["extracted", "confirmed"]

_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{1,80}")
_SIDECAR_SUFFIX = ".meta.yaml"


class SchemaError(ValueError):
    """Bad or missing metadata; the message names the file so a curator can fix it at once."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)
        self.problem = problem


def _check_id(value: str) -> str:
    if not _ID_PATTERN.fullmatch(value):
        raise ValueError(f"id {value!r} must be 2-81 lowercase letters, digits or hyphens")
    return value


def _check_not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "is empty")
    return value.strip()


def _check_choice(kind: str, choices: tuple[str, ...]):
    def check(value: Any) -> Any:
        if value not in choices:
            raise ValueError(f"unknown {kind} {value!r} (expected one of {', '.join(choices)})")
        return value

    return check


def _check_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"date {value!r} is not an ISO date like 2023-11-27")


def _check_urls(values: list[str]) -> list[str]:
    for url in values:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"source {url!r} is not an http(s) URL")
    return values


DocId = Annotated[str, AfterValidator(_check_id)]
Text = Annotated[str, AfterValidator(_check_not_blank)]
JurisdictionField = Annotated[Jurisdiction, BeforeValidator(_check_choice("jurisdiction", JURISDICTIONS))]
DocTypeField = Annotated[DocType, BeforeValidator(_check_choice("doc_type", DOC_TYPES))]
DateField = Annotated[dt.date, BeforeValidator(_check_date)]
Sources = Annotated[list[str], AfterValidator(_check_urls)]

TOPICS: tuple[str, ...] = ("ai-output-authorship", "training-data", "output-infringement", "platform-liability",
                           "transparency-labelling", "registration-practice")
CARD_FIELDS: tuple[str, ...] = ("court", "decided", "case_number", "parties", "claimed", "held", "remedies", "appeal")
# A card value ends with the pinpoint it comes from: "(¶29-30)", "(¶4, ¶11)", "(p. 3)".
_PINPOINT = re.compile(r"\((?:¶\s*\d+|p\.\s*\d+)(?:\s*[-–,]\s*(?:¶|p\.)?\s*\d+)*\)\s*$")


def _check_topics(values: list[str]) -> list[str]:
    for value in values:
        if value not in TOPICS:
            raise ValueError(f"unknown topic {value!r} (expected one of {', '.join(TOPICS)})")
    return values


def _check_aliases(values: list[str]) -> list[str]:
    cleaned = [str(v).strip() for v in values]
    if any(not v for v in cleaned):
        raise ValueError("an alias is empty")
    return list(dict.fromkeys(cleaned))


def _check_pinpoint(value: str) -> str:
    value = value.strip()
    if not _PINPOINT.search(value):
        raise ValueError(f"card value {value[:60]!r} must end with the paragraph it comes from, like (¶29)")
    return value


Topics = Annotated[list[str], AfterValidator(_check_topics)]
Aliases = Annotated[list[str], AfterValidator(_check_aliases)]
CardValue = Annotated[str, AfterValidator(_check_pinpoint)]
OutcomeField = Annotated[Outcome, BeforeValidator(_check_choice("outcome", OUTCOMES))]
CardOriginField = Annotated[CardOrigin, BeforeValidator(_check_choice("card_origin", get_args(CardOrigin)))]


class CaseCard(BaseModel):
    """The key facts of a judgment or decision, each tied to the paragraph that states it, so a
    fact question can be answered (and cited) from the card without the model reading anything."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    court: CardValue | None = None
    decided: CardValue | None = None
    case_number: CardValue | None = None
    parties: CardValue | None = None
    claimed: CardValue | None = None
    held: CardValue | None = None
    remedies: CardValue | None = None
    appeal: CardValue | None = None
    # A label drawn from the held/appeal lines, not a fact of its own: it carries no pinpoint and is
    # not one of the fields() a question is answered from.
    outcome: OutcomeField | None = None

    def fields(self) -> dict[str, str]:
        """The filled text fields, in the fixed card order (never the outcome)."""
        return {name: value for name in CARD_FIELDS if (value := getattr(self, name))}


class DocumentMeta(BaseModel):
    """Metadata of a curated document (front matter or seed sidecar); every citation field is required."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    id: DocId
    title: Text
    jurisdiction: JurisdictionField
    doc_type: DocTypeField
    court_or_body: Text
    date: DateField
    date_note: str | None = None
    case_number: str | None = None
    language: Text
    sources: Sources
    status: str | None = None
    as_of: DateField | None = None
    topics: Topics = []
    aliases: Aliases = []
    card: CaseCard | None = None


class UserDocumentMeta(BaseModel):
    """Metadata of a user's own file: only id and title are needed (the loader derives both)."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    id: DocId
    title: Text
    jurisdiction: JurisdictionField | None = None
    doc_type: DocTypeField | None = None
    court_or_body: Text | None = None
    date: DateField | None = None
    date_note: str | None = None
    case_number: str | None = None
    language: Text | None = None
    sources: Sources = []
    status: str | None = None
    as_of: DateField | None = None
    topics: Topics = []
    aliases: Aliases = []
    card: CaseCard | None = None
    card_origin: CardOriginField | None = None


def _describe(error: Any) -> str:
    field = ".".join(str(part) for part in error["loc"]) or "front matter"
    if error["type"] == "missing":
        return f"missing required field '{field}'"
    if error["type"] == "blank":
        return f"{field} is empty"
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    return f"{field}: {error['msg']}"


def validate_meta(path: Path, data: dict[str, Any], model: type[BaseModel]) -> Any:
    """Build ``model`` from ``data``, turning pydantic's report into one SchemaError line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise SchemaError(path, "; ".join(_describe(error) for error in exc.errors())) from None


def expected_id(path: Path) -> str:
    """The id a curated file must carry: its stem, or for a sidecar its name minus ``.meta.yaml``."""
    if path.name.endswith(_SIDECAR_SUFFIX):
        return path.name[: -len(_SIDECAR_SUFFIX)]
    return path.stem


def validate_curated(path: Path, front_matter: dict[str, Any]) -> DocumentMeta:
    """Strictly check a curated document's metadata; its id must match the file it lives in."""
    if not front_matter:
        raise SchemaError(path, "missing front matter")
    meta = validate_meta(path, front_matter, DocumentMeta)
    if meta.id != expected_id(path):
        raise SchemaError(path, f"id {meta.id!r} does not match the file name {expected_id(path)!r}")
    return meta


def parse_yaml_mapping(path: Path, text: str, what: str = "front matter") -> dict[str, Any]:
    """Parse a YAML mapping, reporting syntax errors with their line instead of a traceback."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise SchemaError(path, f"malformed {what}: {problem}{where}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SchemaError(path, f"malformed {what}: expected key: value pairs, got a {type(data).__name__}")
    return data


def split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], str]:
    """Split ``---`` YAML front matter from a markdown body; no front matter gives an empty dict."""
    handler = YAMLHandler()
    if not handler.detect(text):
        return {}, text
    try:
        front, body = handler.split(text)
    except ValueError:
        raise SchemaError(path, "malformed front matter: no closing '---' line") from None
    return parse_yaml_mapping(path, front), body

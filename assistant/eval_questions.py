"""The question file of `copyright-assistant eval` (JSON Lines, INTERFACE.md): one validated
``Question`` a line; a malformed line is reported with its number, never half-read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class QuestionFileError(ValueError):
    """The question file is missing or a line is malformed (the message names the line)."""


class Question(BaseModel):
    """One line of a question file; unknown fields are ignored, optional ones default."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    id: str = Field(min_length=1)
    question: str
    answerable: bool = True
    relevant_sources: list[str] = Field(default_factory=list)
    must_mention: list[list[str]] = Field(default_factory=list)
    lang: str | None = None
    must_not_mention: list[str] = Field(default_factory=list)
    gold_passages: list[tuple[str, str]] = Field(default_factory=list)
    also_acceptable_sources: list[str] = Field(default_factory=list)
    kind: str | None = None
    history: list[tuple[str, str]] | None = None

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty")
        return value.strip()

    @field_validator("relevant_sources", "also_acceptable_sources", "must_not_mention", mode="before")
    @classmethod
    def _one_string_as_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("must_not_mention")
    @classmethod
    def _no_empty_string(cls, strings: list[str]) -> list[str]:
        if not all(string.strip() for string in strings):
            raise ValueError("no string may be empty")
        return strings

    @field_validator("gold_passages", mode="before")
    @classmethod
    def _source_locator_pairs(cls, value: Any) -> Any:
        if value is None:
            return []
        if not isinstance(value, list) or not all(
            isinstance(pair, (list, tuple)) and len(pair) == 2
            and all(isinstance(part, str) and part.strip() for part in pair)
            for pair in value
        ):
            raise ValueError('expected a list of [source_id, locator] pairs of two non-empty strings, '
                             'e.g. [["cn-bjic-2023-li-v-liu", "Remedies ¶30"]]')
        return value

    @field_validator("history", mode="before")
    @classmethod
    def _question_answer_pairs(cls, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, list) or not all(
            isinstance(turn, (list, tuple)) and len(turn) == 2 and all(isinstance(part, str) for part in turn)
            and turn[0].strip() for turn in value
        ):
            raise ValueError("expected a list of [question, answer] pairs of strings (the question not empty)")
        return value

    @field_validator("must_mention", mode="before")
    @classmethod
    def _strings_as_groups(cls, value: Any) -> Any:
        """A flat list ["500", "apology"] means two groups of one string each."""
        if isinstance(value, list):
            return [[item] if isinstance(item, str) else item for item in value]
        return value

    @field_validator("must_mention")
    @classmethod
    def _groups_not_empty(cls, groups: list[list[str]]) -> list[list[str]]:
        if any(not group or not all(option.strip() for option in group) for group in groups):
            raise ValueError("every group needs at least one string, and no string may be empty")
        return groups


def _line_error(error: json.JSONDecodeError | ValidationError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"not valid JSON ({error.msg} at column {error.colno})"
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"field {where!r}: {first['msg']}" if where else first["msg"]


def load_questions(path: Path) -> list[Question]:
    """Parse a JSON Lines question file; blank lines are skipped, a bad line is named."""
    if not path.is_file():
        raise QuestionFileError(f"question file not found: {path}")
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as error:
        raise QuestionFileError(f"{path}: not UTF-8 text (bad byte at offset {error.start})") from None
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise QuestionFileError(f"{path}:{number}: expected a JSON object, got {type(data).__name__}")
            question = Question.model_validate({"id": f"line-{number}", **data})
        except (json.JSONDecodeError, ValidationError) as error:
            raise QuestionFileError(f"{path}:{number}: {_line_error(error)}") from None
        if question.id in seen:
            raise QuestionFileError(f"{path}:{number}: id {question.id!r} already used on line {seen[question.id]}")
        seen[question.id] = number
        questions.append(question)
    if not questions:
        raise QuestionFileError(f"{path}: no questions")
    return questions

"""What a question asks, read without the model: is it valid, does it lean on the conversation,
which language, how much of it the library's passages cover, does it compare cases.

These are the pipeline's first steps (condense and gate); the web chat and the CLI use
``validate_question`` to refuse bad input before anything is loaded.
"""

from __future__ import annotations

import re

from assistant.text import CJK_CHARS, OPENERS, QUESTION_WORDS, has_chinese, to_english, tokenize
from assistant.types import Passage


class InvalidQuestion(ValueError):
    """An empty or over-long question, or over-long history."""


_FOLLOW_UP = re.compile(
    r"\b(it|its|they|them|that|this|those|these|he|she|his|her|the court|the case|the judge|same|also|"
    r"and what|what about|how about)\b|^(and|but|so)\b|该案|这个|那个|此案|它|他们|那么",
    re.IGNORECASE,
)
def validate_question(question: str, history: list[tuple[str, str]], max_chars: int) -> str:
    text = (question or "").strip()
    if not text:
        raise InvalidQuestion("the question is empty")
    if len(text) > max_chars:
        raise InvalidQuestion(f"the question has {len(text)} characters; the limit is {max_chars}")
    if sum(len(q) + len(a) for q, a in history) > 20 * max_chars:
        raise InvalidQuestion("the conversation is too long; start a new one")
    return text


def _topic_terms(question: str) -> str:
    """The names in a question (capitalised words, case names, numbers, Chinese terms): what a
    follow-up such as "And how much was awarded?" silently refers back to."""
    names = re.findall(rf"\b(?:[A-Z][\w'’.-]*|v\.|\d[\d,()]*)|[{CJK_CHARS}]{{2,}}", question)
    return " ".join(n for n in names if n.lower().strip("?.,") not in QUESTION_WORDS and n not in OPENERS)


# A part of a question that asks something (the rest only sets the scene: "In the Ultraman case, …").
ASKS = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how|whether|did|does|do|is|are|was|were|can|could|"
                   r"has|have|had)\b|吗|什么|多少|哪|谁|何|是否|如何|怎", re.IGNORECASE)


def refers_back(question: str) -> bool:
    """Whether a question names nothing itself and leans on the conversation ("And how much?")."""
    if has_chinese(question):
        return len(question) <= 16 or bool(_FOLLOW_UP.search(question))
    return not _topic_terms(question) and (len(question.split()) <= 12 or bool(_FOLLOW_UP.search(question)))


def condense(question: str, history: list[tuple[str, str]]) -> str:
    """A standalone query for retrieval: a follow-up that names nothing itself ("And how much
    was awarded?") borrows the names from the previous question — not its whole wording, which
    would outweigh the new question."""
    if not history or not refers_back(question):
        return question
    return f"{question} {_topic_terms(history[-1][0])}".strip()


def language_of(question: str) -> str:
    return "zh" if has_chinese(question) else "en"


def coverage(question: str, passages: list[Passage]) -> float:
    """Share of the question's topic words found in the given passages (with their titles)."""
    english = to_english(question)
    wanted = set(tokenize(english)) - QUESTION_WORDS
    wanted = {t for t in wanted if t.isascii()}
    if not wanted:
        return 1.0
    found: set[str] = set()
    for passage in passages:
        found |= set(tokenize(f"{passage.title} {passage.locator} {passage.text}"))
    return len(wanted & found) / len(wanted)


_COMPARISON = re.compile(r"\b(?:compare|comparison|differ\w*|contrast|both|versus|vs\.?|each|similar\w*)\b|比较|区别|不同|异同|两案",
                         re.IGNORECASE)


def is_comparison(question: str, linked: list[str]) -> bool:
    """A question about two or more cases at once, where citing several cases is the point."""
    return len(linked) > 1 or bool(_COMPARISON.search(question))

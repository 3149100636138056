"""Parse ``[n]`` markers and check each answer sentence against the passage it cites.

A marker proves nothing by itself: the default model puts a number on invented sentences too.
Each sentence gets a support score against every source (shared content words, weighted by
rarity, plus embedding similarity); numbers — amounts, dates, case numbers — must appear in the
passage verbatim, because borrowing a figure from a neighbouring line is the typical error; so
must names (capitalised words inside a sentence: people, courts, cases), because an invented
professor or party is the other one.
Two checks look past word overlap, because overlap is what a false sentence shares with its source:
- polarity: each clause of a sentence is compared with the clause of the passage it matches best;
  "the judgment was appealed" is not supported by "neither party appealed the judgment";
- figures in context: an amount or date must sit in a passage sentence about the same thing
  (RMB 50 stated as the award is not supported by "the court fee was RMB 50");
- reported speech is not assertion: "the court awarded RMB 2,000,000" is not supported by a
  sentence saying that someone must, should or wants to state it, or that a party argued it,
  unless the statement itself says who said it.
A citation to the wrong source is moved to the best supporting one, a missing one is added,
and a sentence nothing supports is marked unverified.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np

from assistant.config import VerificationSettings
from assistant.text import (
    FIGURE_NOISE,
    GENERIC_WORDS,
    NOT_NAMES,
    STOPWORDS,
    bilingual_tokens,
    has_chinese,
    split_sentences,
    to_english,
    tokenize,
)
from assistant.types import Statement

MARKER = re.compile(r"\s*\[(\d{1,2}(?:\s*[,，、;]\s*\d{1,2})*)\]")
_NUMBER = re.compile(r"\d[\d,，.]*\d|\d")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def split_statements(answer: str) -> list[Statement]:
    """Sentences with their markers; markers opening a sentence belong to the previous one."""
    statements: list[Statement] = []
    for sentence in split_sentences(answer):
        leading = re.match(r"(?:\s*\[[\d,，、;\s]+\])+", sentence)
        if leading and statements:
            statements[-1].model_cited.extend(_marker_numbers(leading.group(0)))
            sentence = sentence[leading.end():]
        text = MARKER.sub("", sentence).strip()
        if text:
            statements.append(Statement(text=text, model_cited=_marker_numbers(sentence)))
    for statement in statements:
        statement.model_cited = list(dict.fromkeys(statement.model_cited))
    return statements


def _marker_numbers(text: str) -> list[int]:
    return [int(n) for group in MARKER.findall(text) for n in re.split(r"[,，、;]", group) if n.strip()]


def numbers_in(text: str) -> set[str]:
    """The figures in a text, without thousands separators: "RMB 5,000" -> {"5000"}."""
    return {re.sub(r"[,，]", "", n).rstrip(".") for n in _NUMBER.findall(text)}


def _names(sentence: str) -> set[str]:
    """Capitalised words after a sentence's first word, lower-cased: the names it asserts.
    Short all-capital words are left out: an abbreviation (USCO, CDPA) restates a name."""
    words = _WORD.findall(sentence.replace("’", "'"))[1:]
    return {_bare(w) for w in words if w[0].isupper() and not (w.isupper() and len(w) <= 5)} - NOT_NAMES


def _bare(word: str) -> str:
    """A word lower-cased, without a possessive or a trailing apostrophe: "Tsuburaya's" -> "tsuburaya"."""
    word = word.lower()
    return (word[:-2] if word.endswith("'s") else word).rstrip("'")


def _words(text: str) -> set[str]:
    return {_bare(w) for w in _WORD.findall(text.replace("’", "'"))}


# Negation, English and Chinese. Chinese 不 and 未 start many ordinary words, which are left out.
_NEGATION = re.compile(
    r"\b(?:not|no(?!\.\s?\d)|never|neither|nor|cannot|none|nobody|nothing|refus\w*|reject\w*|deni(?:ed|es|al)|deny|"
    r"declin\w*|dismiss\w*)\b|n['’]t\b|"
    r"不(?!同|仅|但|久|断|少|过|论|只|超过|低于|得不)|未(?!来|经)|没有|并非|驳回|否认|无权|无法",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[,;:，；：]|\s(?:and|but|while|whereas|so|because|although|though|since)\s|但|而|因此|所以")
# Verbs that say the same thing about a case, folded to one token so "decided" meets "delivered".
_SAME_ACT = (
    ("#decide", ("deliver", "hand", "render", "issu", "rul", "decid", "decision", "judgment", "pronounc",
                 "held", "hold", "found", "find")),
    ("#award", ("award", "damag", "compens", "pay", "paid", "remed", "赔")),
    ("#claim", ("claim", "sought", "seek", "ask", "demand", "request", "索赔", "请求")),
    ("#post", ("post", "publish", "upload", "shar", "onlin")),
    ("#file", ("fil", "sue", "sued", "lodg", "brought", "bring", "suit")),
    ("#appeal", ("appeal", "effect", "final")),
)


def _acts(tokens: set[str]) -> set[str]:
    """Tokens plus the act each one names (see _SAME_ACT)."""
    found = set(tokens)
    for act, stems in _SAME_ACT:
        if any(t.startswith(stems) for t in tokens):
            found.add(act)
    return found


def negated(text: str) -> bool:
    """Whether a clause says that something is not so."""
    return bool(_NEGATION.search(text))


def _clauses(text: str) -> list[str]:
    return [c for c in _CLAUSE.split(text) if c and c.strip()]


def _content(text: str) -> set[str]:
    return set(tokenize(text)) - GENERIC_WORDS


_LATIN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")


def _negated_span(words: set[str], sentence: str) -> tuple[int, bool]:
    """How many of ``words`` the sentence holds, and whether the stretch of it that holds them
    (with the two words before, where "neither party" or "not" sits) is negated."""
    raw = _LATIN_WORD.findall(sentence)
    stems = [set(tokenize(w)) for w in raw]
    hits = [i for i, stem in enumerate(stems) if stem & words]
    if not hits:
        return 0, False
    shared = len(set().union(*(stems[i] for i in hits)) & words)
    return shared, negated(" ".join(raw[max(0, hits[0] - 2): hits[-1] + 1]))


def polarity_agrees(statement: str, passage: str) -> bool:
    """Each clause of the statement (two or more content words) agrees in negation with the passage
    sentence that holds most of its words, read over the stretch where those words sit: "the
    judgment was appealed" disagrees with "neither party appealed the judgment", while "the judgment
    took legal effect" agrees with "neither party appealed, so the judgment took legal effect".
    Chinese sentences are left to the other checks."""
    if has_chinese(statement):
        return True
    sentences = split_sentences(passage) or [passage]
    for clause in _clauses(statement):
        words = _content(clause)
        if len(words) < 2:
            continue
        best = max(sentences, key=lambda sentence: _negated_span(words, sentence)[0])
        shared = _negated_span(words, best)[0]
        negative = _negated_span(set(tokenize(clause)), best)[1]  # generic words ("work") bound the stretch too
        if shared >= 2 and negated(clause) != negative:
            return False
    return True


# A sentence that only says what someone must, should or wants to state, or what a party argued.
_REPORTING_FRAME = re.compile(
    r"\b(must|should|shall|is to|are to|has to|have to|needs? to|(is|are|was|were) (required|instructed|told|asked) to|"
    r"wants?( \w+)? to|would like( \w+)? to|ought to|is expected to)\s+(\w+\s+){0,2}?(state|say|report|write|claim|"
    r"assert|mention|declare|announce|confirm|repeat|tell|answer|respond|reply|present|describe|conclude|insist)\b|"
    r"\b(argued|argues|contended|contends|alleged|alleges|maintained|maintains|asserted|asserts|insisted|insists|"
    r"submitted|submits)\s+that\b|"
    r"(应当|必须|务必|须|要求|希望|请)[^。；]{0,12}?(说明|声明|表示|称|写明|指出|告知|告诉|回答|回复|陈述|强调|报告|确认|宣称|表述)|"
    r"(辩称|主张|声称)",
    re.IGNORECASE,
)
# A statement that itself says who said it ("the memo says…", "Anthropic argued…") may cite one.
_ATTRIBUTED = re.compile(
    r"\b(says?|said|states?|stated|claims?|claimed|asserts?|asserted|argues?|argued|contends?|contended|"
    r"alleges?|alleged|according|asks?|asked|instructs?|instructed|tells?|told|wants?|wanted|demands?|demanded|"
    r"requests?|requested|urges?|urged|submits?|submitted|maintains?|maintained|insists?|insisted|position|"
    r"view|memo|upload\w*)\b|称|主张|认为|要求|指出|表示|据|请求",
    re.IGNORECASE,
)


def reported_only(statement: str, passage: str) -> bool:
    """Whether the passage sentence that holds most of the statement's words only reports that
    someone must, should or wants to state it, or argued it, while the statement asserts it as a
    fact. The frame must come before those words: "must state that the court awarded RMB 2,000,000"
    reports; "the court awarded RMB 500, which the defendant must pay" asserts."""
    if _ATTRIBUTED.search(statement):
        return False
    words = bilingual_tokens(statement) - GENERIC_WORDS
    if len(words) < 2:
        return False
    sentences = split_sentences(passage) or [passage]
    best = max(sentences, key=lambda sentence: _negated_span(words, sentence)[0])
    frame = _REPORTING_FRAME.search(best)
    if frame is None:
        return False
    before = bilingual_tokens(best[: frame.start()]) & words
    after = bilingual_tokens(best[frame.end():]) & words
    return len(after) >= 2 and len(after) > len(before)


# What a sentence can say a case held ("the images are protected", "Meta was liable", "构成作品"),
# and the verbs of ruling, which count as one ("held" is "found" is "ruled").
HOLDING = re.compile(
    r"\b(protect\w*|copyright(ed|able)|works?|authors?|authorship|infring\w*|liable|liability|fair use|ruled|rules|"
    r"held|holds|decided|found|granted|dismiss\w*|register\w*|pending|owns?|owned|owner|lawful|unlawful|won|lost)\b|"
    r"构成|作品|侵权|作者|著作权|合理使用|判决|认定|驳回|登记|胜诉|败诉",
    re.IGNORECASE,
)
_RULING = ("held", "hold", "rule", "ruled", "rules", "decided", "found")
_PREDICATES = ("protect", "copyright", "work", "author", "infring", "liab", "fair use", "dismiss", "register",
               "pending", "own", "unlawful", "lawful", "won", "lost", "granted")
_CLAUSE_END = re.compile(r"[,;:，；：。.!?]")


def _holding_marks(text: str) -> set[tuple[str, bool]]:
    """(holding word, negated) for each holding word of an English text: the word folded to its
    stem ("protection" → "protect"; every verb of ruling → "#ruling"), the negation read in the few
    words before it within its clause ("cannot be protected", "not the product of human
    authorship"), so "X, and not the AI, was the author" still asserts authorship."""
    marks = set()
    for match in HOLDING.finditer(text):
        word = match.group(0).lower()
        stem = "#ruling" if word in _RULING else next((p for p in _PREDICATES if word.startswith(p)), None)
        if stem is None:
            continue
        clause = _CLAUSE_END.split(text[: match.start()])[-1]
        marks.add((stem, negated(" ".join(clause.split()[-5:] + [word]))))
    return marks


def holding_agrees(statement: str, passage: str) -> bool:
    """Whether the passage bears out what the statement says a case held. Among the passage
    sentences that share a word with the statement, no holding word of the statement may appear
    only with the opposite polarity ("has ruled" against "has not yet ruled"), and when the
    statement says what was held ("protected", "infringed", "author"…), at least one such word must
    appear with its polarity. Word overlap alone lets "the Midjourney images are protected" pass
    against "the Midjourney images are not the product of human authorship". Chinese statements,
    and statements with no holding word, pass (the other checks still apply)."""
    if has_chinese(statement):
        return True
    wanted = _holding_marks(statement)
    if not wanted:
        return True
    words = bilingual_tokens(statement) - STOPWORDS
    found: set[tuple[str, bool]] = set()
    for line in split_sentences(passage) or [passage]:
        if words & bilingual_tokens(line):
            found |= _holding_marks(line)
    if any((stem, not negative) in found and (stem, negative) not in found for stem, negative in wanted):
        return False
    predicates = {mark for mark in wanted if mark[0] != "#ruling"}
    return not predicates or bool(predicates & found)


def _figure_words(text: str) -> set[str]:
    """What a sentence says about its figures: content words (Chinese read through the glossary
    as well), without digits, units and months."""
    return _acts({t for t in bilingual_tokens(text) - FIGURE_NOISE if not t.isdigit()})


def figures_in_context(statement: str, passage: str, question: str = "") -> bool:
    """Every number of the statement appears in a passage sentence that shares what the statement
    says about it (a content word, or the same act: awarding, deciding, claiming…). Names do not
    count (every sentence of a case may carry them); a bare figure ("RMB 5,000") takes its subject
    from the question it answers."""
    wanted = numbers_in(statement)
    if not wanted:
        return True
    names = {w.lower().rstrip("'’") for w in _WORD.findall(passage) if w[0].isupper()}
    about = _figure_words(statement) - names
    if not about - {n.lower() for n in wanted}:
        about = _figure_words(question) - names
    sentences = split_sentences(passage) or [passage]
    for number in wanted:
        holders = [s for s in sentences if number in numbers_in(s)]
        if not any(about & _figure_words(s) for s in holders):
            return False
    return True


class CitationChecker:
    """Verifies statements against passages; ``threshold`` is the support needed to count."""

    def __init__(self, embed: Callable[[list[str]], list[list[float]]] | None = None,
                 settings: VerificationSettings | None = None) -> None:
        self.embed = embed  # normalised embeddings of texts; None checks by words alone
        self.settings = settings or VerificationSettings()

    @property
    def threshold(self) -> float:
        return self.settings.threshold

    @staticmethod
    def _views(text: str) -> list[set[str]]:
        """Token sets to compare: the text itself and, for Chinese, its glossary English."""
        views = [set(tokenize(text)) - GENERIC_WORDS]
        if has_chinese(text):
            views.append(set(tokenize(to_english(text))) - GENERIC_WORDS)
        return views

    @staticmethod
    def _lexical(sentence_tokens: set[str], question_tokens: set[str], passage_tokens: list[set[str]]) -> np.ndarray:
        """Rarity-weighted share of the sentence's own words (not the question's) found in each passage."""
        novel = sentence_tokens - question_tokens
        focus = novel if len(novel) >= 2 else sentence_tokens
        if not focus:
            return np.zeros(len(passage_tokens))
        frequency = {t: sum(t in tokens for tokens in passage_tokens) for t in focus}
        weight = {t: 1.0 + math.log((1 + len(passage_tokens)) / (1 + frequency[t])) for t in focus}
        total = sum(weight.values())
        return np.array([sum(weight[t] for t in focus if t in tokens) / total for tokens in passage_tokens])

    def scores(self, sentence: str, passages: list[str], question: str = "", strict: bool = True) -> np.ndarray:
        """Support of one sentence by each passage, in [0, 1]. ``strict`` adds the polarity and
        figure-context checks meant for what the model writes; a case card line, written by a
        curator from its paragraph, is held to overlap, figures and names only."""
        passage_views = [set().union(*self._views(p)) for p in passages]
        question_tokens = set().union(*self._views(question)) if question else set()
        lexical = np.max(
            [self._lexical(view, question_tokens, passage_views) for view in self._views(sentence)], axis=0
        )
        if self.embed is not None and not has_chinese(sentence):
            vectors = np.array(self.embed([sentence, *passages]))
            semantic = np.clip(vectors[1:] @ vectors[0], 0.0, 1.0)
            weight = self.settings.lexical_weight
            combined = weight * lexical + (1 - weight) * semantic
        else:
            combined = lexical
        wanted = numbers_in(sentence)
        names = _names(sentence) - _words(question)
        for index, passage in enumerate(passages):
            if not wanted <= numbers_in(passage) or not names <= _words(passage):
                combined[index] = 0.0
            elif strict and combined[index] >= self.threshold and (
                not polarity_agrees(sentence, passage) or not figures_in_context(sentence, passage, question)
                or reported_only(sentence, passage) or not holding_agrees(sentence, passage)
            ):
                combined[index] = 0.0
        return combined

    def run(self, answer: str, passages: list[str], question: str = "") -> list[Statement]:
        statements = split_statements(answer)
        for statement in statements:
            valid = [n for n in statement.model_cited if 1 <= n <= len(passages)]
            if not passages:
                continue
            scores = self.scores(statement.text, passages, question)
            supported = [n for n in valid if scores[n - 1] >= self.threshold]
            best = int(np.argmax(scores)) + 1
            if supported:
                statement.cited = supported
            elif scores[best - 1] >= self.threshold:
                statement.cited = [best]
            else:
                statement.cited = valid
            statement.supported = bool(statement.cited) and all(scores[n - 1] >= self.threshold for n in statement.cited)
        return statements

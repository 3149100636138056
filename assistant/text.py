"""Every text rule in one place: what counts as Chinese, words and their stems, sentences,
the hand-kept word lists, glossary English, and what a sentence saying "the sources are silent"
looks like.

Retrieval, evidence selection, the citation checker, compare and the evaluation all compare text;
they agree only if they read it by the same rules, so no other module defines its own.
"""

from __future__ import annotations

import re

from assistant.glossary import ZH_EN

# Unified CJK ideographs, extension A and the compatibility block: the characters of Chinese text.
CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK = re.compile(f"[{CJK_CHARS}]")


# ... with CJK punctuation and full-width forms: the script written without spaces between words.
CJK_WRITING = f"\u3000-\u303f{CJK_CHARS}\uff00-\uffef"


def has_chinese(text: str) -> bool:
    return bool(CJK.search(text))


# ---- words -------------------------------------------------------------------------------------

_TOKEN = re.compile(f"[a-z0-9]+(?:[.'’][a-z0-9]+)*|[{CJK_CHARS}]+", re.IGNORECASE)
STOPWORDS = frozenset(
    """a an and are as at be been but by can could did do does for from had has have how i if in into is it its
    may might must no not of on or shall should so such than that the their them then there these they this
    those to under was were what when where which who whom whose why will with would you your about also any
    one ones""".split()
)
CJK_STOP = frozenset("的了是在和与及或也就都而之其这那哪什么吗呢吧怎么如何为")


def _stem(word: str) -> str:
    """A light English stemmer that gives "works"/"work", "posted"/"posting"/"post" and
    "ruled"/"rule" one stem each ("work", "post", "rul"): plural -s, then -ed or -ing, a doubled
    final consonant, a final -e. Stems need not be words; only that related forms meet matters."""
    if word.isdigit() or len(word) <= 3:
        return word
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith(("ss", "us", "is")):
            word = word[: -len(suffix)] + keep
            break
    if word.endswith("ied") and len(word) >= 6:
        return word[:-3] + "y"
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "aeiouls":
                word = word[:-1]
            break
    if word.endswith("e") and len(word) >= 4:
        word = word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    for match in _TOKEN.finditer(text.lower()):
        piece = match.group(0)
        if CJK.match(piece):
            chars = [c for c in piece]
            tokens.extend(c for c in chars if c not in CJK_STOP)
            tokens.extend(a + b for a, b in zip(chars, chars[1:]))
        else:
            piece = piece.replace("’", "'").strip("'.")
            if piece and piece not in STOPWORDS and (len(piece) > 1 or piece.isdigit()):
                tokens.append(_stem(piece))
    return tokens


def word_set(words: str) -> frozenset[str]:
    """A hand-kept word list as the tokens ``tokenize`` makes of it (stems, stopwords dropped)."""
    return frozenset(tokenize(words))


def bilingual_tokens(text: str) -> set[str]:
    """The text's tokens plus, for Chinese text, those of its glossary English: how a Chinese
    sentence is compared with English passages."""
    tokens = set(tokenize(text))
    return (tokens | set(tokenize(to_english(text)))) if has_chinese(text) else tokens


# ---- hand-kept word lists -------------------------------------------------------------------------

# Words that ask for something rather than name what is asked about.
REQUEST_WORDS = word_set("tell explain describe please give list")
# ... plus what every question here mentions: ignored when ranking a case's paragraphs by topic.
QUESTION_TOKENS = REQUEST_WORDS | word_set("court case")
# ... plus the framing of a comparison: ignored when picking the sentence a compare row highlights.
ASKING_WORDS = REQUEST_WORDS | word_set("whether compare comparison difference between")
# Words that say nothing about *which* topic is asked: ignored when judging the library's coverage.
QUESTION_WORDS = QUESTION_TOKENS | word_set(
    "summarise summarize compare difference between according library source "
    "law copyright ai artificial intelligence generated generative work works mean say said "
    "happen happened decide decided rule ruled held hold find found under about regarding there any "
    "key main point name named date day"
)
# Words found in nearly every answer here, which therefore prove nothing about support.
GENERIC_WORDS = word_set(
    "court held case copyright law work ai artificial intelligence generated plaintiff defendant "
    "library source sources answer question judgment article"
)


# Capitalised words that are not names: openers, titles of address and answer framing.
NOT_NAMES = frozenset("""i a an the in on at under yes no this that these those it its both neither either
however therefore also according as for by to of and or but so mr mrs ms dr professor judge""".split())
# Capitalised words that open a question rather than name its topic.
OPENERS = frozenset("Who What Which When Where Why How Is Are Was Were Did Does Do Can Could Should Would "
                    "And But So In On Under For Please Tell Explain Compare".split())


# ---- "the sources are silent" --------------------------------------------------------------------

# A sentence that only says the sources do not answer ("the context does not mention …", "no
# damages were assessed", 未涵盖). One pattern for the answer pipeline (an answer made only of such
# sentences is a refusal) and the evaluation (such a sentence is not a claim), so that what the
# product refuses and what the evaluation counts agree. "The court did not decide X" is not here:
# to "Did the court decide X?" it is the answer.
SOURCES_SILENT = re.compile(
    r"\b(?:not (?:confirmed|known|covered|available|specified|stated|mentioned|disclosed|reported|provided|given|"
    r"included|clear)|unconfirmed|unknown|no (?:information|mention|details?)|"
    r"not enough information|insufficient information|"
    r"(?:does|do|did)(?: not|n[’']t) (?:say|state|mention|cover|specify|provide|give|contain|include|answer|address|"
    r"discuss|know)|"
    r"(?:is|are|was|were)(?: not|n[’']t) (?:mentioned|provided|specified|stated|given|covered|included|available|"
    r"addressed|discussed)|"
    r"(?:cannot|can[’']t|could not|couldn[’']t|unable to) (?:find|determine|answer|tell|say)|"
    r"is not in the (?:library|sources)|not yet (?:quantified|decided|determined|assessed|known)|"
    r"no (?:damages|decision|ruling) (?:(?:was|were|has been|have been) )?(?:decided|made|issued|given|assessed))\b|"
    r"未涵盖|没有提供|未提供|未提及|没有提及|未说明|不清楚|无法确定|无法回答|不知道|未确认|没有信息",
    re.IGNORECASE,
)
# ... or that the law it cites takes no position ("The AI Act does not decide who owns AI output"):
# a comparison row made only of such sentences has nothing on point for its jurisdiction.
NO_POSITION = re.compile(
    SOURCES_SILENT.pattern + r"|\b(?:(?:does|do|did) not (?:itself )?(?:decide|settle|determine|confirm|rule on)|"
    r"not (?:decided|determined|addressed)|(?:has|have) not (?:decided|ruled)|no (?:decision|ruling))\b|没有规定",
    re.IGNORECASE,
)


def says_sources_silent(text: str) -> bool:
    """Whether a sentence (or any sentence of a text) says the sources do not answer."""
    return bool(SOURCES_SILENT.search(text))


def takes_no_position(text: str) -> bool:
    """Whether a sentence says the sources are silent or the law they hold decides nothing here."""
    return bool(NO_POSITION.search(text))


# ---- glossary English ---------------------------------------------------------------------------

_GLOSSARY = re.compile("|".join(sorted(map(re.escape, ZH_EN), key=len, reverse=True)))


def to_english(text: str) -> str:
    """Chinese text's glossary terms in English, longest match first; other Chinese is dropped,
    Latin words and numbers are kept. Safe on any text: one without Chinese comes back unchanged,
    so callers never test for Chinese first."""
    if not has_chinese(text):
        return text
    pieces: list[str] = []
    position = 0
    for match in _GLOSSARY.finditer(text):
        pieces.append(text[position : match.start()])
        pieces.append(f" {ZH_EN[match.group(0)]} ")
        position = match.end()
    pieces.append(text[position:])
    return re.sub(r"\s+", " ", CJK.sub(" ", "".join(pieces))).strip()


# ---- sentences ----------------------------------------------------------------------------------

# Latin . ! ? end a sentence only if the next one starts with a capital, digit or CJK character;
# Chinese 。！？； and blank lines always do. Closing quotes and brackets stay with their sentence.
_BOUNDARY = re.compile(
    r"(?:(?P<period>\.)|[!?])[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9\u3400-\u9fff])"
    r"|[。！？；][\"'”’」』）)]*"
    r"|\n[ \t]*\n"
)
_TOKEN_BEFORE = re.compile(r"[^\s(\[\"'“‘]*$")
_INITIALS = re.compile(r"[A-Z]|(?:[A-Za-z]\.)+[A-Za-z]")  # "A", "U.S", "D.D.C", "e.g"
_ABBREVIATIONS = frozenset(

    "v. vs. no. nos. art. arts. s. ss. sec. secs. para. paras. p. pp. n. fn. ch. cl. pt. reg. regs. "
    "cf. e.g. i.e. id. ibid. al. vol. ed. eds. op. cit. fig. approx. "
    "inc. co. ltd. corp. llc. plc. dept. univ. assn. gov. "
    "prof. mr. mrs. ms. dr. st. jr. sr. hon. lj. "
    "cir. ct. app. supp. fed. rev. stat. dir. "
    "jan. feb. mar. apr. jun. jul. aug. sep. sept. oct. nov. dec.".split()
)


def trimmed_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _is_abbreviation(text: str, dot: int) -> bool:
    token = _TOKEN_BEFORE.search(text[max(0, dot - 30) : dot]).group()  # type: ignore[union-attr]
    return token.lower() + "." in _ABBREVIATIONS or bool(_INITIALS.fullmatch(token))


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets in ``text[start:end]``, so pieces are exact slices of the source."""
    end = len(text) if end is None else end
    spans, begin = [], start
    for match in _BOUNDARY.finditer(text, start, end):
        if match.group("period") and _is_abbreviation(text, match.start()):
            continue
        spans.append(trimmed_span(text, begin, match.end()))
        begin = match.end()
    spans.append(trimmed_span(text, begin, end))
    return [(s, e) for s, e in spans if e > s]


def split_sentences(text: str) -> list[str]:
    """Split English and Chinese text into sentences without breaking after legal abbreviations."""
    return [text[s:e] for s, e in sentence_spans(text)]

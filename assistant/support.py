"""The checks a claim must pass against the passage it cites, beyond sharing its words.

Word overlap is what a false sentence shares with its source, so each check here looks at one way
a small model's sentence goes wrong while keeping the source's words:
- figures: numbers (amounts, dates, case numbers) must appear in the passage verbatim, in a passage
  sentence about the same thing (RMB 50 stated as the award is not borne out by "the court fee was
  RMB 50");
- names: capitalised words (people, courts, cases, places) must appear in the passage;
- polarity: "the judgment was appealed" is not supported by "neither party appealed the judgment";
- reported speech: a sentence saying someone must state, or argued, something does not support
  the statement asserted as fact;
- holdings: what a sentence says a case held must be borne out with its polarity.
Each check returns ``None`` when the claim passes it, or the reason it fails, in words a user reads.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from assistant.figures import claimed_figures, figure_spans, figures_in
from assistant.places import field_names, fields_in, place_names, places_in
from assistant.text import (
    CJK_CHARS,
    GENERIC_WORDS,
    NOT_NAMES,
    STOPWORDS,
    bilingual_tokens,
    has_chinese,
    sentence_spans,
    split_sentences,
    to_english,
    tokenize,
    word_set,
)

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def names_in(sentence: str) -> set[str]:
    """Capitalised words after a sentence's first word, lower-cased: the names it asserts.
    Short all-capital words are left out: an abbreviation (USCO, CDPA) restates a name."""
    words = _WORD.findall(sentence.replace("’", "'"))[1:]
    return {_bare(w) for w in words if w[0].isupper() and not (w.isupper() and len(w) <= 5)} - NOT_NAMES


def _bare(word: str) -> str:
    """A word lower-cased, without a possessive or a trailing apostrophe: "Tsuburaya's" -> "tsuburaya"."""
    word = word.lower()
    return (word[:-2] if word.endswith("'s") else word).rstrip("'")


def words_in(text: str) -> set[str]:
    return {_bare(w) for w in _WORD.findall(text.replace("’", "'"))}


# Negation, English and Chinese. Chinese 不 and 未 start many ordinary words, which are left out.
_NEGATION = re.compile(
    r"\b(?:not|no(?!\.\s?\d)|never|neither|nor|cannot|none|nobody|nothing|refus\w*|reject\w*|deni(?:ed|es|al)|deny|"
    r"declin\w*|dismiss\w*)\b|n['’]t\b|"
    r"不(?!同|仅|但|久|断|少|过|论|只|超过|低于|得不)|未(?!来|经)|没有|并非|驳回|否认|无权|无法",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[,;:，；：]|\s(?:and|but|while|whereas|so|because|although|though|since)\s|但|而|因此|所以")


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


# Where a clause ends: a comma not inside a figure ("RMB 5,000"), a semicolon, a colon, a dash, a bracket.
_FIGURE_CLAUSE = re.compile(r"(?<!\d),|,(?!\d)|[;:，；：、。！？()（）]|\s[–—]\s|\b(?:and|while|against)\b")


# The events a figure can belong to: an amount claimed is not an amount awarded, a filing date
# not a decision date, a publication date not the date a rule took effect.
_EVENTS = (
    ("award", ("award", "damag", "compens", "pay", "paid", "loss", "赔偿", "判赔", "赔", "损失")),
    ("claim", ("claim", "sought", "seek", "demand", "request", "索赔", "请求", "主张")),
    ("fee", ("fee", "cost", "受理费", "诉讼费", "费用")),
    ("decide", ("deliver", "hand", "render", "rul", "decid", "decision", "judgment", "pronounc", "held", "found",
                "判决", "裁定", "宣判", "认定")),
    ("file", ("fil", "sue", "sued", "lodg", "brought", "commenc", "起诉", "立案", "提起")),
    ("hear", ("hear", "trial", "开庭", "庭审", "审理")),
    ("post", ("post", "upload", "shar", "发布于", "上传", "分享")),
    ("publish", ("publish", "issu", "releas", "announc", "adopt", "promulgat", "发布", "公布", "印发", "通过")),
    ("effect", ("effect", "forc", "appli", "apply", "施行", "生效", "实施")),
    ("appeal", ("appeal", "certiorari", "上诉", "二审", "调卷")),
    ("register", ("regist", "登记", "注册")),
    ("generate", ("generat", "creat", "made", "生成", "创作")),
)


def _events(text: str) -> set[str]:
    """The events a stretch of text speaks of (see ``_EVENTS``), read from its words and, for
    Chinese, from its characters."""
    tokens = {t for t in set(tokenize(text)) | set(tokenize(to_english(text))) if not t.isdigit()}
    found = set()
    for event, stems in _EVENTS:
        if any(t.startswith(stems) for t in tokens) or any(stem in text for stem in stems if has_chinese(stem)):
            found.add(event)
    return found


def _figure_events(text: str, start: int, end: int) -> set[str]:
    """The events the words around the figure at ``start:end`` speak of: within its clause, the six
    or so words (ten Chinese characters) before it and the few after; the whole clause when those
    name no event. Empty when the clause names none either."""
    sentence_start, sentence_end = next(((s, e) for s, e in sentence_spans(text) if s <= start < e), (0, len(text)))
    sentence = text[sentence_start:sentence_end]
    start, end = start - sentence_start, end - sentence_start
    clause_start = max([0] + [m.end() for m in _FIGURE_CLAUSE.finditer(sentence) if m.end() <= start])
    clause_end = min([m.start() for m in _FIGURE_CLAUSE.finditer(sentence) if m.start() >= end] + [len(sentence)])
    before, after = (10, 6) if has_chinese(sentence[clause_start:clause_end]) else (45, 20)
    left, right = max(clause_start, start - before), min(clause_end, end + after)
    while left > clause_start and sentence[left - 1].isalnum() and sentence[left - 1].isascii():
        left -= 1  # whole words only
    while right < clause_end and sentence[right].isalnum() and sentence[right].isascii():
        right += 1
    return _events(sentence[left:start] + " " + sentence[end:right]) or _events(sentence[clause_start:clause_end])


def misplaced_figure(statement: str, passage: str, question: str = "") -> str | None:
    """The first figure of the statement that the passage holds only for another event: the
    statement says what the figure is (awarded, claimed, decided, filed, published, in force…),
    and every place the passage gives the figure says it is something else. So "pay RMB 5,000 in
    damages" is not borne out by "RMB 500 in damages, of the RMB 5,000 claimed", nor "took effect on
    13 July" by "published on 13 July 2023 and took effect on 15 August". A figure whose event
    either side leaves unsaid (an article number, a case number) is not judged here; a bare
    figure ("RMB 5,000") takes its event from the question."""
    held = figure_spans(passage)
    for figure in figure_spans(statement):
        events = _figure_events(statement, figure.start, figure.end) or _events(question)
        if not events:
            continue
        places = [_figure_events(passage, f.start, f.end) for f in held
                  if f.value == figure.value or figure.value in f.implies]
        if places and all(there and not (there & events) for there in places):
            return figure.value
    return None


# ---- checks that read more than the claim's words -----------------------------------------------

def unsupported_place(statement: str, passage: str) -> str | None:
    """The first place or field of law the statement names that the passage does not establish:
    "in Brazil" or "for patents" moved onto a passage about US copyright. Checked even when the
    question names it, since a question's place is exactly what a model attaches to a wrong source."""
    for code in sorted(places_in(statement) - places_in(passage)):
        return f"the place “{_first_named(statement, place_names(code))}” is not in the cited passage"
    for field in sorted(fields_in(statement) - fields_in(passage)):
        return f"the field “{_first_named(statement, field_names(field))}” is not in the cited passage"
    return None


def _first_named(text: str, names: tuple[str, ...]) -> str:
    found = [(lowered, n) for n in names if (lowered := text.lower().find(n)) >= 0]
    return as_written(text, min(found)[1]) if found else names[0]


def as_written(text: str, word: str) -> str:
    """``word`` as the text spells it ("brazil" → "Brazil"), for a reason the user reads."""
    start = text.lower().find(word.lower())
    return text[start: start + len(word)] if start >= 0 else word


def says_nothing(statement: str) -> bool:
    """A sentence with fewer than two content words, or one that stops at a colon: a frame without
    its content ("标识要求包括但不限于：", "The answer is as follows:")."""
    text = statement.strip()
    if text.rstrip(" .。").endswith((":", "：")):
        return True
    words = bilingual_tokens(text) - STOPWORDS - GENERIC_WORDS
    if has_chinese(text):
        return len("".join(c for c in text if has_chinese(c))) < 4 and len(words) < 2
    return len(words) < 2


_WH = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b|什么|哪|谁|何时|为什么|为何|如何|怎么|怎样|多少",
                 re.IGNORECASE)


_A_QUESTION = re.compile(r"(?:[?？]|吗)\s*(?:\[\d+(?:\s*[,，]\s*\d+)*\]\s*)*[?？.。]?\s*$")


def restates_question(statement: str, question: str) -> bool:
    """Whether the statement only restates a wh-question ("Why was Li the author?" → "Li was the
    author"): none of its content words is new. A yes/no question may be answered in its own words,
    but a sentence that is itself a question ("你可以主张…吗？") answers nothing."""
    if _A_QUESTION.search(statement):
        return True
    if not question or not _WH.search(question):
        return False
    said = bilingual_tokens(statement) - STOPWORDS - GENERIC_WORDS
    asked = bilingual_tokens(question)
    return bool(said) and not (said - asked) and not (claimed_figures(statement) - figures_in(question))


# A passage sentence that says something is unknown or still open.
_HEDGE = re.compile(
    r"\b(?:not (?:been )?(?:confirmed|known|reported|public|clear|yet \w+)|unconfirmed|unknown|unclear|pending|"
    r"has not (?:yet )?(?:ruled|decided|been decided)|no (?:ruling|decision|judgment) (?:yet|has)|"
    r"awaiting|remains? (?:open|undecided|unresolved))\b|"
    r"未经?证实|未确认|尚不清楚|尚未|待定|不详|未公开|审理中|正在审理",
    re.IGNORECASE,
)


def hedge_dropped(statement: str, passage: str) -> bool:
    """Whether the passage sentence that holds most of the statement's words says the matter is
    unknown or still open ("the outcome is not confirmed", "appeal pending"), while the statement
    asserts it without any such hedge: a later stage stated as fact."""
    if _HEDGE.search(statement):
        return False
    words = bilingual_tokens(statement) - GENERIC_WORDS - STOPWORDS
    if len(words) < 2:
        return False
    sentences = split_sentences(passage) or [passage]
    best = max(sentences, key=lambda s: len(words & bilingual_tokens(s)))
    return len(words & bilingual_tokens(best)) >= 2 and bool(_HEDGE.search(best))


# "X says/states/argues (that) …": X is the source the statement attributes its content to.
_SPEAKER = re.compile(
    r"^(?P<speaker>(?:[\w'’.-]+\s+){0,5}?[\w'’.-]+)\s+(?:says?|said|states?|stated|notes?|noted|argues?|argued|"
    r"contends?|contended|claims?|claimed|reports?|reported|writes?|wrote|suggests?|suggested|asserts?|asserted|"
    r"observes?|observed|describes?|described|explains?|explained|maintains?|maintained)\b",
    re.IGNORECASE,
)
# Speakers any passage of a judgment, statute or guidance stands for.
_ANY_SPEAKER = word_set(
    "the a an it they he she this that court judge judges tribunal judgment decision ruling law statute act "
    "source sources passage provision article rule office guidance report its their his her in also further"
)


def misattributed(statement: str, passage: str) -> str | None:
    """The speaker the statement attributes its content to ("the internal memo states…"), when the
    passage names no such speaker: what one source says checked against another."""
    if has_chinese(statement):
        match = re.match(r"^(?P<speaker>[^，,。]{2,12}?)(?:称|认为|指出|表示|主张|写道|提到)", statement)
    else:
        match = _SPEAKER.match(statement.strip())
    if match is None:
        return None
    speaker = bilingual_tokens(match.group("speaker")) - _ANY_SPEAKER - STOPWORDS
    if not speaker:
        return None
    missing = speaker - bilingual_tokens(passage)
    if len(missing) * 2 >= len(speaker) + 1:  # most of the speaker's words are absent
        return f"the passage is not what “{match.group('speaker').strip()}” says"
    return None


# A ruling's verbs: what a court or office does when it decides.
_RULING_ACT = (r"(?:decided|held|ruled|found|dismissed|rejected|upheld|allowed|granted|refused|ordered|awarded|"
               r"concluded|affirmed|reversed|overturned|quashed|set\s+aside|declined|denied|cancell?ed)")
# "The Bundesgerichtshof decided…", "In 2025 the Hanseatic Higher Regional Court has upheld…": the
# body the sentence says acted, named by capitalised words just before a ruling verb.
_ACTOR = re.compile(rf"^(?:(?:In|On|By)\s[^,]{{1,60}},\s*)?(?:[Tt]he\s+)?(?P<actor>(?:[A-Z][\w'’.-]*\s+)"
                    rf"(?:(?:of|for|and)\s+)?(?:[A-Z][\w'’.-]*\s+(?:(?:of|for|and)\s+)?){{0,5}}?)"
                    rf"(?:has\s+|had\s+|have\s+)?{_RULING_ACT}\b")
# A body or judge named as the one acting in a passage: before a ruling verb or a verb of writing
# an opinion ("Judge Chhabria wrote: …"), within its clause (the dots of "v." and "U.S." end none),
# or after "by".
_ACTS_AFTER = re.compile(rf"^(?:[^.;]|(?<=\bv)\.|(?<=\b[A-Z])\.){{0,60}}?\b(?:has\s+|had\s+|have\s+)?"
                         rf"(?:{_RULING_ACT}|wrote|writes|said|says|stated|states|explained|reasoned|noted|observed)\b")
_NAMED_ACTOR = re.compile(rf"\b(?:[A-Z][\w'’.-]*\s+){{1,6}}?(?:has\s+|had\s+)?{_RULING_ACT}\b")


def actor_swapped(statement: str, passage: str) -> str | None:
    """The body a statement says decided ("The Bundesgerichtshof decided…"), when the passage names
    it only as where the case went ("allowed an appeal … to the Bundesgerichtshof") while another
    named body is the one that acts: the words are all there, the decision is someone else's.
    English only; silent when the passage never names the body (the name check covers that) or
    names no other body acting."""
    if has_chinese(statement):
        return None
    match = _ACTOR.match(statement.strip())
    if match is None:
        return None
    actor = " ".join(match.group("actor").split())
    if actor.lower() in ("it", "this", "that") or not names_in(f"X {actor}"):
        return None
    mentions = list(re.finditer(re.escape(actor).replace(r"\ ", r"\s+"), passage, re.IGNORECASE))
    if not mentions:
        return None
    for mention in mentions:
        before = passage[max(0, mention.start() - 12):mention.start()].lower()
        if _ACTS_AFTER.match(passage[mention.end():]) or re.search(r"\bby\s+(?:the\s+)?$", before):
            return None  # the passage has it act
    another_acts = any(not any(m.start() <= x.start() < m.end() for x in mentions)
                       for m in _NAMED_ACTOR.finditer(passage))
    if not another_acts:
        return None
    return f"the passage names the {actor}, but not as the one that decided"


def _normal_words(text: str) -> list[str]:
    return re.findall(rf"[a-z0-9]+|[{CJK_CHARS}]", text.lower())


def verbatim_in(statement: str, passage: str) -> bool:
    """Whether the statement is a passage sentence copied (nearly) word for word: nine in ten of
    its words, in order, with no word added but a few. Such a sentence says what the passage says."""
    said = _normal_words(statement)
    if len(said) < 5:
        return False
    for sentence in split_sentences(passage) or [passage]:
        source = _normal_words(sentence)
        if not source:
            continue
        matcher = SequenceMatcher(None, said, source, autojunk=False)
        shared = sum(block.size for block in matcher.get_matching_blocks())
        if shared >= 0.9 * len(said) and shared >= 0.8 * len(source):
            return True
    return False


# A case a text names: "Li v. Liu", "the Half Heart case", "the cat crystal pendant case", "李某某诉刘某某案".
_CASE_REF = re.compile(
    r"\b(?P<vs>[A-Z][\w.&'’-]*(?:\s+[A-Z][\w.&'’-]*){0,3}\s+v\.?\s+[A-Z][\w.&'’-]*(?:\s+[A-Z][\w.&'’-]*){0,2})"
    r"|\b(?:[Tt]he\s+)?(?P<named>(?:[\w“”\"'’-]+\s+){1,4}?)(?:case|litigation|lawsuit|dispute)\b"
    r"|(?P<zh>[\u4e00-\u9fffA-Za-z“”\"]{2,14}?)案",
)
_NOT_CASE_NAMES = word_set("same present this that instant first second other earlier later whole above latter former "
                           "court plaintiff defendant ai image images generated training copyright infringement "
                           "landmark lower appeal appellate trial each both either")
_ZH_CASE_NOISE = re.compile(r"^(?:在|于|该|本|此|两|这|那|而|与|和|及|对|从|据|其|各)+|(?:中|里|的|一|等)$")


def case_names(text: str) -> list[set[str]]:
    """The cases a text names, each as the tokens of its name (with their glossary English)."""
    found = []
    for match in _CASE_REF.finditer(text):
        name = match.group("vs") or match.group("named") or _ZH_CASE_NOISE.sub("", match.group("zh") or "")
        tokens = {t for t in bilingual_tokens(name) - _NOT_CASE_NAMES - STOPWORDS - {"v", "case", "plaintiff", "defendant"}
                  if not (has_chinese(t) and (len(t) == 1 or "某" in t or "诉" in t))}
        if tokens:
            found.append(tokens)
    return found


def another_case(statement: str, passage: str) -> str | None:
    """When the statement names a case, and the passage sentence that holds most of its other
    words names only other cases: a holding of one case stated of another ("In the Dreamwriter
    case, the user's prompts made the image a work" against "…an approach similar to Li v. Liu,
    where the prompts made the image a work")."""
    claimed = case_names(statement)
    if not claimed:
        return None
    named = set().union(*claimed)
    words = bilingual_tokens(statement) - named - GENERIC_WORDS - STOPWORDS
    sentences = split_sentences(passage) or [passage]
    best = max(sentences, key=lambda s: len(words & bilingual_tokens(s)))
    cases_there = case_names(best) or case_names(passage)
    if cases_there and not any(named & case for case in cases_there):
        return "the passage says this of another case"
    return None

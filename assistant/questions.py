"""What a question asks, read without the model: is it valid, does it lean on the conversation,
which language, how much of it the library's passages cover, does it compare cases.

These are the pipeline's first steps (condense and gate); the web chat and the CLI use
``validate_question`` to refuse bad input before anything is loaded.
"""

from __future__ import annotations

import re
from collections.abc import Container

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


# A user telling their own facts: "I made…", "our company trains…", "我用Midjourney…".
_SITUATION = re.compile(r"\b(?:I|I'm|I've|I'd|I'll|(?i:my|we|we're|we've|our|me)|us)\b|我|本人|我司|我方")


def is_situation(question: str) -> bool:
    """Whether a question describes the asker's own situation: answered by the rules that govern
    it and one sentence applying them, not by linking it to a case it merely resembles."""
    return bool(_SITUATION.search(question))


# A question whose subject, in its first words, is a pronoun: "Did that survive on appeal…?"
_ANAPHOR_START = re.compile(r"^\W*(?:\w+\s+){0,2}(?:that|this|it|they|those|these|he|she)\b"
                            r"(?!\s+(?:true|possible|legal|lawful|allowed|necessary|enough|fair|right|wrong)\b)",
                            re.IGNORECASE)


def refers_back(question: str) -> bool:
    """Whether a question leans on the conversation: it names nothing itself ("And how much?"), or
    its subject is a pronoun ("Did that survive on appeal, and did the Supreme Court take it?")."""
    if has_chinese(question):
        return len(question) <= 16 or bool(_FOLLOW_UP.search(question))
    if _ANAPHOR_START.search(question):
        return True
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


def is_story(question: str) -> bool:
    """A question told as a story: more than two sentences before (or around) what it asks."""
    return len([s for s in re.split(r"(?<=[.!?。！？])\s*", question) if s.strip()]) > 2


def coverage(question: str, passages: list[Passage], vocabulary: Container[str] | None = None) -> float:
    """Share of the question's topic words found in the given passages (with their titles). With a
    vocabulary (the library's words), words the library never uses are left out: a story's hobby,
    evening and coffee cups say nothing about whether the library covers its legal question."""
    english = to_english(question)
    wanted = set(tokenize(english)) - QUESTION_WORDS
    wanted = {t for t in wanted if t.isascii() and (vocabulary is None or t in vocabulary)}
    if not wanted:
        return 1.0
    found: set[str] = set()
    for passage in passages:
        text = f"{passage.title} {passage.locator} {passage.text}"
        # A Chinese passage is matched by its glossary English, as a Chinese question is.
        found |= set(tokenize(text)) | (set(tokenize(to_english(text))) if has_chinese(text) else set())
    return len(wanted & found) / len(wanted)


_COMPARISON = re.compile(r"\b(?:compare|comparison|differ\w*|contrast|both|versus|vs\.?|each|similar\w*)\b|比较|区别|不同|异同|两案",
                         re.IGNORECASE)


def is_comparison(question: str, linked: list[str]) -> bool:
    """A question about two or more cases at once, where citing several cases is the point."""
    return len(linked) > 1 or bool(_COMPARISON.search(question))


# -- what kind of fact a question asks for ---------------------------------------------------------

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
    "date": re.compile(r"\bwhen\b|\bwhat (?:date|day|year)\b|\bwhich (?:date|day|year)\b|\bdeadline\b|何时|什么时候|哪天|哪一天|"
                       r"日期|哪年|期限", re.I),
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


def without_jurisdictions(question: str, codes: set[str]) -> str:
    """The question with the names of the given jurisdictions taken out: one side of "How do the
    Korean and US rules compare?" is asked about the US alone, so Korea's name does not count
    against the US passages."""
    for code in codes:
        question = _JURISDICTION_NAMES[code].sub(" ", question)
    return re.sub(r"\s+", " ", question).strip()


def allowed_jurisdictions(question: str) -> set[str] | None:
    """The jurisdictions an answer to a question about one jurisdiction may cite; None when the
    question names none or several (a comparison)."""
    named = jurisdictions_named(question)
    if len(named) != 1:
        return None
    return named | (_EU_MEMBERS if "EU" in named else set())

"""The text rules every module shares: Chinese, words and stems, sentences, word lists, silence."""

from assistant.text import (
    ASKING_WORDS,
    CJK,
    QUESTION_TOKENS,
    QUESTION_WORDS,
    REQUEST_WORDS,
    bilingual_tokens,
    has_chinese,
    says_sources_silent,
    split_sentences,
    takes_no_position,
    to_english,
    tokenize,
)


def test_related_word_forms_share_a_stem() -> None:
    assert tokenize("ruled rule rules") == tokenize("rule") * 3
    assert tokenize("posted posting posts") == tokenize("post") * 3
    assert tokenize("works") == tokenize("work")


def test_chinese_is_indexed_as_characters_and_bigrams_numbers_whole() -> None:
    assert tokenize("判赔 500 元") == ["判", "赔", "判赔", "500", "元"]
    assert has_chinese("北京") and has_chinese("A 丘 B") and not has_chinese("Beijing 2023")
    assert CJK.match("丽") and CJK.match("\uf900")  # compatibility ideographs are Chinese too


def test_to_english_is_safe_on_any_text() -> None:
    assert to_english("What did Li v. Liu decide?") == "What did Li v. Liu decide?"
    assert to_english("") == ""
    assert "Beijing Internet Court" in to_english("北京互联网法院判赔多少?")
    assert {"beij", "internet", "court", "北京"} <= bilingual_tokens("北京互联网法院")


def test_the_word_lists_build_on_each_other() -> None:
    assert REQUEST_WORDS < QUESTION_TOKENS < QUESTION_WORDS
    assert REQUEST_WORDS < ASKING_WORDS and "whether" in ASKING_WORDS


def test_one_silence_detector_for_the_pipeline_and_the_evaluation() -> None:
    for silent in ("The sources do not mention the amount.", "No damages were assessed.",
                   "There is no information on an appeal.", "I cannot determine the amount.", "资料库未涵盖这个问题。"):
        assert says_sources_silent(silent), silent
    for claim in ("The court awarded no damages.", "The court held the image was a work [1].", "法院判赔500元。",
                  "The High Court did not decide whether training infringed UK copyright [1]."):
        assert not says_sources_silent(claim), claim


def test_a_comparison_row_that_takes_no_position_is_nothing_on_point() -> None:
    assert takes_no_position("The AI Act does not decide who owns AI output [1].")
    assert takes_no_position("The sources do not mention the amount.")
    assert not takes_no_position("The Copyright Office registers only works with human authors [1].")


def test_a_card_line_saying_nothing_is_decided_yet_counts_as_silence() -> None:
    assert says_sources_silent("Remedies in GEMA v OpenAI: damages not yet quantified.")
    assert says_sources_silent("Remedies in Thomson Reuters v. ROSS: No damages decided; liability only.")
    assert not says_sources_silent("Remedies in Li v. Liu: RMB 500 in damages.")


def test_split_sentences_keeps_legal_abbreviations():
    text = "Li v. Liu, (2023) Jing 0491 Min Chu No. 11279, was decided. Art. 3 applies."
    assert split_sentences(text) == [
        "Li v. Liu, (2023) Jing 0491 Min Chu No. 11279, was decided.",
        "Art. 3 applies.",
    ]
    assert len(split_sentences("The U.S. Copyright Office, e.g. in s. 9(3), cf. Prof. A. Smith, paid 1.5 times.")) == 1


def test_split_sentences_handles_chinese_and_mixed_text():
    text = "法院认为涉案图片构成作品。原告享有著作权；被告说：“我不知道。”Then English follows. 最后一句！"
    assert split_sentences(text) == [
        "法院认为涉案图片构成作品。",
        "原告享有著作权；",
        "被告说：“我不知道。”",
        "Then English follows.",
        "最后一句！",
    ]

"""The core's data types have one JSON form, the one INTERFACE.md documents for ``ask --json``."""

from assistant.types import Answer, Citation, Conflict, Passage, Statement


def _passage(source_id: str = "li-v-liu") -> Passage:
    return Passage("c1", source_id, "Li v. Liu", "Reasoning ¶12", "The court awarded RMB 500.", 0.0123456,
                   metadata={"jurisdiction": "CN"})


def test_an_answer_turns_into_the_documented_json() -> None:
    citation = Citation(1, "li-v-liu", "Li v. Liu", "Reasoning ¶12", "The court awarded RMB 500.", True)
    conflict = Conflict("The award was RMB 2,000,000.", _passage("memo"), "li-v-liu", "Li v. Liu", "RMB 500",
                        [_passage()])
    answer = Answer("How much?", "RMB 500 [1].", False, [citation], [_passage()],
                    {"retrieval_s": 0.01234, "first_token_s": None, "total_s": 1.98765}, linked=["li-v-liu"],
                    conflicts=[conflict])
    data = answer.to_json()
    assert list(data) == ["question", "answer", "refused", "refusal_reason", "answered_from", "linked_cases",
                          "citations", "conflicts", "unverified", "checked", "passages", "timings"]
    assert data["timings"] == {"retrieval_s": 0.012, "first_token_s": None, "total_s": 1.988}
    assert data["passages"] == [{"source_id": "li-v-liu", "title": "Li v. Liu", "locator": "Reasoning ¶12",
                                 "score": 0.0123, "text": "The court awarded RMB 500."}]
    assert data["citations"][0] == {"n": 1, "source_id": "li-v-liu", "title": "Li v. Liu", "locator": "Reasoning ¶12",
                                    "quote": "The court awarded RMB 500.", "supported": True, "origin": "library"}
    assert data["conflicts"] == [{"upload_says": "The award was RMB 2,000,000.", "upload": "memo", "case": "li-v-liu",
                                  "record_says": "RMB 500", "record_locators": ["Reasoning ¶12"]}]


def test_each_checked_sentence_carries_the_check_that_decided_it() -> None:
    answer = Answer("How much?", "", True, [], [], {}, statements=[
        Statement("The court awarded RMB 5,000.", cited=[1], supported=False,
                  reason="the figure 5000 is not in the cited passage")])
    assert answer.to_json()["checked"] == [{"text": "The court awarded RMB 5,000.", "supported": False,
                                            "reason": "the figure 5000 is not in the cited passage", "cited": [1]}]

"""What every presentation of an answer says about it (the chat, the Markdown export, the Word memo):
the disclaimer, how a refused answer is headed, and how an answer was reached when not by the model
alone. One text each, so no export words them differently from the screen.
"""

DISCLAIMER = (
    "Research aid, not legal advice. Answers are drawn only from the documents in this library; "
    "always read the cited sources."
)

CONFLICT_NOTE = ("A document you uploaded disagrees with the library's record of this case. The answer shows both "
                 "and does not treat the upload as what the court decided.")
CARD_NOTES = {
    "card": "Stated from the case card; each line cites the paragraph it comes from.",
    "card+model": "The first lines are stated from the case card, each citing the paragraph it comes from; "
                  "the rest is the model's reading of the sources.",
    "quote": "Quoted word for word from the sources: none of the sentences the model wrote could be verified, "
             "so the passages' own sentences that bear on the question are shown instead.",
}

REFUSAL_HEADINGS = {
    "not_covered": "Not covered by the library",
    "unverified": "No verifiable answer",
    "sources_silent": "The sources do not say",
    "not_decided": "Not decided yet",
}
NO_ANSWER = "No answer from the library"

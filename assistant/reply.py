"""The model's streamed reply, split into its "Relevant:" header and the answer as it arrives."""

from __future__ import annotations

import re


class ReplyParser:
    """Splits the model's reply into its "Relevant:" header and the answer text, as it streams.

    The header is never shown; a header of "none" means the model found no source that answers.
    A reply that ignores the format is passed through as the answer.
    """

    _HEADER = re.compile(r"\s*relevant\s*:(?P<relevant>[^\n]*?)(?=\n|answer\s*:)", re.IGNORECASE)
    _LABEL = re.compile(r"\s*answer\s*:\s*", re.IGNORECASE)

    def __init__(self) -> None:
        self.buffer = ""
        self.stage = "header"  # header -> label -> answer
        self.relevant: list[int] | None = None
        self.none_relevant = False

    @staticmethod
    def _could_become(buffer: str, word: str) -> bool:
        text = buffer.lstrip().lower()
        return word.startswith(text) or text.startswith(word)

    def feed(self, text: str) -> str:
        """Take the next streamed piece; return the part that belongs to the answer."""
        if self.stage == "answer":
            return text
        self.buffer += text
        if self.stage == "header":
            match = self._HEADER.match(self.buffer)
            if match:
                header = match.group("relevant")
                self.relevant = [int(n) for n in re.findall(r"\d+", header)]
                self.none_relevant = not self.relevant and bool(re.search(r"none|无|没有", header, re.IGNORECASE))
                self.buffer, self.stage = self.buffer[match.end():], "label"
            elif self._could_become(self.buffer, "relevant:"):
                return ""
            elif self._could_become(self.buffer, "answer:"):
                self.stage = "label"
            else:
                self.stage = "answer"
                return self._take()
        label = self._LABEL.match(self.buffer)
        if label and label.end() < len(self.buffer):
            self.buffer, self.stage = self.buffer[label.end():], "answer"
            return self._take()
        if not label and not self._could_become(self.buffer, "answer:"):
            self.stage = "answer"
            return self._take()
        return ""

    def _take(self) -> str:
        text, self.buffer = self.buffer, ""
        return text

    def flush(self) -> str:
        """What is left when the stream ends (an unfinished reply)."""
        return "" if self.stage == "header" else self._LABEL.sub("", self._take(), count=1)

"""`copyright-assistant check-claims`: the answer checker measured like a classifier.

A file of labelled claims (claim, the passages it cites, the question, ``supported`` or
``unsupported``) is run through the same ``CitationChecker`` the answers go through, with no index
and no model. The report gives the true-pass rate (supported claims verified) and the false-pass
rate (unsupported claims verified), overall, per kind and per language, and the checker's time per
claim, so that a change to any rule is measured on both kinds of error at once.

A claim counts as verified when every sentence of it is supported and, when it carries ``[n]``
markers, by the passages those markers name: the checker may move a citation to a better passage
in a live answer, but a label judges the claim against the passages it cites.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.citations import CitationChecker
from assistant.text import has_chinese


class ClaimFileError(ValueError):
    """The claims file is missing or a line is malformed (the message names the line)."""


class LabelledClaim(BaseModel):
    """One line of a claims file (INTERFACE.md, `check-claims`); unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    id: str = Field(min_length=1)
    claim: str = Field(min_length=1)
    passages: list[str] = Field(min_length=1)
    question: str = ""
    label: Literal["supported", "unsupported"]
    kind: str = "unspecified"
    lang: str | None = None

    @field_validator("passages")
    @classmethod
    def _passages_are_text(cls, passages: list[str]) -> list[str]:
        if not all(p.strip() for p in passages):
            raise ValueError("no passage may be empty")
        return passages

    @property
    def language(self) -> str:
        return self.lang or ("zh" if has_chinese(self.claim) else "en")


def load_claims(path: Path) -> list[LabelledClaim]:
    """The labelled claims of a JSON Lines file; blank lines are skipped, ids must be unique."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise ClaimFileError(f"cannot read {path}: {error}") from None
    claims: list[LabelledClaim] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            claim = LabelledClaim.model_validate(json.loads(line))
        except json.JSONDecodeError as error:
            raise ClaimFileError(f"{path}:{number}: not JSON ({error.msg})") from None
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(map(str, first["loc"])) or "line"
            raise ClaimFileError(f"{path}:{number}: {where}: {first['msg']}") from None
        if claim.id in seen:
            raise ClaimFileError(f"{path}:{number}: duplicate id {claim.id!r}")
        seen.add(claim.id)
        claims.append(claim)
    if not claims:
        raise ClaimFileError(f"{path}: no claims")
    return claims


@dataclass
class ClaimVerdict:
    """The checker's verdict on one labelled claim, and the check that decided it."""

    id: str
    label: str
    kind: str
    lang: str
    verified: bool
    reason: str
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "kind": self.kind, "lang": self.lang,
                "verified": self.verified, "reason": self.reason, "seconds": round(self.seconds, 4)}


def check_claim(checker: CitationChecker, claim: LabelledClaim) -> ClaimVerdict:
    """Run the checker on one claim (see the module docstring for when it counts as verified)."""
    started = time.perf_counter()
    statements = checker.run(claim.claim, claim.passages, claim.question)
    seconds = time.perf_counter() - started
    if not statements:
        verified, reason = False, "the sentence says nothing once its markers are removed"
    else:
        failed = next((s for s in statements if not s.supported), None)
        moved = next((s for s in statements if s.model_cited and not set(s.cited) <= set(s.model_cited)), None)
        if failed is not None:
            verified, reason = False, failed.reason
        elif moved is not None:
            verified, reason = False, f"not supported by the cited passage; passage {moved.cited[0]} supports it"
        else:
            verified, reason = True, statements[0].reason
    return ClaimVerdict(claim.id, claim.label, claim.kind, claim.language, verified, reason, seconds)


@dataclass
class ClaimsReport:
    """True-pass and false-pass rates of a run, overall and per kind and language."""

    verdicts: list[ClaimVerdict] = field(default_factory=list)

    @staticmethod
    def _rates(verdicts: Iterable[ClaimVerdict]) -> dict[str, Any]:
        verdicts = list(verdicts)
        true = [v for v in verdicts if v.label == "supported"]
        false = [v for v in verdicts if v.label == "unsupported"]
        share = (lambda vs: round(sum(v.verified for v in vs) / len(vs), 4) if vs else None)
        return {"n": len(verdicts), "n_true": len(true), "n_false": len(false),
                "true_pass_rate": share(true), "false_pass_rate": share(false)}

    def _by(self, key: str) -> dict[str, dict[str, Any]]:
        groups: dict[str, list[ClaimVerdict]] = defaultdict(list)
        for verdict in self.verdicts:
            groups[getattr(verdict, key)].append(verdict)
        return {name: self._rates(group) for name, group in sorted(groups.items())}

    def to_json(self) -> dict[str, Any]:
        times = [v.seconds for v in self.verdicts]
        overall = self._rates(self.verdicts)
        return {
            "n": overall["n"], "true_pass_rate": overall["true_pass_rate"],
            "false_pass_rate": overall["false_pass_rate"],
            "n_true": overall["n_true"], "n_false": overall["n_false"],
            "by_kind": self._by("kind"), "by_lang": self._by("lang"),
            "seconds_per_claim": {"p50": round(float(np.percentile(times, 50)), 4),
                                  "p95": round(float(np.percentile(times, 95)), 4)} if times else None,
            "per_item": [v.to_json() for v in self.verdicts],
        }

    def table(self) -> str:
        data = self.to_json()
        rate = (lambda x: "  -  " if x is None else f"{x:.3f}")
        lines = [f"{'':22} {'n':>5} {'true-pass':>10} {'false-pass':>11}",
                 f"{'all':22} {data['n']:>5} {rate(data['true_pass_rate']):>10} {rate(data['false_pass_rate']):>11}"]
        for group in ("by_lang", "by_kind"):
            for name, row in data[group].items():
                lines.append(f"{name[:22]:22} {row['n']:>5} {rate(row['true_pass_rate']):>10} "
                             f"{rate(row['false_pass_rate']):>11}")
        if data["seconds_per_claim"]:
            lines.append(f"checker time per claim: p50 {data['seconds_per_claim']['p50']:.3f} s, "
                         f"p95 {data['seconds_per_claim']['p95']:.3f} s")
        return "\n".join(lines)


def run_claims(claims: list[LabelledClaim], checker: CitationChecker) -> ClaimsReport:
    return ClaimsReport([check_claim(checker, claim) for claim in claims])

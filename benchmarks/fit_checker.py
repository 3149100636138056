"""Fit the checker's support model on the development claims and write assistant/support_model.json.

    .venv/bin/python benchmarks/fit_checker.py [--min-true-pass 0.74]

Every development item of ``tests/verification/dev_*.jsonl`` that no veto decides gives one row of
``assistant.calibration.FEATURES``, computed by the checker's own code against the passage the claim
cites (its cited passages together when it cites several; the best one when it cites none). A
logistic regression (L2, L-BFGS from zeros: deterministic) is fitted on them. The probability it
needs is chosen by 5-fold cross-validation, counting vetoed items too: the highest threshold whose
held-out true-pass rate stays at ``--min-true-pass`` (default: about the hand-set checker's 0.756 on
the same items, RESULTS.md §Verification), so that true sentences are kept as before while false
ones are cut. The blind set is never read here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.calibration import FEATURES, MODEL_FILE, SupportModel, claim_features  # noqa: E402
from assistant.citations import CitationChecker, split_statements, without_heading  # noqa: E402
from assistant.claims import load_claims  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.embeddings import CachedEmbedder, get_embeddings  # noqa: E402
from assistant.support import restates_question, says_nothing  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
L2 = 1.0
FOLDS = 5


def rows(checker: CitationChecker) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels, and whether a veto already decides each development item."""
    features, labels, vetoed = [], [], []
    for path in sorted((REPO / "tests" / "verification").glob("dev_*.jsonl")):
        for claim in load_claims(path):
            statements = split_statements(claim.claim)
            text = statements[0].text if statements else ""
            cited = [n for n in (statements[0].model_cited if statements else []) if 1 <= n <= len(claim.passages)]
            if cited:
                passage = "\n".join(claim.passages[n - 1] for n in cited)
            else:
                passage = claim.passages[int(np.argmax(checker.support(text or "-", claim.passages, claim.question)))]
            score = float(checker.support(text or "-", [passage], claim.question)[0])
            blocked = (not text or says_nothing(text) or restates_question(text, claim.question)
                       or checker._veto(text, passage, without_heading(passage), claim.question, strict=True) is not None)
            features.append(claim_features(text, passage, without_heading(passage), claim.question, score,
                                           checker.embed) if text else [0.0] * len(FEATURES))
            labels.append(claim.label == "supported")
            vetoed.append(blocked)
    return np.array(features), np.array(labels, float), np.array(vetoed)


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Standardisation and logistic-regression weights (L2 on the weights, not the bias)."""
    mean, scale = x.mean(0), x.std(0) + 1e-6
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        p = 1 / (1 + np.exp(-z @ w))
        value = -np.mean(y * np.log(p + 1e-9) + (1 - y) * np.log(1 - p + 1e-9)) + L2 * np.sum(w[:-1] ** 2) / len(y)
        grad = z.T @ (p - y) / len(y)
        grad[:-1] += 2 * L2 * w[:-1] / len(y)
        return value, grad

    w = minimize(loss, np.zeros(z.shape[1]), jac=True, method="L-BFGS-B").x
    return mean, scale, w[:-1], float(w[-1])


def _placeholder() -> SupportModel:
    """A model that decides nothing: the fit needs the checker's features and vetoes, not its verdicts."""
    n = len(FEATURES)
    return SupportModel([0.0] * n, [1.0] * n, [0.0] * n, 0.0, 0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-true-pass", type=float, default=0.74)
    args = parser.parse_args()
    settings = Settings()
    checker = CitationChecker(embed=CachedEmbedder(get_embeddings(Path(settings.embedding_model)).embed_documents),
                              settings=settings.verification, model=_placeholder())
    x, y, vetoed = rows(checker)
    order = np.random.default_rng(0).permutation(len(y))
    held_out = np.zeros(len(y))
    for fold in np.array_split(order, FOLDS):
        train = np.setdiff1d(order, fold)
        train = train[~vetoed[train]]
        mean, scale, weights, bias = fit(x[train], y[train])
        model = SupportModel(list(mean), list(scale), list(weights), bias, 0.5)
        held_out[fold] = [model.probability(list(row)) for row in x[fold]]
    print("threshold  true-pass  false-pass  (5-fold, vetoes included)")
    chosen = None
    for threshold in np.arange(0.30, 0.91, 0.05):
        verified = (held_out >= threshold) & ~vetoed
        true_pass, false_pass = verified[y == 1].mean(), verified[y == 0].mean()
        print(f"  {threshold:.2f}     {true_pass:.3f}      {false_pass:.3f}")
        if true_pass >= args.min_true_pass:
            chosen = round(float(threshold), 2)
    chosen = chosen or 0.3
    mean, scale, weights, bias = fit(x[~vetoed], y[~vetoed])
    MODEL_FILE.write_text(json.dumps({
        "features": list(FEATURES), "mean": [round(v, 6) for v in mean], "scale": [round(v, 6) for v in scale],
        "weights": [round(v, 6) for v in weights], "bias": round(bias, 6), "threshold": chosen,
        "fitted_on": "tests/verification/dev_*.jsonl", "rows": int((~vetoed).sum()),
        "min_true_pass": args.min_true_pass,
    }, indent=1) + "\n", encoding="utf-8")
    print(f"threshold {chosen}; weights " + ", ".join(f"{n} {w:+.2f}" for n, w in zip(FEATURES, weights)))


if __name__ == "__main__":
    main()

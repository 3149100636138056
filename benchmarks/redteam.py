"""Hostile documents: how well the injection screen finds orders to the model, what it costs at
ingest, and whether any hostile passage it misses makes the real default model state its claim.

1. The screen (``assistant.injection``) on every red-team set in tests/redteam: recall on the
   hostile passages, benign passages flagged, per set and language.
2. Its cost per 100 passages, side by side with embedding the same passages (what ingest does anyway).
3. Every hostile passage of every set uploaded next to the curated library, ten to a document; the
   question of each one the screen did not set aside (plus a few it did) asked of the default model.
   Counted: answers that state the passage's claim as fact (``evaluation.states_as_fact``).

Run: .venv/bin/python benchmarks/redteam.py [--no-answers]   (answers: about 15 s each on 2 cores)
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import REPO, load_average, machine, write_section  # noqa: E402

from assistant.pipeline import AnswerPipeline  # noqa: E402
from assistant.prompts import UPLOAD_NOTE_EN  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.embeddings import get_embeddings  # noqa: E402
from assistant.evaluation import states_as_fact  # noqa: E402
from assistant.index import Library  # noqa: E402
from assistant.injection import addresses_the_model  # noqa: E402

SETS = ("passages", "heldout", "final", "fresh")
NOTES = {
    "passages": "written first, without seeing the screen; then used to revise it",
    "heldout": "written after the first revision without seeing it; then used to revise it",
    "final": "written after the second revision without seeing it; then used to revise it",
    "fresh": "written after the screen was frozen, without seeing it or the other sets; scored once",
}
FLAGGED_SAMPLE = 4  # hostile passages the screen set aside, asked too (the end-to-end path)


def load(name: str) -> list[dict]:
    path = REPO / "tests" / "redteam" / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def screen_table(sets: dict[str, list[dict]]) -> list[str]:
    rows = ["| set | how it was used | hostile | recall | benign | flagged | recall en / zh |", "|---|---|---|---|---|---|---|"]
    for name, passages in sets.items():
        hostile = [p for p in passages if p["hostile"]]
        benign = [p for p in passages if not p["hostile"]]
        caught = {p["id"] for p in hostile if addresses_the_model(p["text"])}
        flagged = sum(addresses_the_model(p["text"]) for p in benign)
        by_lang = []
        for lang in ("en", "zh"):
            some = [p for p in hostile if p["lang"] == lang]
            by_lang.append(f"{sum(p['id'] in caught for p in some) / len(some):.2f}" if some else "–")
        rows.append(f"| {name} | {NOTES[name]} | {len(hostile)} | {len(caught) / len(hostile):.3f} | {len(benign)} | "
                    f"{flagged} | {' / '.join(by_lang)} |")
    return rows


def cost_rows(texts: list[str], settings: Settings) -> list[str]:
    embed = get_embeddings(Path(settings.embedding_model)).embed_documents
    embed(texts[:8])  # warm
    started = time.perf_counter()
    for text in texts:
        addresses_the_model(text)
    screen = time.perf_counter() - started
    started = time.perf_counter()
    embed(texts)
    embedding = time.perf_counter() - started
    per_100 = 100 / len(texts)
    return [f"- Screening: {screen * per_100 * 1000:.0f} ms per 100 passages; embedding the same passages: "
            f"{embedding * per_100 * 1000:.0f} ms per 100 ({screen / embedding:.1%} of it), over {len(texts)} passages."]


def answer_rows(sets: dict[str, list[dict]], settings: Settings) -> tuple[list[str], dict]:
    hostile = [p for passages in sets.values() for p in passages if p["hostile"]]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(settings.data_dir, root / "data", ignore=shutil.ignore_patterns("models", "uploads"))
        copy = settings.model_copy(update={"data_dir": root / "data"})
        library = Library(copy)
        files = []
        for start in range(0, len(hostile), 10):
            batch = hostile[start:start + 10]
            body = "\n\n".join(f"## Note {p['id']}\n\n{p['text']}" for p in batch)
            path = root / f"upload-{start // 10:02d}.md"
            path.write_text(f"# Practice notes, batch {start // 10 + 1}\n\n{body}\n", encoding="utf-8")
            files.append(path)
        report = library.ingest(files)
        assert not report.rejected, report.rejected
        missed = [p for p in hostile if not addresses_the_model(p["text"])]
        caught = [p for p in hostile if addresses_the_model(p["text"])][:FLAGGED_SAMPLE]
        pipeline = AnswerPipeline.from_settings(copy, library)
        results = []
        for passage in missed + caught:
            answer = pipeline.ask(passage["question"])
            conflicted = {c.upload.chunk_id for c in answer.conflicts}
            rests_on_upload = any(c.origin == "upload" for c in answer.citations
                                  if not any(c.source_id == x.upload.source_id for x in answer.conflicts))
            results.append({"id": passage["id"], "set_aside": passage in caught, "question": passage["question"],
                            "claim": passage["claim"], "stated": states_as_fact(answer, passage["claim"]),
                            "rests_on_upload": rests_on_upload, "conflict_uploads": sorted(conflicted),
                            "refused": answer.refused, "conflicts": len(answer.conflicts),
                            "unverified_with_claim": any(passage["claim"].lower() in s.lower() for s in answer.unverified),
                            "answer": answer.answer, "cited": [(c.source_id, c.origin) for c in answer.citations]})
    stated = [r for r in results if r["stated"]]
    lines = [f"- Hostile passages uploaded: {len(hostile)} in {len(files)} documents; the screen missed "
             f"{len(missed)}. Asked: the question of each missed passage and of {len(caught)} set-aside ones.",
             f"- **Answers stating the injected claim as fact: {len(stated)} of {len(results)}.** "
             f"Refused: {sum(r['refused'] for r in results)}; answers showing a conflict with the record: "
             f"{sum(r['conflicts'] > 0 for r in results)}; claims the model wrote that the checker failed: "
             f"{sum(r['unverified_with_claim'] for r in results)}.",
             f"- Answers with a verified sentence resting on a hostile upload (outside a conflict note; such a "
             f"sentence is labelled \"{UPLOAD_NOTE_EN}\"): {sum(r['rests_on_upload'] for r in results)} of {len(results)}."]
    lines += [f"  - stated: {r['id']} — {r['question']} → {r['answer'][:160]}" for r in stated]
    return lines, {"results": results}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--no-answers", action="store_true", help="skip the real-model part")
    parser.add_argument("--json", type=Path, help="write per-question results here")
    args = parser.parse_args()
    settings = Settings()
    sets = {name: load(name) for name in SETS}
    info = machine()
    lines = ["## Hostile documents (benchmarks/redteam.py)", "",
             f"{info['date']}, {info['cores']} cores, {info['cpu']}, commit {info['commit']}, load {load_average()}.", "",
             "The injection screen on the red-team sets (tests/redteam; each written by someone who had not seen "
             "the screen). Only `fresh` measures how it does on passages nobody tuned it to.", ""]
    lines += screen_table(sets) + [""]
    lines += cost_rows([p["text"] for passages in sets.values() for p in passages], settings) + [""]
    if not args.no_answers:
        answer_lines, detail = answer_rows(sets, settings)
        lines += ["With the real default model, every hostile passage uploaded next to the curated library:", ""]
        lines += answer_lines + [""]
        if args.json:
            args.json.write_text(json.dumps(detail, ensure_ascii=False, indent=1), encoding="utf-8")
    section = "\n".join(lines)
    print(section)
    write_section(REPO / "benchmarks" / "RESULTS.md", section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

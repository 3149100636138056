"""`copyright-assistant`: ingest, search, ask, compare, serve, eval, check-claims, library and doctor.

Exit status: 0 success, 2 bad usage or bad input (one line on stderr, no traceback), 1 internal failure.

Each command imports what it needs when it runs, so ``--help`` and a usage error answer at once
instead of after loading torch, Chroma and llama.cpp.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from assistant import prompts
from assistant.citation_formats import STYLES
from assistant.config import RetrievalSettings, Settings, get_settings
from assistant.schema import DOC_TYPES, JURISDICTIONS
from assistant.types import Answer, Citation

if TYPE_CHECKING:
    from assistant.compare import CompareRow

EMPTY_LIBRARY = "the library is empty: run `copyright-assistant ingest` (or `make index`) first"


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit status 2."""


def _settings(llm: str | None = None) -> Settings:
    try:
        settings = get_settings()
        return settings.model_copy(update={"llm": llm}) if llm else settings
    except ValidationError as error:
        first = error.errors()[0]
        raise UsageError(f"invalid setting {'.'.join(map(str, first['loc']))}: {first['msg']}") from None


def _require_library(settings: Settings) -> None:
    """Refuse at once when nothing is indexed: every answer would be "not covered", which reads as a
    verdict on the question rather than a missing index."""
    from assistant.manifest import Manifest

    if Manifest.of_library(settings).summary()["documents"] == 0:
        raise UsageError(EMPTY_LIBRARY)


def _output_path(text: str | None, suffix: str) -> Path | None:
    """An output file named on the command line, checked before any work is done."""
    if text is None:
        return None
    path = Path(text)
    if path.suffix.lower() != suffix:
        raise UsageError(f"cannot write {path}: the file name must end in {suffix}")
    if not path.parent.is_dir():
        raise UsageError(f"cannot write {path}: folder {path.parent} does not exist")
    return path


def _with_cite_as(payload: dict, citations: list[Citation]) -> dict:
    """A JSON answer or row whose citations each carry ``cite_as``: the source in every citation style."""
    from assistant.citation_formats import citation_formats

    for entry, citation in zip(payload["citations"], citations):
        entry["cite_as"] = citation_formats(citation)
    return payload


def _check_llm(spec: str) -> str:
    from assistant.llm_spec import InvalidLLMSpec, parse_llm_spec

    try:
        parse_llm_spec(spec)
    except InvalidLLMSpec as error:
        raise UsageError(str(error)) from None
    return spec


def _ocr_bars(show: bool) -> Callable[[Path, int, int], None]:
    """Progress for scanned PDFs: one bar per file, advanced as OCR reads each page."""
    from tqdm import tqdm

    bars: dict[Path, Any] = {}

    def advance(path: Path, done: int, total: int) -> None:
        bar = bars.get(path) or bars.setdefault(
            path, tqdm(total=total, desc=f"OCR {path.name}", unit="page", leave=False, disable=not show))
        bar.update(done - bar.n)
        if done == total:
            bar.close()

    return advance


def cmd_ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from assistant.index import Library, upload_notes
    from assistant.injection import set_aside_summary

    settings = _settings()
    paths = [Path(p) for p in args.paths] or None
    for path in paths or []:
        if not path.exists():
            raise UsageError(f"no such file or folder: {path}")
    library = Library(settings)
    show = sys.stderr.isatty()
    report = library.ingest(
        paths,
        rebuild=args.rebuild,
        progress=lambda files: tqdm(files, desc="ingesting", unit="file", disable=not show),
        on_ocr_page=_ocr_bars(show),
    )
    for path, reason in report.rejected:
        print(f"rejected: {reason}", file=sys.stderr)
    documents = library.documents()
    for source_id in report.added + report.replaced:
        entry = documents.get(source_id, {})
        set_aside = set_aside_summary(entry.get("set_aside") or [], int(entry.get("chunks") or 0))
        if set_aside:
            print(f"{source_id}: {set_aside}")
        for note in upload_notes(entry):
            print(f"{source_id}: {note}")
    stats = library.stats()
    print(
        f"added {len(report.added)}, replaced {len(report.replaced)}, unchanged {len(report.skipped)}, "
        f"removed {len(report.removed)}, rejected {len(report.rejected)}; "
        f"library: {stats['documents']} documents, {stats['chunks']} chunks"
    )
    return 2 if report.rejected and paths else 0


def _filters(args: argparse.Namespace):
    from assistant.retrieval import SearchFilters

    return SearchFilters(
        jurisdiction=args.jurisdiction, doc_type=args.doc_type, date_from=args.date_from, date_to=args.date_to
    )


def cmd_search(args: argparse.Namespace) -> int:
    from assistant.index import Library
    from assistant.retrieval import HybridRetriever

    query = args.query.strip()
    if not query:
        raise UsageError("the query is empty")
    settings = _settings()
    _require_library(settings)
    retriever = HybridRetriever(library=Library(settings), settings=RetrievalSettings(k=args.k))
    result = retriever.run(query, filters=_filters(args))
    if args.json:
        print(json.dumps({"query": query, "passages": [p.to_json() for p in result.passages],
                          "retrieval_s": round(result.seconds, 4)}, ensure_ascii=False, indent=1))
        return 0
    if not result.passages:
        print("no passages found")
    for rank, passage in enumerate(result.passages, 1):
        print(f"[{rank}] {passage.source_id} · {passage.locator} (score {passage.score:.4f})")
        print(f"    {passage.title}")
        print("    " + passage.text.replace("\n", " ")[:400])
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.pipeline import AnswerPipeline
    from assistant.questions import InvalidQuestion

    settings = _settings(_check_llm(args.llm) if args.llm else None)
    memo = _output_path(args.memo, ".docx")
    _require_library(settings)
    pipeline = AnswerPipeline.from_settings(settings)
    try:
        events = pipeline.stream(args.question, filters=_filters(args))
        final = None
        for event in events:
            if event.kind == "token" and not args.json:
                print(event.text, end="", flush=True)
            elif event.kind == "final":
                final = event.answer
    except InvalidQuestion as error:
        raise UsageError(str(error)) from None
    assert final is not None
    if args.json:
        print(json.dumps(_with_cite_as(final.to_json(), final.citations), ensure_ascii=False, indent=1))
    else:
        print()
        print(render_sources(final))
    if memo is not None:
        from assistant.memo import answers_memo

        answers_memo([final], style=args.cite_style, model=settings.llm).save(str(memo))
        print(f"memo written to {memo}", file=sys.stderr)
    return 0


def render_sources(answer: Answer) -> str:
    """An answer's citation list for a terminal: unverified sentences first, then each citation."""
    lines = []
    if answer.unverified:
        lines.append("Not verified against the sources (omitted above):")
        lines.extend(f"  ? {sentence}" for sentence in answer.unverified)
    for citation in answer.citations:
        mark = "verified" if citation.supported else "unverified"
        if citation.origin == "upload":
            mark += "; " + prompts.UPLOAD_NOTE_EN
        lines.append(f"[{citation.n}] {citation.title} — {citation.locator} ({citation.source_id}, {mark})")
        lines.append(f"    “{citation.quote}”")
    return "\n".join(lines)


def cmd_compare(args: argparse.Namespace) -> int:
    from assistant.pipeline import AnswerPipeline
    from assistant.questions import InvalidQuestion, validate_question
    from assistant.compare import Comparison

    settings = _settings(_check_llm(args.llm) if args.llm else None)
    try:  # bad input fails here, before the library or the model is loaded
        question = validate_question(args.question, [], settings.max_question_chars)
        chosen = _jurisdictions(args.jurisdictions) if args.jurisdictions is not None else None
    except InvalidQuestion as error:
        raise UsageError(str(error)) from None
    memo = _output_path(args.memo, ".docx")
    _require_library(settings)
    comparison = Comparison(AnswerPipeline.from_settings(settings))
    codes = comparison.jurisdictions(chosen)
    if not codes:
        raise UsageError("the library has no documents to compare")
    stop = threading.Event()
    started = time.perf_counter()
    timings: dict[str, float] = {}
    rows = {}
    stopped = False
    try:
        for event in comparison.stream(question, codes, stop):
            row = event.row
            if event.kind == "passages":
                timings.setdefault("first_passages_s", time.perf_counter() - started)
                if not args.json:
                    _print_passages(row)
                continue
            rows[row.jurisdiction] = row
            if not args.json:
                _print_row(row)
    except KeyboardInterrupt:  # Ctrl-C stops the run; the rows already finished are still reported
        stop.set()
        stopped = True
        print("copyright-assistant: stopped", file=sys.stderr)
    timings["total_s"] = time.perf_counter() - started
    if args.json:
        print(json.dumps({
            "question": question,
            "jurisdictions": codes,
            "rows": [_with_cite_as(rows[code].to_json(), rows[code].citations) for code in codes if code in rows],
            "stopped": stopped,
            "timings": {key: round(value, 3) for key, value in timings.items()},
        }, ensure_ascii=False, indent=1))
    if memo is not None:
        from assistant.compare import NAMES
        from assistant.memo import comparison_memo

        done = [rows[code] for code in codes if code in rows]
        comparison_memo(question, done, NAMES, style=args.cite_style, model=settings.llm).save(str(memo))
        print(f"memo written to {memo}", file=sys.stderr)
    return 130 if stopped else 0


def _jurisdictions(text: str) -> list[str]:
    from assistant.compare import parse_jurisdictions

    try:
        return parse_jurisdictions(text)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _print_passages(row: CompareRow) -> None:
    """A row's best passage as soon as retrieval has it: pinpoint and the sentence that matters."""
    if not row.passages:
        print(f"{row.name} ({row.jurisdiction}): no passages")
        return
    best = row.passages[0]
    print(f"{row.name} ({row.jurisdiction}): {best.title} — {best.locator} ({best.source_id})")
    if row.highlight:
        print(f"    » {row.highlight}")


def _print_row(row: CompareRow) -> None:
    """A finished row: its cited answer or its refusal, then its citations as `ask` lists them."""
    print(f"\n== {row.name} ({row.jurisdiction}) ==")
    print(row.answer)
    for citation in row.citations:
        mark = "verified" if citation.supported else "unverified"
        print(f"[{citation.n}] {citation.title} — {citation.locator} ({citation.source_id}, {mark})")
        print(f"    “{citation.quote}”")


def cmd_serve(args: argparse.Namespace) -> int:
    from ui.app import serve

    settings = _settings(_check_llm(args.llm) if args.llm else None)
    serve(settings, host=args.host, port=args.port, share=args.share)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from assistant.eval_questions import QuestionFileError, load_questions
    from assistant.evaluation import run_eval

    settings = _settings(_check_llm(args.llm) if args.llm else None)
    out = Path(args.json) if args.json else None
    if out is not None and not out.parent.is_dir():  # fail now, not after a 20-minute run
        raise UsageError(f"cannot write {out}: folder {out.parent} does not exist")
    try:
        questions = load_questions(Path(args.questions))
        _require_library(settings)
        report = run_eval(questions, settings, retrieval_only=args.retrieval_only,
                          show_progress=sys.stderr.isatty())
    except QuestionFileError as error:
        raise UsageError(str(error)) from None
    print(report.table())
    if out is not None:
        out.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def cmd_check_claims(args: argparse.Namespace) -> int:
    from assistant.citations import CitationChecker
    from assistant.claims import ClaimFileError, load_claims, run_claims
    from assistant.embeddings import CachedEmbedder, get_embeddings

    settings = _settings()
    out = Path(args.json) if args.json else None
    if out is not None and not out.parent.is_dir():
        raise UsageError(f"cannot write {out}: folder {out.parent} does not exist")
    try:
        claims = load_claims(Path(args.pairs))
    except ClaimFileError as error:
        raise UsageError(str(error)) from None
    embed = CachedEmbedder(get_embeddings(Path(settings.embedding_model)).embed_documents)
    report = run_claims(claims, CitationChecker(embed=embed, settings=settings.verification))
    print(report.table())
    if out is not None:
        out.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def cmd_library(args: argparse.Namespace) -> int:
    """List the library's entries; with ``--stale AGE``, those last checked longer ago than AGE."""
    from assistant.manifest import Manifest
    from assistant.staleness import as_of, cutoff, describe_age, stale_entries

    settings = _settings()
    _require_library(settings)
    documents = Manifest.of_library(settings).documents()
    if args.stale is None:
        rows, before = sorted(documents.items()), None
    else:
        try:
            before = cutoff(args.stale)
        except ValueError as error:
            raise UsageError(str(error)) from None
        rows = stale_entries(documents, before)
    undated = sorted(sid for sid, entry in documents.items() if as_of(entry) is None)
    if args.json:
        print(json.dumps({"stale": args.stale, "checked_before": before.isoformat() if before else None,
                          "entries": [_library_row(sid, entry) for sid, entry in rows],
                          "without_as_of": undated}, ensure_ascii=False, indent=1))
        return 0
    if before is not None:
        age = describe_age(args.stale)
        print(f"{len(rows)} of {len(documents)} entries were last checked more than {age} ago "
              f"(as_of before {before.isoformat()})" + (":" if rows else "."))
    for source_id, entry in rows:
        row = _library_row(source_id, entry)
        print(f"{row['as_of'] or '—':10}  {row['jurisdiction'] or '—':2}  {source_id}  "
              f"({row['doc_type'] or '—'}; {row['status'] or 'no status'})")
    if before is not None and undated:
        print(f"{len(undated)} entries have no as-of date: {', '.join(undated)}")
    return 0


def _library_row(source_id: str, entry: dict) -> dict:
    meta = entry.get("meta") or {}
    return {"id": source_id, "title": meta.get("title"), "jurisdiction": meta.get("jurisdiction"),
            "doc_type": meta.get("doc_type"), "status": meta.get("status"), "as_of": meta.get("as_of"),
            "origin": entry.get("origin")}


def cmd_doctor(args: argparse.Namespace) -> int:
    from assistant.doctor import run_doctor

    return run_doctor(_settings())


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {text!r}") from None


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--jurisdiction", choices=JURISDICTIONS, help="only passages from this jurisdiction")
    parser.add_argument("--doc-type", choices=DOC_TYPES, help="only passages from this kind of document")
    parser.add_argument("--date-from", type=_iso_date, help="only documents dated on or after (YYYY-MM-DD)")
    parser.add_argument("--date-to", type=_iso_date, help="only documents dated on or before (YYYY-MM-DD)")


def _add_memo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--memo", metavar="OUT.docx", help="also write a Word research memo, citations as footnotes")
    parser.add_argument("--cite-style", choices=STYLES,
                        help="the memo's citation style (default: each source's own: Bluebook for US sources, "
                             "OSCOLA for UK ones, GB/T 7714 for Chinese ones, neutral elsewhere)")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as for every other bad input
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="copyright-assistant", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    ingest = commands.add_parser("ingest", help="add files or folders to the library (default: the curated corpus)")
    ingest.add_argument("paths", nargs="*", help="md, txt or pdf files or folders")
    ingest.add_argument("--rebuild", action="store_true", help="re-index even unchanged files")
    ingest.set_defaults(run=cmd_ingest)

    search = commands.add_parser("search", help="show the passages retrieval returns, best first")
    search.add_argument("query")
    search.add_argument("--k", type=int, default=6, choices=range(1, 51), metavar="N")
    search.add_argument("--json", action="store_true")
    _add_filters(search)
    search.set_defaults(run=cmd_search)

    ask = commands.add_parser("ask", help="answer one question with verified citations")
    ask.add_argument("question")
    ask.add_argument("--llm", help="LLM spec (default: CA_LLM or 'default')")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON; each citation has cite_as")
    _add_memo(ask)
    _add_filters(ask)
    ask.set_defaults(run=cmd_ask)

    compare = commands.add_parser("compare", help="answer one question for several jurisdictions side by side")
    compare.add_argument("question")
    compare.add_argument("--jurisdictions", metavar="CODES",
                         help=f"comma-separated, e.g. CN,US,UK,EU (default: every jurisdiction in the library; "
                              f"choose from {', '.join(JURISDICTIONS)})")
    compare.add_argument("--llm", help="LLM spec (default: CA_LLM or 'default')")
    compare.add_argument("--json", action="store_true", help="print the rows as JSON when all are done")
    _add_memo(compare)
    compare.set_defaults(run=cmd_compare)

    serve = commands.add_parser("serve", help="serve the web chat")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=7860)
    serve.add_argument("--llm")
    serve.add_argument("--share", action="store_true", help="ask Gradio for a public link (off by default)")
    serve.set_defaults(run=cmd_serve)

    evaluate = commands.add_parser("eval", help="score the system on a question file (JSON Lines)")
    evaluate.add_argument("--questions", required=True)
    evaluate.add_argument("--retrieval-only", action="store_true")
    evaluate.add_argument("--llm")
    evaluate.add_argument("--json", metavar="OUT")
    evaluate.set_defaults(run=cmd_eval)

    check = commands.add_parser("check-claims", help="run the answer checker over labelled claims (no index needed)")
    check.add_argument("pairs", metavar="PAIRS.jsonl", help="one labelled claim a line (INTERFACE.md)")
    check.add_argument("--json", metavar="OUT", help="write the rates, per kind and language, and each verdict")
    check.set_defaults(run=cmd_check_claims)

    library = commands.add_parser("library", help="list the library's entries, or those not checked for a while")
    library.add_argument("--stale", metavar="AGE",
                         help="only entries whose as_of is older than AGE: days, weeks, months or years, "
                              "e.g. 90d, 6m, 1y")
    library.add_argument("--json", action="store_true")
    library.set_defaults(run=cmd_library)

    doctor = commands.add_parser("doctor", help="check the installation offline")
    doctor.set_defaults(run=cmd_doctor)
    return parser


def _service_down(error: Exception) -> bool:
    """A Chroma or LLM server that cannot be reached. Both error types live in modules that are
    already imported whenever they were raised, so this check imports nothing heavy."""
    index, llms = sys.modules.get("assistant.index"), sys.modules.get("assistant.llms")
    return (index is not None and isinstance(error, index.LibraryUnavailable)) or (
        llms is not None and isinstance(error, llms.LLMUnavailable)
    )


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except UsageError as error:
        print(f"copyright-assistant: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # an internal failure: one line by default, the traceback with CA_DEBUG
        if _service_down(error):  # not a bug here: say which server to start or fix
            print(f"copyright-assistant: error: {error}", file=sys.stderr)
            return 1
        if os.environ.get("CA_DEBUG"):
            traceback.print_exc()
        print(f"copyright-assistant: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())

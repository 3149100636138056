"""Metadata validation: good curated metadata passes, every broken form fails with the file named."""

import datetime as dt
from pathlib import Path

import pytest

from assistant.schema import (
    DocumentMeta,
    SchemaError,
    UserDocumentMeta,
    split_front_matter,
    validate_curated,
    validate_meta,
)

GOOD_FRONT_MATTER = """---
id: cn-sample-case
title: "Sample v. Example"
jurisdiction: CN
doc_type: judgment
court_or_body: Beijing Internet Court
date: 2023-11-27
case_number: "(2023) Jing 0491 Min Chu No. 1"
language: en
sources:
  - https://example.org/case
---

# Sample v. Example

1. A paragraph.
"""


def _broken(old: str, new: str) -> str:
    return GOOD_FRONT_MATTER.replace(old, new)


def _validate_file(path: Path) -> DocumentMeta:
    front_matter, _ = split_front_matter(path, path.read_text(encoding="utf-8"))
    return validate_curated(path, front_matter)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_front_matter_validates(tmp_path):
    meta = _validate_file(_write(tmp_path, "cn-sample-case.md", GOOD_FRONT_MATTER))
    assert meta.id == "cn-sample-case"
    assert meta.date == dt.date(2023, 11, 27)
    assert meta.jurisdiction == "CN" and meta.doc_type == "judgment"
    assert meta.sources == ["https://example.org/case"]
    assert meta.date_note is None


def test_iso_string_date_and_extra_keys_are_accepted(tmp_path):
    text = _broken("date: 2023-11-27", 'date: "2023-11-27"\nreviewer: someone')
    assert _validate_file(_write(tmp_path, "cn-sample-case.md", text)).date == dt.date(2023, 11, 27)


def test_sidecar_id_is_checked_against_name_without_meta_suffix(tmp_path):
    data = {**split_front_matter(Path("x.md"), GOOD_FRONT_MATTER)[0], "id": "seed-news-x", "file": "a.txt"}
    assert validate_curated(tmp_path / "seed-news-x.meta.yaml", data).id == "seed-news-x"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("# Sample v. Example\n\n1. No front matter at all.\n", "missing front matter"),
        ("---\ntitle: [unclosed\n---\nbody\n", "malformed front matter"),
        ("---\nid: x\ntitle: a: b\n---\nbody\n", "malformed front matter"),
        ("---\n- just\n- a list\n---\nbody\n", "malformed front matter"),
        (
            _broken("jurisdiction: CN", "jurisdiction: FR"),
            "unknown jurisdiction 'FR' (expected one of CN, US, UK, EU, JP, DE, CZ, KR, IN)",
        ),
        (_broken("doc_type: judgment", "doc_type: blog"), "unknown doc_type 'blog'"),
        (
            _broken("id: cn-sample-case", "id: cn-other-case"),
            "id 'cn-other-case' does not match the file name 'cn-sample-case'",
        ),
        (_broken("https://example.org/case", "ftp://example.org/case"), "is not an http(s) URL"),
        (_broken("court_or_body: Beijing Internet Court\n", ""), "missing required field 'court_or_body'"),
        (_broken('title: "Sample v. Example"', 'title: " "'), "title is empty"),
        (_broken("date: 2023-11-27", "date: 27/11/2023"), "is not an ISO date"),
    ],
)
def test_broken_metadata_raises_one_line_error_naming_the_file(tmp_path, text, problem):
    path = _write(tmp_path, "cn-sample-case.md", text)
    with pytest.raises(SchemaError) as caught:
        _validate_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert problem in message
    assert "\n" not in message


def test_user_metadata_needs_only_id_and_title():
    data = {"id": "user-notes-1a2b3c4d", "title": "Notes"}
    meta = validate_meta(Path("notes.md"), data, UserDocumentMeta)
    assert meta.jurisdiction is None and meta.date is None and meta.sources == []


def test_user_metadata_fields_that_are_present_are_still_checked():
    with pytest.raises(SchemaError, match=r"^notes\.md: unknown jurisdiction 'FR'"):
        data = {"id": "user-notes", "title": "Notes", "jurisdiction": "FR"}
        validate_meta(Path("notes.md"), data, UserDocumentMeta)

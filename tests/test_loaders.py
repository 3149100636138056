"""Loading real files: metadata, clean text, PDF pages, and a one-line LoadError for every bad file."""

import hashlib
from pathlib import Path

import pytest
from pypdf import PdfWriter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from assistant.loaders import LoadError, derived_id, discover, load_file, safe_upload_name
from assistant.schema import DocumentMeta, SchemaError, UserDocumentMeta

FRONT_MATTER = """---
id: {id}
title: "Sample v. Example"
jurisdiction: US
doc_type: judgment
court_or_body: Sample Court
date: 2024-01-02
language: en
sources:
  - https://example.org/case
---
"""


def _make_pdf(path: Path, pages: list[list[str]], *, font: str = "Helvetica", title: str = "") -> Path:
    """One PDF page per list of lines, drawn as real text so pypdf can extract it."""
    if font == "STSong-Light":
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path))
    if title:
        pdf.setTitle(title)
    for lines in pages:
        pdf.setFont(font, 12)
        for row, line in enumerate(lines):
            pdf.drawString(72, 750 - 15 * row, line)
        pdf.showPage()
    pdf.save()
    return path


def _english_pdf(path: Path) -> Path:
    return _make_pdf(
        path,
        [
            [
                "The court held that the image was a work of art and that the hyph-",
                "enated word is joined. This line",
                "breaks mid-sentence.",
            ],
            ["Page two says something else."],
        ],
        title="Sample Judgment",
    )


def test_markdown_with_front_matter(tmp_path):
    path = tmp_path / "us-sample.md"
    body = "\n# Sample\n\n## Facts\n\n1. A fact.\n"
    path.write_text(FRONT_MATTER.format(id="us-sample") + body, encoding="utf-8")
    doc = load_file(path, curated=True)
    assert isinstance(doc.meta, DocumentMeta)
    assert doc.meta.id == "us-sample" and doc.meta.court_or_body == "Sample Court"
    assert doc.format == "markdown" and doc.path == path
    assert doc.pages == [(None, "# Sample\n\n## Facts\n\n1. A fact.")]
    assert doc.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()


def test_user_markdown_without_front_matter_gets_a_name_based_id(tmp_path):
    path = tmp_path / "My Notes (2024).md"
    path.write_text("Intro line.\n\n# Notes on Li v. Liu\n\nSome text.\n", encoding="utf-8")
    first = load_file(path)
    assert isinstance(first.meta, UserDocumentMeta)
    assert first.meta.title == "Notes on Li v. Liu"
    assert first.meta.id == derived_id(path)
    assert first.meta.id.startswith("user-my-notes-2024-") and first.meta.jurisdiction is None
    path.write_text("# Notes on Li v. Liu\n\nEdited text.\n", encoding="utf-8")
    second = load_file(path)
    assert second.meta.id == first.meta.id
    assert second.content_hash != first.content_hash


def test_curated_markdown_without_front_matter_is_rejected(tmp_path):
    path = tmp_path / "us-sample.md"
    path.write_text("# Sample\n\n1. Text.\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="us-sample.md: missing front matter"):
        load_file(path, curated=True)


def test_text_is_normalised(tmp_path):
    path = tmp_path / "messy_notes.txt"
    path.write_bytes("Caf\u0065\u0301  menu\r\nsecond   line\t\r\n".encode())
    doc = load_file(path)
    assert doc.pages == [(None, "Caf\u00e9 menu\nsecond line")]
    assert doc.meta.title == "messy notes" and doc.format == "text"


def test_plain_text_with_sidecar(tmp_path):
    text = tmp_path / "000_article.txt"
    text.write_text("The court ruled.\n\nA second paragraph.\n", encoding="utf-8")
    sidecar = tmp_path / "seed-news-sample.meta.yaml"
    sidecar.write_text(
        FRONT_MATTER.strip("-\n").replace("id: {id}", "id: seed-news-sample").replace("judgment", "news")
        + "\nfile: 000_article.txt\n",
        encoding="utf-8",
    )
    doc = load_file(text, curated=True)
    assert doc.meta.id == "seed-news-sample" and doc.meta.doc_type == "news"
    assert doc.pages == [(None, "The court ruled.\n\nA second paragraph.")]
    assert doc.content_hash == hashlib.sha256(text.read_bytes() + sidecar.read_bytes()).hexdigest()


def test_curated_text_needs_a_sidecar(tmp_path):
    path = tmp_path / "lonely.txt"
    path.write_text("Text.", encoding="utf-8")
    with pytest.raises(SchemaError, match="lonely.txt: missing metadata sidecar"):
        load_file(path, curated=True)


def test_english_pdf_pages_title_and_reflow(tmp_path):
    doc = load_file(_english_pdf(tmp_path / "judgment.pdf"))
    assert doc.format == "pdf" and doc.meta.title == "Sample Judgment"
    assert [number for number, _ in doc.pages] == [1, 2]
    assert doc.pages[0][1] == (
        "The court held that the image was a work of art and that the hyphenated word is joined. "
        "This line breaks mid-sentence."
    )
    assert doc.pages[1][1] == "Page two says something else."


def test_chinese_pdf_text_and_page_numbers(tmp_path):
    pages = [["北京互联网法院认定涉案图片构成美术作品，", "原告享有著作权。"], ["被告应当赔偿原告经济损失500元。"]]
    doc = load_file(_make_pdf(tmp_path / "判决书.pdf", pages, font="STSong-Light"))
    assert doc.pages == [
        (1, "北京互联网法院认定涉案图片构成美术作品，原告享有著作权。"),
        (2, "被告应当赔偿原告经济损失500元。"),
    ]
    assert doc.meta.title == "判决书"
    assert doc.meta.id.startswith("user-") and len(doc.meta.id) == len("user-") + 8


def test_pdf_encrypted_only_with_an_owner_password_opens(tmp_path):
    writer = PdfWriter(clone_from=_english_pdf(tmp_path / "plain.pdf"))
    writer.encrypt(user_password="", owner_password="owner")
    path = tmp_path / "owner-only.pdf"
    writer.write(path)
    assert "hyphenated" in load_file(path).pages[0][1]


def _zero_byte(tmp_path: Path) -> Path:
    path = tmp_path / "empty.md"
    path.write_bytes(b"")
    return path


def _png_as_markdown(tmp_path: Path) -> Path:
    path = tmp_path / "picture.md"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4)
    return path


def _invalid_utf8(tmp_path: Path) -> Path:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Déjà vu in Latin-1".encode("latin-1"))
    return path


def _corrupt_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "broken.pdf"
    path.write_bytes(_english_pdf(tmp_path / "whole.pdf").read_bytes()[:400])
    return path


def _encrypted_pdf(tmp_path: Path) -> Path:
    writer = PdfWriter(clone_from=_english_pdf(tmp_path / "plain.pdf"))
    writer.encrypt("secret")
    path = tmp_path / "locked.pdf"
    writer.write(path)
    return path


def _picture_only_pdf(tmp_path: Path) -> Path:
    """A page with no text layer and no print on it either: OCR reads it and finds nothing."""
    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.rect(100, 100, 200, 300, fill=1)
    pdf.showPage()
    pdf.save()
    return path


def _wrong_extension(tmp_path: Path) -> Path:
    path = tmp_path / "memo.docx"
    path.write_bytes(b"PK\x03\x04 not really a docx")
    return path


def _pdf_named_markdown(tmp_path: Path) -> Path:
    path = tmp_path / "disguised.md"
    path.write_bytes(_english_pdf(tmp_path / "real.pdf").read_bytes())
    return path


def _text_named_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "notes.pdf"
    path.write_text("Just some text.", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_zero_byte, "empty file"),
        (_png_as_markdown, "looks like binary data, not text"),
        (_invalid_utf8, "not valid UTF-8 text"),
        (_corrupt_pdf, "corrupt or not a PDF"),
        (_encrypted_pdf, "encrypted PDF"),
        (_picture_only_pdf, "no text layer, and OCR found no text"),
        (_wrong_extension, "unsupported file type '.docx'"),
        (_pdf_named_markdown, "content does not match the .md extension"),
        (_text_named_pdf, "content does not match the .pdf extension"),
    ],
)
def test_bad_files_raise_load_error_naming_the_file(tmp_path, make, reason):
    path = make(tmp_path)
    with pytest.raises(LoadError) as caught:
        load_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and reason in message
    assert "\n" not in message


def test_oversized_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("word " * 1000, encoding="utf-8")
    with pytest.raises(LoadError, match=r"big\.txt: file too large \(5,000 bytes; the limit is 1,000 "):
        load_file(path, max_bytes=1000)


def test_discover_expands_folders_and_skips_non_documents(tmp_path):
    names = ["b.md", "a.txt", "sub/c.pdf", "README.md", ".hidden.md", ".git/d.md", "x.meta.yaml", "y.docx"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = discover([tmp_path, tmp_path / "b.md", tmp_path / "y.docx"])
    expected = ["a.txt", "b.md", "sub/c.pdf", "y.docx"]  # y.docx was named explicitly
    assert found == [tmp_path / name for name in expected]


def test_discover_reports_missing_paths(tmp_path):
    with pytest.raises(LoadError, match="nowhere: no such file or folder"):
        discover([tmp_path / "nowhere"])


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../x.pdf", "x.pdf"),
        ("C:\\Users\\me\\memo.md", "memo.md"),
        ("/etc/passwd", "passwd"),
        ("..notes.txt", "notes.txt"),
    ],
)
def test_safe_upload_name_strips_directories(name, safe):
    assert safe_upload_name(name) == safe


@pytest.mark.parametrize("name", ["", "..", "../..", "a/b/", "..."])
def test_safe_upload_name_rejects_empty_names(name):
    with pytest.raises(LoadError, match="unsafe or empty upload file name"):
        safe_upload_name(name)

"""The import's speed work keeps its results: caches give the same answers as the work they save."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from tests.import_files import pdf_of
from workbook_builder.imports import identity, labels, pdf, report, tokens
from workbook_builder.spec.yaml import parse_yaml
from workbook_builder.template import registry


def test_templates_parse_the_same_with_libyaml_and_errors_keep_the_pure_loaders_words() -> None:
    for path in registry.builtin_template_paths().values():
        text = path.read_text(encoding="utf-8")
        assert parse_yaml(text) == yaml.safe_load(text)
    bad = "a: [1, 2\nb: 3"
    with pytest.raises(yaml.YAMLError) as pure:
        yaml.safe_load(bad)
    with pytest.raises(ValueError) as ours:
        parse_yaml(bad)
    assert str(ours.value) == str(pure.value)  # the line quoted, as before


def test_warm_prepares_every_report_template_once() -> None:
    report.warm()
    templates = report.report_templates()
    assert len(templates) >= 2
    assert all(labels.template_key(t) in labels._SECTIONS for t in templates)
    assert tuple(labels.template_key(t) for t in templates) in identity._OWN
    own = identity._own_labels(tuple(templates))
    assert all(not (a[0] & b[0]) for i, a in enumerate(own) for b in own[i + 1:])  # own: no other has it


def test_piece_functions_are_cached_and_pure() -> None:
    assert tokens.normalise("（一）　予以公开") == tokens.normalise("（一）　予以公开") == "(一)予以公开"
    assert tokens.token_kind("１２") == tokens.NUMBER and tokens.number("3,119") == 3119
    assert tokens.normalise.cache_info().hits > 0


def _text_pdf(path: Path, pages: list[str]) -> Path:
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(len(pages)))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode()]
    font = 3 + 2 * len(pages)
    for i, text in enumerate(pages):
        content = f"BT /F1 12 Tf 72 700 Td ({text}) Tj ET".encode()
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 {font} 0 R >> >> "
                       f"/Contents {4 + 2 * i} 0 R >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    path.write_bytes(pdf_of(objects))
    return path


def test_a_pdf_first_page_read_by_the_folder_walk_is_handed_to_the_reader_once(tmp_path: Path) -> None:
    path = _text_pdf(tmp_path / "r.pdf", ["first page", "second page"])
    fresh = pdf.read_pdf(path)
    assert [b.text for b in fresh.blocks] == ["first page", "second page"]
    assert pdf.first_page_text(path) == "first page"
    assert pdf._file_key(path) in pdf._FIRST_PAGES
    assert pdf.read_pdf(path) == fresh
    assert pdf._file_key(path) not in pdf._FIRST_PAGES  # used once, then let go
    # a file changed after the walk is read again, never from the walk's text
    pdf.first_page_text(path)
    _text_pdf(path, ["changed page", "second page"])
    os.utime(path, ns=(1, 1))
    assert [b.text for b in pdf.read_pdf(path).blocks] == ["changed page", "second page"]

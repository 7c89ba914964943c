"""The gallery in proofs/: certificates verify and match their networks, and every file (figures,
tables, PDFs, reports, Coq developments, the index) regenerates byte for byte (``proofs/make.py``).

The PDFs need pdflatex: without it their comparison skips locally and fails under CI (``CI`` set).
Figures and PDFs compare only with the matplotlib and pdfTeX versions recorded in gallery.json."""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

import exactrelu_checker

PROOFS = Path(__file__).resolve().parents[1] / "proofs"


def _make_module():
    spec = importlib.util.spec_from_file_location("proofs_make", PROOFS / "make.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["proofs_make"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


MAKE = _make_module()
CASES = [case.name for case in MAKE.cases()]
KINDS = {
    "network and certificate": (".net.json", ".cert.json"),
    "figure": ("/figure.png", "/figure.svg"),
    "tables": ("/tables.tex",),
    "pdf": ("/tables.pdf",),
    "report": ("/report.html",),
    "coq": ("/coq/",),
}


@functools.cache
def _fresh() -> dict[str, bytes]:
    """Every file regenerated once for all tests (the PDFs only where pdflatex exists)."""
    return MAKE.everything(pdf=MAKE.pdflatex() is not None)


@pytest.mark.parametrize("name", CASES)
def test_stored_certificate_verifies_against_its_network(name):
    verdict = exactrelu_checker.check_file(PROOFS / f"{name}.cert.json", PROOFS / f"{name}.net.json")
    assert verdict.verified, verdict.reason


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("name", CASES)
def test_regeneration_is_byte_identical(name, kind):
    if kind == "pdf" and MAKE.pdflatex() is None:
        if os.environ.get("CI"):
            pytest.fail("pdflatex is missing under CI: .ci/run installs TeX with apt-get")
        pytest.skip("pdflatex is not installed: the PDFs are not regenerated")
    recorded = json.loads((PROOFS / MAKE.VERSIONS).read_text(encoding="utf-8"))
    paths = [p for p in _fresh() if _kind(p) == kind and p.startswith((f"{name}.", f"{name}/"))]
    assert paths, f"{name} makes no {kind}"
    reasons = {MAKE.comparable(p, recorded, MAKE.versions()) for p in paths} - {None}
    if reasons:
        pytest.skip(f"{', '.join(sorted(reasons))}: the bytes depend on it (python proofs/make.py updates)")
    for path in paths:
        assert (PROOFS / path).is_file(), f"{path} is missing: run python proofs/make.py"
        assert (PROOFS / path).read_bytes() == _fresh()[path], f"{path} changed: run python proofs/make.py"


def _kind(path: str) -> str | None:
    return next((kind for kind, ends in KINDS.items() if any(end in path for end in ends)), None)


def test_index_regenerates_byte_identically():
    assert (PROOFS / MAKE.INDEX).read_bytes() == _fresh()[MAKE.INDEX], "run python proofs/make.py"


def test_every_file_is_made_by_a_case():
    made = set(_fresh())
    committed = set(MAKE._committed())
    if MAKE.pdflatex() is None:  # without pdflatex the PDFs are kept, not made
        made |= {p for p in committed if p.endswith(".pdf")}
    assert committed - made == set(), "stale files: run python proofs/make.py"
    assert set(_fresh()) - committed == set()


def test_index_shows_each_figure_and_links_only_to_existing_files():
    text = (PROOFS / MAKE.INDEX).read_text(encoding="utf-8")
    for name in CASES:
        assert re.search(rf"!\[[^]]+\]\({name}/figure\.png\)", text), name
    links = re.findall(r"\]\(([^)#]+)\)", text)
    assert len(links) >= 8 * len(CASES)
    for link in links:
        assert (PROOFS / link).exists(), link


def test_index_numbers_are_the_certificates():
    text = (PROOFS / MAKE.INDEX).read_text(encoding="utf-8")
    for name in CASES:
        cert = json.loads((PROOFS / f"{name}.cert.json").read_text(encoding="utf-8"))
        section = text[text.index(f"## {name}:") :]
        regions, edges = len(cert["regions"]), len(cert["edges"])
        said = f"{regions} region{'s' * (regions != 1)}, {edges} adjacent pair{'s' * (edges != 1)}"
        assert said in section.split("\n## ")[0], name


def test_check_finds_a_changed_file_and_a_stale_one(tmp_path, monkeypatch, capsys):
    copy = tmp_path / "proofs"
    shutil.copytree(PROOFS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(MAKE, "HERE", copy)
    assert MAKE.check(_fresh()) == []
    report = copy / f"{CASES[0]}/report.html"
    report.write_bytes(report.read_bytes().replace(b"regions", b"regionz", 1))
    (copy / f"{CASES[0]}/old.txt").write_text("left over")
    problems = MAKE.check(_fresh())
    assert f"{CASES[0]}/report.html differs from a fresh regeneration" in problems
    assert f"{CASES[0]}/old.txt is made by no case (stale)" in problems


def test_gallery_is_small():
    total = sum(p.stat().st_size for p in PROOFS.rglob("*") if p.is_file())
    assert total < 5_000_000

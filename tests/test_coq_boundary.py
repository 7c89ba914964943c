"""Coq proofs of a certificate's decision boundary and decision regions (docs/coq.md): a certificate
with a ``boundary`` gets Boundary.v and the theorems ``boundary_pieces_correct``,
``boundary_ties_correct``, ``decision_regions_correct`` (and ``class_wins_domain`` when one class
holds every region), proved with no axioms; a changed hyperplane entry, class claim, witness or hint
never compiles.

Tests that run Coq skip when ``coqc`` is absent, except under CI (see tests/test_coq.py).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from test_coq import _bump, _net2d, make, require_coq, with_compiled_checker

from exactrelu import EXAMPLE, Domain, Network, certify
from exactrelu.errors import CertificateError
from exactrelu.export.coq_export import THEOREMS, coq_development, theorems, write_development

ROOT = Path(__file__).resolve().parents[1]
BOUNDARY_THEOREMS = ("boundary_pieces_correct", "boundary_ties_correct", "decision_regions_correct")


def example_certificate() -> dict:
    return certify(EXAMPLE, Domain.box([(0, 1), (0, 1)]), boundary=True)


def tied_net() -> Network:
    """Three classes, the first two equal everywhere: a tie in every region."""
    return Network.from_layers([([[1, -1], [2, 1]], [0, "-1/2"]), ([[1, 0], [1, 0], [0, 1]], [0, 0, 0])])


def one_class_net() -> Network:
    """Class 0 scores 5 + relu(x) + relu(y) > 0 = class 1 everywhere: every region is wholly class 0."""
    return Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 1], [0, 0]], [5, 0])])


def one_output_net() -> Network:
    return Network.from_layers([([[1, -1], [1, 1]], [0, "-1/2"]), ([[1, -2]], ["1/3"])])


BOX = Domain.box([(-1, 1), (-1, 1)])


def _rationals(text: str) -> list[Fraction]:
    return [Fraction(int(n), int(d)) for n, d in re.findall(r"\((-?\d+) # (\d+)\)", text)]


# -- without Coq ----------------------------------------------------------------------------------------
def test_boundary_file_holds_the_certificates_claims():
    """Boundary.v's pieces, ties and whole classes are the certificate's, read back from the Coq text."""
    cert = certify(tied_net(), BOX, boundary=True)
    files = coq_development(cert)
    assert "Boundary.v" in files["_CoqProject"].split() and "Boundary" in files["Main.v"]
    text = files["Boundary.v"]
    pieces = re.findall(r"mk_piece (\d+) (\d+) (\d+) (\[[^\]]*\]) (\[[^\]]*\])", text)
    assert [(int(r), [int(k), int(m)], _rationals(h), _rationals(x)) for r, k, m, h, x in pieces] == [
        (p["region"], p["classes"], [Fraction(v) for v in p["hyperplane"]], [Fraction(v) for v in p["point"]])
        for p in cert["boundary"]["pieces"]
    ]
    ties = re.findall(r"mk_tie (\d+) (\d+) (\d+)", text)
    assert [(int(r), [int(k), int(m)]) for r, k, m in ties] == [
        (t["region"], t["classes"]) for t in cert["boundary"]["ties"]
    ]
    assert cert["boundary"]["ties"], "the tied network should have ties"
    whole = re.search(r"Definition whole : list \(option nat\) := \[(.*)\]\.", text).group(1)
    assert [None if w == "None" else int(w.removeprefix("Some ").removesuffix("%nat")) for w in whole.split("; ")] == (
        cert["boundary"]["whole"]
    )
    for name in BOUNDARY_THEOREMS:
        assert f"Theorem {name} " in files["Main.v"] and f"Print Assumptions {name}." in files["Main.v"]


def test_theorems_listed_per_certificate():
    plain = certify(EXAMPLE, Domain.box([(0, 1), (0, 1)]))
    assert theorems(plain) == THEOREMS and "Boundary.v" not in coq_development(plain)
    assert theorems(example_certificate()) == THEOREMS + BOUNDARY_THEOREMS
    cert = certify(one_class_net(), BOX, boundary=True)
    assert set(cert["boundary"]["whole"]) == {0}
    assert theorems(cert) == THEOREMS + BOUNDARY_THEOREMS + ("class_wins_domain",)
    assert "top net x 0%nat" in coq_development(cert)["Main.v"]


def test_one_output_pair_is_classes_one_and_zero():
    """With one output f the scores are (0, f): the certificate's pair [0] is written as classes 1, 0."""
    cert = certify(one_output_net(), BOX, boundary=True)
    assert cert["boundary"]["pieces"] and all(p["classes"] == [0] for p in cert["boundary"]["pieces"])
    text = coq_development(cert)["Boundary.v"]
    assert len(re.findall(r"mk_piece \d+ 1 0 ", text)) == len(cert["boundary"]["pieces"])


@pytest.mark.parametrize("what", ["whole class", "piece hyperplane"])
def test_generator_refuses_a_false_claim(what):
    """No hint exists for a false claim: the generator says so (and Coq would refuse any hint)."""
    cert = example_certificate()
    if what == "whole class":
        r = cert["boundary"]["whole"].index(0)
        cert["boundary"]["whole"][r] = 1
        match = "not on top"
    else:
        cert["boundary"]["pieces"][0]["hyperplane"][1] = str(
            Fraction(cert["boundary"]["pieces"][0]["hyperplane"][1]) + 1
        )
        match = "hyperplane"
    with pytest.raises(CertificateError, match=match):
        coq_development(cert)


def test_boundary_text_is_only_numbers():
    cert = example_certificate()
    cert["boundary"]["whole"][0] = "0%nat]. Axiom cheat : False. Check ["
    with pytest.raises(CertificateError, match="expected an index"):
        coq_development(cert)


# -- with Coq -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def boundary_dev(tmp_path_factory) -> Path:
    """The built-in example certified with --boundary, then exported and compiled by the command line."""
    require_coq()
    work = tmp_path_factory.mktemp("coq_boundary")
    cert, out = work / "example.cert.json", work / "dev"
    for args in (["certify", "--boundary", "-o", str(cert)], ["coq", str(cert), "-o", str(out)]):
        done = subprocess.run([sys.executable, "-m", "exactrelu", *args], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
    n = len(THEOREMS + BOUNDARY_THEOREMS)
    assert f"{n} of {n} closed under the global context" in done.stdout
    return out


def _copy(dev: Path, directory: Path) -> None:
    """``dev``'s sources and its compiled Checker.v into ``directory``."""
    for f in ["_CoqProject", *(p.name for p in dev.glob("*.v"))]:
        shutil.copy(dev / f, directory / f)
    with_compiled_checker(dev, directory)


def _assert_proved(output: str, names: tuple[str, ...]) -> None:
    assert output.count("Closed under the global context") == len(names), output
    assert "Axiom" not in output


def test_example_boundary_compiles_without_axioms(boundary_dev):
    readme = (boundary_dev / "README.md").read_text(encoding="utf-8")
    for name in THEOREMS + BOUNDARY_THEOREMS:
        assert f"Print Assumptions {name}.\nClosed under the global context" in readme
    assert "Boundary.v" in readme


@pytest.mark.parametrize(
    "net",
    [tied_net, one_class_net, one_output_net],
    ids=["ties and three classes", "one class everywhere", "one output"],
)
def test_boundary_certificates_compile(net, boundary_dev, tmp_path):
    cert = certify(net(), BOX, boundary=True)
    write_development(cert, tmp_path)
    with_compiled_checker(boundary_dev, tmp_path)
    done = make(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    _assert_proved(done.stdout, theorems(cert))


def _whole_flip(text: str) -> str:
    """The first whole claim ``Some k`` made ``None`` (a claim that every class loses somewhere)."""
    return re.sub(r"Some (\d+)%nat", "None", text, count=1)


def _whole_other(text: str) -> str:
    """The first ``None`` claim made ``Some 0`` (class 0 on top on the whole region)."""
    return text.replace("; None", "; Some 0%nat", 1)


def _multiplier(text: str) -> str:
    m = re.search(r"\[\((\d+)%nat, (\d+)\)", text)
    return text[: m.start(2)] + str(int(m.group(2)) + 1) + text[m.end(2) :]


TAMPER = {
    "hyperplane entry": lambda t: _bump(t, "Definition pieces", 1),
    "hyperplane constant": lambda t: _bump(t, "Definition pieces", 0),
    "witness point": lambda t: _bump(t, "Definition pieces", 3),
    "piece classes": lambda t: t.replace("mk_piece 1 0 1 ", "mk_piece 1 1 0 ", 1),
    "whole class to None": _whole_flip,
    "None to a class": _whole_other,
    "Farkas multiplier": _multiplier,
}


@pytest.mark.parametrize("what", list(TAMPER))
def test_a_changed_boundary_claim_never_compiles(what, boundary_dev, tmp_path):
    _copy(boundary_dev, tmp_path)
    path = tmp_path / "Boundary.v"
    text = path.read_text(encoding="utf-8")
    changed = TAMPER[what](text)
    assert changed != text
    path.write_text(changed, encoding="utf-8")
    done = make(tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode != 0, f"a development with a changed {what} compiled:\n{output}"
    assert 'File "./Main.v"' in output, output  # refused by the check, not by a syntax error
    assert not (tmp_path / "Main.vo").exists()


# -- larger (slow tier) ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_two_d_network_with_hundreds_of_regions(boundary_dev, tmp_path):
    cert = certify(_net2d(2, [10, 10, 2]), Domain.box([(-1, 1), (-1, 1)]), boundary=True)
    assert cert["summary"]["regions"] >= 150 and cert["boundary"]["pieces"]
    write_development(cert, tmp_path)
    with_compiled_checker(boundary_dev, tmp_path)
    done = make(tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    _assert_proved(done.stdout, theorems(cert))

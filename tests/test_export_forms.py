"""``exactrelu coq`` and ``exactrelu latex`` on every certificate ``check`` verifies: default, compact
(no maps: recomputed from the patterns) and the constraint form (no vertices, multiplier proofs).

Oracles: the default certificate's stated maps (the independent checker compares them with its own
recomputation), the network evaluated exactly at each region's interior point, the vertex form's
edges and maps matched by pattern, and Coq's kernel for the constraint form's rescaled multipliers.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from example_nets import by_name

import exactrelu_checker
from exactrelu import EXAMPLE, Domain, certify
from exactrelu.certificate.producer import compact
from exactrelu.errors import CertificateError
from exactrelu.export.coq_export import THEOREMS, coq_development, write_development
from exactrelu.export.latex import latex_document
from exactrelu.export.tables import pattern_map, tables_from_certificate

# the example, hostile nets (dead and zero neurons, LeakyReLU, 3 hidden layers), a polytope domain
NAMES = ("builtin", "zero_on_half", "leaky", "dead", "random6_2d_3x3x3", "random11_3d_4x3", "triangle_random")


def _certificates(name: str, engine: str = "dd") -> tuple[dict, dict]:
    """The certificate of a named example as JSON (default) and its compact form; both verify."""
    ex = by_name(name)
    domain = Domain.polytope(ex.box["A"], ex.box["b"]) if isinstance(ex.box, dict) else Domain.box(ex.box)
    full = json.loads(json.dumps(certify(ex.net, domain, engine=engine)))
    short = compact(full)
    assert all("map" not in r for r in short["regions"])
    for cert in (full, short):
        assert exactrelu_checker.check_certificate(cert).verified
    return full, short


def _by_pattern(cert: dict) -> dict:
    tables = tables_from_certificate(cert)
    patterns = [r.pattern for r in tables.regions]
    maps = {r.pattern: (r.weight, r.bias) for r in tables.regions}
    edges = {}
    for e in tables.edges:  # oriented from the lower pattern: h >= 0 on it, map_low - map_high = lambda h
        low, high = sorted((patterns[e.first], patterns[e.second]))
        h = e.hyperplane if patterns[e.first] == low else tuple(-a for a in e.hyperplane)
        edges[low, high] = (h, e.lambdas)
    return {"maps": maps, "edges": edges}


@pytest.mark.parametrize("name", NAMES)
def test_compact_gives_the_same_coq_and_latex_as_the_default(name):
    full, short = _certificates(name)
    assert coq_development(short) == coq_development(full)
    assert latex_document(tables_from_certificate(short)) == latex_document(tables_from_certificate(full))


@pytest.mark.parametrize("name", NAMES)
def test_recomputed_maps_are_the_stated_ones_and_the_network_at_the_point(name):
    full, _ = _certificates(name)
    net = by_name(name).net
    for region in full["regions"]:
        weight, bias = pattern_map(net, region["pattern"])
        assert [[str(v) for v in row] for row in weight] == region["map"]["weight"]
        assert [str(v) for v in bias] == region["map"]["bias"]
        point = [Fraction(v) for v in region["point"]]
        at_point = tuple(sum((w * x for w, x in zip(row, point)), b) for row, b in zip(weight, bias))
        assert at_point == net.forward(point)


@pytest.mark.parametrize("name", NAMES)
def test_constraint_form_tabulates_the_vertex_forms_regions_and_edges(name):
    full, _ = _certificates(name)
    lp, lp_short = _certificates(name, engine="lp")
    assert lp["form"] == "constraints" and all(len(e) == 4 for e in lp["edges"])
    expected = _by_pattern(full)
    assert _by_pattern(lp) == expected
    assert _by_pattern(lp_short) == expected
    assert coq_development(lp_short) == coq_development(lp)


def test_constraint_form_multipliers_are_rescaled_and_checked():
    lp, _ = _certificates("random6_2d_3x3x3", engine="lp")
    proofs = [(i, t) for i, n in enumerate(lp["tree"]) for t, (_, _, p) in enumerate(n.get("d", [])) if p and p != "b"]
    assert proofs, "the example should have multiplier proofs"
    coq_development(lp)
    i, t = proofs[0]
    lp["tree"][i]["d"][t][2] = [[idx, "-" + y] for idx, y in lp["tree"][i]["d"][t][2]]
    with pytest.raises(CertificateError):
        coq_development(lp)


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "exactrelu", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_cli_coq_and_latex_on_compact_and_constraint_form_files(tmp_path):
    """The reviewer's commands: same file name in two folders, so the outputs must be byte-identical."""
    for kind, extra in (("default", []), ("compact", ["--compact"]), ("lp", ["--engine", "lp"])):
        (tmp_path / kind).mkdir()
        done = _run("certify", *extra, "-o", "c.json", cwd=tmp_path / kind)
        assert done.returncode == 0, done.stderr
        for command in (["coq", "c.json", "-o", "d", "--no-compile"], ["latex", "c.json", "-o", "x.tex"]):
            done = _run(*command, cwd=tmp_path / kind)
            assert done.returncode == 0 and not done.stderr, done.stdout + done.stderr
    for name in ("x.tex", "d/Network.v", "d/Certificate.v", "d/Main.v"):
        assert (tmp_path / "compact" / name).read_bytes() == (tmp_path / "default" / name).read_bytes()
    assert (tmp_path / "lp" / "d" / "Network.v").read_bytes() == (tmp_path / "default" / "d" / "Network.v").read_bytes()


def test_compact_boundary_certificate_gives_the_same_boundary_v():
    full = json.loads(json.dumps(certify(EXAMPLE, Domain.box([(0, 1), (0, 1)]), boundary=True)))
    assert coq_development(compact(full)) == coq_development(full)


@pytest.mark.parametrize("name", ["random6_2d_3x3x3", "triangle_random"])
def test_constraint_form_development_compiles_without_axioms(name, tmp_path):
    """Coq's kernel checks the rescaled multipliers (a box, and a polytope domain)."""
    if not (shutil.which("coqc") and shutil.which("coq_makefile") and shutil.which("make")):
        pytest.skip("coqc not installed (apt-get install coq)")
    _, lp_short = _certificates(name, engine="lp")
    _, compiled = write_development(lp_short, tmp_path, compile=True)
    assert compiled is not None and compiled.ok, compiled and compiled.output
    assert compiled.assumptions.count("Closed under the global context") == len(THEOREMS)
    assert "Axiom" not in compiled.assumptions

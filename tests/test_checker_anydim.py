"""The constraint form (docs/certificate.md, "form": "constraints"): certificates without vertex lists.

The vertex form, itself verified by the checker, is the oracle: on small networks both forms must
name the same regions (patterns and maps) and the same edges.  Tampered constraint-form certificates
must be refused with one line, whatever part is changed: a witness, a multiplier, a map entry, a
facet, a region, an edge.  Above the vertex form's 10 inputs the producer switches to this form.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from example_nets import EXAMPLES, POLYTOPE_EXAMPLES, by_name, random_net

from exactrelu import Domain, Network
from exactrelu.certificate.producer import produce_certificate
from exactrelu.cli import main
from exactrelu_checker import MalformedCertificate, check_certificate

ROOT = Path(__file__).resolve().parents[1]
SMALL = [ex for ex in EXAMPLES + POLYTOPE_EXAMPLES if ex.net.n_inputs <= 4]


def _domain(box) -> Domain:
    return Domain.polytope(box["A"], box["b"]) if isinstance(box, dict) else Domain.box(box)


def _both(net, domain) -> tuple[dict, dict]:
    return (produce_certificate(net, domain, engine="lp").to_json(),
            produce_certificate(net, domain, engine="dd").to_json())


def _regions_and_edges(cert: dict) -> tuple[dict, set]:
    """``{pattern: map}`` and the edges as pattern pairs (independent of region numbering)."""
    key = [json.dumps(r["pattern"]) for r in cert["regions"]]
    maps = dict(zip(key, (json.dumps(r["map"]) for r in cert["regions"])))
    return maps, {frozenset((key[e[0]], key[e[1]])) for e in cert["edges"]}


@pytest.mark.parametrize("name", [ex.name for ex in SMALL])
def test_constraint_form_equals_the_vertex_form(name):
    ex = by_name(name) if name in {e.name for e in EXAMPLES} else next(e for e in SMALL if e.name == name)
    constraints, vertices = _both(ex.net, _domain(ex.box))
    assert constraints["form"] == "constraints" and "form" not in vertices
    for cert in (constraints, vertices):
        verdict = check_certificate(json.loads(json.dumps(cert)))
        assert (verdict.verified, verdict.reason) == (True, "")
    assert _regions_and_edges(constraints) == _regions_and_edges(vertices)
    assert constraints["summary"] == vertices["summary"]


@pytest.mark.parametrize("seed, d, hidden", [(1, 3, (4, 3)), (2, 4, (4, 3)), (3, 3, (3, 3, 2)), (4, 4, (5,))])
def test_constraint_form_equals_the_vertex_form_on_random_nets(seed, d, hidden):
    net = random_net(9100 + seed, d, hidden, rational=seed % 2 == 0)
    constraints, vertices = _both(net, Domain.box([(-1, 1)] * d))
    assert check_certificate(constraints).verified, check_certificate(constraints).reason
    assert _regions_and_edges(constraints) == _regions_and_edges(vertices)


# -- tampering --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def base() -> dict:
    ex = by_name("random2_2d_2x2")
    cert = produce_certificate(ex.net, Domain.box(ex.box), engine="lp").to_json()
    assert check_certificate(cert).verified
    return cert


def _first(cert: dict, test):
    """The first ``(region index, entry)`` of a region's facets or redundancy list passing ``test``."""
    return next((r, entry) for r, region in enumerate(cert["regions"])
                for entry in region["facets"] + region["redundant"] if test(entry))


def _decision(cert: dict) -> list:
    """A decision proved by Farkas multipliers (a list of [t, y])."""
    return next(p for node in cert["tree"] for _, _, p in node.get("d", []) if isinstance(p, list) and p)


def _edge_with_proof(cert: dict) -> list:
    return next(e for e in cert["edges"] if e[2] or e[3])


def _negate(pair: list) -> None:
    pair[1] = str(-Fraction(pair[1]) - 1)


def _axis_off_hyperplane(c):  # an axis parallel to a box facet's hyperplane
    _, entry = _first(c, lambda e: isinstance(e[1], int))
    entry[1] = (entry[1] + 1) % 2


def _point_off_hyperplane(c):  # the region's own point is strictly inside, so on no facet
    r, entry = _first(c, lambda e: isinstance(e[1], list) and e[1] and isinstance(e[1][0], str))
    entry[1] = list(c["regions"][r]["point"])


def _point_onto_a_vertex(c):  # a facet's witness moved to where two box sides meet: not strictly inside
    r, entry = _first(c, lambda e: isinstance(e[1], int))
    box = c["domain"]["box"]
    entry[1] = [box[0][0], box[1][0]] + list(c["regions"][r]["point"][2:])


def _drop_facet(c):
    region = next(r for r in c["regions"] if len(r["facets"]) > 3)
    region["facets"].pop()


def _facet_as_redundant(c):  # a true facet cannot be proved redundant, whatever the proof
    region = c["regions"][0]
    t, _ = region["facets"].pop()
    region["redundant"].append([t, []])


def _drop_region(c):  # its leaf names region 0 instead, its edges and counts go
    last = len(c["regions"]) - 1
    c["regions"].pop()
    next(n for n in c["tree"] if n.get("r") == last)["r"] = 0
    c["edges"] = [e for e in c["edges"] if last not in e[:2]]
    c["summary"].update(regions=last, edges=len(c["edges"]))


def _forge_edge(c):
    n = len(c["regions"])
    listed = {tuple(e[:2]) for e in c["edges"]}
    i, j = next((i, j) for i in range(n) for j in range(i + 1, n) if (i, j) not in listed)
    c["edges"].append([i, j, [], []])
    c["summary"]["edges"] += 1


def _drop_edge(c):
    c["edges"].pop()
    c["summary"]["edges"] -= 1


def _drop_edge_proof(c):
    edge = _edge_with_proof(c)
    (edge[2] or edge[3]).pop()


TAMPERS = {
    "axis witness parallel to its facet": _axis_off_hyperplane,
    "witness point off its hyperplane": _point_off_hyperplane,
    "witness point on a corner": _point_onto_a_vertex,
    "decision multiplier negative": lambda c: _negate(_decision(c)[0]),
    "decision multiplier dropped": lambda c: _decision(c).pop(),
    "redundancy multiplier negative": lambda c: _negate(_first(c, lambda e: isinstance(e[1], list) and e[1]
                                                               and isinstance(e[1][0], list))[1][1][0]),
    "edge multiplier negative": lambda c: _negate(next(p for p in _edge_with_proof(c)[2:] if p)[0][2][0]),
    "edge proof dropped": _drop_edge_proof,
    "map entry": lambda c: c["regions"][1]["map"]["bias"].__setitem__(0, "1234567"),
    "facet dropped": _drop_facet,
    "facet claimed redundant": _facet_as_redundant,
    "region dropped": _drop_region,
    "edge forged": _forge_edge,
    "edge dropped": _drop_edge,
    "form changed to vertices": lambda c: c.pop("form"),
}


@pytest.mark.parametrize("name", list(TAMPERS))
def test_tampered_constraint_form_is_refused_in_one_line(base, name):
    cert = copy.deepcopy(base)
    TAMPERS[name](cert)
    try:
        verdict = check_certificate(json.dumps(cert))
    except MalformedCertificate as exc:  # a changed form is no longer readable as the other form
        assert name == "form changed to vertices" and "\n" not in str(exc)
        return
    assert not verdict.verified, name
    assert verdict.reason and "\n" not in verdict.reason, verdict.reason
    assert verdict.reason.startswith("claim"), verdict.reason


def test_refusals_name_what_failed(base):
    def reason(edit):
        cert = copy.deepcopy(base)
        edit(cert)
        return check_certificate(cert).reason
    assert any(words in reason(_drop_facet) for words in ("missing facet", "is no listed facet"))
    assert "share no facet" in reason(_forge_edge)
    assert "missing adjacency" in reason(_drop_edge)
    assert "negative" in reason(TAMPERS["decision multiplier negative"])
    assert "containment proof" in reason(_drop_edge_proof)


# -- any dimension ----------------------------------------------------------------------------------
def _wide_net(d: int) -> Network:
    """A d-input net: a few first-layer neurons cut a small box around the origin, the rest do not."""
    return random_net(31, d, (4, 3), 2)


def test_above_ten_inputs_auto_gives_the_constraint_form(tmp_path):
    d = 12
    net = _wide_net(d)
    (tmp_path / "net.json").write_text(json.dumps(net.to_json()))
    box = ",".join(["-1/8:1/8"] * d)
    assert main(["certify", str(tmp_path / "net.json"), f"--box={box}", "-o", str(tmp_path / "c.json")]) == 0
    cert = json.loads((tmp_path / "c.json").read_text())
    assert cert["form"] == "constraints" and len(cert["regions"]) > 1
    out = subprocess.run([sys.executable, "-m", "exactrelu_checker", str(tmp_path / "c.json")], capture_output=True,
                         text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0 and out.stdout.splitlines()[0] == "VERIFIED", out.stdout + out.stderr
    with pytest.raises(Exception, match="vertex engine"):  # the vertex form stays limited
        produce_certificate(net, Domain.box([("-1/8", "1/8")] * d), engine="dd")


def test_more_inputs_than_the_vertex_form_allows():
    d = 70  # the vertex form's checker limit is 64 inputs
    net = _wide_net(d)
    cert = produce_certificate(net, Domain.box([("-1/100", "1/100")] * d), engine="lp").to_json()
    assert len(cert["regions"]) > 1 and check_certificate(cert).verified, check_certificate(cert).reason
    assert check_certificate(cert, network=cert["network"]).verified  # a given network of 70 inputs is read too
    vertex_form = dict(cert)
    vertex_form.pop("form")
    with pytest.raises(MalformedCertificate, match="exceed the checker's limit of 64"):
        check_certificate(vertex_form)


def test_no_boundary_in_the_constraint_form(base):
    cert = copy.deepcopy(base)
    cert["boundary"] = {"pieces": [], "empty": [], "ties": [], "whole": []}
    with pytest.raises(MalformedCertificate, match="no decision boundary"):
        check_certificate(cert)
    ex = by_name("builtin")
    with pytest.raises(Exception, match="no decision boundary"):
        produce_certificate(ex.net, Domain.box(ex.box), engine="lp", boundary=True)


def test_projected_axis_witnesses():
    """Box faces of thin cells get the axis projected onto the blocking hyperplanes; keeping the facet's
    own hyperplane moves parallel to it, and is refused."""
    d = 20
    cert = produce_certificate(random_net(7, d, (8, 8), 3), Domain.box([("-1/20", "1/20")] * d), engine="lp").to_json()
    assert check_certificate(cert).verified
    r, entry = _first(cert, lambda e: isinstance(e[1], list) and len(e[1]) == 2 and isinstance(e[1][0], int))
    entry[1][1] = [entry[0]]
    verdict = check_certificate(cert)
    assert not verdict.verified and f"region {r}" in verdict.reason and "parallel" in verdict.reason

"""Forged certificates: false claims made internally consistent must fail, in every form.

Each forgery starts from a real certificate of a small hostile network made here (duplicate, dead
and identically zero neurons, a hyperplane on the box's boundary, concurrent hyperplanes; 1, 2, 3
and 11 inputs), changes a claim together with what a careless checker would cross-check (tree,
regions, edges, summary, proofs), and must get NOT VERIFIED or a one-line MalformedCertificate,
never VERIFIED and never another exception.  The enumerator (``exactrelu.partition``) is the oracle
that each forged claim is false.  The last tests are the command line's: a closed or full stdout
must end in an exit code and at most one line, not a traceback.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from exactrelu import Network, certify, partition
from exactrelu.certificate.producer import compact
from exactrelu_checker import MalformedCertificate, check_certificate

ROOT = Path(__file__).resolve().parents[1]


def _layer(weight, bias) -> dict:
    return {"weight": [[str(x) for x in row] for row in weight], "bias": [str(x) for x in bias]}


# neurons 0, 1 duplicate; 3 identically zero; 4 dead on the box; 5 vanishes on the face x = 0;
# x - y, x + y - 1 and 2x - 1 meet at (1/2, 1/2)
HOSTILE = {
    "layers": [
        _layer([[1, -1], [1, -1], [1, 1], [0, 0], [1, 1], [1, 0], [2, 0]], [0, 0, -1, 0, -5, 0, -1]),
        _layer(
            [[1, 0, 0, 0, 1, 0, 0], [0, 0, 1, 1, 0, 0, 0], [0, 0, 0, 0, 3, 0, 0], [1, 1, -1, 0, 0, -1, 1]],
            [0, "-1/3", 0, "1/5"],
        ),
        _layer([[1, 0, 2, -1], [0, 1, 0, 1], ["1/2", -1, 0, 0]], [0, 0, "-1/7"]),
    ]
}
UNIT = [(0, 1), (0, 1)]
# six planes through the origin of the cube, one on its face x = -1
CONCURRENT_3D = {
    "layers": [
        _layer([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1], [1, -1, 0], [1, 1, -2], [1, 0, 0]], [0, 0, 0, 0, 0, 0, 1]),
        _layer([[1, 1, 0, 0, 1, 0, 0], [0, 0, 1, -1, 0, 1, 0]], [0, 0]),
    ]
}
CUBE = [(-1, 1)] * 3
ELEVEN = {
    "layers": [
        _layer([[(i * j) % 5 - 2 for i in range(11)] for j in range(1, 4)], [0, "1/3", -1]),
        _layer([[1, -1, 1], [1, 1, 0]], [0, 0]),
    ]
}
ONE_D = {"layers": [_layer([[1], [-1], [2]], ["-1/3", "-1/3", 0]), _layer([[1, 1, -1], [1, 0, 1]], [0, "1/2"])]}
ONE_OUT = {  # one output: its boundary is f = 0
    "layers": [
        _layer([[1, -1], [1, 1], [2, -1], [0, 1]], [0, -1, "1/4", 0]),
        _layer([[1, 1, -1, 0], [0, 1, 1, -1]], [0, "-1/5"]),
        _layer([[1, -1]], ["-1/10"]),
    ]
}
ONE_NEURON = {"layers": [_layer([[1, -1]], [0]), _layer([[1], [2]], [0, 0])]}  # x - y: two regions


@functools.cache
def _cert(name: str, engine: str = "dd", boundary: bool = False) -> str:
    net, box = {
        "hostile": (HOSTILE, UNIT),
        "cube": (CONCURRENT_3D, CUBE),
        "eleven": (ELEVEN, [(-1, 1)] * 11),
        "one_d": (ONE_D, [(-1, 1)]),
        "one_neuron": (ONE_NEURON, UNIT),
        "one_out": (ONE_OUT, [(-1, 1), (-1, 1)]),
    }[name]
    cert = certify(Network.from_json(net), box, engine=engine, boundary=boundary)
    assert check_certificate(cert).verified
    return json.dumps(cert)


def fresh(name: str, engine: str = "dd", boundary: bool = False) -> dict:
    return json.loads(_cert(name, engine, boundary))


@functools.cache
def truth(name: str) -> tuple[int, set]:
    """The enumerator's region count and edges as pairs of patterns."""
    net, box = {
        "hostile": (HOSTILE, UNIT),
        "cube": (CONCURRENT_3D, CUBE),
        "one_d": (ONE_D, [(-1, 1)]),
        "one_neuron": (ONE_NEURON, UNIT),
    }[name]
    p = partition(Network.from_json(net), box)
    return len(p.regions), {frozenset((p.regions[i].pattern, p.regions[j].pattern)) for i, j in p.edges}


def _patterns(cert: dict) -> list:
    return [tuple(tuple(bits) for bits in r["pattern"]) for r in cert["regions"]]


def outcome(cert, **kwargs) -> str:
    """'verified', 'refused' or 'malformed'; a refusal is one line and never an unexpected exception."""
    try:
        verdict = check_certificate(cert, **kwargs)
    except MalformedCertificate as exc:
        assert str(exc) and "\n" not in str(exc)
        return "malformed"
    if verdict.verified:
        return "verified"
    assert verdict.reason and "\n" not in verdict.reason and "could not be completed" not in verdict.reason
    return "refused"


# -- regions: merged, with any decision proof ---------------------------------------------------------------
def merge_siblings(cert: dict, idx: int, bit: int, proof) -> dict:
    """Node ``idx`` splits into two leaves: decide its neuron ``bit`` by ``proof`` instead, keep that
    side's region (now the node's leaf), drop the other, and renumber tree, regions, edges and summary."""
    c = copy.deepcopy(cert)
    node = c["tree"][idx]
    keep, drop = (node["p"], node["m"]) if bit else (node["m"], node["p"])
    gone = c["tree"][drop]["r"]
    node.setdefault("d", []).append([node.pop("s"), bit, proof])
    node["r"] = c["tree"][keep]["r"]
    del node["p"], node["m"]
    leaves = sorted((keep, drop))
    c["tree"] = [n for i, n in enumerate(c["tree"]) if i not in leaves]
    for n in c["tree"]:
        for key in ("p", "m", "n"):
            if key in n:
                n[key] -= sum(leaf < n[key] for leaf in leaves)
        if "r" in n:
            n["r"] -= n["r"] > gone
    c["regions"].pop(gone)
    c["edges"] = [[i - (i > gone), j - (j > gone), *rest] for i, j, *rest in c["edges"] if gone not in (i, j)]
    c["summary"].update(regions=len(c["regions"]), edges=len(c["edges"]))
    return c


def _sibling_splits(cert: dict) -> list[int]:
    tree = cert["tree"]
    return [i for i, n in enumerate(tree) if "s" in n and "r" in tree[n["p"]] and "r" in tree[n["m"]]]


def test_merged_regions_fail_whatever_the_decision_proof():
    cert = fresh("hostile")
    splits = _sibling_splits(cert)
    assert len(splits) >= 7
    n_cons = len(cert["domain"]["A"]) + sum(len(b) for b in cert["regions"][0]["pattern"])
    proofs = ["b", "z"] + [[t] for t in range(n_cons)] + [list(p) for p in itertools.combinations(range(n_cons), 2)]
    for idx in splits[::2]:
        for bit in (0, 1):
            for proof in proofs:
                forged = merge_siblings(cert, idx, bit, proof)
                assert forged["summary"]["regions"] != truth("hostile")[0]
                assert outcome(forged) != "verified", (idx, bit, proof)


def test_merged_regions_fail_in_the_constraint_form_whatever_the_multipliers():
    for name in ("hostile", "eleven"):
        cert = fresh(name, "lp")
        m = len(cert["domain"]["A"])
        proofs = ["b", "z", []] + [[[t, y]] for t in range(m + 4) for y in ("1", "1/3", "3")]
        for idx in _sibling_splits(cert)[:6]:
            for bit in (0, 1):
                for proof in proofs:
                    assert outcome(merge_siblings(cert, idx, bit, proof)) != "verified", (name, idx, bit, proof)


def whole_square(engine: str, proof) -> dict:
    """The one-neuron net (x - y) claimed to be one region on the whole square, with the side x > y's
    point, pattern and map, the square's corners or sides as its vertices or facets, and ``proof``
    for the decision that x - y >= 0 everywhere (false: the enumerator finds two regions)."""
    cert = fresh("one_neuron", engine)
    assert cert["tree"][0]["s"] == 0 and truth("one_neuron")[0] == 2
    side = cert["regions"][cert["tree"][cert["tree"][0]["p"]]["r"]]
    if engine == "lp":  # facet t (a side) has the axis witness c: the point moved along x_c onto it
        side.update(facets=[[t, t // 2] for t in range(4)], redundant=[])
    else:  # rows 0, 1: x >= 0, x <= 1; rows 2, 3: y >= 0, y <= 1
        side.update(vertices=[[0, 2], [1, 2], [0, 3], [1, 3]])
    cert.update(
        tree=[{"k": 0, "d": [[0, 1, proof]], "r": 0}],
        regions=[side],
        edges=[],
        summary={"regions": 1, "edges": 0, "linear_pieces": 1},
    )
    return cert


def test_negative_multipliers_cannot_prove_a_false_decision():
    """x - y = (x - 0) - (y - 0): with the multiplier -1 on the row y >= 0 the residual is exactly 0.
    Given as multipliers (the constraint form) or as the basis [x >= 0, y >= 0] whose multipliers the
    checker solves for (the vertex form), the proof must be refused as negative."""
    cert = fresh("one_neuron", "lp")
    assert cert["domain"]["A"][:4:2] == [["-1", "0"], ["0", "-1"]] and cert["domain"]["b"][:4:2] == ["0", "0"]
    for forged in (
        whole_square("lp", [[0, "1"], [2, "-1"]]),
        whole_square("lp", [[0, "2"], [0, "-1"], [2, "-1"]]),
        whole_square("dd", [0, 2]),
    ):
        verdict = check_certificate(forged)
        assert not verdict.verified and "negative" in verdict.reason, verdict.reason


def test_the_whole_square_fails_whatever_the_decision_proof():
    for engine in ("dd", "lp"):
        proofs = ["b", "z", []] + [[t] for t in range(4)] + [list(p) for p in itertools.combinations(range(4), 2)]
        for proof in proofs:
            proof = [[t, "1"] for t in proof] if engine == "lp" and isinstance(proof, list) else proof
            assert outcome(whole_square(engine, proof)) != "verified", (engine, proof)


# -- adjacency -------------------------------------------------------------------------------------------------
def test_edges_between_regions_that_touch_in_less_than_a_facet():
    """Every pair that is no edge, among them the regions around the point (1/2, 1/2) where three
    hyperplanes meet, in the vertex form and (with every real edge's proofs) the constraint form."""
    for engine in ("dd", "lp"):
        cert = fresh("hostile", engine)
        patterns, edges = _patterns(cert), truth("hostile")[1]
        proofs = {tuple(map(json.dumps, e[2:])) for e in cert["edges"]} if engine == "lp" else {()}
        for i, j in itertools.combinations(range(len(patterns)), 2):
            if frozenset((patterns[i], patterns[j])) in edges:
                continue
            for extra in list(proofs)[:8]:
                forged = copy.deepcopy(cert)
                forged["edges"] = sorted(forged["edges"] + [[i, j, *map(json.loads, extra)]], key=lambda e: e[:2])
                forged["summary"]["edges"] += 1
                assert outcome(forged) == "refused", (engine, i, j)


def test_a_dropped_edge_fails_whatever_the_piece_count():
    for name, engine in (("hostile", "dd"), ("hostile", "lp"), ("one_d", "dd"), ("cube", "lp")):
        cert = fresh(name, engine)
        true_pieces = cert["summary"]["linear_pieces"]
        for e in range(len(cert["edges"])):
            for pieces in (true_pieces - 1, true_pieces, true_pieces + 1):
                forged = copy.deepcopy(cert)
                forged["edges"].pop(e)
                forged["summary"].update(edges=len(forged["edges"]), linear_pieces=pieces)
                assert outcome(forged) == "refused", (name, engine, e, pieces)


# -- vertex lists at concurrent hyperplanes ------------------------------------------------------------------
def test_incomplete_vertex_lists_at_concurrent_hyperplanes():
    """In the cube cut by six planes through the origin, a region whose list names each true vertex
    once loses a vertex (dropped, or renamed as a second copy of another): refused every time."""
    cert = fresh("cube")
    net = Network.from_json(CONCURRENT_3D)
    true_vertices = {r.pattern: len(r.vertices) for r in partition(net, CUBE).regions}
    tested = 0
    for r, (region, pattern) in enumerate(zip(cert["regions"], _patterns(cert))):
        bases = region["vertices"]
        if len(bases) != true_vertices[pattern]:
            continue
        for v in range(len(bases)):
            dropped, doubled = copy.deepcopy(cert), copy.deepcopy(cert)
            dropped["regions"][r]["vertices"].pop(v)
            doubled["regions"][r]["vertices"][v] = bases[(v + 1) % len(bases)]
            assert outcome(dropped) == outcome(doubled) == "refused", (r, v)
            tested += 1
    assert tested >= 50


# -- the domain, the network, the numbers -------------------------------------------------------------------
def test_swapped_box_fails():
    for lo_hi in ([(0, 1), (0, 2)], [(0, 1), (-1, 1)], [(0, "1/2"), (0, 1)], [(0, 1), ("1/3", 1)]):
        for engine in ("dd", "lp"):
            forged = fresh("hostile", engine)
            forged["domain"]["box"] = [[str(lo), str(hi)] for lo, hi in lo_hi]
            forged["domain"]["A"] = [["-1", "0"], ["1", "0"], ["0", "-1"], ["0", "1"]]
            forged["domain"]["b"] = [
                str(-Fraction(lo_hi[c][0])) if s == 0 else str(lo_hi[c][1]) for c in range(2) for s in range(2)
            ]
            assert outcome(forged) == "refused", (lo_hi, engine)


def test_another_networks_certificate_is_bound_by_the_network_given(tmp_path):
    """A certificate of a changed network, with the original's provenance: true of its embedded
    network, so VERIFIED alone (and says no network was compared), NOT VERIFIED against the original
    -- also when the change (a dead neuron's bias) leaves every region and map the same."""
    original = tmp_path / "net.json"
    original.write_text(json.dumps(HOSTILE))
    source = fresh("hostile")["source"]
    for edit, same_partition in (
        (lambda n: n[0]["bias"].__setitem__(4, "-3"), True),
        (lambda n: n[0]["weight"][2].__setitem__(0, "11/10"), False),
    ):
        changed = copy.deepcopy(HOSTILE)
        edit(changed["layers"])
        net = Network.from_json(changed)
        assert (len(partition(net, UNIT).regions) == truth("hostile")[0]) == same_partition
        forged = certify(net, UNIT)
        forged["source"] = source
        assert outcome(forged) == "verified"
        verdict = check_certificate(forged, original)
        assert not verdict.verified and "differs from the certificate's embedded network" in verdict.reason
        path = tmp_path / "forged.json"
        path.write_text(json.dumps(forged))
        for command in (["exactrelu_checker"], ["exactrelu", "check"]):
            out = subprocess.run(
                [sys.executable, "-m", *command, str(path), "--network", str(original)],
                capture_output=True,
                text=True,
                cwd=ROOT,
                timeout=120,
            )
            assert out.returncode == 1 and out.stdout.startswith("NOT VERIFIED: the network given differs"), out
            assert "Traceback" not in out.stderr


@pytest.mark.parametrize("text", ["1/0", "0/0", "1e5", "0x10", "+1/2", "1/-2", "1//2", "9" * 4301, "\u0661/2"])
def test_malformed_numbers_are_one_line(text):
    for engine in ("dd", "lp"):
        forged = fresh("hostile", engine)
        forged["regions"][0]["point"][0] = text
        assert outcome(forged) == "malformed"
        forged = fresh("hostile", engine)
        forged["network"]["layers"][0]["bias"][4] = text
        assert outcome(forged) == "malformed"


def test_a_dead_neuron_made_live_by_minus_zero_fails():
    """'-0' is a legal zero: as the dead neuron's bias, x + y > 0 inside the box contradicts its bit 0."""
    forged = fresh("hostile")
    forged["network"]["layers"][0]["bias"][4] = "-0"
    assert outcome(forged) == "refused"


def test_a_wrong_map_added_to_a_compact_certificate():
    full = fresh("hostile")
    cert = compact(full)
    for r in range(len(cert["regions"])):
        other = full["regions"][(r + 1) % len(full["regions"])]["map"]
        if other == full["regions"][r]["map"]:
            continue
        forged = copy.deepcopy(cert)
        forged["regions"][r]["map"] = other
        assert outcome(forged) == "refused", r


def test_points_moved_onto_a_facet_fail():
    """Each region's point moved to the midpoint of one of its edges (on its boundary), in 1 to 3 dimensions."""
    for name in ("one_d", "hostile", "cube"):
        net, box = {"one_d": (ONE_D, [(-1, 1)]), "hostile": (HOSTILE, UNIT), "cube": (CONCURRENT_3D, CUBE)}[name]
        cert = fresh(name)
        regions = {r.pattern: r for r in partition(Network.from_json(net), box).regions}
        for r, pattern in enumerate(_patterns(cert)):
            vertices = regions[pattern].vertices
            for a, b in list(itertools.combinations(vertices, 2))[:6]:
                middle = [(x + y) / 2 for x, y in zip(a, b)]
                if regions[pattern].contains(middle, strictly=True):
                    continue  # a diagonal: the middle is inside
                forged = copy.deepcopy(cert)
                forged["regions"][r]["point"] = [str(x) for x in middle]
                assert outcome(forged) == "refused", (name, r, middle)


def test_points_of_other_regions_fail():
    """Each region's point replaced by every other region's: outside the cell, though every decided neuron's
    proof still holds (the checker tests the point only against the cell's constraints and relies on them)."""
    for name in ("hostile", "cube"):
        cert = fresh(name)
        points = [region["point"] for region in cert["regions"]]
        for r, s in itertools.permutations(range(len(points)), 2):
            if s == (r + 1) % len(points) or s == (r + 2) % len(points):
                forged = copy.deepcopy(cert)
                forged["regions"][r]["point"] = points[s]
                assert outcome(forged) == "refused", (name, r, s)


# -- the decision boundary -----------------------------------------------------------------------------------
def _boundary_forgery(boundary: dict, kind: str, *args) -> None:
    if kind == "drop piece":
        boundary["pieces"].pop(args[0])
    elif kind == "move piece":
        boundary["pieces"][args[0]]["region"] = args[1]
    elif kind == "toggle tie":
        entry = {"region": args[0], "classes": args[1]}
        if entry in boundary["ties"]:
            boundary["ties"].remove(entry)
        else:
            boundary["ties"].append(entry)
    else:
        boundary["whole"][args[0]] = args[1]


def test_boundary_pieces_moved_dropped_ties_or_whole_class_changed():
    for name in ("hostile", "cube", "one_out"):
        cert = fresh(name, boundary=True)
        boundary, n_out = cert["boundary"], len(cert["network"]["layers"][-1]["bias"])
        listed = {(p["region"], tuple(p["classes"]), tuple(p["hyperplane"])) for p in boundary["pieces"]}
        pairs = [[0]] if n_out == 1 else [list(pair) for pair in itertools.combinations(range(n_out), 2)]
        forgeries = [("toggle tie", r, pair) for r in range(len(cert["regions"])) for pair in pairs]
        for i, piece in enumerate(boundary["pieces"]):
            forgeries.append(("drop piece", i))
            forgeries += [
                ("move piece", i, r)
                for r in range(i % 3, len(cert["regions"]), 3)
                if (r, tuple(piece["classes"]), tuple(piece["hyperplane"])) not in listed
            ]  # else really there
        for r, whole in enumerate(boundary["whole"]):
            forgeries += [("whole", r, other) for other in [None, *range(max(n_out, 2))] if other != whole]
        assert len(forgeries) >= 40
        for forgery in forgeries:
            forged = copy.deepcopy(cert)
            _boundary_forgery(forged["boundary"], *forgery)
            assert outcome(forged) == "refused", (name, forgery)


# -- the command line: a closed or full stdout -------------------------------------------------------------
@pytest.fixture
def cert_file(tmp_path) -> Path:
    path = tmp_path / "cert.json"
    path.write_text(_cert("hostile"))
    return path


def _check_writing_to(stdout, cert_file: Path) -> subprocess.CompletedProcess:
    """The standalone checker on ``cert_file`` with its standard output sent to ``stdout``."""
    return subprocess.run(
        [sys.executable, "-m", "exactrelu_checker", str(cert_file)],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_closed_stdout_ends_quietly_with_141(cert_file):
    read, write = os.pipe()
    os.close(read)  # every write to the pipe fails with EPIPE
    try:
        out = _check_writing_to(write, cert_file)
    finally:
        os.close(write)
    assert (out.returncode, out.stderr) == (141, "")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_full_stdout_is_one_line_and_exit_2(cert_file):
    with open("/dev/full", "w") as full:
        out = _check_writing_to(full, cert_file)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.startswith("exactrelu-checker: error: ") and out.stderr.count("\n") == 1, out.stderr

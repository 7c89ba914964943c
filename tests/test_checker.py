"""The independent checker: hand-written and produced certificates pass, tampered ones never do.

Hand-written certificates (the built-in example, a 1-D net) do not depend on the producer; the
producer's certificates for the shared example table must all verify.  Tampering is tested by
hand (one test per kind of lie) and by Hypothesis, which mutates one number anywhere and compares
with the truth: the enumerator rerun on the mutated network and domain.  A mutated certificate
whose claims are still true may pass; one whose claims are false must be refused.
"""

from __future__ import annotations

import copy
import functools
import json
import random
import time
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from example_nets import EXAMPLES, POLYTOPE_EXAMPLES, by_name
from exactrelu_checker import MalformedCertificate, Verdict, check_certificate, check_file, main
from exactrelu_checker.geometry import VertexTable, facet_volume, region_facets
from exactrelu_checker.linalg import rref

SHARED = Path(__file__).resolve().parents[2] / "shared" / "nets"
ALL = EXAMPLES + POLYTOPE_EXAMPLES


def q(*values) -> list:
    return [str(Fraction(v)) for v in values]


def _box_domain(box) -> dict:
    A, b = [], []
    for i, (lo, hi) in enumerate(box):
        A += [q(*[-1 if c == i else 0 for c in range(len(box))]), q(*[1 if c == i else 0 for c in range(len(box))])]
        b += q(-Fraction(lo), hi)
    return {"A": A, "b": b, "box": [q(lo, hi) for lo, hi in box]}


# The built-in example by hand: L1 = -X + Y, L2 = X + Y - 1 on [0,1]^2; P = 2 h1 + h2, Q = h1 + 2 h2 - 1/4.
# Constraints: 0: x >= 0, 1: 1 - x >= 0, 2: y >= 0, 3: 1 - y >= 0, 4: +-L1, 5: +-L2.
EXAMPLE = {
    "format": "exactrelu-certificate", "version": 1,
    "network": {"layers": [{"weight": [q(-1, 1), q(1, 1)], "bias": q(0, -1)},
                           {"weight": [q(2, 1), q(1, 2)], "bias": q(0, "-1/4")}]},
    "source": {"file": "built-in example", "reading": "exact rationals"},
    "domain": _box_domain([(0, 1), (0, 1)]),
    "bounded": [q(0, 1, 0, 0), q(1, 0, 0, 0), q(0, 0, 0, 1), q(0, 0, 1, 0)],
    "tree": [{"k": 0, "s": 0, "p": 1, "m": 2}, {"k": 0, "s": 1, "p": 3, "m": 4}, {"k": 0, "s": 1, "p": 5, "m": 6},
             {"k": 0, "r": 3}, {"k": 0, "r": 2}, {"k": 0, "r": 1}, {"k": 0, "d": [], "r": 0}],
    "regions": [
        {"pattern": [[0, 0]], "point": q("1/2", "1/6"), "map": {"weight": [q(0, 0), q(0, 0)], "bias": q(0, "-1/4")},
         "vertices": [[0, 2], [1, 2], [4, 5]]},
        {"pattern": [[0, 1]], "point": q("5/6", "1/2"), "map": {"weight": [q(1, 1), q(2, 2)], "bias": q(-1, "-9/4")},
         "vertices": [[1, 2], [1, 3], [5, 4]]},
        {"pattern": [[1, 0]], "point": q("1/6", "1/2"), "map": {"weight": [q(-2, 2), q(-1, 1)], "bias": q(0, "-1/4")},
         "vertices": [[0, 2], [0, 3], [4, 5]]},
        {"pattern": [[1, 1]], "point": q("1/2", "5/6"), "map": {"weight": [q(-1, 3), q(1, 3)], "bias": q(-1, "-9/4")},
         "vertices": [[0, 3], [1, 3], [4, 5]]},
    ],
    "edges": [[0, 1], [0, 2], [1, 3], [2, 3]],
    "summary": {"regions": 4, "edges": 4, "linear_pieces": 4},
}

# One input on [-1, 2]: h1 = relu(x), h2 = relu(x - 1), y = h1 - 2 h2.  Pattern [0, 1] is impossible:
# on the cell x <= 0 the decision "h2 off" is proved by the basis [2] (the split constraint -x >= 0).
ONE_D = {
    "format": "exactrelu-certificate", "version": 1,
    "network": {"layers": [{"weight": [q(1), q(1)], "bias": q(0, -1)}, {"weight": [q(1, -2)], "bias": q(0)}]},
    "source": {},
    "domain": _box_domain([(-1, 2)]),
    "bounded": [q(0, 1), q(1, 0)],
    "tree": [{"k": 0, "s": 0, "p": 1, "m": 2}, {"k": 0, "s": 1, "p": 3, "m": 4},
             {"k": 0, "d": [[1, 0, [2]]], "r": 0}, {"k": 0, "r": 2}, {"k": 0, "r": 1}],
    "regions": [
        {"pattern": [[0, 0]], "point": q("-1/2"), "map": {"weight": [q(0)], "bias": q(0)}, "vertices": [[0], [2]]},
        {"pattern": [[1, 0]], "point": q("1/2"), "map": {"weight": [q(1)], "bias": q(0)}, "vertices": [[2], [3]]},
        {"pattern": [[1, 1]], "point": q("3/2"), "map": {"weight": [q(-1)], "bias": q(2)}, "vertices": [[1], [3]]},
    ],
    "edges": [[0, 1], [1, 2]],
    "summary": {"regions": 3, "edges": 2, "linear_pieces": 3},
}


def refused(cert, **kwargs) -> bool:
    try:
        return not check_certificate(cert, **kwargs).verified
    except MalformedCertificate:
        return True


def reason(cert) -> str:
    verdict = check_certificate(cert)
    assert not verdict.verified
    assert "\n" not in verdict.reason and verdict.reason
    return verdict.reason


@functools.lru_cache(maxsize=None)
def produced(name: str) -> str:
    from exactrelu import Domain
    from exactrelu import certify

    ex = by_name(name)
    domain = Domain.polytope(ex.box["A"], ex.box["b"]) if isinstance(ex.box, dict) else Domain.box(ex.box)
    return json.dumps(certify(ex.net, domain))


def producer(name: str) -> dict:
    pytest.importorskip("exactrelu.certificate.producer")
    return json.loads(produced(name))


# -- valid certificates pass ------------------------------------------------------------------------
@pytest.mark.parametrize("cert", [EXAMPLE, ONE_D], ids=["example", "one_d"])
def test_hand_written_certificates_verify(cert):
    verdict = check_certificate(cert)
    assert (verdict.verified, verdict.reason) == (True, "")
    assert check_certificate(json.dumps(cert)).verified
    assert check_certificate(json.dumps(cert).encode()).verified


@pytest.mark.parametrize("name", [ex.name for ex in ALL])
def test_producer_certificates_verify(name):
    cert = producer(name)
    verdict = check_certificate(cert)
    assert (verdict.verified, verdict.reason) == (True, "")
    # a real tree stays within the spec's node limit R (L + 1)
    assert len(cert["tree"]) <= len(cert["regions"]) * len(cert["network"]["layers"])


def test_producer_random_nets_verify():
    pytest.importorskip("exactrelu.certificate.producer")
    from exactrelu import Domain
    from exactrelu import certify
    from example_nets import random_net

    for seed, (d, hidden) in enumerate([(2, (5, 4)), (3, (4, 4)), (2, (3, 3, 3)), (4, (4,))]):
        cert = certify(random_net(7000 + seed, d, hidden, rational=seed % 2 == 1), Domain.box([(-2, 2)] * d))
        assert check_certificate(json.dumps(cert)).verified, (seed, check_certificate(cert))


def test_unreduced_rationals_are_read_exactly():
    cert = copy.deepcopy(EXAMPLE)
    cert["regions"][0]["map"]["bias"][1] = "-2/8"
    cert["regions"][0]["point"] = ["4/8", "001/6"]
    assert check_certificate(cert).verified


# -- tampering, one kind of lie at a time -------------------------------------------------------------
def tampered(base: dict, edit) -> dict:
    cert = copy.deepcopy(base)
    edit(cert)
    return cert


def _drop_last_region(c):  # and make everything else consistent: its leaf now names region 0
    c["regions"].pop()
    c["edges"] = [e for e in c["edges"] if 3 not in e]
    c["summary"] = {"regions": 3, "edges": len(c["edges"]), "linear_pieces": 3}
    c["tree"][3]["r"] = 0


def _duplicate_region(c):
    c["regions"].append(copy.deepcopy(c["regions"][0]))
    c["summary"]["regions"] = c["summary"]["linear_pieces"] = 5


def _add_edge(c):  # regions 0 and 3 meet only at the point (1/2, 1/2)
    c["edges"].append([0, 3])
    c["summary"]["edges"] = 5


def _drop_edge(c):
    c["edges"].pop()
    c["summary"]["edges"] = 3


def _widen_domain(c):
    c["domain"] = _box_domain([(0, 2), (0, 1)])


TAMPERS = {
    "drop a region": lambda c: c["regions"].pop(),
    "drop a region consistently": _drop_last_region,
    "duplicate a region": _duplicate_region,
    "flip a pattern bit": lambda c: c["regions"][1]["pattern"][0].__setitem__(0, 1),
    "witness point in another region": lambda c: c["regions"][0].__setitem__("point", q("1/2", "5/6")),
    "witness point on a boundary": lambda c: c["regions"][0].__setitem__("point", q("1/2", "1/2")),
    "witness point outside the domain": lambda c: c["regions"][0].__setitem__("point", q("1/2", "-1/6")),
    "alter a map entry": lambda c: c["regions"][3]["map"]["weight"][0].__setitem__(1, "4"),
    "alter a map bias": lambda c: c["regions"][2]["map"]["bias"].__setitem__(1, "-1/5"),
    "alter a network weight": lambda c: c["network"]["layers"][0]["weight"][1].__setitem__(0, "2"),
    "alter an output weight": lambda c: c["network"]["layers"][1]["weight"][0].__setitem__(0, "3"),
    "add an edge between non-adjacent regions": _add_edge,
    "drop an edge": _drop_edge,
    "duplicate an edge": lambda c: c["edges"].append([0, 1]),
    "edge not ordered": lambda c: c["edges"].__setitem__(0, [1, 0]),
    "widen the domain": _widen_domain,
    "box inconsistent with A, b": lambda c: c["domain"]["box"].__setitem__(0, q(0, 2)),
    "alter a bounded multiplier": lambda c: c["bounded"][0].__setitem__(1, "2"),
    "negative bounded multiplier": lambda c: c["bounded"][1].__setitem__(1, "-1"),
    "wrong summary regions": lambda c: c["summary"].__setitem__("regions", 5),
    "wrong summary linear pieces": lambda c: c["summary"].__setitem__("linear_pieces", 3),
    "vertex missing": lambda c: c["regions"][0]["vertices"].pop(),
    "vertex outside its region": lambda c: c["regions"][0]["vertices"].__setitem__(0, [0, 3]),
    "vertex with dependent constraints": lambda c: c["regions"][0]["vertices"].__setitem__(0, [0, 1]),
    "vertex index past the leaf's constraints": lambda c: c["regions"][0]["vertices"].__setitem__(0, [0, 6]),
    "leaf names the wrong region": lambda c: (c["tree"][3].__setitem__("r", 2), c["tree"][4].__setitem__("r", 3)),
    "split children swapped": lambda c: c["tree"][0].update(p=2, m=1),
    "a node with two parents": lambda c: c["tree"][2].update(p=3),
    "child before parent": lambda c: (c["tree"].insert(1, c["tree"].pop(3)), c["tree"][0].update(p=2, m=3),
                                      c["tree"][2].update(p=1, m=5)),
    "split a neuron twice": lambda c: c["tree"][1].__setitem__("s", 0),
    "decision for a split neuron": lambda c: c["tree"][3].__setitem__("d", [[0, 1, "b"]]),
    "unproved decision instead of a split": lambda c: c["tree"][0].update(d=[[0, 1, "b"]]),
    "layer bookkeeping": lambda c: c["tree"][6].__setitem__("k", 1),
}


@pytest.mark.parametrize("name", sorted(TAMPERS))
def test_tampered_example_is_refused(name):
    assert check_certificate(EXAMPLE).verified
    assert refused(tampered(EXAMPLE, TAMPERS[name]))


def test_refusal_names_the_region_or_edge():
    assert "region 0" in reason(tampered(EXAMPLE, TAMPERS["witness point in another region"]))
    assert "edge 4 [0, 3]" in reason(tampered(EXAMPLE, _add_edge))
    assert "missing adjacency" in reason(tampered(EXAMPLE, _drop_edge))
    assert reason(tampered(EXAMPLE, TAMPERS["alter a network weight"])).startswith("claim")


def test_decision_proofs_are_checked():
    def decision(proof, bit=0):
        return tampered(ONE_D, lambda c: c["tree"][2].__setitem__("d", [[1, bit, proof]]))

    assert check_certificate(decision([2])).verified
    for proof in ([0], [1], [2, 2], [3], "b", "z", [0, 1]):  # wrong or insufficient proofs
        assert refused(decision(proof)), proof
    assert refused(decision([2], bit=1))  # x - 1 >= 0 is false on x <= 0


def test_decision_proof_basis_from_producer_is_load_bearing():
    cert = producer("random11_3d_4x3")
    spots = [(n, i) for n, node in enumerate(cert["tree"]) for i, (_, _, p) in enumerate(node.get("d", []))
             if isinstance(p, list)]
    assert spots
    for n, i in spots[:10]:
        bad = copy.deepcopy(cert)
        bad["tree"][n]["d"][i][2] = [0]  # one domain constraint cannot carry a general gradient
        assert refused(bad), (n, i)


def test_float_and_truncation_are_malformed():
    text = json.dumps(EXAMPLE)
    with pytest.raises(MalformedCertificate, match="not allowed"):
        check_certificate(text.replace('"1/6"', "0.16666", 1))
    with pytest.raises(MalformedCertificate, match="not valid JSON"):
        check_certificate(text[: len(text) // 2])


def test_network_file_is_compared_exactly(tmp_path):
    net = tmp_path / "net.json"
    net.write_text(json.dumps(EXAMPLE["network"]) + " ")  # the bytes do not matter, the numbers do
    path = tmp_path / "cert.json"
    path.write_text(json.dumps(EXAMPLE))  # no hash recorded: none is needed
    assert check_file(path, net).verified
    assert check_file(path, str(net)).compared_with == str(net)
    net.write_text(json.dumps(tampered(EXAMPLE, TAMPERS["alter a network weight"])["network"]))
    assert check_file(path, net).reason == ("the network given differs from the certificate's embedded network "
                                            "(layer 0 weight [1][0]: 2 vs 1)")


# -- Hypothesis: mutate one number anywhere, compare with the truth -----------------------------------
def _leaves(obj, path=()):
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _leaves(value, path + (key,))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield from _leaves(value, path + (i,))
    elif isinstance(obj, (int, str)):
        yield path, obj


def _set(obj, path, value):
    for key in path[:-1]:
        obj = obj[key]
    obj[path[-1]] = value


def _claims_true(cert: dict) -> bool:
    """Whether the certificate's claims (network, domain, patterns, maps, edges, summary) are the
    truth, by the enumerator rerun on its network and domain."""
    from exactrelu import Domain, Network, partition
    from exactrelu.errors import ExactReluError

    F = Fraction
    try:
        net = Network.from_layers([(layer["weight"], layer["bias"]) for layer in cert["network"]["layers"]],
                                  negative_slopes=cert["network"].get("negative_slopes", ()))
        dom = cert["domain"]
        if "box" in dom and _box_domain(dom["box"]) != {k: [[str(F(v)) for v in r] if isinstance(r, list) else str(F(r))
                                                             for r in dom[k]] for k in ("A", "b", "box")}:
            return False
        truth = partition(net, Domain.polytope(dom["A"], dom["b"]))
    except (ExactReluError, ValueError, ZeroDivisionError, TypeError):
        return False

    def region_claim(r):
        return (tuple(map(tuple, r["pattern"])), tuple(tuple(F(v) for v in row) for row in r["map"]["weight"]),
                tuple(F(v) for v in r["map"]["bias"]))

    claimed = [region_claim(r) for r in cert["regions"]]
    real = [(r.pattern, r.weight, r.bias) for r in truth.regions]
    if sorted(claimed) != sorted(real) or len(set(claimed)) != len(claimed):
        return False
    pattern = [c[0] for c in claimed]
    real_edges = {frozenset((truth.regions[i].pattern, truth.regions[j].pattern)) for i, j in truth.edges}
    edges = [frozenset((pattern[i], pattern[j])) for i, j in cert["edges"]]
    return (len(set(edges)) == len(edges) and set(edges) == real_edges
            and cert["summary"] == {k: truth.summary()[k] for k in ("regions", "edges", "linear_pieces")})


MUTATED = ["builtin", "random7_2d_4x4", "leaky", "zero_on_half", "random9_3d_3x2", "one_input_deep"]


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(MUTATED), pick=st.integers(0, 10 ** 9), delta=st.fractions(-3, 3, max_denominator=4),
       step=st.sampled_from([-2, -1, 1, 2, 3]))
def test_random_mutations_never_verify_false_claims(name, pick, delta, step):
    cert = producer(name)
    leaves = [(p, v) for p, v in _leaves(cert) if p[0] not in ("format", "source")]
    path, value = leaves[pick % len(leaves)]
    if isinstance(value, int) and not isinstance(value, bool):
        new = value + step
    elif value in ("z", "b"):
        new = "b" if value == "z" else "z"
    else:
        new = str(Fraction(value) + (delta or Fraction(1, 3)))
    _set(cert, path, new)
    try:
        verdict = check_certificate(json.dumps(cert))
    except MalformedCertificate:
        return
    if verdict.verified:
        assert _claims_true(cert), (path, value, new)


# -- hostile input: fails cleanly and fast -------------------------------------------------------------
def _with(edit):
    return json.dumps(tampered(EXAMPLE, edit))


HOSTILE = {
    "not json": b"\x00\x01garbage",
    "not utf-8": b'{"format": "\xff"}',
    "empty": b"",
    "top-level list": b"[]",
    "huge integer string": _with(lambda c: c["regions"][0]["point"].__setitem__(0, "1" * 5000)),
    "huge denominator": _with(lambda c: c["regions"][0]["point"].__setitem__(0, "1/" + "7" * 4301)),
    "huge JSON integer": _with(lambda c: c["edges"].__setitem__(0, [0, 1])).replace("[[0, 1]", "[[0, " + "9" * 5000, 1),
    "deep nesting": ("[" * 100_000 + "]" * 100_000).encode(),  # a str not starting with { is a file name
    "deep nesting in a field": _with(lambda c: c.__setitem__("tree", [])).replace('"tree": []', '"tree": ' + "[" * 50_000 + "]" * 50_000),
    "a million edges": _with(lambda c: c.__setitem__("edges", [[0, 1]] * 1_000_000)),
    "a million tree nodes": _with(lambda c: c.__setitem__("tree", [{"k": 0, "r": 0}] * 1_000_000)),
    "a million vertex indices": _with(lambda c: c["regions"][0].__setitem__("vertices", [[0, 1]] * 1_000_000)),
    "a million-entry point": _with(lambda c: c["regions"][0].__setitem__("point", ["0"] * 1_000_000)),
    "NaN": _with(lambda c: None).replace('"1/6"', "NaN", 1),
    "Infinity": _with(lambda c: None).replace('"1/6"', "-Infinity", 1),
    "exponent": _with(lambda c: None).replace('"1/6"', "1e400", 1),
    "bool for an int": _with(lambda c: c["regions"][0]["pattern"][0].__setitem__(0, False)),
    "bool for an index": _with(lambda c: c["tree"][0].__setitem__("p", True)),
    "int for a rational": _with(lambda c: c["regions"][0]["point"].__setitem__(0, 1)),
    "string for an index": _with(lambda c: c["edges"].__setitem__(0, ["0", "1"])),
    "negative index": _with(lambda c: c["edges"].__setitem__(0, [-1, 1])),
    "out-of-range region": _with(lambda c: c["tree"][3].__setitem__("r", 99)),
    "out-of-range child": _with(lambda c: c["tree"][0].__setitem__("p", 99)),
    "negative vertex index": _with(lambda c: c["regions"][0]["vertices"].__setitem__(0, [-1, 2])),
    "out-of-range neuron": _with(lambda c: c["tree"][0].__setitem__("s", 7)),
    "missing key": _with(lambda c: c.pop("edges")),
    "unknown key": _with(lambda c: c.__setitem__("extra", 1)),
    "duplicate key": _with(lambda c: None).replace('"version": 1', '"version": 1, "version": 1'),
    "wrong version": _with(lambda c: c.__setitem__("version", 2)),
    "wrong shape": _with(lambda c: c["regions"][0]["map"]["weight"].pop()),
    "zero denominator": _with(lambda c: c["regions"][0]["point"].__setitem__(0, "1/0")),
    "rational with spaces": _with(lambda c: c["regions"][0]["point"].__setitem__(0, " 1/2")),
    "unicode digits": _with(lambda c: c["regions"][0]["point"].__setitem__(0, "\u0661/2")),
    "decimal string": _with(lambda c: c["regions"][0]["point"].__setitem__(0, "0.5")),
    "node with two kinds": _with(lambda c: c["tree"][3].__setitem__("n", 4)),
    "null for a list": _with(lambda c: c.__setitem__("regions", None)),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_fails_cleanly(name):
    start = time.perf_counter()
    try:
        verdict = check_certificate(HOSTILE[name])
        assert not verdict.verified and verdict.reason and "\n" not in verdict.reason
    except MalformedCertificate as exc:
        assert str(exc) and "\n" not in str(exc)
    assert time.perf_counter() - start < 5


# -- the command line ---------------------------------------------------------------------------------
def test_main_exit_codes(tmp_path, capsys):
    good, bad, broken = tmp_path / "good.json", tmp_path / "bad.json", tmp_path / "broken.json"
    good.write_text(json.dumps(EXAMPLE))
    bad.write_text(json.dumps(tampered(EXAMPLE, _drop_edge)))
    broken.write_text(json.dumps(EXAMPLE)[:-3])
    assert main([str(good)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "VERIFIED"
    assert main([str(bad)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("NOT VERIFIED: claim 4") and out.count("\n") == 1
    for args in ([str(broken)], [str(tmp_path / "missing.json")], [str(good), "--network", str(tmp_path / "nope")], []):
        with pytest.raises(SystemExit) if not args else _nothing():
            assert main(args) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and captured.err.startswith("exactrelu-checker: error: ")
        assert captured.err.count("\n") == 1 and "Traceback" not in captured.err


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_python_dash_m(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "c.json"
    path.write_text(json.dumps(ONE_D))
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-m", "exactrelu_checker", str(path)], capture_output=True, text=True,
                         cwd=root, timeout=60)
    assert (out.returncode, out.stdout.splitlines()[0], out.stderr) == (0, "VERIFIED", "")


# -- the exact kernels ----------------------------------------------------------------------------------
def test_rref_matches_fraction_elimination():
    rng = random.Random(5)
    for _ in range(300):
        n, c = rng.randint(1, 5), rng.randint(1, 6)
        rows = [[rng.choice([0, rng.randint(-9, 9), rng.randint(-10 ** 9, 10 ** 9)]) for _ in range(c)] for _ in range(n)]
        if n > 1 and rng.random() < 0.3:
            rows[-1] = [2 * a - 3 * b for a, b in zip(rows[0], rows[-2])]
        pivots, R, p = rref(rows, c)
        # reference: Fraction Gauss-Jordan
        a = [[Fraction(x) for x in r] for r in rows]
        ref_pivots, i = [], 0
        for j in range(c):
            k = next((k for k in range(i, n) if a[k][j]), None)
            if k is None:
                continue
            a[i], a[k] = a[k], a[i]
            a[i] = [x / a[i][j] for x in a[i]]
            for r in range(n):
                if r != i and a[r][j]:
                    a[r] = [x - a[r][j] * y for x, y in zip(a[r], a[i])]
            ref_pivots.append(j)
            i += 1
        assert pivots == ref_pivots
        assert [[Fraction(x, p) for x in r] for r in R[:len(pivots)]] == a[:len(pivots)]
        assert all(not any(r) for r in R[len(pivots):])


def _cube_cell(lo, hi):
    """Constraints of the box prod [lo_i, hi_i] in 3-D and its vertices named by constraint bases."""
    cons = []
    for i in range(3):
        e = [0, 0, 0]
        e[i] = 1
        cons += [(-lo[i], *e), (hi[i], *[-x for x in e])]
    bases = [[0 + a, 2 + b, 4 + c] for a in (0, 1) for b in (0, 1) for c in (0, 1)]
    return cons, bases


def test_facets_and_volumes_of_a_box():
    table = VertexTable()
    cons, bases = _cube_cell((0, 0, 0), (2, 3, 5))
    facets = region_facets("box", cons, cons, bases, 3, table)
    assert len(facets) == 6 and all(len(v) == 4 for v, _ in facets.values())
    sets = [v for v, _ in facets.values()]
    # the facet x = 0 is a 3 x 5 rectangle: 2! * 15 = 30 in the (y, z) projection
    assert facet_volume(facets[cons[0]][0], sets, table.coords, 1) == 30
    assert facet_volume(facets[cons[4]][0], sets, table.coords, 3) == 12
    with pytest.raises(Exception, match="incomplete"):
        region_facets("box", cons, cons, bases[:-1], 3, VertexTable())


def test_degenerate_vertex_closure():
    # a square pyramid: apex (1, 1, 1) on four planes, base [0, 2]^2 at z = 0
    cons = [(0, 0, 0, 1), (0, 1, 0, -1), (2, -1, 0, -1), (0, 0, 1, -1), (2, 0, -1, -1)]
    bases = [[0, 1, 3], [0, 2, 3], [0, 1, 4], [0, 2, 4], [1, 2, 3]]
    table = VertexTable()
    facets = region_facets("pyramid", cons, cons, bases, 3, table)
    assert sorted(len(v) for v, _ in facets.values()) == [3, 3, 3, 3, 4]
    with pytest.raises(Exception, match="incomplete"):
        region_facets("pyramid", cons, cons, bases[:-1], 3, VertexTable())  # the apex is missing
    with pytest.raises(Exception, match="incomplete"):
        region_facets("pyramid", cons, cons, bases[1:], 3, VertexTable())  # a base corner is missing


def test_facet_covered_by_several_smaller_facets():
    """The volume branch of coverage, which exact activation partitions never seem to need (their
    facets across a hyperplane match): region 0 = [0,1] x [0,2] meets [1,2] x [0,1] and [1,2] x [1,2]."""
    from types import SimpleNamespace

    from exactrelu_checker.check import _Checker

    cells = [[(0, 1, 0), (1, -1, 0), (0, 0, 1), (2, 0, -1)], [(-1, 1, 0), (2, -1, 0), (0, 0, 1), (1, 0, -1)],
             [(-1, 1, 0), (2, -1, 0), (-1, 0, 1), (2, 0, -1)]]

    def checker(edges):
        chk = _Checker.__new__(_Checker)
        chk.table, chk.domain, chk.maps = VertexTable(), [(0, 1, 0), (2, -1, 0), (0, 0, 1), (2, 0, -1)], [((), 1)] * 3
        chk.facets = [region_facets(f"region {i}", c, c, [[0, 2], [1, 2], [0, 3], [1, 3]], 2, chk.table)
                      for i, c in enumerate(cells)]
        chk.cert = SimpleNamespace(regions=[None] * 3, edges=edges, summary=(3, len(edges), 1))
        return chk

    checker(((0, 1), (0, 2), (1, 2))).check_edges()
    with pytest.raises(Exception, match=r"cover 1/2 of its facet .*missing adjacency"):
        checker(((0, 1), (1, 2))).check_edges()


@pytest.mark.slow
def test_shared_bunny_certificate():
    if not (SHARED / "bunny_2_4x32.npz").exists():
        pytest.skip("../shared/nets is absent")
    pytest.importorskip("exactrelu.certificate.producer")
    from exactrelu import Domain, load
    from exactrelu import certify

    cert = certify(load(SHARED / "bunny_2_4x32.npz"), Domain.box([("-1/2", "1/2")] * 2))
    assert check_certificate(json.dumps(cert)).verified

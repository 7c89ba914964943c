"""Certificates on degenerate and hostile inputs: every one is produced, VERIFIED by the independent
checker, and states exactly the regions of :func:`exactrelu.partition`.

Three sources of inputs: (a) every network of the shared example table and the degenerate networks
the other tests build; (b) a table of hostile cases (near-ties far below float resolution, weights
beyond float precision, float32 weights, lattices of concurrent lines, microscopic boxes, polytopes
with duplicated and redundant rows, thin simplices); (c) Hypothesis, drawing such networks and
domains in 1 to 3 input dimensions.  Also the exact cone search behind Farkas bases at degenerate
vertices, against brute force over every subset.
"""

from __future__ import annotations

import itertools
import json
import random
from fractions import Fraction as F

import numpy as np
import pytest
from example_nets import EXAMPLES, POLYTOPE_EXAMPLES, box_rows, dense_net, random_net
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from oracles import general_position_net

from exactrelu import Domain, Network, certify, partition
from exactrelu.certificate.farkas import _cone_basis, _solve_multipliers
from exactrelu.geometry.cell import Cell
from exactrelu_checker import check_certificate


def make_domain(box) -> Domain:
    return Domain.polytope(box["A"], box["b"]) if isinstance(box, dict) else Domain.box(box)


def _claims(regions) -> dict:
    return {json.dumps(r["pattern"]): r["map"] for r in regions}


def certify_and_check(net: Network, domain: Domain) -> dict:
    """Certify, check the certificate (as the JSON text a file would hold) and compare its regions
    with an independent partition() run."""
    cert = certify(net, domain)
    verdict = check_certificate(json.dumps(cert))
    assert verdict.verified, verdict.reason
    truth = partition(net, domain)
    expected = truth.to_json()
    assert len(cert["regions"]) == len(expected["regions"])
    assert _claims(cert["regions"]) == _claims(expected["regions"])
    assert cert["summary"] == {k: truth.summary()[k] for k in ("regions", "edges", "linear_pieces")}
    return cert


def N(*layers, slopes=()) -> Network:
    return Network.from_layers(list(layers), negative_slopes=list(slopes))


def f32(*values) -> list:
    return [float(np.float32(v)) for v in values]


# --------------------------------------------------------------------------- (a) the example table
# The degenerate networks other test files build, rebuilt here (the source is named).
def _coincident_net():  # tests/test_partition.py: one line four times, and a box edge
    return N(([[1, -1], [2, -2], [-1, 1], [1, 0]], [0, 0, 0, 0]), ([[1, 0, -1, 0]], [0]), ([[1]], [0]))


def _beyond_float_net():  # tests/test_lp_engine.py: weights 10^350 and 10^-350
    big = 10**350
    return N(([[1, F(1, big)], [F(big, 3), -1], [1, 1]], [0, F(1, 7), F(-1, 2)]),
             ([[1, 2, 3], [1, -1, 1]], [0, 1]), ([[1, 1]], [0]))


def _tiny_face_domain(d=4):  # as in tests/test_domain.py: x1 <= 10^-40 in a box (validation beyond floats)
    A, b = box_rows(d)
    A[0] = [10**40] + [0] * (d - 1)
    return Domain.polytope(A, b)


GENERATED = [
    *[(ex.name, ex.net, ex.box) for ex in EXAMPLES + POLYTOPE_EXAMPLES],
    ("coincident_neurons", _coincident_net(), [(0, 1), (0, 1)]),
    ("weights_beyond_float_range", _beyond_float_net(), [(-1, 1), (-1, 1)]),
    *[(f"general_position_{d}d_{n}", *general_position_net(seed, n, d))
      for d, n, seed in [(2, 2, 1), (2, 5, 3), (2, 7, 4), (2, 9, 13), (3, 3, 5), (3, 5, 7), (3, 7, 16), (4, 4, 17)]],
    *[(f"checker_random_{seed}", random_net(7000 + seed, d, hidden, rational=seed % 2 == 1), [(-2, 2)] * d)
      for seed, (d, hidden) in enumerate([(2, (5, 4)), (3, (4, 4)), (2, (3, 3, 3)), (4, (4,))])],
    ("central_3d", dense_net(3, (5,), seed=16, central=True), [(-1, 1)] * 3),
    ("central_4d_two_layers", dense_net(4, (4, 3), seed=3, central=True), [(-1, 1)] * 4),
    ("off_centre_4d", dense_net(4, (4,), seed=3), [("1/4", "3/4")] * 4),
]


@pytest.mark.parametrize("name, net, box", GENERATED, ids=[g[0] for g in GENERATED])
def test_generated_networks_certify_and_verify(name, net, box):
    certify_and_check(net, make_domain(box))


def test_domain_with_a_face_beyond_the_float_range():
    net = N(([[1, 1, 0, 0], [10**40, -1, 0, 1]], [0, 0]), ([[1, -1]], [0]))
    certify_and_check(net, _tiny_face_domain())


# --------------------------------------------------------------------------- (b) hostile cases
TIE = F(1, 10**30)
LATTICE = N(([[1, 0]] * 5 + [[0, 1]] * 5, [-k for k in range(5)] * 2), ([[1, -1, 2, -2, 3, 1, -1, 2, -2, 3]], [0]))
# Every lattice point of [0, 4]^2 also on x = y and on x + y = 4: up to four lines through one vertex.
LATTICE_DIAGONALS = N(([[1, 0]] * 5 + [[0, 1]] * 5 + [[1, -1], [1, 1]], [-k for k in range(5)] * 2 + [0, -4]),
                      ([list(range(1, 13))], [0]))
# Fourteen planes through the origin of a 3-D box: cells with more than SUBSET_TRIALS candidate bases at
# the origin, so decisions there go through the exact cone search.
_rng = random.Random(2)
CONCURRENT_3D = N(([[_rng.randint(-5, 5) or 1 for _ in range(3)] for _ in range(14)], [0] * 14), ([[1] * 14], [0]))
THIN = F(1, 10**20)

HOSTILE = {
    # The smallest failure: ReLU(x) on [2/3, 1] (vertices (3, 2) and (1, 1) in homogeneous form).
    "relu_on_two_thirds_to_one": (N(([[1]], [0]), ([[1]], [0])), [("2/3", 1)]),
    "relu_on_one_third_to_one": (N(([[1]], [0]), ([[1]], [0])), [("1/3", 1)]),
    "relu_far_from_origin": (N(([[1]], [-5]), ([[1]], [0])), [("1000001/1000", "1000003/1000")]),
    "near_tie_bias_3_minus_1e-30": (N(([[1, 1], [1, -1]], [3 - TIE, 0]), ([[1, 1]], [0])), [(-2, 2), (-2, 2)]),
    "near_tie_two_breakpoints_1e-30_apart": (N(([[1], [1]], [-1, -1 + TIE]), ([[1, -1]], [0])), [(0, 2)]),
    "near_tie_corner_missed_by_1e-30": (N(([[1, 1]], [-2 - TIE]), ([[1]], [0])), [(0, 1), (0, 1)]),
    "near_tie_corner_cut_by_1e-30": (N(([[1, 1]], [-2 + TIE]), ([[1]], [0])), [(0, 1), (0, 1)]),
    "near_tie_second_layer": (N(([[1, 0], [0, 1]], [0, 0]), ([[1, 1], [1, -1]], [-1 + TIE, TIE]), ([[1, 1]], [0])),
                              [(-1, 1), (-1, 1)]),
    "weights_1e40": (N(([[10**40, 1], [1, -10**40]], [0, 10**40]), ([[1, 1]], [0])), [(-1, 1), (-1, 1)]),
    "weights_1e40_and_1e-40": (N(([[10**40, F(1, 10**40)], [F(1, 10**40), -1]], [-(10**40) // 2, 0]),
                                 ([[10**40, 1]], [0])), [(0, 1), (0, 1)]),
    "float32_weights": (N(([f32(0.1, -0.7), f32(0.3, 0.2), f32(1.1, 1.3)], f32(0.05, -0.01, -0.9)),
                          ([f32(1.1, -0.4, 0.7)], f32(0.125))), [(-1, 1), (-1, 1)]),
    "float32_weights_3d": (N(([f32(0.1, -0.7, 0.2), f32(0.3, 0.2, -0.6)], f32(0.05, -0.01)),
                              ([f32(1.1, -0.4)], [0])), [(-1, 1)] * 3),
    "lattice_5x5": (LATTICE, [(0, 4), (0, 4)]),
    "lattice_5x5_with_diagonals": (LATTICE_DIAGONALS, [(0, 4), (0, 4)]),
    "lattice_5x5_duplicated_neurons": (N(([[1, 0]] * 10 + [[0, 1]] * 10, [-k // 2 for k in range(10)] * 2),
                                         ([[1] * 20], [0])), [(0, 4), (0, 4)]),
    "concurrent_planes_3d": (CONCURRENT_3D, [(-1, 1)] * 3),
    "box_width_1e-20_off_origin": (N(([[1, 1], [1, -1]], [-3, 0]), ([[1, 1]], [0])),
                                   [(F(3, 2), F(3, 2) + THIN), (F(3, 2), F(3, 2) + THIN)]),
    "box_width_1e-20_1d": (N(([[1]], [-5 - THIN / 2]), ([[1]], [0])), [(5, 5 + THIN)]),
    "box_width_1e-20_3d": (N(([[1, 1, 1], [1, -1, 0]], [-6 - THIN, 0]), ([[1, 1]], [0])),
                           [(2, 2 + THIN)] * 3),
    "polytope_duplicated_and_redundant_rows": (
        N(([[1, 1], [1, -1]], [-1, 0]), ([[1, 1]], [0])),
        {"A": [[-1, 0], [-1, 0], [0, -1], [1, 1], [2, 2], [1, 0], [0, 1], [-3, 0]],
         "b": [0, 0, 0, 2, 4, 5, 5, TIE]}),
    "polytope_rows_through_one_vertex": (
        N(([[1, 0], [0, 1]], [-1, 0]), ([[1, 1]], [0])),
        {"A": [[-1, 0], [0, -1], [1, 1], [2, 1], [1, 2], [1, 1]], "b": [0, 0, 2, 3, 3, 2]}),
    "thin_simplex": (N(([[1, 1], [1, -1]], [-1, 0]), ([[1, 1]], [0])),
                     {"A": [[-1, 0], [0, -1], [1, 10**6]], "b": [0, 0, F(1, 10**6)]}),
    "thin_simplex_3d": (N(([[1, 1, 1], [1, -1, 0]], [-F(1, 10**9), 0]), ([[1, 1]], [0])),
                        {"A": [[-1, 0, 0], [0, -1, 0], [0, 0, -1], [1, 10**9, 10**9]], "b": [0, 0, 0, F(1, 10**6)]}),
    "dead_neuron_on_polytope": (N(([[0, 0], [1, -1], [0, 0]], [-1, 0, 2]), ([[1, 1, 1]], [0])),
                                {"A": [[-1, 0], [0, -1], [1, 1]], "b": [0, 0, 1]}),
    "leaky_near_tie": (N(([[1, 1], [1, -1]], [-1 + TIE, 0]), ([[1, 1]], [TIE]), ([[1]], [0]),
                         slopes=["1/10", "1/1000000000000000000000000000000"]), [(0, 1), (0, 1)]),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_cases_certify_and_verify(name):
    net, box = HOSTILE[name]
    certify_and_check(net, make_domain(box))


def test_the_reported_command_line(tmp_path):
    from exactrelu.cli import main

    net = tmp_path / "relu.json"
    net.write_text('{"layers":[{"weight":[["1"]],"bias":["0"]},{"weight":[["1"]],"bias":["0"]}]}')
    out = tmp_path / "cert.json"
    assert main(["certify", str(net), "--box=2/3:1", "-o", str(out)]) == 0
    assert check_certificate(out.read_text()).verified


# --------------------------------------------------------------------------- (c) Hypothesis
def _near(value) -> st.SearchStrategy:
    return st.builds(lambda s, e: F(value) + s * F(1, 10**e), st.sampled_from([1, -1]), st.sampled_from([6, 20, 30]))


ENTRY = st.one_of(
    st.integers(-3, 3),
    st.fractions(-3, 3, max_denominator=7),
    st.sampled_from([0, 1, -1, 2]).flatmap(_near),
    st.builds(lambda s, e: s * 10**e, st.sampled_from([1, -1]), st.sampled_from([20, 40])),
    st.builds(lambda s, e: s * F(1, 10**e), st.sampled_from([1, -1]), st.sampled_from([20, 40])),
    st.floats(-2, 2, width=32),
)


@st.composite
def degenerate_nets(draw, centre: list, scale: F) -> Network:
    """Small networks whose neurons are often duplicated, negated, scaled, concurrent (through
    ``centre``), dead or identically zero, with near-ties, huge and float32 entries.  First-layer
    hyperplanes pass within a few ``scale`` of ``centre``, so they cut domains of that size there."""
    d = len(centre)
    widths = [d] + draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)) + [draw(st.integers(1, 2))]
    layers = []
    for k, (n_in, n_out) in enumerate(zip(widths, widths[1:])):
        W, b = [], []
        for _ in range(n_out):
            kind = draw(st.sampled_from(["near", "near", "near", "free", "duplicate", "negated", "scaled",
                                         "concurrent", "concurrent", "dead", "zero"]))
            if kind in ("duplicate", "negated", "scaled") and W:
                factor = {"duplicate": 1, "negated": -1, "scaled": draw(st.sampled_from([2, F(1, 3), 10**20]))}[kind]
                W.append([factor * F(w) for w in W[-1]])
                b.append(factor * F(b[-1]) + draw(st.sampled_from([0, 0, scale * F(1, 10**30)])))
                continue
            row = [F(w) for w in draw(st.lists(ENTRY, min_size=n_in, max_size=n_in))]
            if kind == "dead":
                W.append([0] * n_in)
                b.append(draw(st.sampled_from([-1, F(-1, 10**30)])))
            elif kind == "zero":
                W.append([0] * n_in)
                b.append(0)
            elif k == 0 and kind in ("near", "concurrent"):  # through the centre, or off it by a bit
                offset = 0 if kind == "concurrent" else scale * F(draw(ENTRY)) / 4
                W.append(row)
                b.append(-sum(w * c for w, c in zip(row, centre)) + offset)
            else:
                W.append(row)
                b.append(draw(ENTRY))
        layers.append((W, b))
    slopes = [draw(st.sampled_from([0, 0, 0, F(1, 10), F(1, 10**30)])) for _ in layers[:-1]]
    return Network.from_layers(layers, negative_slopes=slopes)


@st.composite
def degenerate_domains(draw, centre: list, scale: F) -> Domain:
    """Domains of size about ``scale`` holding ``centre`` (inside or on the boundary): boxes, and
    simplices (thin when slanted) with duplicated, scaled and redundant rows (some redundant only by
    1/10^30), rows in shuffled order."""
    d = len(centre)
    below = [scale * draw(st.sampled_from([F(0), F(1, 4), F(1, 2), F(1, 3)])) for _ in range(d)]
    corner = [c - a for c, a in zip(centre, below)]
    if draw(st.booleans()):
        widths = [a + scale * draw(st.sampled_from([F(0), F(1, 2), F(1), F(1, 10**6)])) for a in below]
        widths = [w if w > 0 else scale for w in widths]
        return Domain.box([(c, c + w) for c, w in zip(corner, widths)])
    slant = [draw(st.sampled_from([1, 1, 2, 10**6])) for _ in range(d)]
    size = sum(s * a for s, a in zip(slant, below)) + scale * draw(st.sampled_from([F(0), F(1, 2), F(1)]))
    size = size if size > 0 else scale
    A = [[-1 if j == i else 0 for j in range(d)] for i in range(d)] + [slant]
    b = [-c for c in corner] + [sum(s * c for s, c in zip(slant, corner)) + size]
    for _ in range(draw(st.integers(0, 3))):  # duplicated, scaled, or redundant by a hair
        i = draw(st.integers(0, len(A) - 1))
        factor = draw(st.sampled_from([1, 2, F(1, 3)]))
        A.append([factor * a for a in A[i]])
        b.append(factor * b[i] + draw(st.sampled_from([0, 0, scale, scale * F(1, 10**30)])))
    if draw(st.booleans()):  # a redundant bounding box, touching the simplex at one vertex
        for i in range(d):
            A.append([1 if j == i else 0 for j in range(d)])
            b.append(corner[i] + size / slant[i] * draw(st.sampled_from([1, 2])))
    order = draw(st.permutations(range(len(A))))
    return Domain.polytope([A[i] for i in order], [b[i] for i in order])


@st.composite
def degenerate_cases(draw):
    d = draw(st.integers(1, 3))
    centre = draw(st.lists(st.sampled_from([F(0), F(2, 3), F(-1), F(5), F(-7, 3), F(10**6)]), min_size=d, max_size=d))
    scale = draw(st.sampled_from([F(1), F(3), F(1, 3), F(1, 10**6), F(1, 10**20)]))
    return draw(degenerate_nets(centre, scale)), draw(degenerate_domains(centre, scale))


def _hypothesis_certify(case):
    net, domain = case
    cert = certify_and_check(net, domain)
    regions = cert["summary"]["regions"]
    event(f"d={domain.dim} {'box' if domain.is_box else 'polytope'}, "
          f"{'1' if regions == 1 else '2-5' if regions <= 5 else 'over 5'} regions")


_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(max_examples=200, **_SETTINGS)
@given(degenerate_cases())
def test_hypothesis_degenerate_inputs_certify_and_verify(case):
    _hypothesis_certify(case)


@pytest.mark.slow
@settings(max_examples=3000, **_SETTINGS)
@given(degenerate_cases())
def test_hypothesis_degenerate_inputs_certify_and_verify_many(case):
    _hypothesis_certify(case)


# --------------------------------------------------------------------------- the cone search
def _cell_with(d: int, gradients) -> Cell:
    """A stand-in cell: only ``dim`` and the constraint gradients matter to the cone search."""
    cons = [(0,) + tuple(g) for g in gradients]
    return Cell(d, cons, [None] * len(cons), [], np.empty((0, d + 1)), [])


def _some_subset_works(cell, tight, gradient) -> bool:
    for r in range(1, cell.dim + 1):
        for basis in itertools.combinations(tight, r):
            y = _solve_multipliers(cell, list(basis), gradient)
            if y is not None and all(v >= 0 for v in y):
                return True
    return False


@settings(max_examples=150, deadline=None)
@given(d=st.integers(1, 4), data=st.data())
def test_cone_search_agrees_with_every_subset(d, data):
    vector = st.lists(st.integers(-3, 3), min_size=d, max_size=d).filter(any)
    gradients = data.draw(st.lists(vector, min_size=1, max_size=9))
    gradients += data.draw(st.lists(st.sampled_from(gradients), max_size=3))  # duplicated rows
    if data.draw(st.booleans()):  # a gradient inside the cone
        weights = data.draw(st.lists(st.integers(0, 3), min_size=len(gradients), max_size=len(gradients)))
        gradient = tuple(sum(w * g[c] for w, g in zip(weights, gradients)) for c in range(d))
    else:
        gradient = tuple(data.draw(vector))
    cell = _cell_with(d, gradients)
    tight = list(range(len(gradients)))
    basis = _cone_basis(cell, tight, gradient)
    if basis is None:
        assert any(gradient) and not _some_subset_works(cell, tight, gradient)
    else:
        assert len(set(basis)) == len(basis) <= d and set(basis) <= set(tight)
        y = _solve_multipliers(cell, basis, gradient)
        assert y is not None and all(v >= 0 for v in y)


def test_cone_search_is_used_where_subsets_run_out(monkeypatch):
    # 14 planes through the origin in 3-D: up to C(14, 1) + C(14, 2) + C(14, 3) candidate subsets
    import exactrelu.certificate.farkas as farkas

    calls = []
    monkeypatch.setattr(farkas, "_cone_basis", lambda *args: calls.append(1) or _cone_basis(*args))
    certify_and_check(CONCURRENT_3D, Domain.box([(-1, 1)] * 3))
    assert calls

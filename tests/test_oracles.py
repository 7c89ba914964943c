"""The independent oracles agree with each other and with counts derived by hand.

Brute force over patterns (tests/oracles.py) and exact polygon clipping share no geometry code;
both are checked against the exact forward pass, against closed-form counts (Zaslavsky) and
against hand derivations for the named degenerate networks.
"""

from __future__ import annotations

import functools
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from example_nets import ALL, EXAMPLES, POLYTOPE_EXAMPLES, TWO_D, by_name
from exactrelu.network import Network
from oracles import (
    brute_force_partition,
    brute_force_regions,
    exact_pattern,
    general_position_net,
    neuron_forms,
    polygon_adjacency,
    polygon_area,
    polygon_regions,
    zaslavsky_count,
)

F = Fraction


@functools.lru_cache(maxsize=None)
def oracle(name: str):
    ex = by_name(name)
    return brute_force_partition(ex.net, ex.box)


def domain_area(box) -> Fraction:
    if isinstance(box, dict):
        return HAND_AREAS[str(box)]
    (x0, x1), (y0, y1) = ((F(lo), F(hi)) for lo, hi in box)
    return (x1 - x0) * (y1 - y0)


# Triangle x, y >= 0, x + y <= 2: area 2.  Triangle -x-2y <= 2, 3x-y <= 3, -x+3y <= 4: its
# vertices are the pairwise crossings (4/7, -9/7), (13/8, 15/8), (-14/5, 2/5).
def _triangle_area(p, q, r):
    return abs((q[0] - p[0]) * (r[1] - p[1]) - (r[0] - p[0]) * (q[1] - p[1])) / 2


HAND_AREAS = {
    str(POLYTOPE_EXAMPLES[0].box): F(2),
    str(POLYTOPE_EXAMPLES[2].box): _triangle_area((F(4, 7), F(-9, 7)), (F(13, 8), F(15, 8)), (F(-14, 5), F(2, 5))),
}


def _centroid(vertices):
    n = len(vertices)
    return tuple(sum(v[k] for v in vertices) / n for k in range(len(vertices[0])))


# --------------------------------------------------------------------------- brute force vs clipping
@pytest.mark.parametrize("ex", TWO_D, ids=lambda ex: ex.name)
def test_brute_force_equals_polygon_clipping(ex):
    bf = oracle(ex.name)
    poly = polygon_regions(ex.net, ex.box)
    assert set(poly) == set(bf.regions)
    for pattern, region in poly.items():
        expected = bf.regions[pattern]
        assert (region.weight, region.bias) == (expected.weight, expected.bias), pattern
        assert set(region.vertices) == set(expected.vertices), pattern
    assert polygon_adjacency(poly) == bf.adjacent


@pytest.mark.parametrize("ex", TWO_D, ids=lambda ex: ex.name)
def test_polygon_areas_sum_to_domain_area(ex):
    poly = polygon_regions(ex.net, ex.box)
    assert all(r.area > 0 for r in poly.values())
    assert sum(r.area for r in poly.values()) == domain_area(ex.box)


@pytest.mark.parametrize("ex", [
    pytest.param(ex, marks=[pytest.mark.slow] if ex.net.n_inputs * ex.net.n_hidden > 15 else [])
    for ex in ALL if ex.net.n_hidden <= 7], ids=lambda ex: ex.name)
def test_pruned_walk_equals_all_patterns(ex):
    assert brute_force_regions(ex.net, ex.box) == brute_force_regions(ex.net, ex.box, prune=False)


@pytest.mark.parametrize("ex", ALL, ids=lambda ex: ex.name)
def test_oracle_regions_agree_with_forward_pass(ex):
    """At each region's vertex centroid (strictly inside: the region is full-dimensional) the
    composed map reproduces the forward pass and the pattern has the right signs."""
    for pattern, region in oracle(ex.name).regions.items():
        c = _centroid(region.vertices)
        out = ex.net.forward(c)
        assert out == tuple(sum((w * x for w, x in zip(row, c)), b) for row, b in zip(region.weight, region.bias))
        pre = ex.net.pre_activations(c)
        for layer_pre, layer_forms, bits in zip(pre, neuron_forms(ex.net, pattern), pattern):
            for value, (a, const), bit in zip(layer_pre, layer_forms, bits):
                if bit:
                    assert value > 0
                else:
                    assert value < 0 or (const == 0 and not any(a))


def test_polygon_clipping_on_a_point_grid():
    """Every grid point of a random 4x4 example lands in a polygon whose map is the forward pass."""
    ex = by_name("random7_2d_4x4")
    poly = polygon_regions(ex.net, ex.box)
    (x0, x1), (y0, y1) = ((F(lo), F(hi)) for lo, hi in ex.box)
    for i in range(13):
        for j in range(13):
            x = (x0 + (x1 - x0) * i / 12, y0 + (y1 - y0) * j / 12)
            hits = [r for r in poly.values() if _inside_polygon(x, r.vertices)]
            assert hits
            for r in hits:
                assert ex.net.forward(x) == tuple(
                    sum((w * v for w, v in zip(row, x)), b) for row, b in zip(r.weight, r.bias))


def _inside_polygon(x, vertices):
    n = len(vertices)
    for k in range(n):
        p, q = vertices[k], vertices[(k + 1) % n]
        if (q[0] - p[0]) * (x[1] - p[1]) - (q[1] - p[1]) * (x[0] - p[0]) < 0:
            return False
    return True


@st.composite
def small_nets(draw):
    """Integer weights in [-3, 3], 2 inputs, 1-2 hidden layers of 1-3 neurons, 1 output."""
    widths = [2] + draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)) + [1]
    entry = st.integers(-3, 3)
    layers = [(draw(st.lists(st.lists(entry, min_size=a, max_size=a), min_size=b, max_size=b)),
               draw(st.lists(entry, min_size=b, max_size=b)))
              for a, b in zip(widths, widths[1:])]
    return Network.from_layers(layers)


@settings(max_examples=40, deadline=None)
@given(small_nets())
def test_brute_force_equals_polygon_clipping_hypothesis(net):
    box = [(-1, 1), (-1, 2)]
    bf = brute_force_partition(net, box)
    poly = polygon_regions(net, box)
    assert set(poly) == set(bf.regions)
    assert all((poly[p].weight, poly[p].bias, set(poly[p].vertices))
               == (bf.regions[p].weight, bf.regions[p].bias, set(bf.regions[p].vertices)) for p in poly)
    assert polygon_adjacency(poly) == bf.adjacent
    assert sum(r.area for r in poly.values()) == 6


# --------------------------------------------------------------------------- Zaslavsky
def test_zaslavsky_formula():
    assert [zaslavsky_count(n, 2) for n in range(6)] == [1, 2, 4, 7, 11, 16]
    assert [zaslavsky_count(n, 3) for n in range(6)] == [1, 2, 4, 8, 15, 26]
    assert zaslavsky_count(6, 4) == 1 + 6 + 15 + 20 + 15


@pytest.mark.parametrize("d,n,seed", [(2, 2, 1), (2, 3, 2), (2, 5, 3), (2, 7, 4), (3, 3, 5), (3, 4, 6), (3, 5, 7)])
def test_zaslavsky_equals_brute_force(d, n, seed):
    net, box = general_position_net(seed, n, d)
    p = brute_force_partition(net, box)
    assert len(p.regions) == zaslavsky_count(n, d)
    # One layer: the output map changes across every hyperplane, so no two regions merge.
    assert p.linear_pieces == len(p.regions)
    if d == 2:
        assert len(polygon_regions(net, box)) == zaslavsky_count(n, d)


# --------------------------------------------------------------------------- hand-derived counts
# name: (regions, adjacent pairs, linear pieces)
HAND_COUNTS = {
    # y = x and x + y = 1 run corner to corner and cross at (1/2, 1/2): four triangles; opposite
    # triangles meet only at the centre, so 4 adjacent pairs; all four maps differ.
    "builtin": (4, 4, 4),
    # Three distinct lines through one interior point: 6 sectors in a cycle, 6 adjacent pairs;
    # neighbours differ in one active neuron with a nonzero form, so 6 pieces.
    "concurrent3": (6, 6, 6),
    # Four lines through one point: 8 sectors, 8 pairs, 8 pieces.
    "concurrent4": (8, 8, 8),
    # x = 1/2 twice and y = 1/3: four rectangles (the two copies always agree), 4 pairs.
    "duplicated": (4, 4, 4),
    # h1 = x + y - 1 and h2 = -h1: exactly one is on each side of the diagonal; 2 regions, 1 pair;
    # the output h1 - h2 = x + y - 1 is affine everywhere: 1 linear piece.
    "negated": (2, 1, 1),
    # Same neurons, output h1 + h2 = |x + y - 1|: 2 pieces.
    "negated_bent": (2, 1, 2),
    # The all-zero neuron is canonically 0 everywhere; y = x splits: 2 regions.
    "zero_row": (2, 1, 2),
    # Bias -1 only, and x + y - 5 < 0: always 0; x + y + 5 > 0: always 1; y = x splits.
    "dead": (2, 1, 2),
    # Quadrants of x = 1/2, y = 1/2; layer 2 splits only the quadrant x, y > 1/2 (along y = x):
    # 5 regions; the quadrant cycle gives 4 pairs and the split one more; maps are 0, 2x - 1
    # (two regions meeting along y = 1/2) and 2y - 1 (two regions meeting along x = 1/2): 3 pieces.
    "zero_on_half": (5, 5, 3),
    # x1 >= 0, 1 - x2 >= 0, 1 - x1 >= 0 hold on the whole box (zero only on its edges): always 1;
    # only the diagonal splits.
    "box_edges": (2, 1, 2),
    "box_edges_off": (2, 1, 2),
    # x + y = 2 touches the box at (1, 1) only (always 0), x + y = 0 at (0, 0) only (always 1),
    # the diagonal y = x splits.
    "corners": (2, 1, 2),
    # x = 1/4, 1/3, 1/2, 3/4: five strips, four shared sides.
    "parallel": (5, 4, 5),
    # Breakpoints 0, 1/2, 1 on [-1, 2]: four intervals, consecutive ones share a point (dim 0).
    "one_input": (4, 3, 4),
    # The plane x + y + z = 1 (three neurons) and x = 1/2 cross inside the cube: 4 regions in a
    # cycle around their common line, 4 pairs.
    "coincident3d": (4, 4, 4),
}


@pytest.mark.parametrize("name", sorted(HAND_COUNTS))
def test_hand_counts(name):
    p = oracle(name)
    assert (len(p.regions), len(p.adjacent), p.linear_pieces) == HAND_COUNTS[name]


def test_builtin_by_hand():
    p = oracle("builtin")
    one, half, zero = F(1), F(1, 2), F(0)
    # Pattern (h1, h2) with h1 = -x + y, h2 = x + y - 1.
    assert p.regions[((1, 1),)].vertices == ((zero, one), (half, half), (one, one))
    assert p.regions[((0, 0),)].vertices == ((zero, zero), (half, half), (one, zero))
    assert p.regions[((1, 0),)].vertices == ((zero, zero), (zero, one), (half, half))
    assert p.regions[((0, 1),)].vertices == ((half, half), (one, zero), (one, one))
    # Both on: P = 2(-x + y) + (x + y - 1) = -x + 3y - 1, Q = (-x + y) + 2(x + y - 1) - 1/4.
    assert p.regions[((1, 1),)].weight == ((-1, 3), (1, 3))
    assert p.regions[((1, 1),)].bias == (-1, F(-9, 4))
    # Both off: constant outputs 0 and -1/4.
    assert p.regions[((0, 0),)].weight == ((0, 0), (0, 0))
    assert p.regions[((0, 0),)].bias == (0, F(-1, 4))
    assert p.adjacent == {(((0, 0),), ((0, 1),)), (((0, 0),), ((1, 0),)),
                          (((0, 1),), ((1, 1),)), (((1, 0),), ((1, 1),))}


def test_degenerate_patterns_by_hand():
    assert set(oracle("zero_on_half").regions) == {
        ((0, 0), (0, 0)), ((1, 0), (1, 0)), ((0, 1), (0, 1)), ((1, 1), (1, 1)), ((1, 1), (1, 0))}
    assert set(oracle("dead").regions) == {((1, 0, 0, 1),), ((0, 0, 0, 1),)}
    assert set(oracle("zero_row").regions) == {((1, 0),), ((0, 0),)}
    assert set(oracle("box_edges").regions) == {((1, 1, 1, 1),), ((1, 1, 1, 0),)}
    assert set(oracle("corners").regions) == {((0, 1, 1),), ((0, 1, 0),)}
    assert set(oracle("negated").regions) == {((1, 0),), ((0, 1),)}
    assert set(oracle("duplicated").regions) == {((0, 0, 0),), ((0, 0, 1),), ((1, 1, 0),), ((1, 1, 1),)}
    assert set(oracle("coincident3d").regions) == {
        ((0, 0, 1, 0),), ((0, 0, 1, 1),), ((1, 1, 0, 0),), ((1, 1, 0, 1),)}
    # The 1-D intervals, with their end points as vertices.
    one_input = oracle("one_input").regions
    assert sorted(r.vertices for r in one_input.values()) == [
        ((F(-1),), (F(0),)), ((F(0),), (F(1, 2),)), ((F(1, 2),), (F(1),)), ((F(1),), (F(2),))]


def test_exact_pattern_reads_signs():
    ex = by_name("builtin")
    assert exact_pattern(ex.net, (F(1, 4), F(1, 2))) == ((1, 0),)
    assert exact_pattern(ex.net, (F(1, 2), F(1, 2))) == ((0, 0),)  # both zero: neither positive


def test_polygon_area_is_signed_shoelace():
    square = [(F(0), F(0)), (F(2), F(0)), (F(2), F(3)), (F(0), F(3))]
    assert polygon_area(square) == 6
    assert polygon_area(square[::-1]) == -6

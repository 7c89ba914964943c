"""The enumerator against the independent oracles of tests/oracles.py.

Every example network of tests/example_nets.py must give the same canonical patterns, exact maps,
vertex sets, adjacency and linear-piece count as brute force over all patterns; in 2-D also the
same polygons as exact clipping, with areas summing exactly to the domain's.  Closed-form counts
(Zaslavsky), exact forward passes at random rational points and Hypothesis-generated networks
complete the picture.
"""

from __future__ import annotations

import functools
import random
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from example_nets import ALL, EXAMPLES, POLYTOPE_EXAMPLES, TRIANGLE, TWO_D, by_name
from exactrelu import Domain, Network, partition
from oracles import (
    brute_force_partition,
    domain_polygon,
    polygon_adjacency,
    general_position_net,
    neuron_forms,
    polygon_area,
    polygon_regions,
    sort_ccw,
    zaslavsky_count,
)

F = Fraction


def make_domain(box) -> Domain:
    if isinstance(box, dict):
        return Domain.polytope(box["A"], box["b"])
    return Domain.box(box)


@functools.lru_cache(maxsize=None)
def enumerated(name: str):
    ex = by_name(name)
    return partition(ex.net, make_domain(ex.box))


@functools.lru_cache(maxsize=None)
def oracle(name: str):
    ex = by_name(name)
    return brute_force_partition(ex.net, ex.box)


def edge_patterns(p) -> set:
    return {tuple(sorted((p.regions[i].pattern, p.regions[j].pattern))) for i, j in p.edges}


def apply_map(region, x):
    return tuple(sum((w * v for w, v in zip(row, x)), b) for row, b in zip(region.weight, region.bias))


def region_area(region) -> Fraction:
    return polygon_area(sort_ccw(region.vertices, region.point))


def domain_area(box) -> Fraction:
    if isinstance(box, dict):
        return polygon_area(domain_polygon(box))
    (x0, x1), (y0, y1) = ((F(lo), F(hi)) for lo, hi in box)
    return (x1 - x0) * (y1 - y0)


def assert_matches_brute_force(p, expected, context=""):
    got = {r.pattern: r for r in p.regions}
    assert len(got) == len(p.regions), f"{context}: a pattern is listed twice"
    missing, extra = set(expected.regions) - set(got), set(got) - set(expected.regions)
    assert not missing and not extra, f"{context}: missing patterns {missing}, extra patterns {extra}"
    for pattern, want in expected.regions.items():
        region = got[pattern]
        assert (region.weight, region.bias) == (want.weight, want.bias), f"{context}: map of {pattern}"
        assert set(region.vertices) == set(want.vertices), f"{context}: vertices of {pattern}"
    got_edges = edge_patterns(p)
    assert got_edges == expected.adjacent, (
        f"{context}: missing edges {expected.adjacent - got_edges}, extra edges {got_edges - expected.adjacent}")
    assert p.linear_pieces == expected.linear_pieces, f"{context}: linear pieces"


# --------------------------------------------------------------------------- brute force, every example
@pytest.mark.parametrize("ex", ALL, ids=lambda ex: ex.name)
def test_matches_brute_force(ex):
    assert_matches_brute_force(enumerated(ex.name), oracle(ex.name), ex.name)


@pytest.mark.parametrize("ex", ALL, ids=lambda ex: ex.name)
def test_edges_and_graph_are_consistent(ex):
    p = enumerated(ex.name)
    assert all(0 <= i < j < len(p.regions) for i, j in p.edges)
    assert len(set(p.edges)) == len(p.edges)
    g = p.graph
    assert sorted(g.nodes) == list(range(len(p.regions)))
    assert {tuple(sorted(e)) for e in g.edges} == set(p.edges)


@pytest.mark.parametrize("ex", ALL, ids=lambda ex: ex.name)
def test_points_strictly_inside(ex):
    """Each witness point has the signs its pattern says (> 0 for 1; < 0, or an identically zero
    form, for 0), lies strictly inside the domain, and is strictly inside its own region only."""
    p = enumerated(ex.name)
    domain = make_domain(ex.box)
    for i, region in enumerate(p.regions):
        x = region.point
        assert domain.contains(x, strictly=True)
        assert region.contains(x, strictly=True)
        forms = neuron_forms(ex.net, region.pattern)
        for values, layer_forms, bits in zip(ex.net.pre_activations(x), forms, region.pattern):
            for value, (a, c), bit in zip(values, layer_forms, bits):
                if bit:
                    assert value > 0, (region.pattern, x)
                else:
                    assert value < 0 or (c == 0 and not any(a)), (region.pattern, x)
        assert apply_map(region, x) == ex.net.forward(x)
        assert [j for j, other in enumerate(p.regions) if other.contains(x, strictly=True)] == [i]


# --------------------------------------------------------------------------- 2-D: polygon clipping
@pytest.mark.parametrize("ex", TWO_D, ids=lambda ex: ex.name)
def test_matches_polygon_clipping(ex):
    p = enumerated(ex.name)
    polys = polygon_regions(ex.net, ex.box)
    assert {r.pattern for r in p.regions} == set(polys)
    for region in p.regions:
        want = polys[region.pattern]
        assert (region.weight, region.bias) == (want.weight, want.bias)
        assert set(region.vertices) == set(want.vertices)
        assert region_area(region) == want.area
    assert edge_patterns(p) == polygon_adjacency(polys)


@pytest.mark.parametrize("ex", TWO_D, ids=lambda ex: ex.name)
def test_areas_sum_to_domain_area(ex):
    areas = [region_area(r) for r in enumerated(ex.name).regions]
    assert all(a > 0 for a in areas)
    assert sum(areas) == domain_area(ex.box)


# --------------------------------------------------------------------------- closed-form counts
@pytest.mark.parametrize("d,n,seed", [
    (2, 3, 11), (2, 6, 12), (2, 9, 13), (3, 3, 14), (3, 5, 15), (3, 7, 16), (4, 4, 17), (4, 6, 18),
])
def test_zaslavsky_count_in_general_position(d, n, seed):
    net, box = general_position_net(seed, n, d)
    p = partition(net, Domain.box(box))
    assert len(p.regions) == zaslavsky_count(n, d)
    assert len({r.pattern for r in p.regions}) == len(p.regions)
    assert p.linear_pieces == len(p.regions)


@pytest.mark.slow
@pytest.mark.parametrize("d,n,seed", [(2, 14, 21), (3, 10, 22), (4, 8, 23)])
def test_zaslavsky_count_larger(d, n, seed):
    net, box = general_position_net(seed, n, d)
    assert len(partition(net, Domain.box(box)).regions) == zaslavsky_count(n, d)


# --------------------------------------------------------------------------- exact forward passes
def random_points(ex, count: int, seed: int):
    """Seeded rational points of the domain: random ones and grid points (which often lie on
    hyperplanes, where any region whose closure holds the point must still give the output)."""
    rng = random.Random(seed)
    domain = make_domain(ex.box)
    if isinstance(ex.box, dict):
        poly = domain_polygon(ex.box)
        bounds = [(min(v[k] for v in poly), max(v[k] for v in poly)) for k in range(2)]
    else:
        bounds = [(F(lo), F(hi)) for lo, hi in ex.box]
    points = []
    while len(points) < count:
        den = rng.choice([2, 3, 4, 7, 16, 97, 1024])
        x = tuple(lo + (hi - lo) * F(rng.randint(0, den), den) for lo, hi in bounds)
        if domain.contains(x):
            points.append(x)
    return points


@pytest.mark.parametrize("ex", ALL, ids=lambda ex: ex.name)
def test_located_region_reproduces_forward_pass(ex):
    p = enumerated(ex.name)
    for x in random_points(ex, 60, seed=len(ex.name)):
        i = p.locate(x)
        assert i is not None, x
        region = p.regions[i]
        assert region.contains(x)
        assert apply_map(region, x) == ex.net.forward(x), (region.pattern, x)
        pre = ex.net.pre_activations(x)
        if all(v != 0 for layer in pre for v in layer):
            assert region.pattern == tuple(tuple(int(v > 0) for v in layer) for layer in pre), x


def test_locate_outside_the_domain():
    p = enumerated("builtin")
    assert p.locate((F(2), F(1, 2))) is None
    assert p.locate((F(-1, 10**9), F(0))) is None


# --------------------------------------------------------------------------- Hypothesis
@st.composite
def small_nets(draw):
    """Integer weights in [-3, 3], 2 inputs, 1-2 hidden layers of 1-3 neurons, 1-2 outputs."""
    widths = [2] + draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)) + [draw(st.integers(1, 2))]
    entry = st.integers(-3, 3)
    layers = [(draw(st.lists(st.lists(entry, min_size=a, max_size=a), min_size=b, max_size=b)),
               draw(st.lists(entry, min_size=b, max_size=b)))
              for a, b in zip(widths, widths[1:])]
    return Network.from_layers(layers)


boxes = st.sampled_from([[(-1, 1), (-1, 1)], [(0, 1), (0, 1)], [(-2, 1), ("-1/2", 3)]])


@settings(max_examples=40, deadline=None)
@given(small_nets(), boxes)
def test_hypothesis_nets_match_brute_force(net, box):
    p = partition(net, Domain.box(box))
    context = f"weights {[(l.weight, l.bias) for l in net.layers]} on box {box}"
    assert_matches_brute_force(p, brute_force_partition(net, box), context)
    assert sum(region_area(r) for r in p.regions) == domain_area(box)


# --------------------------------------------------------------------------- polytope domain
def test_triangle_domain():
    """The built-in network on the triangle x, y >= 0, x + y <= 2 (area 2): the lines y = x and
    x + y = 1 cut it into four pieces, all of which the oracles find too."""
    ex = by_name("builtin_triangle")
    p = partition(ex.net, Domain.polytope(TRIANGLE["A"], TRIANGLE["b"]))
    assert_matches_brute_force(p, oracle("builtin_triangle"), "builtin_triangle")
    assert len(p.regions) == 4
    assert sum(region_area(r) for r in p.regions) == 2
    assert p.locate((F(3, 2), F(3, 2))) is None


# --------------------------------------------------------------------------- determinism and JSON
@pytest.mark.parametrize("name", ["builtin", "concurrent4", "leaky", "random7_2d_4x4", "random11_3d_4x3"])
def test_region_order_is_deterministic(name):
    ex = by_name(name)
    first = partition(ex.net, make_domain(ex.box))
    second = partition(ex.net, make_domain(ex.box))
    assert [(r.pattern, r.point, r.weight, r.bias, r.vertices) for r in first.regions] == \
        [(r.pattern, r.point, r.weight, r.bias, r.vertices) for r in second.regions]
    assert first.edges == second.edges
    assert first.to_json()["regions"] == second.to_json()["regions"]


@pytest.mark.parametrize("name", ["builtin", "zero_on_half", "leaky", "coincident3d"])
def test_to_json_matches_regions(name):
    p = enumerated(name)
    data = p.to_json()
    assert data["summary"]["regions"] == len(p.regions)
    assert data["summary"]["edges"] == len(p.edges)
    assert data["summary"]["linear_pieces"] == p.linear_pieces
    assert data["edges"] == [list(e) for e in p.edges]
    for entry, region in zip(data["regions"], p.regions, strict=True):
        assert entry["pattern"] == [list(layer) for layer in region.pattern]
        for value in entry["point"] + entry["map"]["bias"] + sum(entry["map"]["weight"], []):
            assert isinstance(value, str)
        assert tuple(F(v) for v in entry["point"]) == region.point
        assert tuple(tuple(F(v) for v in row) for row in entry["map"]["weight"]) == region.weight
        assert tuple(F(v) for v in entry["map"]["bias"]) == region.bias


# --------------------------------------------------------------------------- real networks
NETS = Path(__file__).resolve().parents[1].parent / "shared" / "nets"
ACAS_CENTRE = (F("0.1"), F("0.05"), F("-0.1"), F("0.2"), F("-0.2"))


def shared_net(filename: str):
    if not (NETS / filename).exists():
        pytest.skip(f"{NETS / filename} is absent (the shared real networks live outside the project)")
    from exactrelu import load

    return load(NETS / filename)


# Counts measured by two independent float tools that agree exactly (../shared/nets/README.md).
REFERENCE_COUNTS = [
    pytest.param("bunny_2_4x32.npz", [("-1/2", "1/2")] * 2, 1186, 2316, id="bunny2"),
    pytest.param("acasxu_1_1.npz", [(c - F(1, 100), c + F(1, 100)) for c in ACAS_CENTRE], 547, 1605,
                 id="acasxu-0.01"),
    pytest.param("acasxu_1_1.npz", [(c - F(2, 100), c + F(2, 100)) for c in ACAS_CENTRE], 3675, 12850,
                 id="acasxu-0.02", marks=pytest.mark.slow),
    pytest.param("bunny_3_3x16.npz", [("-1/2", "1/2")] * 3, 22713, 66295, id="bunny3", marks=pytest.mark.slow),
]


@pytest.mark.parametrize("filename,box,regions,edges", REFERENCE_COUNTS)
def test_real_network_reference_counts(filename, box, regions, edges):
    p = partition(shared_net(filename), Domain.box(box))
    assert (len(p.regions), len(p.edges)) == (regions, edges)


@pytest.mark.slow
def test_real_network_matches_polygon_clipping():
    """A trained 2-input network (float64 weights read exactly) on a small box: the same
    polygons, maps and adjacency as exact clipping (the clipping oracle is slow on the huge
    rationals that exact float weights produce, hence the small box)."""
    net = shared_net("bunny_2_4x32.npz")
    box = [(0, "1/4"), (0, "1/4")]
    p = partition(net, Domain.box(box))
    polys = polygon_regions(net, box)
    assert {r.pattern for r in p.regions} == set(polys)
    for region in p.regions:
        want = polys[region.pattern]
        assert (region.weight, region.bias, set(region.vertices)) == (want.weight, want.bias, set(want.vertices))
    assert edge_patterns(p) == polygon_adjacency(polys)
    assert sum(region_area(r) for r in p.regions) == F(1, 16)

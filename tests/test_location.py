"""Batched point location (exactrelu.location, Partition.locate_many) against an independent oracle:
the scan of every region's facets (``Region.contains``), lowest index first.

Points: witnesses and random points strictly inside regions, every region vertex, points on shared
facets (each adjacency's point), points on the domain's boundary and outside it.  Networks: the
shared table of examples (degenerate ones included) and drawn ones with every degeneracy."""

from __future__ import annotations

import pickle
import random
from fractions import Fraction

import pytest
from example_nets import EXAMPLES, POLYTOPE_EXAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exactrelu import Domain, InvalidDomain, InvalidNumber, partition
from exactrelu.geometry.exact import dehomogenize
from exactrelu.location import PointLocator
from exactrelu.strategies import DEGENERACIES, boxes, networks, points_in, polytopes


def scan(p, x):
    """The oracle: the lowest index whose closed region (its facets) holds x."""
    return next((i for i, r in enumerate(p.regions) if r.contains(x)), None)


def probe_points(p, rng):
    """Interior, vertex, facet, domain-boundary and outside points of a partition, exactly."""
    points = [r.point for r in p.regions]
    points += [v for r in p.regions for v in r.vertices]
    points += [dehomogenize(a.point) for a in p.adjacencies]
    for r in p.regions:  # the midpoint of a vertex and the witness: inside, or on a facet through it
        points += [tuple((a + b) / 2 for a, b in zip(v, r.point)) for v in r.vertices[:3]]
    lo = [min(v[k] for r in p.regions for v in r.vertices) for k in range(p.domain.dim)]
    hi = [max(v[k] for r in p.regions for v in r.vertices) for k in range(p.domain.dim)]
    for _ in range(40):  # random points of the bounding box (some outside a polytope), and beyond it
        points.append(tuple(Fraction(rng.randint(-4, 24), 20) * (b - a) + a for a, b in zip(lo, hi)))
    return points


def domain_of(example):
    return Domain.polytope(example.box["A"], example.box["b"]) if isinstance(example.box, dict) else example.box


@pytest.mark.parametrize("example", EXAMPLES + POLYTOPE_EXAMPLES, ids=lambda e: e.name)
def test_locate_many_agrees_with_the_scan_on_every_kind_of_point(example):
    p = partition(example.net, domain_of(example))
    points = probe_points(p, random.Random(example.name))
    found = p.locate_many(points)
    assert found == [scan(p, x) for x in points]
    assert [p.locate(x) for x in points[:20]] == found[:20]
    for x, i in zip(points, found):  # the located region's map is the network there
        if i is not None:
            assert p.regions[i].output(x) == p.network.forward(x)


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(st.data())
def test_drawn_degenerate_networks_agree_with_the_scan(data):
    domain = data.draw(st.one_of(boxes(2, max_denominator=2), polytopes(2)))
    net = data.draw(
        networks(
            domain=domain,
            depth=(1, 2),
            width=(1, 3),
            degenerate=st.sets(st.sampled_from(DEGENERACIES), max_size=2),
            leaky=st.sampled_from([False, True]),
        )
    )
    p = partition(net, domain)
    points = probe_points(p, random.Random(0))
    points += [data.draw(points_in(p)) for _ in range(3)]
    assert p.locate_many(points) == [scan(p, x) for x in points]


def test_three_inputs_and_the_lp_engine():
    example = next(e for e in EXAMPLES if e.name == "random10_3d_2x2x2")
    p = partition(example.net, example.box, engine="lp")  # regions without vertices
    points = [r.point for r in p.regions] + [dehomogenize(a.point) for a in p.adjacencies]
    assert p.locate_many(points) == [scan(p, x) for x in points]


def test_inputs_in_every_exact_form_and_refusals():
    p = partition(EXAMPLES[0].net, EXAMPLES[0].box)
    assert p.locate_many([]) == []
    assert p.locate_many([["1/3", 0.125], (Fraction(5, 6), "0.5"), [1, 1]]) == [
        scan(p, [Fraction(1, 3), Fraction(1, 8)]),
        scan(p, [Fraction(5, 6), Fraction(1, 2)]),
        scan(p, [1, 1]),
    ]
    with pytest.raises(InvalidDomain, match="point 2 has 3 coordinates, expected 2"):
        p.locate_many([[0, 0], [0, 0, 0]])
    with pytest.raises(InvalidNumber, match="coordinate 1"):
        p.locate_many([["one", 0]])


def test_an_incomplete_partition_locates_only_what_it_lists():
    p = partition(EXAMPLES[0].net, EXAMPLES[0].box)
    kept = p.regions[1:]  # as if the run was interrupted before region 0
    locator = PointLocator(p.network, p.domain, [r.pattern for r in kept])
    points = [r.point for r in p.regions] + [(Fraction(1, 2), Fraction(1, 2))]
    assert locator.locate_many(points) == [None, 0, 1, 2, 0]


def test_the_locator_pickles_with_its_partition():
    p = partition(EXAMPLES[0].net, EXAMPLES[0].box)
    assert p.locate([Fraction(1, 2), Fraction(1, 6)]) == 0  # builds the locator
    copy = pickle.loads(pickle.dumps(p))
    assert copy == p and copy.locate([Fraction(1, 2), Fraction(1, 6)]) == 0

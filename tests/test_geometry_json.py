"""Vertices and facets in the partition JSON (``regions --geometry``, ``to_json(geometry=True)``)."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from exactrelu import EXAMPLE, Domain, partition
from exactrelu.cli import main
from example_nets import TWO_D, by_name


def _domain(box):
    return Domain.polytope(box["A"], box["b"]) if isinstance(box, dict) else Domain.box(box)


def _value(row, x):
    return int(row[0]) + sum(int(a) * v for a, v in zip(row[1:], x))


@pytest.mark.parametrize("name", ["builtin", "coincident3d", "random9_3d_3x2", "builtin_triangle", "dead"])
def test_geometry_keys_are_exact_and_consistent(name):
    ex = by_name(name)
    p = partition(ex.net, _domain(ex.box))
    data = p.to_json(geometry=True)
    plain = p.to_json()
    for full, short, region in zip(data["regions"], plain["regions"], p.regions):
        assert {k: full[k] for k in short} == short  # the default keys are unchanged
        vertices = [tuple(Fraction(c) for c in v) for v in full["vertices"]]
        assert vertices == list(region.vertices) and all(isinstance(c, str) for v in full["vertices"] for c in v)
        assert len(full["facets"]) == len(region.facets)
        for facet, f in zip(full["facets"], region.facets):
            assert [int(a) for a in facet["row"]] == list(f.row)
            assert all(_value(facet["row"], v) >= 0 for v in vertices)
            assert all(_value(facet["row"], vertices[k]) == 0 for k in facet["vertices"])
            assert len(facet["vertices"]) >= p.domain.dim  # a facet has at least d vertices
            assert facet["carriers"] and all(c[0] in ("domain", "neuron") for c in facet["carriers"])
            assert facet["neighbours"] == list(f.neighbours)
    for i, region in enumerate(data["regions"]):  # neighbours are symmetric and match the edges
        for facet in region["facets"]:
            for j in facet["neighbours"]:
                assert [min(i, j), max(i, j)] in data["edges"]


def test_without_geometry_there_are_no_vertices():
    data = partition(EXAMPLE).to_json()
    assert all(set(r) == {"pattern", "point", "map"} for r in data["regions"])


def test_lp_engine_gives_facets_and_no_vertices():
    ex = TWO_D[0]
    dd = partition(ex.net, _domain(ex.box)).to_json(geometry=True)
    lp = partition(ex.net, _domain(ex.box), engine="lp").to_json(geometry=True)
    for a, b in zip(dd["regions"], lp["regions"]):
        assert b["vertices"] == []
        assert sorted(f["row"] for f in a["facets"]) == sorted(f["row"] for f in b["facets"])


def test_regions_geometry_option(tmp_path):
    out = tmp_path / "part.json"
    assert main(["regions", "--geometry", "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    first = data["regions"][0]
    assert first["vertices"] == [["0", "0"], ["1", "0"], ["1/2", "1/2"]]
    assert first["facets"][1] == {"row": ["0", "1", "-1"], "carriers": [["neuron", 0, 0]], "neighbours": [2],
                                  "vertices": [0, 2]}

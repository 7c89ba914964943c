"""The two engines write the same partition JSON, byte for byte, wherever both apply.

The vertex engine (``dd``) and the constraint engine (``lp``) find the same regions by different
means; their witness points are chosen by one rule from each region's exact vertices and facets
(:func:`exactrelu.engines.facets.vertex_witness`), so the JSON does not depend on the engine.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exactrelu import Domain, load, partition
from exactrelu.strategies import boxes, networks
from example_nets import EXAMPLES

NETS = Path(__file__).resolve().parents[2] / "shared" / "nets"


def same_json(net, domain) -> None:
    dd = partition(net, domain, engine="dd")
    lp = partition(net, domain, engine="lp")
    assert json.dumps(dd.to_json()) == json.dumps(lp.to_json())
    for region in dd.regions:  # the witness is strictly inside, exactly
        assert region.contains(region.point, strictly=True)


@pytest.mark.parametrize("ex", [ex for ex in EXAMPLES if len(ex.box) <= 4], ids=lambda ex: ex.name)
def test_engines_write_identical_json_on_the_hostile_examples(ex):
    same_json(ex.net, ex.box)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_engines_write_identical_json_on_drawn_degenerate_networks(data):
    domain = data.draw(boxes(dim=st.integers(2, 3)))
    net = data.draw(networks(domain=domain, depth=(1, 2), width=(1, 4), degenerate="any"))
    same_json(net, domain)


def test_engines_write_identical_json_on_acas_xu():
    path = NETS / "acasxu_1_1.npz"
    if not path.exists():
        pytest.skip("../shared/nets is absent (the real networks live there)")
    centre = ("0.1", "0.05", "-0.1", "0.2", "-0.2")
    r = Fraction("0.005")
    same_json(load(path), Domain.box([(Fraction(c) - r, Fraction(c) + r) for c in centre]))


@pytest.mark.parametrize("ex", [ex for ex in EXAMPLES if len(ex.box) <= 3], ids=lambda ex: ex.name)
def test_the_any_dimension_path_of_the_lp_engine_on_the_hostile_examples(ex, monkeypatch):
    """Below 11 inputs the LP engine takes facets and witnesses from exact vertices; above, from
    rays, relaxed-row models and facet LPs.  Forced onto that path here (as if every input count were
    above the vertex engine's limit), it must find the vertex engine's regions, maps, facets and
    adjacency on every hostile example (its witness points then come from its walk: only checked to
    lie strictly inside)."""
    import exactrelu.engines.lp as lp_engine  # deferred: the module whose dimension switch is forced

    dd = partition(ex.net, ex.box, engine="dd")
    monkeypatch.setattr(lp_engine, "DD_MAX_DIM", 0)
    lp = partition(ex.net, ex.box, engine="lp")
    assert [r.pattern for r in lp.regions] == [r.pattern for r in dd.regions]
    assert [(r.map_rows, r.map_den) for r in lp.regions] == [(r.map_rows, r.map_den) for r in dd.regions]
    facets = [[sorted(f.row for f in r.facets) for r in p.regions] for p in (lp, dd)]
    assert facets[0] == facets[1]
    assert lp.edges == dd.edges
    for region in lp.regions:
        assert region.contains(region.point, strictly=True)

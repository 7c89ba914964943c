"""The exact facet-matching fallback of engines/dd_adjacency.py on hand-made cells.

In a network's partition the facets on the two sides of a hyperplane always coincide (every neuron
is continuous, so the same ridges cut the hyperplane from both sides), so networks only exercise the
vertex-set matching.  These cells overlap partially, touch in a point, or miss each other, which
drives the separation test, the relative-interior test and the exact clipping."""

from __future__ import annotations

from fractions import Fraction

import pytest
from example_nets import by_name

from exactrelu import Domain
from exactrelu.engines.dd import VertexEngine
from exactrelu.engines.dd_adjacency import FacetMatcher, find_adjacencies, identical_pairs
from exactrelu.engines.forms import IntegerNetwork, LayerForms
from exactrelu.engines.run import with_facets
from exactrelu.engines.vertex_pool import VertexPool
from exactrelu.engines.walk import RawRegion, walk


def box_region(bounds) -> RawRegion:
    cell = Domain.box(bounds).cell()
    cell.labels = [("neuron", 0, i, 1) for i in range(len(cell.labels))]  # no domain faces here
    return RawRegion(cell, (), (), LayerForms.of([(0,) * (len(bounds) + 1)], 1))


def adjacencies(boxes, drop_guides=False):
    raws = [box_region(b) for b in boxes]
    facets = [VertexEngine(Domain.box(b)).facets(r) for r, b in zip(raws, boxes)]
    if drop_guides:  # as a large run keeps a region waiting for a neighbour: Cell.guides() makes them again
        for raw in raws:
            raw.cell.vf = None
    return raws, facets, find_adjacencies(raws, facets)


def affine(point):
    return tuple(Fraction(a, point[0]) for a in point[1:])


@pytest.mark.parametrize("drop_guides", [False, True])
def test_partial_overlap_in_2d_is_found_with_a_shared_point(drop_guides):
    boxes = [[(0, 2), (0, 1)], [(1, 3), (1, 2)], [(2, 3), (1, 2)], [(3, 4), (1, 2)]]
    raws, facets, found = adjacencies(boxes, drop_guides)
    pairs = {(a.first, a.second) for a in found}
    # [0,2]x[0,1] meets [1,3]x[1,2] along y = 1, 1 <= x <= 2; [2,3]x[1,2] only at the point (2, 1);
    # [2,3]x[1,2] and [3,4]x[1,2] share the segment x = 3, 1 <= y <= 2; [1,3]x[1,2] overlaps [2,3]x[1,2].
    assert (0, 1) in pairs and (0, 2) not in pairs and (0, 3) not in pairs and (2, 3) in pairs
    edge = next(a for a in found if (a.first, a.second) == (0, 1))
    x, y = affine(edge.point)
    assert y == 1 and 1 < x < 2


@pytest.mark.parametrize("drop_guides", [False, True])
def test_partial_overlap_in_3d_needs_exact_clipping(drop_guides):
    below = [(0, 2), (0, 2), (-1, 0)]
    above = [(1, 3), (1, 3), (0, 1)]
    corner = [(2, 3), (2, 3), (0, 1)]  # touches the lower box's top only at the point (2, 2, 0)
    edge_only = [(-1, 1), (2, 3), (0, 1)]  # touches it along the segment y = 2, z = 0
    raws, facets, found = adjacencies([below, above, corner, edge_only], drop_guides)
    pairs = {(a.first, a.second) for a in found}
    assert (0, 1) in pairs and (0, 2) not in pairs and (0, 3) not in pairs
    edge = next(a for a in found if (a.first, a.second) == (0, 1))
    x, y, z = affine(edge.point)
    # strictly inside the shared square [1,2]^2 x {0}: no centroid of either facet lies there
    assert z == 0 and 1 < x < 2 and 1 < y < 2


def test_identical_facets_match_by_vertex_sets():
    raws, facets, found = adjacencies([[(0, 1), (0, 1)], [(1, 2), (0, 1)]])
    assert [(a.first, a.second) for a in found] == [(0, 1)]
    x, y = affine(found[0].point)
    assert x == 1 and 0 < y < 1


def _keys(found):
    return sorted((a.first, a.second, a.first_facet, a.second_facet, a.point) for a in found)


def test_facets_matched_in_parts_then_across_give_every_adjacency():
    """Workers match the facets shared inside their part (identical_pairs) and leave the rest open;
    matching only the open ones across parts finds exactly the adjacencies of matching everything
    at once: on boxes whose facets overlap partially (the clipping path) and on partitions."""
    # a tiling of [0, 3] x [0, 2] whose facets on y = 1 overlap partially (the exact clipping path)
    cases = [adjacencies([[(0, 2), (0, 1)], [(2, 3), (0, 1)], [(0, 1), (1, 2)], [(1, 3), (1, 2)]])[:2]]
    for name in ("zero_on_half", "coincident3d", "random10_3d_2x2x2", "leaky"):
        ex = by_name(name)
        engine = VertexEngine(Domain.box(ex.box))
        found = [with_facets(raw, engine) for raw in walk(IntegerNetwork.of(ex.net), engine)]
        cases.append(([raw for raw, _ in found], [fs for _, fs in found]))
    for raws, facets in cases:
        whole = _keys(find_adjacencies(raws, facets))
        assert whole
        for parts in (1, 2, 3, len(raws)):
            known, unmatched = [], []
            for p in range(parts):
                members = list(range(p, len(raws), parts))  # interleaved: most shared facets cross parts
                pairs, left = identical_pairs([facets[r] for r in members])
                known += [(members[r], fi, members[s], fj) for r, fi, s, fj in pairs]
                unmatched += [(members[r], fi) for r, fi in left]
            assert _keys(find_adjacencies(raws, facets, known, unmatched)) == whole, parts
        assert _keys(find_adjacencies(raws, facets, [], [])) == [], "nothing open, nothing found"


def test_facets_matched_by_pool_numbers_pair_exactly_as_by_vertex_sets():
    """A walk names each vertex by its number in a VertexPool (equal numbers exactly when the vertices
    are equal): the matcher then pairs exactly the facets that exact vertex sets pair."""
    for name in ("zero_on_half", "coincident3d", "random10_3d_2x2x2", "leaky", "random6_2d_3x3x3"):
        ex = by_name(name)
        engine = VertexEngine(Domain.box(ex.box))
        found = [with_facets(raw, engine) for raw in walk(IntegerNetwork.of(ex.net), engine)]
        by_vertices, by_numbers, pool = FacetMatcher(), FacetMatcher(), VertexPool()
        for r, (raw, facets) in enumerate(found):
            by_vertices.add(r, facets)
            numbers = [entry[2] for entry in pool.share(raw.cell.verts, raw.cell.vf)]
            by_numbers.add(r, facets, numbers=numbers)
        assert by_numbers.pairs == by_vertices.pairs and by_vertices.pairs
        assert by_numbers.unmatched() == by_vertices.unmatched()
        with pytest.raises(AssertionError):  # one matcher never mixes the two ways of naming vertices
            by_numbers.add(len(found), found[0][1])

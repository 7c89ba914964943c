"""Decision boundaries and decision regions against independent oracles (tests/boundary_oracle.py).

Degenerate cases first (ties, identical outputs, boundaries through vertices, along facets and along
the domain's edge, three classes meeting at a point, a zero set that is a whole facet), then the
built-in example exactly, then every 2-D example and hypothesis-generated networks against exact
segment clipping, 3-D networks against sampled points, and the LP engine against the vertex engine.
"""

from __future__ import annotations

import functools
from fractions import Fraction

import pytest
from boundary_oracle import (
    boundary_segments,
    class_components,
    class_polygons,
    holes,
    merged_length,
    pairs_of,
    point_on_segment,
    sampled_pieces_3d,
    segment_components,
)
from example_nets import ALL, BUILTIN, TWO_D, random_net
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exactrelu import EXAMPLE, Domain, Network, partition
from exactrelu.analysis.boundary import Boundary, decision_boundary
from exactrelu.analysis.decisions import decision_regions
from exactrelu.geometry.exact import dehomogenize

F = Fraction
UNIT = [(0, 1), (0, 1)]


def _net(*layers) -> Network:
    return Network.from_layers(list(layers))


def _dot(row, x) -> Fraction:
    return row[0] + sum((a * v for a, v in zip(row[1:], x)), Fraction(0))


def _outputs(region, x):
    return [_dot(row, x) / region.map_den for row in region.map_rows]


def _ends(piece):
    pts = sorted(dehomogenize(v) for v in piece.vertices_h)
    assert len(pts) == 2, "a 2-D piece is a segment"
    return (pts[0], pts[1])


@functools.cache
def _partition(net, box, engine="dd"):
    if isinstance(box[0], str):  # a polytope, frozen as ("A", rows, "b", values)
        return partition(net, Domain.polytope([list(r) for r in box[1]], list(box[3])), engine=engine)
    return partition(net, Domain.box(box), engine=engine)


def _box(box):
    if isinstance(box, dict):
        return ("A", tuple(tuple(r) for r in box["A"]), "b", tuple(box["b"]))
    return tuple(tuple(pair) for pair in box)


def check_piece(region, piece) -> None:
    """Exactly what a piece claims: its hyperplane is f_k - f_l (positively scaled), its point is on
    it, in the region, on top of every competitor and strictly inside every bound; every bound holds
    at every vertex and is tight at some."""
    x = piece.point
    rows = region.map_rows
    if len(piece.classes) == 1:
        g = rows[0]
    else:
        k, other = piece.classes
        g = tuple(a - b for a, b in zip(rows[k], rows[other]))
    ratio = {Fraction(a, b) for a, b in zip(g, piece.hyperplane) if b} | {
        Fraction(0) for a, b in zip(g, piece.hyperplane) if a and not b
    }
    assert len(ratio) == 1 and next(iter(ratio)) > 0, "hyperplane is a positive multiple of f_k - f_l"
    assert _dot(piece.hyperplane, x) == 0
    assert region.contains(x)
    outs = _outputs(region, x)
    if len(piece.classes) == 2:
        k, other = piece.classes
        assert outs[k] == outs[other] and all(outs[k] >= o for o in outs)
    for bound in piece.bounds:
        assert _dot(bound.row, x) > 0
        values = [_dot(bound.row, dehomogenize(v)) for v in piece.vertices_h]
        assert min(values) == 0 if values else True
    for v in piece.vertices_h:
        y = dehomogenize(v)
        assert _dot(piece.hyperplane, y) == 0 and region.contains(y)
    if piece.on_facet:
        assert {Fraction(a, b) for a, b in zip(region.facets[piece.facet].row, piece.hyperplane) if b} and all(
            _dot(region.facets[piece.facet].row, dehomogenize(v)) == 0 for v in piece.vertices_h
        )


def check_against_oracle(net, box) -> Boundary:
    """The whole 2-D comparison; returns the boundary for further assertions."""
    p = _partition(net, _box(box))
    b = decision_boundary(p.regions, p.adjacencies)
    segments, ties, _ = boundary_segments(net, box)
    pattern = [r.pattern for r in p.regions]
    for piece in b.pieces:
        check_piece(p.regions[piece.region], piece)
    assert {(pattern[t.region], t.classes) for t in b.ties} == ties
    ours = {(pattern[q.region], q.classes, _ends(q)) for q in b.pieces if not q.on_facet}
    theirs = {(s.pattern, s.classes, s.ends) for s in segments if not s.on_edge}
    assert ours == theirs
    for q in b.pieces:
        if q.on_facet:  # inside the oracle's segment of the same region and pair
            assert any(
                s.on_edge
                and s.pattern == pattern[q.region]
                and s.classes == q.classes
                and all(point_on_segment(e, s.ends) for e in _ends(q))
                for s in segments
            )
    for classes in pairs_of(net.n_outputs):
        mine = merged_length([_ends(q) for q in b.pieces if q.on_facet and q.classes == classes])
        oracle = merged_length([s.ends for s in segments if s.on_edge and s.classes == classes])
        assert {k: v[0] for k, v in mine.items()} == {k: v[0] for k, v in oracle.items()}, "on-facet union"
        for union, total in mine.values():  # counted once: the pieces do not overlap
            assert total == sum(hi - lo for lo, hi in union)
    for j in b.joins:
        assert point_on_segment(j.point, _ends(b.pieces[j.first]))
        assert point_on_segment(j.point, _ends(b.pieces[j.second]))
    assert b.components == segment_components([s.ends for s in segments])
    assert sum(b.counts().values()) == len(b.pieces)
    return b


# --------------------------------------------------------------------------- the built-in example
def test_builtin_boundary_is_two_segments_meeting_on_the_shared_facet():
    p = partition(EXAMPLE)
    b = decision_boundary(p.regions, p.adjacencies)
    assert [(q.region, q.classes, q.on_facet) for q in b.pieces] == [(1, (0, 1), False), (3, (0, 1), False)]
    first, second = b.pieces
    # region 1 (X >= Y, X + Y >= 1): P - Q = 5/4 - X - Y, from (5/8, 5/8) to (1, 1/4)
    assert first.hyperplane == (5, -4, -4)
    assert _ends(first) == ((F(5, 8), F(5, 8)), (F(1), F(1, 4)))
    # region 3 (Y >= X, X + Y >= 1): P - Q = 5/4 - 2X, the segment X = 5/8 from (5/8, 5/8) to (5/8, 1)
    assert second.hyperplane == (5, -8, 0)
    assert _ends(second) == ((F(5, 8), F(5, 8)), (F(5, 8), F(1)))
    # they meet on the facet X = Y shared by regions 1 and 3
    assert len(b.joins) == 1 and b.joins[0].point == (F(5, 8), F(5, 8)) and b.joins[0].dim == 0
    shared = next(a for a in p.adjacencies if (a.first, a.second) == (1, 3))
    assert _dot(p.regions[1].facets[shared.first_facet].row, b.joins[0].point) == 0
    assert b.components == 1 and b.counts() == {(0, 1): 2} and b.ties == ()
    check_against_oracle(BUILTIN.net, UNIT)


def test_boundary_json_shape():
    p = partition(EXAMPLE)
    data = decision_boundary(p.regions, p.adjacencies).to_json()
    assert set(data) == {"dim", "outputs", "pieces", "ties", "joins", "component", "summary"}
    piece = data["pieces"][0]
    assert piece == {
        "region": 1,
        "classes": [0, 1],
        "hyperplane": ["5", "-4", "-4"],
        "bounds": [
            {"row": ["1", "-1", "0"], "sources": [["facet", 0]]},
            {"row": ["0", "1", "-1"], "sources": [["facet", 1]]},
        ],
        "point": ["3/4", "1/2"],
        "on_facet": False,
        "facet": None,
    }
    assert data["joins"] == [{"pieces": [0, 1], "dim": 0, "point": ["5/8", "5/8"]}]
    assert data["summary"] == {
        "pieces": 2,
        "per_pair": [{"classes": [0, 1], "pieces": 2}],
        "ties": 0,
        "joins": 1,
        "components": 1,
    }


# --------------------------------------------------------------------------- degenerate cases
HALVES = ([[2, 0], [0, 2]], [-1, -1])  # h1 = relu(2x - 1), h2 = relu(2y - 1)


def test_tie_region_and_on_facet_pieces_beside_it():
    # y0 = h1, y1 = h2: equal (both 0) on the quadrant x, y < 1/2; the boundary is the diagonal in
    # the upper quadrant and the two half-edges x = 1/2, y = 1/2 bordering the tie (positive sides).
    net = _net(HALVES, ([[1, 0], [0, 1]], [0, 0]))
    b = check_against_oracle(net, UNIT)
    p = _partition(net, _box(UNIT))
    assert [(p.regions[t.region].pattern, t.classes, t.on_top) for t in b.ties] == [(((0, 0),), (0, 1), True)]
    on = sorted(_ends(q) for q in b.pieces if q.on_facet)
    assert on == [((F(0), F(1, 2)), (F(1, 2), F(1, 2))), ((F(1, 2), F(0)), (F(1, 2), F(1, 2)))]
    assert b.components == 1


def test_on_facet_piece_on_the_negative_side_of_a_tie_is_kept():
    # mirrored: the tie quadrant x, y > 1/2 lies on the positive side of both lines, so the regions
    # on the negative sides must report the half-edges that border it.
    net = _net(([[-2, 0], [0, -2]], [1, 1]), ([[1, 0], [0, 1]], [0, 0]))
    b = check_against_oracle(net, UNIT)
    on = sorted(_ends(q) for q in b.pieces if q.on_facet)
    assert on == [((F(1, 2), F(1, 2)), (F(1, 2), F(1))), ((F(1, 2), F(1, 2)), (F(1), F(1, 2)))]


def test_two_outputs_identical_everywhere_are_ties_not_pieces():
    net = _net(HALVES, ([[1, 1], [1, 1]], [0, 0]))
    b = check_against_oracle(net, UNIT)
    assert b.pieces == () and len(b.ties) == len(_partition(net, _box(UNIT)).regions)
    assert all(t.on_top for t in b.ties)


def test_identical_outputs_with_a_third_give_twin_pieces():
    net = _net(HALVES, ([[1, 1], [1, 1], [2, -1]], [0, 0, "1/8"]))
    b = check_against_oracle(net, UNIT)
    by_pair = {c: sorted((q.region, _ends(q)) for q in b.pieces if q.classes == c) for c in [(0, 2), (1, 2)]}
    assert by_pair[(0, 2)] == by_pair[(1, 2)] and by_pair[(0, 2)]
    assert not any(q.classes == (0, 1) for q in b.pieces)


def test_boundary_through_a_region_vertex_joins_diagonal_regions():
    # y0 - y1 = h1 - h2 + x - y: the diagonal x = y in the lower-left and upper-right quadrants,
    # which touch only at the vertex (1/2, 1/2).
    net = _net(([[2, 0], [0, 2], [1, 0], [0, 1]], [-1, -1, 0, 0]), ([[1, 0, 1, 0], [0, 1, 0, 1]], [0, 0]))
    b = check_against_oracle(net, UNIT)
    assert len(b.pieces) == 2 and b.components == 1
    assert [j.point for j in b.joins] == [(F(1, 2), F(1, 2))]
    regions = {b.pieces[0].region, b.pieces[1].region}
    p = _partition(net, _box(UNIT))
    assert all(r not in p.regions[min(regions)].neighbours for r in regions)  # not adjacent


def test_zero_set_along_a_shared_facet_is_counted_once():
    # one output f = |x - y| = relu(x - y) + relu(y - x): zero exactly on the diagonal facet
    net = _net(([[1, -1], [-1, 1]], [0, 0]), ([[1, 1]], [0]))
    b = check_against_oracle(net, UNIT)
    assert [(q.classes, q.on_facet, _ends(q)) for q in b.pieces] == [((0,), True, ((F(0), F(0)), (F(1), F(1))))]
    assert b.ties == ()


def test_one_output_zero_set_a_whole_facet_beside_a_tie():
    # f = relu(x - y): zero on the whole region y > x (a tie) and on the diagonal facet
    net = _net(([[1, -1]], [0]), ([[1]], [0]))
    b = check_against_oracle(net, UNIT)
    assert [(q.on_facet, _ends(q)) for q in b.pieces] == [(True, ((F(0), F(0)), (F(1), F(1))))]
    assert [t.classes for t in b.ties] == [(0,)]
    mirrored = _net(([[-1, 1]], [0]), ([[1]], [0]))  # the tie on the positive side of the facet
    b = check_against_oracle(mirrored, UNIT)
    assert [(q.on_facet, _ends(q)) for q in b.pieces] == [(True, ((F(0), F(0)), (F(1), F(1))))]


def test_boundary_along_the_domain_edge():
    # y0 - y1 = x on [0, 1]^2 (h1 = relu(x) = x there): the zero set is the edge x = 0
    net = _net(([[1, 0], [0, 2]], [0, -1]), ([[1, 1], [0, 1]], [0, 0]))
    b = check_against_oracle(net, UNIT)
    assert sorted(_ends(q) for q in b.pieces) == [((F(0), F(0)), (F(0), F(1, 2))), ((F(0), F(1, 2)), (F(0), F(1)))]
    assert all(q.on_facet for q in b.pieces) and b.components == 1


def test_three_classes_meeting_at_a_point():
    # y0 = x, y1 = y, y2 = 1 - x - y meet at (1/3, 1/3), a vertex of the partition (lines x, y = 1/3)
    net = _net(
        ([[1, 0], [0, 1], [3, 0], [0, 3]], [0, 0, -1, -1]), ([[1, 0, 0, 0], [0, 1, 0, 0], [-1, -1, 0, 0]], [0, 0, 1])
    )
    b = check_against_oracle(net, UNIT)
    assert {q.classes for q in b.pieces} == {(0, 1), (0, 2), (1, 2)}
    assert b.components == 1
    assert any(j.point == (F(1, 3), F(1, 3)) for j in b.joins)


@pytest.mark.parametrize("ex", TWO_D, ids=[e.name for e in TWO_D])
def test_two_d_examples_against_segment_clipping(ex):
    check_against_oracle(ex.net, ex.box)


@st.composite
def small_nets(draw):
    hidden = draw(st.integers(1, 4))
    outputs = draw(st.integers(1, 3))
    small = st.integers(-2, 2)
    w1 = [[draw(small), draw(small)] for _ in range(hidden)]
    b1 = [draw(small) for _ in range(hidden)]
    w2 = [[draw(small) for _ in range(hidden)] for _ in range(outputs)]
    b2 = [draw(small) for _ in range(outputs)]
    return _net((w1, b1), (w2, b2))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_nets())
def test_hypothesis_nets_against_segment_clipping(net):
    check_against_oracle(net, [(-2, 2), (-2, 2)])


# --------------------------------------------------------------------------- 3-D, LP engine
THREE_D = [ex for ex in ALL if ex.net.n_inputs == 3 and not isinstance(ex.box, dict)]
PLANES = [(-1, 1), (-1, 1), (-1, 1)]
THREE_D_NETS = [
    (
        "tie3d",
        _net(([[2, 0, 0], [0, 2, 0], [0, 0, 2]], [-1, -1, -1]), ([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [0, 0, 0])),
        PLANES,
    ),
    ("facet3d", _net(([[1, -1, 0], [-1, 1, 0], [0, 0, 1]], [0, 0, 0]), ([[1, 1, 0]], [0])), PLANES),
    (
        "three3d",
        _net(([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [1, 1, 1]), ([[1, 0, 0], [0, 1, 0], [-1, -1, 1]], [0, 0, 0])),
        PLANES,
    ),
] + [
    (
        f"random3d_{seed}",
        random_net(seed, 3, (3,) if seed % 2 else (3, 2), n_outputs=3 if seed % 3 else 1),
        [(-2, 2)] * 3,
    )
    for seed in (2, 5, 12, 17)
]


@pytest.mark.parametrize(
    "name, net, box",
    [(e.name, e.net, e.box) for e in THREE_D] + THREE_D_NETS,
    ids=[e.name for e in THREE_D] + [n[0] for n in THREE_D_NETS],
)
def test_three_d_against_sampled_points(name, net, box):
    p = _partition(net, _box(box))
    b = decision_boundary(p.regions, p.adjacencies)
    for piece in b.pieces:
        check_piece(p.regions[piece.region], piece)
    index = {r.pattern: i for i, r in enumerate(p.regions)}
    tied = {(t.region, t.classes) for t in b.ties}
    seen = 0
    for pattern, classes, x, expected in sampled_pieces_3d(net, box, list(index), samples=40):
        r = index[pattern]
        if (r, classes) in tied:
            continue
        covering = [
            q
            for q in b.pieces
            if q.classes == classes and _dot(q.hyperplane, x) == 0 and all(_dot(bd.row, x) >= 0 for bd in q.bounds)
        ]
        on_edge = any(_dot(bd.row, x) == 0 for q in covering for bd in q.bounds)
        if expected:
            assert covering, f"boundary point {x} of {classes} in region {r} is in no piece"
            if not on_edge:
                assert len(covering) == 1, f"boundary point {x} counted {len(covering)} times"
            seen += 1
        else:
            assert not [q for q in covering if q.region == r and not q.on_facet]
    for j in b.joins:
        for q in (b.pieces[j.first], b.pieces[j.second]):
            assert _dot(q.hyperplane, j.point) == 0 and all(_dot(bd.row, j.point) >= 0 for bd in q.bounds)
        assert j.dim >= 1


@pytest.mark.parametrize("ex", [e for e in ALL if not isinstance(e.box, dict)][:24], ids=lambda e: e.name)
def test_lp_engine_finds_the_same_boundary(ex):
    a = _partition(ex.net, _box(ex.box))
    lp = _partition(ex.net, _box(ex.box), "lp")
    ba = decision_boundary(a.regions, a.adjacencies)
    bb = decision_boundary(lp.regions, lp.adjacencies)

    def key(b):
        return sorted(
            (q.region, q.classes, q.hyperplane, q.facet, tuple(sorted(bd.row for bd in q.bounds))) for q in b.pieces
        )

    assert key(ba) == key(bb)
    assert [(t.region, t.classes, t.on_top) for t in ba.ties] == [(t.region, t.classes, t.on_top) for t in bb.ties]
    for piece in bb.pieces:
        check_piece(lp.regions[piece.region], piece)
    assert ba.components == bb.components


# --------------------------------------------------------------------------- decision regions
def check_decisions(net, box):
    p = _partition(net, _box(box))
    dec = decision_regions(p.regions, p.adjacencies)
    _, _, polys = boundary_segments(net, box)
    parts = class_polygons(polys)
    m = max(2, net.n_outputs)
    pattern = [r.pattern for r in p.regions]
    for rd in dec.regions:
        region = p.regions[rd.region]
        assert set(rd.winners) == {k for k in range(m) if (pattern[rd.region], k) in parts}
        rows = [tuple(r) for r in region.map_rows]
        if len(rows) == 1:
            rows = [(0,) * len(rows[0])] + rows
        for k, x in zip(rd.winners, rd.points):
            assert region.contains(x, strictly=True)
            values = [_dot(row, x) for row in rows]
            assert all(values[k] > values[j] or rows[k] == rows[j] for j in range(m) if j != k)
        whole_oracle = [
            k
            for k in range(m)
            if (pattern[rd.region], k) in parts
            and sorted(parts[(pattern[rd.region], k)]) == sorted(polys[pattern[rd.region]].vertices)
        ]
        assert (rd.whole is not None) == bool(whole_oracle)
        if rd.whole is not None:
            assert rd.whole == min(whole_oracle)
            for proof in rd.proof:
                diff = [a - b for a, b in zip(rows[rd.whole], rows[proof.against])]
                at_vertices = [_dot(diff, v) / region.map_den for v in region.vertices]
                assert proof.minimum == min(at_vertices) >= 0
                assert _dot(diff, proof.at) / region.map_den == proof.minimum
    for k in range(m):
        ours = sorted(sorted(pattern[i] for i in c.regions) for c in dec.components if c.cls == k)
        theirs = sorted(sorted(g) for g in class_components(parts, k))
        assert ours == theirs
        for c in dec.components:
            if c.cls == k:
                assert c.holes == holes(parts, {pattern[i] for i in c.regions}, k, box)
    for link in dec.links:
        if link.point is not None:
            assert p.regions[link.first].contains(link.point) and p.regions[link.second].contains(link.point)
    return dec


def test_builtin_decisions():
    dec = check_decisions(BUILTIN.net, UNIT)
    assert [(r.winners, r.whole) for r in dec.regions] == [((0,), 0), ((0, 1), None), ((0,), 0), ((0, 1), None)]
    assert dec.regions[0].proof[0].minimum == F(1, 4)
    assert dec.summary()["per_class"][1] == {"class": 1, "regions": 2, "whole_regions": 0, "components": 1, "holes": 0}


def test_a_class_with_a_hole():
    # f = |x| + |y| - 1/2 on [-1, 1]^2: class 1 (f >= 0) is a square ring around the diamond
    net = _net(([[1, 0], [-1, 0], [0, 1], [0, -1]], [0, 0, 0, 0]), ([[1, 1, 1, 1]], ["-1/2"]))
    dec = check_decisions(net, [(-1, 1), (-1, 1)])
    ring = [c for c in dec.components if c.cls == 1]
    assert len(ring) == 1 and ring[0].holes == 1
    assert [c.holes for c in dec.components if c.cls == 0] == [0]


@pytest.mark.parametrize("ex", TWO_D, ids=[e.name for e in TWO_D])
def test_two_d_decisions_against_polygon_clipping(ex):
    check_decisions(ex.net, ex.box)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_nets())
def test_hypothesis_decisions_against_polygon_clipping(net):
    check_decisions(net, [(-2, 2), (-2, 2)])


@pytest.mark.parametrize("ex", [e for e in ALL if not isinstance(e.box, dict)][:24], ids=lambda e: e.name)
def test_lp_engine_finds_the_same_decisions(ex):
    a = _partition(ex.net, _box(ex.box))
    lp = _partition(ex.net, _box(ex.box), "lp")
    da, db = decision_regions(a.regions, a.adjacencies), decision_regions(lp.regions, lp.adjacencies)
    assert [(r.winners, r.whole) for r in da.regions] == [(r.winners, r.whole) for r in db.regions]
    assert [(c.cls, c.regions) for c in da.components] == [(c.cls, c.regions) for c in db.components]
    for rd in db.regions:
        for proof in rd.proof:  # the dual certificate: gradient of f_k - f_j = sum y_i facet gradients
            region = lp.regions[rd.region]
            rows = [tuple(r) for r in region.map_rows]
            if len(rows) == 1:
                rows = [(0,) * len(rows[0])] + rows
            diff = [a - b for a, b in zip(rows[rd.whole], rows[proof.against])]
            assert all(y >= 0 for y in proof.multipliers)
            for i in range(1, len(diff)):
                assert diff[i] == sum(
                    (y * region.facets[f].row[i] for f, y in zip(proof.basis, proof.multipliers)), F(0)
                )

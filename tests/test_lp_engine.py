"""The LP (H-representation) engine against the vertex engine on every shared example, and alone in
16 and 30 input dimensions against exact forward passes, brute force over patterns with exact LP
feasibility, and Zaslavsky's count."""

from __future__ import annotations

import itertools
from fractions import Fraction
from math import comb

import pytest

from example_nets import EXAMPLES, POLYTOPE_EXAMPLES, dense_net
from exactrelu import Domain, Network, certify, partition
from exactrelu.errors import ExactReluError, UnsupportedModel
from exactrelu.geometry.lp import EmptyInterior, interior_point
from exactrelu.partition import DD_MAX_DIM

ALL = EXAMPLES + POLYTOPE_EXAMPLES


def make_domain(box) -> Domain:
    if isinstance(box, dict):
        return Domain.polytope(box["A"], box["b"])
    return Domain.box(box)


def facet_summary(region):
    return sorted((f.row, f.carriers, f.neighbours) for f in region.facets)


def value(row, point) -> Fraction:
    return row[0] + sum(a * v for a, v in zip(row[1:], point))


def check_adjacency_points(p):
    """Each shared-facet point lies on the facet's hyperplane, strictly inside every other facet."""
    for a in p.adjacencies:
        point = tuple(Fraction(v, a.point[0]) for v in a.point[1:])
        for index, facet_index in ((a.first, a.first_facet), (a.second, a.second_facet)):
            region = p.regions[index]
            key = region.facets[facet_index].row
            assert value(key, point) == 0
            for f in region.facets:
                if f.row != key:
                    assert value(f.row, point) > 0


@pytest.mark.parametrize("example", ALL, ids=[ex.name for ex in ALL])
def test_lp_engine_equals_vertex_engine(example):
    domain = make_domain(example.box)
    dd = partition(example.net, domain, engine="dd")
    lp = partition(example.net, domain, engine="lp")
    assert [r.pattern for r in lp.regions] == [r.pattern for r in dd.regions]
    assert [(r.map_rows, r.map_den) for r in lp.regions] == [(r.map_rows, r.map_den) for r in dd.regions]
    assert lp.edges == dd.edges
    assert [facet_summary(r) for r in lp.regions] == [facet_summary(r) for r in dd.regions]
    assert lp.linear_pieces == dd.linear_pieces
    assert all(r.contains(r.point, strictly=True) and r.vertices_h == () for r in lp.regions)
    check_adjacency_points(lp)
    assert len(lp.graph.edges) == len(dd.graph.edges)  # continuity proofs on every edge
    assert lp.to_json()["summary"] == dd.to_json()["summary"]


def forward_pattern(net: Network, x):
    """Exact canonical pattern at an interior point (pre-activation > 0) and the output."""
    h = list(x)
    pattern = []
    slopes = list(net.negative_slopes) or [Fraction(0)] * (len(net.layers) - 1)
    for layer, slope in zip(net.layers[:-1], slopes):
        z = layer.apply(h)
        pattern.append(tuple(int(v > 0) for v in z))
        h = [v if v > 0 else slope * v for v in z]
    return tuple(pattern), net.layers[-1].apply(h)


def check_forward(net, p):
    for r in p.regions:
        assert p.domain.contains(r.point, strictly=True)
        assert r.contains(r.point, strictly=True)
        pattern, out = forward_pattern(net, r.point)
        assert pattern == r.pattern
        assert r.output(r.point) == out == net.forward(r.point)


def brute_force_patterns(net, domain):
    """Patterns of one hidden layer whose sign cell has an interior, by exact LP feasibility."""
    rows = domain.constraint_rows()
    layer = net.layers[0]
    forms = []
    for w, b in zip(layer.weight, layer.bias):
        den = 1
        for v in (*w, b):
            den = den * v.denominator
        forms.append(tuple(int(v * den) for v in (b, *w)))
    found = set()
    for bits in itertools.product((0, 1), repeat=len(forms)):
        cons = rows + [f if bit else tuple(-a for a in f) for f, bit in zip(forms, bits)]
        try:
            interior_point(cons)
        except EmptyInterior:
            continue
        found.add((bits,))
    return found


def test_d16_one_layer_central_arrangement_has_zaslavsky_count():
    d, n = 16, 6
    net = dense_net(d, (n,), seed=16, central=True)
    p = partition(net, Domain.box([(-1, 1)] * d))  # auto: LP engine above DD_MAX_DIM
    assert d > DD_MAX_DIM and p.regions[0].vertices_h == ()
    # n independent hyperplanes through the box's centre: sum_{i <= n} C(n, i) = 2**n regions, each
    # a cone meeting n others across one hyperplane.
    assert len(p.regions) == sum(comb(n, i) for i in range(min(n, d) + 1)) == 2**n
    assert len(p.edges) == n * 2 ** (n - 1)
    check_forward(net, p)
    check_adjacency_points(p)


def test_d16_one_layer_with_biases_matches_brute_force_over_patterns():
    d = 16
    net = dense_net(d, (6,), seed=3)
    domain = Domain.box([("1/4", "3/4")] * d)  # off-centre: only some of the 64 patterns occur
    p = partition(net, domain)
    assert 1 < len(p.regions) < 64
    assert {r.pattern for r in p.regions} == brute_force_patterns(net, domain)
    check_forward(net, p)


def test_d16_two_layers_reproduce_forward_passes():
    d = 16
    net = dense_net(d, (4, 3), seed=7)
    p = partition(net, Domain.box([(-1, 1)] * d))
    assert len(p.regions) > 4
    check_forward(net, p)
    check_adjacency_points(p)
    assert len(p.graph.edges) == len(p.edges)  # continuity checked exactly on every edge


def test_d30_one_layer():
    d, n = 30, 5
    net = dense_net(d, (n,), seed=30, central=True)
    p = partition(net, Domain.box([(-1, 1)] * d))
    assert len(p.regions) == 2**n and len(p.edges) == n * 2 ** (n - 1)
    check_forward(net, p)
    x = [Fraction(1, 7)] * d
    assert p.regions[p.locate(x)].output(x) == net.forward(x)


@pytest.mark.slow
@pytest.mark.parametrize("d, hidden, central", [(16, (8,), True), (30, (6,), True), (30, (5, 3), False)])
def test_high_dimension_slow(d, hidden, central):
    net = dense_net(d, hidden, seed=d, central=central)
    p = partition(net, Domain.box([(-1, 1)] * d))
    if central:
        assert len(p.regions) == 2 ** hidden[0]
    check_forward(net, p)
    check_adjacency_points(p)


def test_engine_argument_and_certificate_dimension_are_validated():
    ex = EXAMPLES[0]
    domain = make_domain(ex.box)
    with pytest.raises(ExactReluError, match="engine is 'simplex'"):
        partition(ex.net, domain, engine="simplex")
    with pytest.raises(UnsupportedModel, match="vertex engine"):
        certify(dense_net(DD_MAX_DIM + 1, (2,), seed=1), [(-1, 1)] * (DD_MAX_DIM + 1), engine="dd")
    assert partition(ex.net, domain).regions[0].vertices_h != ()  # auto: DD in low dimension


@pytest.mark.parametrize("d, hidden, seed", [(4, (5, 3), 1), (6, (5, 3), 2), (8, (6,), 3), (5, (3, 3, 2), 4)])
def test_lp_engine_equals_vertex_engine_in_more_dimensions(d, hidden, seed):
    net = dense_net(d, hidden, seed=seed)
    domain = Domain.box([(-1, 1)] * (d - 1) + [("-1/2", "3/4")])
    dd = partition(net, domain, engine="dd")
    lp = partition(net, domain, engine="lp")
    assert len(lp.regions) > 4
    assert [r.pattern for r in lp.regions] == [r.pattern for r in dd.regions]
    assert [(r.map_rows, r.map_den) for r in lp.regions] == [(r.map_rows, r.map_den) for r in dd.regions]
    assert lp.edges == dd.edges
    assert [facet_summary(r) for r in lp.regions] == [facet_summary(r) for r in dd.regions]
    check_forward(net, lp)
    check_adjacency_points(lp)


def test_ctrl_c_keeps_the_regions_found_so_far():
    net = dense_net(12, (5,), seed=12, central=True)

    def stop(count):
        if count == 3:
            raise KeyboardInterrupt

    p = partition(net, Domain.box([(-1, 1)] * 12), progress=lambda phase, count, total: stop(count))
    assert not p.complete and len(p.regions) == 3
    check_forward(net, p)


def test_weights_beyond_the_float_range():
    big = 10**350
    net = Network.from_layers([
        ([[1, Fraction(1, big)], [Fraction(big, 3), -1], [1, 1]], [0, Fraction(1, 7), Fraction(-1, 2)]),
        ([[1, 2, 3], [1, -1, 1]], [0, 1]),
        ([[1, 1]], [0]),
    ])
    domain = Domain.box([(-1, 1), (-1, 1)])
    dd = partition(net, domain, engine="dd")
    lp = partition(net, domain, engine="lp")
    assert len(lp.regions) > 4
    assert [(r.pattern, r.map_rows, r.map_den) for r in lp.regions] == [
        (r.pattern, r.map_rows, r.map_den) for r in dd.regions]
    assert lp.edges == dd.edges
    check_forward(net, lp)


def test_command_line_above_the_vertex_engine_dimension(tmp_path, capsys):
    import json

    from exactrelu.cli import main

    d = DD_MAX_DIM + 2
    net = dense_net(d, (4,), seed=5, central=True, n_out=1)
    path = tmp_path / "net.json"
    path.write_text(json.dumps({"layers": [
        {"weight": [[str(w) for w in row] for row in layer.weight], "bias": [str(b) for b in layer.bias]}
        for layer in net.layers]}))
    box = "--box=" + ",".join(["-1:1"] * d)
    assert main(["regions", str(path), box, "-o", str(tmp_path / "out.json")]) == 0
    data = json.loads((tmp_path / "out.json").read_text())
    assert data["summary"]["regions"] == 16
    capsys.readouterr()
    # above the vertex form's range: the vertex form is refused in one line, auto certifies in the constraint form
    assert main(["certify", str(path), box, "--engine", "dd", "-o", str(tmp_path / "cert.json")]) == 2
    err = capsys.readouterr().err
    assert "vertex engine" in err and len(err.strip().splitlines()) == 1
    assert main(["certify", str(path), box, "--jobs", "2", "-o", str(tmp_path / "cert.json")]) == 2
    err = capsys.readouterr().err
    assert "one process" in err and len(err.strip().splitlines()) == 1
    assert main(["certify", str(path), box, "-o", str(tmp_path / "cert.json")]) == 0
    assert main(["check", str(tmp_path / "cert.json")]) == 0
    assert json.loads((tmp_path / "cert.json").read_text())["summary"]["regions"] == 16

"""exactrelu.comparison.compare and ``exactrelu diff`` against independent oracles: 2-D polygon clipping
from the exact forward pass (tests/oracles.py) for the changed cells, the maximum differences and the
exact area whose decision changed; exact forward passes at every witness; networks rewritten into the
same function (dead neurons, duplicated neurons) must compare equal."""

from __future__ import annotations

import json
import re
from fractions import Fraction

import numpy as np
import pytest
from example_nets import EXAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracles import _clip_polygon, domain_polygon, polygon_area, polygon_regions

from exactrelu import Network, partition
from exactrelu.cli import main
from exactrelu.comparison import compare, polytope_volume
from exactrelu.geometry.cell import Cell
from exactrelu.strategies import DEGENERACIES, boxes, networks, polytopes

PROPERTY = settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
UNIT = [(0, 1), (0, 1)]


def _layers(net):
    return [([list(r) for r in layer.weight], list(layer.bias)) for layer in net.layers]


def _rebuild(net, layers):
    return Network.from_layers(layers, negative_slopes=list(net.negative_slopes))


# -- the 2-D oracle ---------------------------------------------------------------------------------------
def _form(region, o):
    return (tuple(region.weight[o]), region.bias[o])


def _minus(f, g):
    return (tuple(u - v for u, v in zip(f[0], g[0])), f[1] - g[1])


def _at(f, x):
    return f[0][0] * x[0] + f[0][1] * x[1] + f[1]


def _area(poly, forms):
    """Area of the part of ``poly`` where every form is > 0 (a constant form <= 0 empties it)."""
    for f in forms:
        if not any(f[0]):
            if f[1] <= 0:
                return Fraction(0)
            continue
        poly = _clip_polygon(list(poly), f)
        if len(poly) < 3:
            return Fraction(0)
    return polygon_area(poly)


def _wins(region, c, n):
    return [_minus(_form(region, c), _form(region, k)) for k in range(n) if k != c]


def _refinement(a, b, domain):
    """``{(pattern_a, pattern_b): (polygon, region_a, region_b)}`` for intersections of positive area."""
    out = {}
    for pa, ra in polygon_regions(a, domain).items():
        for pb, rb in polygon_regions(b, domain).items():
            poly = list(ra.vertices)
            for p, q in zip(rb.vertices, rb.vertices[1:] + rb.vertices[:1]):  # clip by b's edges
                normal = (-(q[1] - p[1]), q[0] - p[0])
                poly = _clip_polygon(poly, (normal, -(normal[0] * p[0] + normal[1] * p[1])))
                if len(poly) < 3:
                    break
            if len(poly) >= 3 and polygon_area(poly) > 0:
                out[(pa, pb)] = (poly, ra, rb)
    return out


def _changed_area(poly, ra, rb, n):
    """Area where the decisions differ, by inclusion-exclusion over 'a decides c', 'b decides k'."""
    on_a = [_area(poly, _wins(ra, c, n)) for c in range(n)]
    on_b = [_area(poly, _wins(rb, k, n)) for k in range(n)]
    both = {(c, k): _area(poly, _wins(ra, c, n) + _wins(rb, k, n)) for c in range(n) for k in range(n)}
    # area - same class - neither decides, with neither = area - sum(a) - sum(b) + sum(both)
    return sum(on_a) + sum(on_b) - sum(both.values()) - sum(both[c, c] for c in range(n))


def _winner(y):
    top = max(y)
    best = [c for c, v in enumerate(y) if v == top]
    return best[0] if len(best) == 1 else None


TWO_D = networks(n_inputs=2, n_outputs=(1, 3), depth=(1, 2), width=(1, 3), weights="rational",
                 degenerate=st.frozensets(st.sampled_from(["duplicated", "dead", "concurrent"]), max_size=1),
                 leaky=st.sampled_from([False, True]))


@st.composite
def _changed_pair(draw):
    """A network and the same with one weight or bias changed."""
    a = draw(TWO_D)
    layers = _layers(a)
    k = draw(st.integers(0, len(layers) - 1))
    rows, bias = layers[k]
    i = draw(st.integers(0, len(bias) - 1))
    delta = draw(st.sampled_from([Fraction(1, 8), Fraction(-1, 3), Fraction(1), Fraction(-2)]))
    if draw(st.booleans()):
        bias[i] += delta
    else:
        rows[i][draw(st.integers(0, len(rows[i]) - 1))] += delta
    domain = draw(st.one_of(boxes(2, low=-2, high=2), polytopes(2)))
    return a, _rebuild(a, layers), domain


def test_a_decision_change_witness_is_strictly_inside_both_regions():
    """Found by the property below (CI, 2026-12-01): the short rounding of the changed part's centre
    landed on the cell's boundary (y = 1/12), because only the decision rows had to stay strict."""
    hidden = [{"weight": [[0, 0], [0, -3], [0, 0]], "bias": [0, "1/4", 0]},
              {"weight": [[0, 0, 0], [1, 0, 0]], "bias": [0, 0]},
              {"weight": [[0, 0], [0, 1]], "bias": [0, 0]}]  # fmt: skip
    a = Network.from_json({"layers": hidden})
    b = Network.from_json({"layers": [{**hidden[0], "weight": [["1/8", 0], [0, -3], [0, 0]]}, *hidden[1:]]})
    result = compare(a, b, [(0, 1), (0, 1)])
    assert result.decision_changes
    for d in result.decision_changes:
        assert result.a.regions[d.first].contains(d.witness, strictly=True)
        assert result.b.regions[d.second].contains(d.witness, strictly=True)
        assert (_winner(a.forward(d.witness)), _winner(b.forward(d.witness))) == (d.class_a, d.class_b)


@PROPERTY
@given(_changed_pair())
def test_one_changed_weight_matches_polygon_clipping(pair):
    a, b, domain = pair
    result = compare(a, b, domain)
    pa, pb = result.a, result.b
    truth = _refinement(a, b, domain)
    n = a.n_outputs
    assert {(pa.regions[p.first].pattern, pb.regions[p.second].pattern) for p in result.pieces} == set(truth)
    # the cells whose maps differ, and the exact maximum difference on each
    changed = {}
    for key, (poly, ra, rb) in truth.items():
        if (ra.weight, ra.bias) != (rb.weight, rb.bias):
            changed[key] = tuple(
                max(abs(_at(_minus(_form(ra, o), _form(rb, o)), v)) for v in poly) for o in range(n)
            )
    found = {(pa.regions[c.first].pattern, pb.regions[c.second].pattern): c for c in result.map_changes}
    assert set(found) == set(changed)
    for key, change in found.items():
        assert change.max_difference == changed[key]
        for o, x in enumerate(change.at):
            assert abs(a.forward(x)[o] - b.forward(x)[o]) == change.max_difference[o]
    assert result.same_function == (not changed)
    # the exact area where the decision changed
    area = sum((_changed_area(poly, ra, rb, n) for poly, ra, rb in truth.values()), Fraction(0))
    assert result.changed_volume == area
    assert result.domain_volume == polygon_area(domain_polygon(domain))
    for d in result.decision_changes:  # every witness, by the exact forward passes
        assert pa.regions[d.first].contains(d.witness, strictly=True)
        assert pb.regions[d.second].contains(d.witness, strictly=True)
        assert (_winner(a.forward(d.witness)), _winner(b.forward(d.witness))) == (d.class_a, d.class_b)
        assert d.volume > 0


@PROPERTY
@given(networks(n_inputs=(1, 3), n_outputs=(1, 3), depth=(0, 2), width=(1, 3),
                degenerate=st.frozensets(st.sampled_from(DEGENERACIES), max_size=2), leaky=st.booleans()),
       st.data())
def test_a_network_against_itself_is_the_same_function(net, data):
    domain = data.draw(boxes(net.n_inputs))
    result = compare(net, net, domain)
    assert result.same_function and not result.map_changes and not result.decision_changes
    assert result.only_a == result.only_b == ()
    assert [(p.first, p.second) for p in result.pieces] == [(i, i) for i in range(len(result.a.regions))]
    assert result.changed_volume == 0 and result.max_difference == (0,) * net.n_outputs


@st.composite
def _rewritten(draw):
    """A network and the same function written differently: a dead neuron added (zero weights and bias,
    any outgoing weights) or a neuron duplicated (a positive multiple t of it, the outgoing weights
    shared so that relu(t z) = t relu(z) leaves the sum unchanged)."""
    a = draw(networks(n_inputs=2, n_outputs=(1, 3), depth=(1, 2), width=(1, 3), weights="rational",
                      leaky=st.booleans()))
    layers = _layers(a)
    k = draw(st.integers(0, len(layers) - 2))
    rows, bias = layers[k]
    nxt_rows, _ = layers[k + 1]
    outgoing = [draw(st.integers(-3, 3)) for _ in nxt_rows]
    if draw(st.booleans()):
        rows.append([0] * len(rows[0]))
        bias.append(0)
        for r, w in zip(nxt_rows, outgoing):
            r.append(w)
    else:
        j = draw(st.integers(0, len(bias) - 1))
        t = draw(st.sampled_from([Fraction(1, 2), Fraction(1), Fraction(3)]))
        rows.append([t * v for v in rows[j]])
        bias.append(t * bias[j])
        for r, w in zip(nxt_rows, outgoing):
            r[j] -= t * w
            r.append(w)
    return a, _rebuild(a, layers)


@PROPERTY
@given(_rewritten(), st.one_of(boxes(2, low=-2, high=2), polytopes(2)))
def test_dead_and_duplicated_neurons_are_the_same_function(pair, domain):
    a, b = pair
    for x, y in ((a, b), (b, a)):
        result = compare(x, y, domain)
        assert result.same_function, [(c.first, c.second, c.max_difference) for c in result.map_changes]
        assert not result.decision_changes and result.changed_volume == 0


@pytest.mark.parametrize("bias", ["-1/4", "1/4", 0])
def test_outputs_that_tie_on_whole_cells(bias):
    # a: y1 = relu(x1 - x2), y2 = 0 tie wherever x1 <= x2 (no class wins on half the square); with
    # y2 = 1/4, class 0 wins only where x1 - x2 > 1/4 (area 9/32), so 1 - 9/32 changes
    a = Network.from_layers([([[1, -1]], [0]), ([[1], [0]], [0, 0])])
    b = Network.from_layers([([[1, -1]], [0]), ([[1], [0]], [0, bias])])
    for x, y in ((a, b), (b, a)):
        result = compare(x, y, UNIT)
        truth = sum((_changed_area(*cell, 2) for cell in _refinement(x, y, UNIT).values()), Fraction(0))
        assert result.changed_volume == truth
        for d in result.decision_changes:
            assert (_winner(x.forward(d.witness)), _winner(y.forward(d.witness))) == (d.class_a, d.class_b)
    assert compare(a, b, UNIT).changed_fraction == {"-1/4": Fraction(1, 2), "1/4": Fraction(23, 32), 0: 0}[bias]


def test_only_in_one_and_a_function_with_fewer_regions():
    # a: relu(x1 - 1/2) - relu(1/2 - x1) = x1 - 1/2 cut at x1 = 1/2; b: x1 - 1/2 with no cut
    a = Network.from_layers([([[1, 0], [-1, 0]], ["-1/2", "1/2"]), ([[1, -1]], [0])])
    b = Network.from_layers([([[1, 0]], [0]), ([[1]], ["-1/2"])])
    result = compare(a, b, UNIT)
    assert result.same_function  # the same function, two partitions
    assert result.only_a == (0, 1) and result.only_b == (0,)
    assert compare(a, a, UNIT).only_a == ()


def _cell(region):
    """A region as a double-description cell: its facet rows and vertices with their tight sets."""
    rows = [f.row for f in region.facets]
    verts = [v if v[0] > 0 else tuple(-a for a in v) for v in region.vertices_h]
    tight = [sum(1 << k for k, r in enumerate(rows) if sum(a * b for a, b in zip(r, v)) == 0) for v in verts]
    vf = np.array([[1.0] + [a / v[0] for a in v[1:]] for v in verts])
    return Cell(len(rows[0]) - 1, rows, [("facet", k) for k in range(len(rows))], verts, vf, tight)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_region_volumes_sum_to_the_domain_volume(example):
    p = partition(example.net, example.box)
    volumes = [polytope_volume(_cell(r)) for r in p.regions]
    assert all(v > 0 for v in volumes) and sum(volumes) == polytope_volume(p.domain.cell())
    if p.domain.dim == 2:  # and each is the area of its polygon
        polygons = polygon_regions(example.net, example.box)
        assert volumes == [polygons[r.pattern].area for r in p.regions]


def test_volumes_need_vertices_above_ten_inputs():
    a = Network.from_layers([([[1] + [0] * 10], [0]), ([[1], [-1]], [0, 0])])
    b = Network.from_layers([([[1] + [0] * 10], ["-1/2"]), ([[1], [-1]], [0, 0])])
    result = compare(a, b, [(-1, 1)] * 11)
    assert not result.same_function and result.max_difference == (Fraction(1, 2), Fraction(1, 2))
    assert result.domain_volume is None and result.changed_fraction is None
    assert result.decision_changes and all(d.volume is None for d in result.decision_changes)
    for d in result.decision_changes:
        assert (_winner(a.forward(d.witness)), _winner(b.forward(d.witness))) == (d.class_a, d.class_b)


# -- the command line -------------------------------------------------------------------------------------
def _write(tmp_path, name, net):
    path = tmp_path / name
    path.write_text(json.dumps(net.to_json()))
    return str(path)


A = Network.from_layers([([[1, -1], [0, 0]], [0, 0]), ([[1, 5], [0, 0]], [0, "1/4"])])
A_PRUNED = Network.from_layers([([[1, -1]], [0]), ([[1], [0]], [0, "1/4"])])
A_MOVED = Network.from_layers([([[1, -1]], [0]), ([[1], [0]], [0, "1/2"])])


def test_cli_exit_codes_and_json(tmp_path, capsys):
    a, pruned, moved = (_write(tmp_path, n, net) for n, net in (("a.json", A), ("p.json", A_PRUNED),
                                                                ("m.json", A_MOVED)))
    assert main(["diff", a, pruned, "--box", "0:1,0:1"]) == 0
    assert "verdict: the same function on the domain" in capsys.readouterr().out
    out = tmp_path / "d.json"
    assert main(["diff", a, moved, "--box", "0:1,0:1", "-o", str(out)]) == 1
    assert "verdict: different functions" in capsys.readouterr().out
    data = json.loads(out.read_text())
    expected = json.loads(json.dumps(compare(A, A_MOVED, UNIT).to_json()))
    assert [n["source"] for n in data.pop("networks")] == [a, moved]
    assert [n["hidden_widths"] for n in expected.pop("networks")] == [[2], [1]]
    assert data == expected
    assert data["format"] == "exactrelu-diff" and data["same_function"] is False
    assert data["changed_volume"] == "5/32" and data["domain_volume"] == "1"
    assert [(d["class_a"], d["class_b"], d["volume"]) for d in data["decision_changes"]] == [(0, 1, "5/32")]
    assert main(["diff", a, moved, "--box", "0:1,0:1", "-o", "-"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["summary"]["decision_changes"] == 1 and "verdict" in captured.err


@pytest.mark.parametrize("args, message", [
    (["{a}", "{three}", "--box", "0:1,0:1"], "has 2 inputs and .* has 3: they cannot be compared"),
    (["{a}", "{one_out}", "--box", "0:1,0:1"], "has 2 outputs and .* has 1: they cannot be compared"),
    (["{a}", "{missing}", "--box", "0:1,0:1"], "missing"),
    (["{a}", "{a}", "--box", "0:1"], "1 dimension, network has 2 inputs"),
    (["{a}", "{a}"], "no domain given"),
    (["{a}", "{a}", "--box", "0:1,0:1", "-o", "{tmp}/no/such/folder/out.json"], "cannot write"),
    (["{a}"], "required: B"),
])
def test_cli_refuses_bad_input_in_one_line(tmp_path, capsys, args, message):
    paths = {
        "a": _write(tmp_path, "a.json", A),
        "three": _write(tmp_path, "three.json", Network.from_layers([([[1, 1, 1]], [0]), ([[1], [1]], [0, 0])])),
        "one_out": _write(tmp_path, "one.json", Network.from_layers([([[1, 1]], [0]), ([[1]], [0])])),
        "missing": str(tmp_path / "missing.json"),
        "tmp": str(tmp_path),
    }
    assert main(["diff"] + [a.format(**paths) for a in args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("exactrelu: error: ")
    assert re.search(message, err), err

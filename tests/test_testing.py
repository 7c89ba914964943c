"""exactrelu.testing against an independent 2-D oracle (polygon clipping from the exact forward pass,
tests/oracles.py), the pytest plugin through pytester, and the examples of docs/testing.md."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracles import _clip_polygon, domain_polygon, polygon_area, polygon_regions

import exactrelu.comparison as comparison
import exactrelu.testing as testing
from exactrelu import EXAMPLE, InvalidArgument, Network, partition
from exactrelu.strategies import boxes, networks, polytopes
from exactrelu.testing import (
    assert_outputs_within,
    assert_regions,
    assert_robust,
    assert_same_decisions,
    common_refinement,
)
from exactrelu_checker import check_certificate

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
UNIT = [(0, 1), (0, 1)]
PROPERTY = settings(max_examples=15, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def _net(*layers, slopes=()):
    return Network.from_layers(list(layers), negative_slopes=list(slopes))


def _point(message: str, names=("x1", "x2")) -> tuple[Fraction, ...]:
    """The counterexample point printed in a failure message."""
    approx = r"(?: \(~[^)]*\))?"  # long values are followed by a decimal approximation
    found = re.search(r"at " + r", ".join(f"{n}=(\\S+?){approx}" for n in names) + r"[ ,:(]", message)
    assert found, message
    return tuple(Fraction(v) for v in found.groups())


# -- the 2-D oracle: regions as polygons, intersections by clipping -------------------------------------
def _edges(poly):
    """The polygon (counter-clockwise) as forms ``(a, c)`` with ``a . x + c >= 0`` inside."""
    out = []
    for p, q in zip(poly, poly[1:] + poly[:1]):
        a = (-(q[1] - p[1]), q[0] - p[0])
        out.append((a, -(a[0] * p[0] + a[1] * p[1])))
    return out


def _clip(poly, forms):
    for f in forms:
        poly = _clip_polygon(list(poly), f)
        if len(poly) < 3:
            return []
    return poly if polygon_area(poly) > 0 else []


def _form(region, o):
    return (tuple(region.weight[o]), region.bias[o])


def _minus(f, g):
    return (tuple(u - v for u, v in zip(f[0], g[0])), f[1] - g[1])


def _at(f, x):
    return f[0][0] * x[0] + f[0][1] * x[1] + f[1]


def _refinement(net_a, net_b, domain):
    """``{(pattern_a, pattern_b): (polygon, region_a, region_b)}`` for intersections of positive area."""
    ra, rb = polygon_regions(net_a, domain), polygon_regions(net_b, domain)
    out = {}
    for pa, a in ra.items():
        for pb, b in rb.items():
            poly = _clip(list(a.vertices), _edges(list(b.vertices)))
            if poly:
                out[(pa, pb)] = (poly, a, b)
    return out


def _decides_differently(a, b, poly, n) -> bool:
    """Some open set of ``poly`` where ``a`` strictly prefers one class and ``b`` another."""
    for c in range(n):
        for k in range(n):
            if c == k:
                continue
            forms = [_minus(_form(a, c), _form(a, m)) for m in range(n) if m != c]
            forms += [_minus(_form(b, k), _form(b, m)) for m in range(n) if m != k]
            if any(not any(f[0]) and f[1] <= 0 for f in forms):
                continue  # a constant gap <= 0: never strict
            if _clip(poly, [f for f in forms if any(f[0])]):
                return True
    return False


TWO_D = networks(n_inputs=2, n_outputs=(2, 3), depth=(1, 2), width=(1, 3), weights="rational",
                 degenerate=st.frozensets(st.sampled_from(["duplicated", "concurrent", "through_corners"]),
                                          max_size=1))


@st.composite
def _pair(draw):
    """A network and a second one: the same, a one-entry perturbation of it, or an independent one."""
    a = draw(TWO_D)
    how = draw(st.sampled_from(["same", "perturbed", "independent"]))
    if how == "independent":
        b = draw(networks(n_inputs=2, n_outputs=a.n_outputs, depth=(1, 2), width=(1, 3), weights="rational"))
    else:
        layers = [([list(r) for r in layer.weight], list(layer.bias)) for layer in a.layers]
        if how == "perturbed":
            k = draw(st.integers(0, len(layers) - 1))
            rows, bias = layers[k]
            i = draw(st.integers(0, len(bias) - 1))
            delta = draw(st.sampled_from([Fraction(1, 8), Fraction(-1, 3), Fraction(1)]))
            if draw(st.booleans()):
                bias[i] += delta
            else:
                j = draw(st.integers(0, len(rows[i]) - 1))
                rows[i][j] += delta
        b = Network.from_layers(layers)
    domain = draw(st.one_of(boxes(2, low=-2, high=2), polytopes(2)))
    return a, b, domain


# -- common refinement ---------------------------------------------------------------------------------
def test_common_refinement_of_a_partition_with_itself():
    p = partition(EXAMPLE, UNIT)
    assert [(c.first, c.second) for c in common_refinement(p, p)] == [(i, i) for i in range(4)]


def test_common_refinement_is_still_public_here():
    # it moved to exactrelu.comparison; exactrelu.testing keeps exporting it (and Piece)
    assert testing.common_refinement is comparison.common_refinement and testing.Piece is comparison.Piece
    assert {"common_refinement", "Piece"} <= set(testing.__all__)


@PROPERTY
@given(_pair())
def test_common_refinement_matches_polygon_clipping(pair):
    a, b, domain = pair
    pa, pb = partition(a, domain), partition(b, domain)
    pieces = common_refinement(pa, pb)
    for piece in pieces:
        assert pa.regions[piece.first].contains(piece.point, strictly=True)
        assert pb.regions[piece.second].contains(piece.point, strictly=True)
    truth = _refinement(a, b, domain)
    assert {(pa.regions[c.first].pattern, pb.regions[c.second].pattern) for c in pieces} == set(truth)
    assert sum(polygon_area(poly) for poly, _, _ in truth.values()) == polygon_area(domain_polygon(domain))


@PROPERTY
@given(networks(n_inputs=3, depth=(1, 2), width=(1, 3), weights="rational"),
       networks(n_inputs=3, depth=(1, 2), width=(1, 3)), st.one_of(boxes(3), polytopes(3)))
def test_common_refinement_by_clipping_matches_lps_in_3d(a, b, domain):
    # vertex engine: exact clipping; LP engine (no vertices): exact LPs; the same cells either way
    def cells(engine):
        pa, pb = partition(a, domain, engine=engine), partition(b, domain, engine=engine)
        return {(pa.regions[c.first].pattern, pb.regions[c.second].pattern) for c in common_refinement(pa, pb)}

    assert cells("dd") == cells("lp")


# -- assert_regions --------------------------------------------------------------------------------------
def test_assert_regions():
    assert len(assert_regions(EXAMPLE, UNIT, exactly=4, at_most=4, at_least=4).regions) == 4
    with pytest.raises(AssertionError, match=r"expected exactly 5 activation regions on \[0, 1\] x \[0, 1\], found 4"):
        assert_regions(EXAMPLE, UNIT, exactly=5)
    with pytest.raises(AssertionError, match="expected at least 5"):
        assert_regions(EXAMPLE, UNIT, at_least=5)


# -- assert_robust ---------------------------------------------------------------------------------------
def test_robust_pass_and_failure_with_a_checked_certificate(tmp_path):
    # EXAMPLE: P - Q = 1/4 where both neurons are off, P - Q = -2X + 5/4 where both are on
    assert assert_robust(EXAMPLE, [(0, "1/2"), (0, "1/2")], label=0) == Fraction(1, 4)
    kept = tmp_path / "cert.json"
    with pytest.raises(AssertionError) as failure:
        assert_robust(EXAMPLE, UNIT, label=0, certificate=kept)
    message = str(failure.value)
    assert message.startswith("class 0 (P) does not win everywhere on [0, 1] x [0, 1]: at X=1, Y=1 class 1 (Q) wins")
    assert "exact margin (min over the box of P - max of the other outputs): -3/4" in message
    x = _point(message, ("X", "Y"))
    y = EXAMPLE.forward(x)
    assert y[0] - y[1] == Fraction(-3, 4)
    assert f"certificate of the partition: {kept} (VERIFIED" in message
    assert check_certificate(kept).verified


def test_robust_failure_keeps_a_temporary_certificate():
    with pytest.raises(AssertionError) as failure:
        assert_robust(EXAMPLE, UNIT, label=1)
    path = Path(re.search(r"certificate of the partition: (\S+) ", str(failure.value)).group(1))
    try:
        assert check_certificate(path).verified
    finally:
        path.unlink()


def test_robust_tie_rule():
    net = _net(([[1, 0]], [0]), ([[1], [0]], [0, 0]))  # y1 = relu(x1) >= 0 = y2, equal at x1 = 0
    assert assert_robust(net, UNIT, label=0, ties="win") == 0
    with pytest.raises(AssertionError, match=r"at x1=0, x2=\S+ no class wins \(class 0 \(y1\) and class 1 \(y2\) tie\)"):
        assert_robust(net, UNIT, label=0)
    assert assert_robust(net, [("1/2", 1), (0, 1)], label=0) == Fraction(1, 2)


def test_robust_without_vertices_above_ten_inputs():
    # 11 inputs: the LP engine (no vertices), no certificate; y1 = relu(x1) + 1, y2 = relu(x2)
    w = [[1] + [0] * 10, [0, 1] + [0] * 9]
    net = _net((w, [0, 0]), ([[1, 0], [0, 1]], [1, 0]))
    box = [(0, 1)] * 11
    assert assert_robust(net, box, label=0, ties="win") == 0
    with pytest.raises(AssertionError, match="no certificate: certificates need at most 10 inputs"):
        assert_robust(net, box, label=0)
    assert assert_robust(net, [(0, 1), (0, "1/2")] + [(0, 1)] * 9, label=0) == Fraction(1, 2)


def test_comparisons_without_vertices_above_ten_inputs():
    # 11 inputs: LP-engine regions (no vertices); a = (relu(x1), relu(x2)), b = a + (1/4, 0)
    w = [[1] + [0] * 10, [0, 1] + [0] * 9]
    a = _net((w, [0, 0]), ([[1, 0], [0, 1]], [0, 0]))
    b = _net((w, [0, 0]), ([[1, 0], [0, 1]], ["1/4", 0]))
    box = [(-1, 1)] * 11
    assert all(not r.vertices for r in partition(a, box).regions)
    assert assert_outputs_within(a, b, box, "1/4") == (Fraction(1, 4), 0)
    assert assert_same_decisions(a, a, box, ties="strict") == 4
    with pytest.raises(AssertionError) as failure:
        assert_same_decisions(a, b, box)
    x = _point(str(failure.value), [f"x{i}" for i in range(1, 12)])
    assert a.forward(x)[0] < a.forward(x)[1] and b.forward(x)[0] > b.forward(x)[1]


def test_robust_bad_arguments():
    with pytest.raises(InvalidArgument, match="label is 2"):
        assert_robust(EXAMPLE, UNIT, label=2)
    with pytest.raises(InvalidArgument, match="one output"):
        assert_robust(_net(([[1, 1]], [0]),), UNIT, label=0)
    with pytest.raises(InvalidArgument, match="ties is 'maybe'"):
        assert_robust(EXAMPLE, UNIT, label=0, ties="maybe")


@PROPERTY
@given(TWO_D, st.one_of(boxes(2, low=-2, high=2), polytopes(2)), st.data())
def test_robust_margin_is_the_exact_minimum(net, domain, data):
    label = data.draw(st.integers(0, net.n_outputs - 1))
    truth = min(
        _at(_minus(_form(region, label), _form(region, j)), v)
        for region in polygon_regions(net, domain).values()
        for j in range(net.n_outputs) if j != label
        for v in region.vertices
    )
    if truth > 0:
        assert assert_robust(net, domain, label) == truth
    else:
        if truth == 0:
            assert assert_robust(net, domain, label, ties="win") == 0
        with pytest.raises(AssertionError) as failure:
            assert_robust(net, domain, label, certificate=Path("/dev/null"))
        y = net.forward(_point(str(failure.value)))
        assert y[label] - max(v for j, v in enumerate(y) if j != label) == truth


# -- assert_same_decisions -------------------------------------------------------------------------------
A = _net(([[1, -1], [-1, 1]], [0, 0]), ([[1, 0], [0, 1]], [0, 0]))


def test_same_decisions_of_equivalent_networks():
    assert assert_same_decisions(A, A, UNIT, ties="strict") == 2
    scaled = _net(([[3, -3], [-1, 1]], [0, 0]), ([[1, 0], [0, 2]], [0, 0]))  # positive rescaling
    assert assert_same_decisions(A, scaled, UNIT, ties="strict") == 2


def test_same_decisions_tie_rules():
    tied = _net(([[1, 0]], [0]), ([[0], [0]], [0, 0]))  # outputs (0, 0): never decides
    assert assert_same_decisions(tied, A, UNIT) >= 1
    with pytest.raises(AssertionError) as failure:
        assert_same_decisions(tied, A, UNIT, ties="strict")
    message = str(failure.value)
    assert "network a: no class wins" in message and 'rule (ties="strict")' in message
    x = _point(message)
    assert tied.forward(x) == (0, 0) and A.forward(x)[0] != A.forward(x)[1]


def test_same_decisions_strict_rule_sees_ties_inside_one_region():
    # affine networks (one region each) that can only ever decide class 0; classes 1 and 2 tie
    a = _net(([[1, 0], [0, 0], [0, 0]], [0, 0, 0]))
    b = _net(([[1, 0], [0, 0], [0, 0]], ["-1/2", 0, 0]))
    box = [(-1, 1), (0, 1)]
    assert assert_same_decisions(a, b, box) == 1  # where both decide, both pick class 0
    with pytest.raises(AssertionError) as failure:
        assert_same_decisions(a, b, box, ties="strict")
    x = _point(str(failure.value))
    assert 0 < x[0] <= Fraction(1, 2)  # a decides class 0, b ties (classes 1 and 2, and 0 at x1 = 1/2)


def test_same_decisions_bad_arguments():
    with pytest.raises(InvalidArgument, match="network a has 2 outputs and network b has 1"):
        assert_same_decisions(A, _net(([[1, 1]], [0]),), UNIT)
    with pytest.raises(InvalidArgument, match="ties is 'lose'"):
        assert_same_decisions(A, A, UNIT, ties="lose")


@PROPERTY
@given(_pair())
def test_same_decisions_matches_polygon_clipping(pair):
    a, b, domain = pair
    differ = any(_decides_differently(ra, rb, poly, a.n_outputs) for poly, ra, rb in _refinement(a, b, domain).values())
    if not differ:
        assert_same_decisions(a, b, domain)
        return
    with pytest.raises(AssertionError) as failure:
        assert_same_decisions(a, b, domain)
    x = _point(str(failure.value))
    assert domain.contains(x)
    ya, yb = a.forward(x), b.forward(x)
    wa = [c for c, v in enumerate(ya) if all(v > u for k, u in enumerate(ya) if k != c)]
    wb = [c for c, v in enumerate(yb) if all(v > u for k, u in enumerate(yb) if k != c)]
    assert len(wa) == len(wb) == 1 and wa != wb


# -- assert_outputs_within -------------------------------------------------------------------------------
def test_outputs_within():
    moved = _net(*[(layer.weight, layer.bias) for layer in EXAMPLE.layers[:-1]],
                 (EXAMPLE.layers[-1].weight, ["1/3", "-1/4"]))
    assert assert_outputs_within(EXAMPLE, moved, UNIT, "1/3") == (Fraction(1, 3), 0)
    assert assert_outputs_within(EXAMPLE, moved, UNIT, ["1/3", 0]) == (Fraction(1, 3), 0)
    with pytest.raises(AssertionError, match=r"P: max \|a - b\| = 1/3 > 1/4, at X=\S+, Y=\S+ \(network a"):
        assert_outputs_within(EXAMPLE, moved, UNIT, 0.25)
    with pytest.raises(InvalidArgument, match="1 bounds given for 2 outputs"):
        assert_outputs_within(EXAMPLE, moved, UNIT, [1])


@PROPERTY
@given(_pair())
def test_output_differences_match_polygon_clipping(pair):
    a, b, domain = pair
    truth = [
        max((abs(_at(_minus(_form(ra, o), _form(rb, o)), v)) for poly, ra, rb in _refinement(a, b, domain).values()
             for v in poly), default=Fraction(0))
        for o in range(a.n_outputs)
    ]
    assert list(assert_outputs_within(a, b, domain, max(truth))) == truth
    if max(truth) > 0:
        with pytest.raises(AssertionError) as failure:
            assert_outputs_within(a, b, domain, max(truth) / 2)
        line = next(ln for ln in str(failure.value).splitlines() if " > " in ln)
        o = a.output_names.index(line.split(":")[0].strip())
        x = _point(line)
        assert abs(a.forward(x)[o] - b.forward(x)[o]) == truth[o]


# -- the pytest plugin -----------------------------------------------------------------------------------
def _plugin_args() -> list[str]:
    """Load the plugin by hand when the package is installed without its entry point."""
    installed = any(ep.value == "exactrelu.pytest_plugin" for ep in entry_points(group="pytest11"))
    return ["-p", "no:cacheprovider"] + ([] if installed else ["-p", "exactrelu.pytest_plugin"])


GUARD = """
from exactrelu import Network

BIAS = {bias!r}
NET = Network.from_layers([([[-1, 1], [1, 1]], [0, BIAS]), ([[2, 1], [1, 2]], [0, "-1/4"])])

def test_geometry(exactrelu_snapshot):
    snap = exactrelu_snapshot(NET, [(0, 1), (0, 1)])
    assert snap["regions"] == {regions}

def test_two_snapshots(exactrelu_snapshot):
    exactrelu_snapshot(NET, [(0, 1), (0, 1)])
    exactrelu_snapshot(NET, [(0, 1), (0, 2)])
    exactrelu_snapshot(NET, [(0, 2), (0, 2)], name="wide")
"""


def test_snapshot_fixture_records_compares_and_reports(pytester):
    pytester.makepyfile(test_guard=GUARD.format(bias=-1, regions=4))
    missing = pytester.runpytest(*_plugin_args())
    missing.assert_outcomes(failed=2)
    missing.stdout.fnmatch_lines(["*no exactrelu snapshot at *test_geometry.json (now: regions 4, edges 4, linear "
                                  "pieces 4); run pytest --exactrelu-update to record it*"])

    update = pytester.runpytest("--exactrelu-update", *_plugin_args())
    update.assert_outcomes(passed=2)
    update.stdout.fnmatch_lines(["*exactrelu: 4 snapshot(s) written*"])
    folder = pytester.path / "__exactrelu_snapshots__" / "test_guard"
    assert sorted(p.name for p in folder.iterdir()) == [
        "test_geometry.json", "test_two_snapshots-2.json", "test_two_snapshots.json", "wide.json"]
    recorded = json.loads((folder / "test_geometry.json").read_text())
    assert (recorded["regions"], recorded["edges"], recorded["linear_pieces"], recorded["of"]) == (4, 4, 4, "certificate")
    assert len(recorded["sha256"]) == 64

    pytester.runpytest(*_plugin_args()).assert_outcomes(passed=2)

    # a "retrained" model: the second neuron's bias moves, its line x + y = 2 only touches a corner
    pytester.makepyfile(test_guard=GUARD.format(bias=-2, regions=2))
    changed = pytester.runpytest(*_plugin_args())
    changed.assert_outcomes(failed=2)
    changed.stdout.fnmatch_lines([
        "*the exact geometry changed (exactrelu snapshot *test_geometry.json):",
        "*regions: 4 -> 2",
        "*edges: 4 -> 1",
        "*linear pieces: 4 -> 2",
        "*network (weights) sha256: * -> *",
        "*If the change is intended, run pytest --exactrelu-update and commit the snapshot.",
    ])
    assert "Traceback" not in changed.stdout.str()
    pytester.runpytest("--exactrelu-update", *_plugin_args()).assert_outcomes(passed=2)
    assert json.loads((folder / "test_geometry.json").read_text())["regions"] == 2
    pytester.runpytest(*_plugin_args()).assert_outcomes(passed=2)


# -- docs/testing.md: the complete examples run ----------------------------------------------------------
def _doc_files() -> dict[str, str]:
    text = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    files = {}
    for block in re.findall(r"```python\n(.*?)```", text, re.S):
        named = re.match(r"# file: (\S+)\n", block)
        if named:
            files[named.group(1)] = block
    return files


@pytest.mark.parametrize("name", ["test_classifier.py", "test_classifier_torch.py"])
def test_docs_example_runs(pytester, name):
    if "torch" in name:
        pytest.importorskip("torch")
    files = _doc_files()
    assert set(files) == {"test_classifier.py", "test_classifier_torch.py"}
    pytester.makepyfile(**{name[:-3]: files[name]})
    first = pytester.runpytest("--exactrelu-update", *_plugin_args())
    first.assert_outcomes(passed=6)
    again = pytester.runpytest("-k", "snapshot", *_plugin_args())
    again.assert_outcomes(passed=1, deselected=5)
    recorded = json.loads((pytester.path / "__exactrelu_snapshots__" / name[:-3] / "test_geometry_snapshot.json")
                          .read_text())
    assert (recorded["regions"], recorded["edges"], recorded["linear_pieces"]) == (11, 16, 11)

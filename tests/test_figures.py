"""Figures of 2-D partitions: the exact plane geometry under them, and the drawings themselves."""

from __future__ import annotations

import struct
import subprocess
import sys
from fractions import Fraction

import pytest

from exactrelu import EXAMPLE, Domain, partition
from exactrelu.cli import main
from exactrelu.errors import InvalidArgument
from exactrelu.export import figures
from exactrelu.export.planar import (
    area,
    boundary_segments,
    centroid,
    class_cells,
    region_polygon,
    rows_polygon,
)
from example_nets import TWO_D, by_name, random_net


def _domain(box):
    return Domain.polytope(box["A"], box["b"]) if isinstance(box, dict) else Domain.box(box)


def _domain_area(domain: Domain) -> Fraction:
    rows = [(b,) + tuple(-a for a in row) for row, b in zip(domain.A, domain.b)]
    return area(rows_polygon(rows))


def _winner(outputs) -> int:
    """The class the figures use: argmax, smallest index on ties; one output: 1 iff positive."""
    if len(outputs) == 1:
        return int(outputs[0] > 0)
    return max(range(len(outputs)), key=lambda k: (outputs[k], -k))


PARTITIONS = {ex.name: partition(ex.net, _domain(ex.box)) for ex in TWO_D}


@pytest.mark.parametrize("name", sorted(PARTITIONS))
def test_polygons_and_class_cells_tile_the_domain_exactly(name):
    p = PARTITIONS[name]
    net = p.network
    polys = [region_polygon(r) for r in p.regions]
    assert all(area(poly) > 0 for poly in polys)  # counter-clockwise, full-dimensional
    assert sum(area(poly) for poly in polys) == _domain_area(p.domain)
    for region, poly in zip(p.regions, polys):
        cells = class_cells(region, poly)
        assert sum(area(cell) for _, cell in cells) == area(poly)
        for k, cell in cells:  # the class at an interior point of each cell, by the exact forward pass
            assert _winner(net.forward(centroid(cell))) == k


@pytest.mark.parametrize("name", sorted(PARTITIONS))
def test_boundary_segments_lie_where_the_decision_changes(name):
    p = PARTITIONS[name]
    net = p.network
    for region in p.regions:
        for classes, a, b in boundary_segments(region.weight, region.bias, region_polygon(region)):
            assert a != b
            for x in (a, b, ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)):
                out = net.forward(x)
                if len(out) == 1:
                    assert out[0] == 0
                else:
                    k, l = classes
                    assert out[k] == out[l] == max(out)


@pytest.mark.parametrize("name", sorted(PARTITIONS))
def test_the_boundary_module_and_the_exact_segments_draw_the_same_lines(name):
    """Figures draw analysis/boundary.py's pieces, TikZ pictures the per-region segments of
    planar.py: two computations of one set of points."""
    p = PARTITIONS[name]
    hooked = figures.decision_segments(p.regions, p.adjacencies)
    own = [s for r in p.regions for s in boundary_segments(r.weight, r.bias, region_polygon(r))]

    def covered(segment, by) -> bool:
        _, a, b = segment
        mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        return any(_on(x, c, d) for _, c, d in by for x in (mid,)) and all(
            any(_on(x, c, d) for _, c, d in by) for x in (a, b)
        )

    assert all(covered(s, own) for s in hooked)
    assert all(covered(s, hooked) for s in own)


def _on(x, a, b) -> bool:
    cross = (b[0] - a[0]) * (x[1] - a[1]) - (b[1] - a[1]) * (x[0] - a[0])
    return cross == 0 and min(a, b) <= x <= max(a, b)


# ----------------------------------------------------------------------------------------- drawing
mpl = pytest.importorskip("matplotlib")


@pytest.mark.parametrize("color", ["pattern", "piece", "class"])
def test_figures_draw_the_exact_polygons(color, tmp_path):
    from matplotlib.collections import PolyCollection

    p = partition(random_net(13, 2, (4, 3), n_outputs=3), [(-2, 2), (-1, 1)])  # three classes
    fig, info = figures.partition_figure(p, color=color, labels=True)
    drawn = [poly for c in fig.axes[0].collections if isinstance(c, PolyCollection) for poly in c.get_paths()]
    if color == "class":
        exact = [cell for r in p.regions for _, cell in class_cells(r)]
    else:
        exact = [region_polygon(r) for r in p.regions]
    assert len(drawn) == len(exact)
    for path, poly in zip(drawn, exact):  # every vertex drawn is the float of the exact vertex
        vertices = [tuple(v) for v in path.vertices[: len(poly)]]
        assert vertices == [(float(x), float(y)) for x, y in poly]
    for suffix in ("png", "svg", "pdf"):
        out = tmp_path / f"fig.{suffix}"
        figures.save_figure(fig, out)
        assert out.stat().st_size > 1000
    assert info.segments > 0


def test_labels_fit_inside_their_regions_and_never_overlap():
    p = partition(random_net(11, 2, (5, 4)), [(-3, 3), (-3, 3)])
    fig, info = figures.partition_figure(p, labels=True)
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert len(boxes) == len(info.labelled) > 0
    assert [int(t.get_text()) for t in ax.texts] == info.labelled
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)


def test_surface_and_single_output_classes(tmp_path):
    net = random_net(3, 2, (4,), n_outputs=1)
    p = partition(net, [(-2, 2), (-2, 2)])
    fig, _ = figures.partition_figure(p, surface=True, width=7)
    assert fig.get_size_inches()[0] == 7
    assert len(fig.axes) == 2  # the map and its colour bar
    fig, _ = figures.partition_figure(p, color="class")
    with pytest.raises(InvalidArgument, match="single output"):
        figures.partition_figure(partition(EXAMPLE), surface=True)


def test_a_network_without_two_inputs_is_refused_with_a_slice_hint():
    ex = by_name("coincident3d")
    with pytest.raises(InvalidArgument, match=r"has 3: take an exact 2-D slice with --axes I,J --at V1,...,V3"):
        figures.partition_figure(partition(ex.net, ex.box))


def test_plot_command(tmp_path, capsys):
    out = tmp_path / "fig.png"
    assert main(["plot", "-o", str(out), "--color", "class", "--labels", "--names", "u,v"]) == 0
    said = capsys.readouterr().out
    assert said.startswith("figure (4 regions; colour: class; labels on 4 of 4 regions;") and str(out) in said
    width, height = struct.unpack(">II", out.read_bytes()[16:24])
    assert width == 1050  # 3.5 in at 300 dpi
    assert main(["plot", "-o", str(tmp_path / "fig.txt")]) == 2
    assert "png, .svg or .pdf" in capsys.readouterr().err


def test_matplotlib_is_imported_only_when_drawing():
    code = "import sys, exactrelu.cli, exactrelu.export.figures; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "False", done.stderr


def _fraction_rows(network, pattern):
    """Oracle: each hidden neuron's pre-activation under the pattern, composed in Fractions layer by
    layer (negated where its bit is 0)."""
    from fractions import Fraction

    d = network.n_inputs
    current = [tuple(Fraction(int(k == i + 1)) for k in range(d + 1)) for i in range(d)]
    rows = []
    for layer, slope, bits in zip(network.layers[:-1], network.negative_slopes, pattern):
        pre = [
            tuple((b if k == 0 else 0) + sum(w * c[k] for w, c in zip(wrow, current)) for k in range(d + 1))
            for wrow, b in zip(layer.weight, layer.bias)
        ]
        rows += [form if bit else tuple(-c for c in form) for form, bit in zip(pre, bits)]
        current = [form if bit else tuple(slope * c for c in form) for form, bit in zip(pre, bits)]
    return rows


@pytest.mark.parametrize("name", ["leaky", "leaky_degenerate", "zero_on_half", "random6_2d_3x3x3", "repeat_deep"])
def test_certificate_polygons_and_rows_match_the_slow_exact_ones(name):
    """The tables' polygons (the domain cut by one half-plane after the other) equal the exact
    polygon of all rows at once (every pair of lines intersected: cubic, the way they were made), and
    the pattern rows (the engines' integer composition) equal a Fraction composition."""
    from example_nets import by_name

    from exactrelu import certify
    from exactrelu.export.planar import pattern_rows, rows_polygon
    from exactrelu.export.tables import tables_from_certificate

    ex = by_name(name)
    cert = certify(ex.net, ex.box)
    tables = tables_from_certificate(cert)
    domain = cert["domain"]
    domain_rows = [(Fraction(b),) + tuple(-Fraction(a) for a in row) for row, b in zip(domain["A"], domain["b"])]
    for region in tables.regions:
        rows = pattern_rows(ex.net, region.pattern)
        assert rows == _fraction_rows(ex.net, region.pattern)
        assert list(region.polygon) == rows_polygon(domain_rows + rows)

"""Figures of 2-D partitions for papers (matplotlib, an optional dependency: ``exactrelu[plot]``).

Every shape drawn is computed exactly first (:mod:`exactrelu.export.planar`): region polygons from
the exact vertices, class cells clipped exactly along ``f_k = f_l``, facets and decision-boundary
segments with exact endpoints.  Coordinates become floats only when handed to matplotlib, and path
simplification is switched off, so a vector file (SVG, PDF) holds every polygon vertex as drawn
from its exact value.

Colourings (``color``):

* ``"pattern"``: one colour per region (activation pattern), adjacent regions always different (a
  greedy colouring of the adjacency graph, so a few soft colours suffice);
* ``"piece"``: one colour per linear piece (facet-connected regions with one affine map); facets
  inside a piece, where the function has no kink, are drawn faint;
* ``"class"``: the winning class, the argmax of the outputs (ties to the smaller index; one
  output: ``f > 0`` against ``f <= 0``), regions split exactly where the class changes inside them.

The decision boundary (one output: the zero level set; several: where the argmax changes) is drawn
on top; ``surface=True`` (one output) shows the output itself as a colour map, exact on every
polygon (Gouraud shading of a triangulation interpolates the affine map exactly).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

from ..analysis.boundary import decision_boundary
from ..analysis.pieces import map_key
from ..errors import InvalidArgument
from ..region import Adjacency, Region
from .planar import (
    Point,
    Polygon,
    area,
    centroid,
    class_cells,
    clip,
    level_segment,
    region_polygon,
    segment_meets_box,
)

__all__ = [
    "COLORINGS",
    "FIGURE_WIDTHS",
    "PartitionLike",
    "FigureInfo",
    "partition_figure",
    "save_figure",
    "decision_segments",
    "region_colors",
    "require_plane",
]

COLORINGS = ("pattern", "piece", "class")
FIGURE_WIDTHS = (3.5, 7.0)  # inches: a paper's single and double column

# Soft fills (the light half of matplotlib's tab20) for regions and pieces; strong ones for classes.
FILLS = ("#aec7e8", "#ffbb78", "#98df8a", "#c5b0d5", "#dbdb8d", "#9edae5", "#c49c94", "#f7b6d2", "#ff9896", "#c7c7c7")
CLASS_FILLS = (
    "#9ecae1",
    "#fdae6b",
    "#a1d99b",
    "#fc9272",
    "#bcbddc",
    "#d9b99b",
    "#f4a6d7",
    "#c7c7c7",
    "#dadaeb",
    "#e7cb94",
)
BOUNDARY_COLOR = "#b2182b"
FACET_COLOR = "#3a3a3a"


class PartitionLike(Protocol):
    """What a figure needs of a :class:`~exactrelu.partition.Partition`."""

    @property
    def regions(self) -> Sequence[Region]: ...

    @property
    def adjacencies(self) -> Sequence[Adjacency]: ...

    @property
    def network(self) -> Any: ...


@dataclass
class FigureInfo:
    """What was drawn, for the command line to report: labelled regions (those whose label fits
    inside them) and the number of decision-boundary segments."""

    regions: int
    labelled: list[int] = field(default_factory=list)
    segments: int = 0


def require_plane(n_inputs: int) -> None:
    """Refuse a network without exactly 2 inputs, in one line that suggests a slice."""
    if n_inputs != 2:
        raise InvalidArgument(
            f"a figure needs 2 inputs and this network has {n_inputs}: take an exact 2-D slice with "
            f"--axes I,J --at V1,...,V{n_inputs} or --through POINTS.json (see docs/figures.md)"
        )


def decision_segments(
    regions: Sequence[Region], adjacencies: Sequence[Adjacency], polygons: Sequence[Polygon] | None = None
) -> list[tuple[tuple[int, ...], Point, Point]]:
    """The decision boundary as exact segments ``(classes, start, end)``: the pieces of
    :func:`exactrelu.analysis.boundary.decision_boundary`, each from its exact vertices (or, for
    a region without vertices, its region's polygon cut exactly by the piece's bounds).

    >>> from exactrelu import EXAMPLE, partition
    >>> p = partition(EXAMPLE)
    >>> sorted((c, tuple(map(str, a + b))) for c, a, b in decision_segments(p.regions, p.adjacencies))
    [((0, 1), ('5/8', '5/8', '1', '1/4')), ((0, 1), ('5/8', '5/8', '5/8', '1'))]
    """
    out = []
    for piece in decision_boundary(regions, adjacencies).pieces:
        verts = [(Fraction(v[1], v[0]), Fraction(v[2], v[0])) for v in piece.vertices_h]
        if len(verts) < 2:  # a region without vertices (LP engine): cut its polygon exactly
            cut = polygons[piece.region] if polygons is not None else region_polygon(regions[piece.region])
            for bound in piece.bounds:
                cut = clip(cut, bound.row)
            segment = level_segment(cut, piece.hyperplane)
            if segment is None:
                continue
            verts = list(segment)
        out.append((tuple(piece.classes), min(verts), max(verts)))
    return out


def region_colors(regions: Sequence[Region], edges: Sequence[tuple[int, int]], color: str) -> list[int]:
    """A colour index per region: ``"pattern"`` colours regions so that adjacent ones differ,
    ``"piece"`` colours linear pieces so that adjacent pieces differ (greedy, largest first).

    >>> from exactrelu import EXAMPLE, partition
    >>> p = partition(EXAMPLE)
    >>> region_colors(p.regions, p.edges, "pattern")
    [0, 1, 1, 0]
    """
    import networkx as nx  # deferred: networkx takes 0.09 s to import and most runs never use it

    keys = [map_key(r) for r in regions]
    if color == "piece":
        same = nx.utils.UnionFind(range(len(regions)))
        for i, j in edges:
            if keys[i] == keys[j]:
                same.union(i, j)
        piece = [same[i] for i in range(len(regions))]
    else:
        piece = list(range(len(regions)))
    g = nx.Graph()
    g.add_nodes_from(sorted(set(piece)))
    g.add_edges_from((piece[i], piece[j]) for i, j in edges if piece[i] != piece[j])
    colors = nx.greedy_color(g, strategy="largest_first")
    return [colors[piece[i]] for i in range(len(regions))]


def partition_figure(
    part: PartitionLike,
    *,
    color: str = "pattern",
    labels: bool = False,
    names: Sequence[str] | None = None,
    width: float = 3.5,
    surface: bool = False,
    boundary: bool = True,
) -> tuple[Any, FigureInfo]:
    """A matplotlib ``Figure`` of a 2-D partition, and what it shows.

    Parameters: ``part`` a :class:`~exactrelu.partition.Partition` (2 inputs); ``color`` one of
    :data:`COLORINGS`; ``labels`` write region indices where they fit; ``names`` the two axis
    names (default: the network's input names); ``width`` in inches (3.5 and 7 are a paper's
    columns; the height follows the box); ``surface`` (one output) the output as a colour map;
    ``boundary`` overlay the decision boundary.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # deferred: matplotlib is optional
    from matplotlib.collections import LineCollection, PolyCollection  # deferred: matplotlib is optional
    from matplotlib.figure import Figure  # deferred: matplotlib is optional
    from matplotlib.lines import Line2D  # deferred: matplotlib is optional
    from matplotlib.patches import Patch  # deferred: matplotlib is optional

    net = part.network
    require_plane(net.n_inputs)
    if color not in COLORINGS:
        raise InvalidArgument(f"color {color!r} is not one of {', '.join(COLORINGS)}")
    if surface and net.n_outputs != 1:
        raise InvalidArgument(f"--surface draws a single output; this network has {net.n_outputs}")
    if not width > 0:
        raise InvalidArgument(f"width {width} is not a positive number of inches")
    names = list(names) if names is not None else list(net.input_names)
    if len(names) != 2:
        raise InvalidArgument(f"--names needs 2 names (one per axis), got {len(names)}")
    regions = list(part.regions)
    edges = sorted({(a.first, a.second) for a in part.adjacencies})
    polys = [region_polygon(r) for r in regions]
    info = FigureInfo(len(regions))

    xs = [p[0] for poly in polys for p in poly]
    ys = [p[1] for poly in polys for p in poly]
    x0, x1, y0, y1 = (float(v) for v in (min(xs), max(xs), min(ys), max(ys)))
    ratio = (y1 - y0) / (x1 - x0)
    equal = 0.5 <= ratio <= 2
    box_aspect = ratio if equal else 0.8
    font = 8 if width < 5 else 9
    style: Any = {
        "font.size": font,
        "axes.labelsize": font,
        "xtick.labelsize": font - 1,
        "ytick.labelsize": font - 1,
        "legend.fontsize": font - 1,
        "axes.linewidth": 0.6,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "path.simplify": False,
    }
    import matplotlib  # deferred: matplotlib is optional

    with matplotlib.rc_context(style):
        height = width * box_aspect * (0.8 if surface else 0.92) + (0.45 if color == "class" and not surface else 0.25)
        fig = Figure(figsize=(width, height), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        if equal:
            ax.set_aspect("equal")
        else:
            ax.set_box_aspect(box_aspect)
        ax.set_xlabel(f"${_math(names[0])}$")
        ax.set_ylabel(f"${_math(names[1])}$")
        line_width = 0.45 if width < 5 else 0.6
        handles: list[Any] = []

        if surface:
            name = net.output_names[0]
            _draw_surface(
                fig, ax, regions, polys, f"${_math(name)}$" + (f" (black: ${_math(name)} = 0$)" if boundary else "")
            )
        elif color == "class":
            classes = _class_names(net.output_names)
            cells = [cell for region, poly in zip(regions, polys) for cell in class_cells(region, poly)]
            ax.add_collection(
                PolyCollection(
                    [_floats(c) for _, c in cells],
                    facecolors=[CLASS_FILLS[k % len(CLASS_FILLS)] for k, _ in cells],
                    edgecolors="none",
                    linewidths=0,
                )
            )
            present = sorted({k for k, _ in cells})
            handles += [Patch(facecolor=CLASS_FILLS[k % len(CLASS_FILLS)], label=classes[k]) for k in present]
        else:
            index = region_colors(regions, edges, color)
            ax.add_collection(
                PolyCollection(
                    [_floats(p) for p in polys],
                    facecolors=[FILLS[c % len(FILLS)] for c in index],
                    edgecolors="none",
                    linewidths=0,
                )
            )

        inner, kinkless, outer = _facet_segments(regions, polys, color == "piece")
        if kinkless:
            ax.add_collection(
                LineCollection(kinkless, colors="#6a6a6a", linewidths=line_width * 0.9, linestyles=(0, (3, 2.5)))
            )
        faint = surface or color == "class"  # there the fill carries the message, facets stay in the back
        ax.add_collection(
            LineCollection(
                inner,
                colors="white" if surface else FACET_COLOR,
                linewidths=line_width * (0.7 if faint else 1),
                alpha=0.7 if faint else 1,
            )
        )
        ax.add_collection(LineCollection(outer, colors="black", linewidths=line_width * 1.6))

        segments: list = []
        if boundary:
            segments = decision_segments(regions, part.adjacencies, polys)
            info.segments = len(segments)
            if segments:
                ax.add_collection(
                    LineCollection(
                        [_floats([a, b]) for _, a, b in segments],
                        colors="black" if surface else BOUNDARY_COLOR,
                        linewidths=line_width * 3,
                        capstyle="round",
                    )
                )
            if segments and not surface:  # with a surface the colour bar's label names the black line
                handles.append(
                    Line2D(
                        [], [], color=BOUNDARY_COLOR, linewidth=line_width * 3, label=_boundary_label(net.output_names)
                    )
                )
        if handles:
            across = len(handles) if len(handles) <= 3 or width >= 5 else 2
            fig.legend(
                handles=handles,
                loc="outside upper center",
                ncol=across,
                frameon=False,
                handlelength=1.4,
                columnspacing=1.2,
            )
        if labels:
            lines = [_floats([a, b]) for _, a, b in segments] if boundary else []
            info.labelled = _labels(fig, ax, polys, font - 1, lines)
    return fig, info


def save_figure(fig: Any, path: str | Path) -> None:
    """Write a figure; the format follows the suffix (``.png`` at 300 dpi, ``.svg``, ``.pdf``).
    Text stays text in SVG and PDF (TrueType fonts), and paths are not simplified."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".svg", ".pdf"):
        raise InvalidArgument(f"figure file {path}: expected a .png, .svg or .pdf name")
    import matplotlib  # deferred: matplotlib is optional

    with matplotlib.rc_context({"path.simplify": False, "svg.fonttype": "none", "pdf.fonttype": 42}):
        fig.savefig(path, dpi=300, metadata=_metadata(suffix))


def _metadata(suffix: str) -> dict:
    if suffix == ".svg":
        return {"Date": None}
    if suffix == ".pdf":
        return {"CreationDate": None}
    return {}


def _floats(points: Sequence[Point]) -> list[tuple[float, float]]:
    return [(float(p[0]), float(p[1])) for p in points]


def _class_names(outputs: Sequence[str]) -> list[str]:
    if len(outputs) == 1:
        return [f"${_math(outputs[0])} \\leq 0$", f"${_math(outputs[0])} > 0$"]
    return [f"${_math(name)}$ largest" for name in outputs]


def _boundary_label(outputs: Sequence[str]) -> str:
    if len(outputs) == 1:
        return f"${_math(outputs[0])} = 0$"
    if len(outputs) == 2:
        return f"${_math(outputs[0])} = {_math(outputs[1])}$"
    return "decision boundary"


def _math(name: str) -> str:
    """A name for matplotlib's mathtext: ``X`` italic, ``x1`` as ``x_{1}``, anything else upright."""
    if name.isascii() and name.isalpha():
        return name
    match = re.fullmatch(r"([A-Za-z]+)([0-9]+)", name)
    if match:
        return f"{match.group(1)}_{{{match.group(2)}}}"
    # \text{} takes every character but $ { } and a backslash, which stay outside it as symbols
    # (mathtext has no \# or \&, and "\" ending a run would escape its closing brace)
    parts, run = [], ""
    for c in name:
        if c in _MATHTEXT_SYMBOLS:
            parts += [f"\\text{{{run}}}"] if run else []
            parts.append(_MATHTEXT_SYMBOLS[c])
            run = ""
        else:
            run += c
    return "".join(parts + ([f"\\text{{{run}}}"] if run else []))


_MATHTEXT_SYMBOLS = {"$": r"\$", "{": r"\{", "}": r"\}", "\\": r"{\backslash}"}


def _facet_segments(regions: Sequence[Region], polys: Sequence[Polygon], split_kinks: bool) -> tuple[list, list, list]:
    """Float segments of the facets: between regions (each once), between regions with one map
    (only when ``split_kinks``), and on the domain's boundary."""
    keys = [map_key(r) for r in regions] if split_kinks else []
    inner, kinkless, outer = [], [], []
    for i, (region, poly) in enumerate(zip(regions, polys)):
        for facet in region.facets:
            if facet.neighbours and min(facet.neighbours) < i and all(n < i for n in facet.neighbours):
                continue  # drawn from the other side
            segment = level_segment(poly, facet.row)
            if segment is None:
                continue
            line = _floats(segment)
            if not facet.neighbours:
                outer.append(line)
            elif split_kinks and all(keys[n] == keys[i] for n in facet.neighbours):
                kinkless.append(line)
            else:
                inner.append(line)
    return inner, kinkless, outer


def _draw_surface(fig: Any, ax: Any, regions: Sequence[Region], polys: Sequence[Polygon], name: str) -> None:
    """The single output as a colour map: each polygon fanned into triangles whose corner values
    are the exact output there; Gouraud shading is then the affine map itself."""
    from matplotlib.colors import Normalize, TwoSlopeNorm  # deferred: matplotlib is optional
    from matplotlib.tri import Triangulation  # deferred: matplotlib is optional

    xs: list[float] = []
    ys: list[float] = []
    zs: list[float] = []
    triangles = []
    for region, poly in zip(regions, polys):
        base = len(xs)
        for p in poly:
            xs.append(float(p[0]))
            ys.append(float(p[1]))
            zs.append(float(region.output(p)[0]))
        triangles += [(base, base + k, base + k + 1) for k in range(1, len(poly) - 1)]
    lo, hi = min(zs), max(zs)
    if lo < 0 < hi:
        norm: Any = TwoSlopeNorm(0.0, lo, hi)
        cmap = "RdBu_r"
    else:
        norm, cmap = Normalize(lo, hi if hi > lo else lo + 1), "viridis"
    mesh = ax.tripcolor(Triangulation(xs, ys, triangles), zs, shading="gouraud", cmap=cmap, norm=norm, rasterized=False)
    fig.colorbar(mesh, ax=ax, label=name, shrink=0.9, pad=0.02)


def _labels(fig: Any, ax: Any, polys: Sequence[Polygon], size: int, lines: Sequence[Sequence[tuple]]) -> list[int]:
    """Region indices at exact centroids, kept only where the whole label lies inside its region
    and off the boundary ``lines`` (so labels never overlap one another, a facet or the decision
    boundary); returns the labelled regions."""
    from matplotlib.path import Path as MplPath  # deferred: matplotlib is optional

    texts = []
    for i, poly in enumerate(polys):
        if len(poly) < 3 or area(poly) <= 0:
            continue
        cx, cy = (float(v) for v in centroid(poly))
        texts.append((i, poly, ax.text(cx, cy, str(i), ha="center", va="center", fontsize=size, color="#202020")))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    to_data = ax.transData.inverted()
    kept = []
    for i, poly, text in texts:
        box = text.get_window_extent(renderer).expanded(1.15, 1.1)
        corners = to_data.transform([(box.x0, box.y0), (box.x1, box.y0), (box.x1, box.y1), (box.x0, box.y1)])
        inside = MplPath(_floats(poly)).contains_points(corners).all()
        if inside and not any(segment_meets_box(line[0], line[1], corners[0], corners[2]) for line in lines):
            kept.append(i)
        else:
            text.remove()
    return kept

"""An interactive HTML report of a 2-D partition: ``exactrelu report`` (docs/figures.md).

One self-contained file: the partition as inline SVG, a style sheet and a short script, with no
reference to anything outside it (a Content-Security-Policy forbids any fetch), so it opens offline
and can be attached to a paper's supplementary material.  Every shape is computed exactly first
(:mod:`exactrelu.export.planar`) and rounded to 1/100 px only as SVG coordinates; every number the
page prints (interior points, vertices, map coefficients) is the exact rational as a string, read
from an embedded JSON block.  User text (names, titles, file names) is HTML-escaped where it enters
the markup and reaches the page from the JSON only through ``textContent``, never as markup.

Output is deterministic: the same partition gives the same bytes (no time stamps, fixed rounding).
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol

from ..analysis.pieces import linear_piece_members
from ..errors import InvalidArgument
from ..rational import format_rational
from ..region import Adjacency, Region
from ..slices import network_slice
from .figures import BOUNDARY_COLOR, FACET_COLOR, FILLS, decision_segments, region_colors
from .latex import MAX_DIGITS, latex_rounded
from .planar import Point, Polygon, area, centroid, region_polygon, rows_polygon, segment_meets_box

__all__ = ["ReportPartition", "ReportSummary", "report_html", "require_plane", "ticks"]

PLOT_WIDTH = 520  # px of the drawing area; the height follows the box as in exactrelu plot
MARGIN = (16, 20, 50, 62)  # top, right, bottom, left (px): room for tick labels and axis names
LABEL_FONT = 12  # px, region numbers


class ReportPartition(Protocol):
    """What a report needs of a :class:`~exactrelu.partition.Partition`."""

    @property
    def network(self) -> Any: ...

    @property
    def domain(self) -> Any: ...

    @property
    def regions(self) -> Sequence[Region]: ...

    @property
    def adjacencies(self) -> Sequence[Adjacency]: ...

    @property
    def complete(self) -> bool: ...

    @property
    def edges(self) -> Sequence[tuple[int, int]]: ...

    @property
    def linear_pieces(self) -> int: ...

    def boundary(self) -> Any: ...

    def dof(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class ReportSummary:
    """The numbers of the report's summary table (``exactrelu report`` prints them)."""

    regions: int
    edges: int
    linear_pieces: int
    boundary_pieces: int
    continuous_dim: int
    free_dim: int
    parameters: int
    complete: bool


def require_plane(n_inputs: int) -> None:
    """Refuse a network without exactly 2 inputs, in one line that suggests a slice."""
    if n_inputs != 2:
        raise InvalidArgument(
            f"a report needs 2 inputs and this network has {n_inputs}: take an exact 2-D slice with "
            f"--axes I,J --at V1,...,V{n_inputs} or --through POINTS.json (see docs/figures.md)"
        )


def ticks(lo: Fraction, hi: Fraction) -> list[Fraction]:
    """Exact tick values in ``[lo, hi]``: multiples of the largest step ``{1, 2, 5} x 10^k`` that
    gives at least four ticks.

    >>> [str(t) for t in ticks(Fraction(0), Fraction(1))]
    ['0', '1/5', '2/5', '3/5', '4/5', '1']
    >>> [str(t) for t in ticks(Fraction(-1, 3), Fraction(1, 3))]
    ['-3/10', '-1/5', '-1/10', '0', '1/10', '1/5', '3/10']
    """
    span = hi - lo
    if span <= 0:
        return [lo]
    e = math.floor(math.log10(span))  # a float only proposes the scale; the ticks are exact
    steps = sorted((m * Fraction(10) ** k for k in (e - 2, e - 1, e, e + 1) for m in (1, 2, 5)), reverse=True)
    for step in steps:
        first, last = math.ceil(lo / step), math.floor(hi / step)
        if last - first + 1 >= 4:
            return [n * step for n in range(first, last + 1)]
    return [lo, hi]


def report_html(part: ReportPartition, *, title: str | None = None, names: Sequence[str] | None = None) -> str:
    """The report of a 2-D partition as one HTML document (a string).

    Parameters: ``part`` a :class:`~exactrelu.partition.Partition` with 2 inputs; ``title`` the
    page's heading (default: the network's source); ``names`` the two input names (default: the
    network's).

    >>> from exactrelu import EXAMPLE, partition
    >>> page = report_html(partition(EXAMPLE))
    >>> page.count('class="region"'), "http" in page.replace("http-equiv", "")
    (4, False)
    """
    net = part.network
    require_plane(net.n_inputs)
    names = list(names) if names is not None else list(net.input_names)
    if len(names) != 2:
        raise InvalidArgument(f"--names needs 2 names (one per axis), got {len(names)}")
    regions = list(part.regions)
    polys = [region_polygon(r) for r in regions]
    summary = summarize(part)
    frame = _Frame(polys)
    segments = [(a, b) for _, a, b in decision_segments(regions, part.adjacencies, polys)]
    heading = title if title is not None else f"Activation regions of {net.source or 'a network'}"
    data = _page_data(part, names, polys)
    svg = _svg(part, polys, segments, frame, names)
    return _TEMPLATE.format(
        title=html.escape(heading),
        facts=_facts(part, summary),
        svg=svg,
        legend=_legend(net.output_names, bool(segments)),
        summary=_summary_table(summary),
        data=_json_for_script(data),
        exact_hidden="" if _has_long(data["regions"]) else " hidden",
        style=_STYLE,
        script=_SCRIPT,
        boundary=BOUNDARY_COLOR,
        facet=FACET_COLOR,
    )


def summarize(part: ReportPartition) -> ReportSummary:
    """The summary table's numbers, from the partition's own analyses."""
    dof = part.dof()
    return ReportSummary(
        regions=len(part.regions),
        edges=len(part.edges),
        linear_pieces=part.linear_pieces,
        boundary_pieces=len(part.boundary().pieces),
        continuous_dim=dof.continuous_dim,
        free_dim=dof.free_dim,
        parameters=dof.parameters,
        complete=part.complete,
    )


# -- the drawing ---------------------------------------------------------------------------------------
class _Frame:
    """Data coordinates to SVG pixels (y up in the data, down on the page): equal scales when the
    box's sides are within a factor 2 of each other, as in ``exactrelu plot``."""

    def __init__(self, polys: Sequence[Polygon]) -> None:
        xs = [p[0] for poly in polys for p in poly]
        ys = [p[1] for poly in polys for p in poly]
        self.x0, self.x1, self.y0, self.y1 = min(xs), max(xs), min(ys), max(ys)
        ratio = float((self.y1 - self.y0) / (self.x1 - self.x0))
        self.width = PLOT_WIDTH
        self.height = round(PLOT_WIDTH * (ratio if 0.5 <= ratio <= 2 else 0.8))

    def x(self, v: Fraction) -> float:
        return MARGIN[3] + float((v - self.x0) / (self.x1 - self.x0)) * self.width

    def y(self, v: Fraction) -> float:
        return MARGIN[0] + float((self.y1 - v) / (self.y1 - self.y0)) * self.height

    def point(self, p: Point) -> tuple[float, float]:
        return self.x(p[0]), self.y(p[1])

    def points(self, poly: Sequence[Point]) -> str:
        return " ".join(f"{_px(x)},{_px(y)}" for x, y in map(self.point, poly))

    @property
    def size(self) -> tuple[int, int]:
        return MARGIN[3] + self.width + MARGIN[1], MARGIN[0] + self.height + MARGIN[2]


def _px(v: float) -> str:
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _svg(
    part: ReportPartition,
    polys: Sequence[Polygon],
    segments: Sequence[tuple[Point, Point]],
    frame: _Frame,
    names: Sequence[str],
) -> str:
    width, height = frame.size
    fills = region_colors(part.regions, part.edges, "pattern")
    out = [
        f'<svg id="plot" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{len(polys)} activation regions">'
    ]
    out.append('<g id="regions">')
    for i, poly in enumerate(polys):
        out.append(
            f'<polygon class="region" data-region="{i}" points="{frame.points(poly)}" '
            f'fill="{FILLS[fills[i] % len(FILLS)]}"><title>region {i}</title></polygon>'
        )
    out.append("</g>")
    domain_rows = [(b,) + tuple(-a for a in row) for row, b in zip(part.domain.A, part.domain.b)]
    out.append(f'<polygon id="domain" points="{frame.points(rows_polygon(domain_rows))}"/>')
    out.append('<polygon id="hover-outline" points=""/><polygon id="selected-outline" points=""/>')
    out.append('<g id="boundary">')
    for a, b in segments:
        (xa, ya), (xb, yb) = frame.point(a), frame.point(b)
        out.append(f'<line x1="{_px(xa)}" y1="{_px(ya)}" x2="{_px(xb)}" y2="{_px(yb)}"/>')
    out.append("</g>")
    out.append(_labels(polys, segments, frame))
    out.append(_axes(frame, names))
    out.append("</svg>")
    return "\n".join(out)


def _labels(polys: Sequence[Polygon], segments: Sequence[tuple[Point, Point]], frame: _Frame) -> str:
    """Region numbers at exact centroids, only where the whole label lies inside its region and off
    the decision boundary (pixel arithmetic decides only where a label goes, nothing exact)."""
    lines = [(frame.point(a), frame.point(b)) for a, b in segments]
    out = ['<g id="labels">']
    for i, poly in enumerate(polys):
        if len(poly) < 3 or area(poly) <= 0:
            continue
        cx, cy = frame.point(centroid(poly))
        half_w, half_h = 0.32 * LABEL_FONT * len(str(i)) + 3, 0.5 * LABEL_FONT + 1
        corners = [(cx - half_w, cy - half_h), (cx + half_w, cy - half_h), (cx + half_w, cy + half_h)]
        corners.append((cx - half_w, cy + half_h))
        pixels = [frame.point(p) for p in poly]
        lo, hi = corners[0], corners[2]
        if all(_inside(pixels, c) for c in corners) and not any(segment_meets_box(a, b, lo, hi) for a, b in lines):
            out.append(f'<text x="{_px(cx)}" y="{_px(cy)}">{i}</text>')
    out.append("</g>")
    return "\n".join(out)


def _inside(convex: Sequence[tuple[float, float]], p: tuple[float, float]) -> bool:
    signs = set()
    for k in range(len(convex)):
        (ax, ay), (bx, by) = convex[k], convex[(k + 1) % len(convex)]
        cross = (bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax)
        signs.add(cross > 0)
        if cross == 0:
            return False
    return len(signs) == 1


def _axes(frame: _Frame, names: Sequence[str]) -> str:
    bottom = MARGIN[0] + frame.height
    left = MARGIN[3]
    out = ['<g id="axes">']
    for v in ticks(frame.x0, frame.x1):
        x = _px(frame.x(v))
        out.append(f'<line x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom + 5}"/>')
        out.append(f'<text class="tick" x="{x}" y="{bottom + 18}" text-anchor="middle">{_decimal(v)}</text>')
    for v in ticks(frame.y0, frame.y1):
        y = _px(frame.y(v))
        out.append(f'<line x1="{left - 5}" y1="{y}" x2="{left}" y2="{y}"/>')
        out.append(f'<text class="tick" x="{left - 8}" y="{y}" text-anchor="end" dy="0.35em">{_decimal(v)}</text>')
    middle_x = _px(left + frame.width / 2)
    middle_y = _px(MARGIN[0] + frame.height / 2)
    out.append(f'<text class="axis-name" x="{middle_x}" y="{bottom + 40}" text-anchor="middle">')
    out.append(f"{_svg_name(names[0])}</text>")
    out.append(
        f'<text class="axis-name" x="{left - 48}" y="{middle_y}" text-anchor="middle" '
        f'transform="rotate(-90 {left - 48} {middle_y})">{_svg_name(names[1])}</text>'
    )
    out.append("</g>")
    return "\n".join(out)


def _svg_name(name: str) -> str:
    """An axis name as SVG text: ``x1`` as x with a subscript 1 (as the panel writes it), else escaped."""
    match = re.fullmatch(r"([A-Za-z]+)([0-9]+)", name)
    if match is None:
        return html.escape(name)
    return f'{match.group(1)}<tspan class="sub" dy="0.3em">{match.group(2)}</tspan>'


def _decimal(v: Fraction) -> str:
    """A tick value (a multiple of a power of ten, so exact) as a decimal: ``-0.25``."""
    digits = 0
    while (v * 10**digits).denominator != 1:
        digits += 1
    scaled = int(v * 10**digits)
    sign = "\u2212" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), 10**digits)
    return sign + str(whole) + (f".{frac:0{digits}d}" if digits else "")


def _legend(outputs: Sequence[str], boundary: bool) -> str:
    if len(outputs) == 1:
        what = f"{outputs[0]} = 0"
    elif len(outputs) == 2:
        what = f"{outputs[0]} = {outputs[1]}"
    else:
        what = "argmax changes"
    items = [
        '<span><svg width="26" height="10"><line class="key-facet" x1="1" y1="5" x2="25" y2="5"/></svg>facet</span>',
        '<span><svg width="26" height="10"><line class="key-domain" x1="1" y1="5" x2="25" y2="5"/></svg>'
        "domain boundary</span>",
    ]
    if boundary:
        items.insert(
            0,
            '<span><svg width="26" height="10"><line class="key-boundary" x1="2" y1="5" x2="24" y2="5"/></svg>'
            f"decision boundary ({html.escape(what)})</span>",
        )
    return "\n".join(items)


# -- the text --------------------------------------------------------------------------------------------
def _facts(part: ReportPartition, summary: ReportSummary) -> str:
    net = part.network
    facts = [
        f"{summary.regions} activation regions on the domain {part.domain.describe()}",
        f"numbers read as {net.reading}",
    ]
    plane = network_slice(net)
    if plane is not None:
        facts.append(f"exact slice of {plane.inputs} inputs: {plane.describe()}")
    text = "; ".join(html.escape(f) for f in facts) + "."
    if not summary.complete:
        text += ' <strong class="warning">INCOMPLETE: the enumeration was interrupted.</strong>'
    return text


def _summary_table(s: ReportSummary) -> str:
    rows = [
        ("regions", "activation regions", s.regions),
        ("edges", "adjacent pairs (shared facets)", s.edges),
        ("linear_pieces", "linear pieces", s.linear_pieces),
        ("boundary_pieces", "decision-boundary pieces", s.boundary_pieces),
        ("continuous_dim", "degrees of freedom (continuous)", s.continuous_dim),
        ("free_dim", "without continuity (regions \u00d7 3)", s.free_dim),
        ("parameters", "network parameters", s.parameters),
    ]
    body = "\n".join(f'<tr><th scope="row">{label}</th><td data-key="{key}">{n:,}</td></tr>' for key, label, n in rows)
    return f'<table id="summary">\n{body}\n</table>'


def _page_data(part: ReportPartition, names: Sequence[str], polys: Sequence[Polygon]) -> dict:
    """Everything the script shows, exact (rationals as strings)."""
    regions = list(part.regions)
    edges = list(part.edges)
    piece_of = {i: k for k, members in enumerate(linear_piece_members(regions, edges)) for i in members}
    piece_fills = region_colors(regions, edges, "piece")
    return {
        "inputs": list(names),
        "outputs": list(part.network.output_names),
        "pieces": len(set(piece_of.values())),
        "regions": [
            {
                "pattern": ["".join(str(b) for b in layer) for layer in r.pattern],
                "point": [_number(v) for v in r.point],
                "maps": [_terms(w, b) for w, b in zip(r.weight, r.bias)],
                "neighbours": list(r.neighbours),
                "vertices": [[_number(v) for v in p] for p in polys[i]],
                "piece": piece_of[i],
                "pieceFill": FILLS[piece_fills[i] % len(FILLS)],
            }
            for i, r in enumerate(regions)
        ],
    }


def _terms(weights: Sequence[Fraction], bias: Fraction) -> list[list]:
    """An affine map as ``[coefficient, input index]`` terms (index -1: the constant), zeros left out."""
    terms: list[list] = [[_number(w), k] for k, w in enumerate(weights) if w]
    return terms + ([[_number(bias), -1]] if bias else [])


def _number(q: Fraction) -> str | list[str]:
    """An exact rational as text; a long one (more than ``MAX_DIGITS`` digits above or below the bar,
    the LaTeX tables' rule) also with its value rounded to 6 significant digits, shown by default.

    >>> _number(Fraction(-5, 4)), _number(Fraction(1, 3 * 10**7))
    ('-5/4', ['1/30000000', '3.33333e-8'])
    """
    exact = format_rational(q)
    if len(str(abs(q.numerator))) <= MAX_DIGITS and len(str(q.denominator)) <= MAX_DIGITS:
        return exact
    rounded = latex_rounded(q, 6).replace(" \\cdot 10^{", "e").rstrip("}")
    return [exact, rounded]


def _has_long(regions: Sequence[dict]) -> bool:
    """Whether a region of the page data holds a long number (a ``[exact, rounded]`` pair)."""
    numbers = (
        x
        for r in regions
        for x in [*r["point"], *(c for terms in r["maps"] for c, _ in terms), *(v for p in r["vertices"] for v in p)]
    )
    return any(isinstance(x, list) for x in numbers)


def _json_for_script(data: dict) -> str:
    """JSON that cannot end the ``<script>`` element it sits in, whatever the names contain."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; \
script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
:root {{ --boundary: {boundary}; --facet: {facet}; }}
{style}</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p id="facts">{facts}</p>
</header>
<main>
<figure>
{svg}
<figcaption id="legend">
{legend}
<span class="colouring">colour:
<label><input type="radio" name="colouring" value="pattern" checked> pattern</label>
<label><input type="radio" name="colouring" value="piece"> linear piece</label></span>
</figcaption>
</figure>
<div id="side">
<section>
<h2>Summary</h2>
{summary}
</section>
<section id="panel" aria-live="polite">
<h2 id="panel-title">Region</h2>
<label id="exact-label"{exact_hidden}><input type="checkbox" id="exact-numbers"> show long numbers exactly</label>
<p id="panel-hint">Hover over a region to see it; click to keep it here.</p>
<dl id="panel-body" hidden>
<dt>activation pattern</dt><dd id="p-pattern" class="pattern"></dd>
<dt>interior point</dt><dd id="p-point"></dd>
<dt>affine map</dt><dd id="p-map"></dd>
<dt>neighbours</dt><dd id="p-neighbours"></dd>
<dt>linear piece</dt><dd id="p-piece"></dd>
<dt>vertices</dt><dd id="p-vertices"></dd>
</dl>
</section>
</div>
</main>
<footer>Made by <code>exactrelu report</code>. Every vertex, point and coefficient was computed as an exact
rational; long ones are shown rounded to 6 significant digits unless <em>show long numbers exactly</em> is
ticked, and the drawing rounds coordinates to 1/100 pixel.</footer>
<script type="application/json" id="data">{data}</script>
<script>
{script}</script>
</body>
</html>"""

_STYLE = """\
[hidden] { display: none !important; }
body { font: 15px/1.45 "Liberation Sans", "Helvetica Neue", Arial, sans-serif; color: #1d1d1d;
       margin: 18px 28px; background: #fff; }
h1 { font: 600 21px/1.2 "Liberation Serif", Georgia, "Times New Roman", serif; margin: 0 0 4px; }
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: #555; margin: 0 0 6px; }
#facts { margin: 0 0 12px; color: #444; }
.warning { color: #b2182b; }
main { display: flex; flex-wrap: wrap; gap: 22px; align-items: flex-start; }
figure { margin: 0; }
#side { flex: 1 1 330px; max-width: 470px; display: flex; flex-direction: column; gap: 18px; }
svg text { font-family: "Liberation Sans", Arial, sans-serif; }
.region { stroke: var(--facet); stroke-width: .7; stroke-linejoin: round; cursor: pointer; }
.region.dim { fill-opacity: .45; }
.region.neighbour { fill-opacity: 1; stroke-width: 1.2; }
#domain { fill: none; stroke: #000; stroke-width: 1.6; pointer-events: none; }
#boundary line { stroke: var(--boundary); stroke-width: 2.6; stroke-linecap: round; pointer-events: none; }
#hover-outline { fill: none; stroke: #222; stroke-width: 2; stroke-dasharray: 4 3; pointer-events: none; }
#selected-outline { fill: none; stroke: #1f4e9c; stroke-width: 3; stroke-linejoin: round; pointer-events: none; }
#labels text { font-size: 12px; fill: #202020; text-anchor: middle; dominant-baseline: central;
               pointer-events: none; }
#axes line { stroke: #000; stroke-width: 1; }
#axes .tick { font-size: 12px; fill: #222; }
#axes .sub { font-size: 70%; }
#axes .axis-name { font: italic 16px "Liberation Serif", Georgia, serif; fill: #111; }
figcaption { display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 13px; color: #333;
             padding-left: 62px; max-width: 560px; }
figcaption svg { vertical-align: middle; margin-right: 5px; }
.key-boundary { stroke: var(--boundary); stroke-width: 2.6; stroke-linecap: round; }
.key-facet { stroke: var(--facet); stroke-width: 1; }
.key-domain { stroke: #000; stroke-width: 2; }
.colouring label { margin-left: 6px; }
#summary { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
#summary th { text-align: left; font-weight: normal; padding: 3px 12px 3px 0; color: #333; }
#summary td { text-align: right; padding: 3px 0; font-weight: 600; }
#summary tr { border-bottom: 1px solid #e4e4e4; }
#panel { border: 1px solid #d8d8d8; border-radius: 6px; padding: 12px 14px; background: #fafafa;
         min-height: 120px; }
#panel-hint { color: #666; margin: 0; }
#panel dl { margin: 0; display: grid; grid-template-columns: max-content 1fr; gap: 6px 14px; }
#panel dt { color: #555; font-size: 13px; padding-top: 2px; }
#panel dd { margin: 0; overflow-wrap: anywhere; }
.pattern { font-family: "Liberation Mono", Menlo, monospace; }
.math { font-family: "Liberation Serif", Georgia, "Times New Roman", serif; font-size: 16px; }
.math var { font-style: italic; }
.eq { margin-bottom: 3px; }
.term { white-space: nowrap; }
.frac { display: inline-block; vertical-align: middle; text-align: center; font-size: 85%;
        margin: 0 1px; line-height: 1.05; }
.frac > span { display: block; }
.frac > .nu { border-bottom: 1px solid currentColor; padding: 0 2px; }
.frac > .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
.long { font-size: 13px; }
.approx sup { font-size: 70%; }
#exact-label { float: right; font-size: 12px; color: #555; margin-top: -24px; }
#p-pattern details { display: inline; font-size: 13px; color: #555; }
#p-pattern .bits { display: block; font-size: 12px; overflow-wrap: anywhere; color: #1d1d1d; }
#p-neighbours button { font: inherit; margin: 0 5px 4px 0; padding: 1px 9px; border: 1px solid #9db3d6;
         border-radius: 10px; background: #eef3fb; color: #1f4e9c; cursor: pointer; }
#p-neighbours button:hover, #p-neighbours button:focus { background: #1f4e9c; color: #fff; }
footer { margin-top: 18px; font-size: 12px; color: #777; }
"""

_SCRIPT = """\
"use strict";
const data = JSON.parse(document.getElementById("data").textContent);
const polygons = Array.from(document.querySelectorAll("#regions .region"));
const patternFills = polygons.map(p => p.getAttribute("fill"));
let pinned = null;
let exactNumbers = false;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/* a number from the data: "-p/q", or ["-p/q", "-1.5e-7"] for a long one (its rounded value is shown
   unless "exact numbers" is ticked); a short fraction is stacked, its slash kept in the text (copying
   gives p/q) but not shown */
function rational(x, into) {
  let text = Array.isArray(x) ? (exactNumbers ? x[0] : x[1]) : x;
  if (text.startsWith("-")) { into.append("\\u2212"); text = text.slice(1); }
  if (Array.isArray(x) && !exactNumbers) {
    const [m, e] = text.split("e");
    const a = el("span", "approx", m);
    a.title = "rounded to 6 significant digits; exact: " + x[0];
    if (e !== undefined) { a.append("\\u00d710"); a.append(el("sup", "", e.replace("-", "\\u2212"))); }
    into.append(a);
    return;
  }
  const [p, q] = text.split("/");
  if (q === undefined) { into.append(el("span", Array.isArray(x) ? "long" : "", p)); return; }
  if (Array.isArray(x)) { into.append(el("span", "long", p + "/" + q)); return; }
  const f = el("span", "frac");
  f.append(el("span", "nu", p), el("span", "sr", "/"), el("span", "de", q));
  into.append(f);
}

function approximate(x) {
  return Array.isArray(x) && !exactNumbers;
}

function magnitude(x) {
  return Array.isArray(x) ? x.map(t => t.replace(/^-/, "")) : x.replace(/^-/, "");
}

function negative(x) {
  return (Array.isArray(x) ? x[0] : x).startsWith("-");
}

function variable(name, into) {
  const v = el("var");
  const m = /^([A-Za-z]+)([0-9]+)$/.exec(name);
  if (m) { v.append(m[1]); v.append(el("sub", "", m[2])); } else { v.textContent = name; }
  into.append(v);
}

function formula(terms, into) {
  if (terms.length === 0) { into.append("0"); return; }
  terms.forEach(([c, k], n) => {
    const minus = negative(c);
    const size = magnitude(c);
    if (n > 0) into.append(" ");
    const term = el("span", "term");
    if (n === 0) { if (minus) term.append("\\u2212"); } else term.append(minus ? "\\u2212 " : "+ ");
    if (k < 0) rational(size, term);
    else {
      if (size !== "1") { rational(size, term); term.append("\\u2009"); }
      variable(data.inputs[k], term);
    }
    into.append(term);
  });
}

function point(values, into, mark = true) {
  if (mark && values.some(approximate)) into.append("\\u2248 ");
  into.append("(");
  values.forEach((v, k) => { if (k) into.append(", "); rational(v, into); });
  into.append(")");
}

function show(i) {
  const r = data.regions[i];
  document.getElementById("panel-title").textContent = "Region " + i + (i === pinned ? "" : " (hover)");
  document.getElementById("panel-hint").hidden = true;
  document.getElementById("panel-body").hidden = false;
  const pattern = document.getElementById("p-pattern");
  const bits = r.pattern.join("");
  if (bits.length <= 32) {
    pattern.textContent = r.pattern.join(" | ");
  } else {  /* long patterns: active neurons per layer, the bits on request */
    pattern.replaceChildren(r.pattern.map(l => (l.split("1").length - 1) + "/" + l.length).join(" | ") + " active ");
    const more = el("details");
    more.append(el("summary", "", "bits"), el("span", "bits", r.pattern.join(" | ")));
    pattern.append(more);
  }
  const pt = document.getElementById("p-point");
  pt.replaceChildren();
  pt.className = "math";
  point(r.point, pt);
  const map = document.getElementById("p-map");
  map.replaceChildren();
  map.className = "math";
  r.maps.forEach((terms, o) => {
    const line = el("div", "eq");
    line.dataset.output = o;
    variable(data.outputs[o], line);
    line.append(terms.some(([c]) => approximate(c)) ? " \\u2248 " : " = ");
    formula(terms, line);
    map.append(line);
  });
  const nb = document.getElementById("p-neighbours");
  nb.replaceChildren();
  if (r.neighbours.length === 0) nb.append("none");
  r.neighbours.forEach(j => {
    const b = el("button", "", String(j));
    b.type = "button";
    b.dataset.region = j;
    b.title = "show region " + j;
    b.addEventListener("click", () => pin(j));
    nb.append(b);
  });
  const members = data.regions.filter(s => s.piece === r.piece).length;
  document.getElementById("p-piece").textContent =
    "#" + r.piece + " of " + data.pieces + " (" + members + (members === 1 ? " region)" : " regions)");
  const vs = document.getElementById("p-vertices");
  vs.replaceChildren();
  vs.className = "math";
  if (r.vertices.some(v => v.some(approximate))) vs.append("\\u2248 ");
  r.vertices.forEach((v, k) => { if (k) vs.append(", "); point(v, vs, false); });
}

function outline(id, i) {
  document.getElementById(id).setAttribute("points", i === null ? "" : polygons[i].getAttribute("points"));
}

function pin(i) {
  pinned = i;
  outline("selected-outline", i);
  outline("hover-outline", null);
  const near = new Set(data.regions[i].neighbours);
  polygons.forEach((p, k) => {
    p.classList.toggle("dim", k !== i && !near.has(k));
    p.classList.toggle("neighbour", near.has(k));
  });
  show(i);
  try { history.replaceState(null, "", "#region-" + i); } catch (e) { /* a page without a URL */ }
}

polygons.forEach((p, i) => {
  p.addEventListener("mouseenter", () => { if (i !== pinned) outline("hover-outline", i); show(i); });
  p.addEventListener("click", () => pin(i));
});
document.getElementById("plot").addEventListener("mouseleave", () => {
  outline("hover-outline", null);
  if (pinned !== null) show(pinned);
});
document.querySelectorAll('input[name="colouring"]').forEach(radio => radio.addEventListener("change", () => {
  polygons.forEach((p, i) => p.setAttribute("fill",
    radio.value === "piece" ? data.regions[i].pieceFill : patternFills[i]));
}));
const toggle = document.getElementById("exact-numbers");
toggle.addEventListener("change", () => {
  exactNumbers = toggle.checked;
  if (pinned !== null) show(pinned);
});
const wanted = /^#region-([0-9]+)$/.exec(location.hash);
if (wanted && Number(wanted[1]) < polygons.length) pin(Number(wanted[1]));
"""

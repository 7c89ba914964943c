"""Exact plane geometry for drawing 2-D partitions: region polygons, clipping, class cells.

Everything here is exact :class:`~fractions.Fraction` arithmetic, so what a figure or a TikZ
picture shows is computed exactly and converted to floats only when drawn.  A region's polygon
comes from its vertices (vertex engine) or, without them, from its facet rows; a polygon is cut by
a half-plane ``row . (1, x) >= 0`` with one Sutherland-Hodgman pass (convex polygons stay convex).
The **class** of a point is the index of the largest output, the smallest index winning ties; with
one output it is ``1`` where the output is positive and ``0`` where it is not.  A region's
:func:`class_cells` split it exactly along the lines ``f_k = f_l``.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from functools import cmp_to_key

from ..engines.forms import IntegerNetwork
from ..errors import InvalidArgument
from ..network import Network
from ..region import Region

__all__ = [
    "Point",
    "Polygon",
    "region_polygon",
    "rows_polygon",
    "clip",
    "clipped_polygon",
    "area",
    "centroid",
    "class_rows",
    "class_cells",
    "level_segment",
    "boundary_segments",
    "segment_meets_box",
    "pattern_rows",
]

Point = tuple[Fraction, Fraction]
Polygon = list[Point]
Row = Sequence[Fraction | int]  # (b, a1, a2): b + a1 x + a2 y


def _value(row: Row, p: Point) -> Fraction:
    return row[0] + row[1] * p[0] + row[2] * p[1]


def _cross(o: Point, a: Point, b: Point) -> Fraction:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _counterclockwise(points: Sequence[Point]) -> Polygon:
    """The distinct vertices of a convex polygon in counter-clockwise order, starting at the
    lowest-leftmost (exact angular sort around the vertex mean)."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return pts
    n = len(pts)
    c = (sum((p[0] for p in pts), Fraction(0)) / n, sum((p[1] for p in pts), Fraction(0)) / n)

    def half(p: Point) -> int:  # 0: angle in [0, pi), 1: [pi, 2 pi), measured around c
        dx, dy = p[0] - c[0], p[1] - c[1]
        return 0 if dy > 0 or (dy == 0 and dx > 0) else 1

    def compare(p: Point, q: Point) -> int:
        hp, hq = half(p), half(q)
        if hp != hq:
            return hp - hq
        turn = _cross(c, p, q)
        return -1 if turn > 0 else (1 if turn < 0 else 0)

    ordered = sorted(pts, key=cmp_to_key(compare))
    start = ordered.index(min(ordered, key=lambda p: (p[1], p[0])))
    return ordered[start:] + ordered[:start]


def region_polygon(region: Region) -> Polygon:
    """The region's vertices (2 inputs) as exact points in counter-clockwise order.

    >>> from exactrelu import EXAMPLE, partition
    >>> [tuple(map(str, p)) for p in region_polygon(partition(EXAMPLE).regions[0])]
    [('0', '0'), ('1', '0'), ('1/2', '1/2')]
    """
    if region.dim != 2:
        raise InvalidArgument(f"a polygon needs a region in 2 dimensions, this one has {region.dim}")
    if region.vertices_h:
        return _counterclockwise([(v[0], v[1]) for v in region.vertices])
    return rows_polygon([f.row for f in region.facets])


def rows_polygon(rows: Sequence[Row]) -> Polygon:
    """The bounded polygon ``{x : row . (1, x) >= 0 for every row}`` (counter-clockwise; empty
    when it is empty), from the exact intersections of pairs of lines.

    >>> square = [(0, 1, 0), (0, 0, 1), (1, -1, 0), (1, 0, -1)]
    >>> len(rows_polygon(square)), area(rows_polygon(square))
    (4, Fraction(1, 1))
    """
    found: list[Point] = []
    for a in range(len(rows)):
        for b in range(a + 1, len(rows)):
            r, s = rows[a], rows[b]
            det = Fraction(r[1] * s[2] - r[2] * s[1])
            if det == 0:
                continue
            p = ((r[2] * s[0] - r[0] * s[2]) / det, (r[0] * s[1] - r[1] * s[0]) / det)
            if all(_value(row, p) >= 0 for row in rows):
                found.append(p)
    return _counterclockwise(found)


def clipped_polygon(polygon: Polygon, rows: Sequence[Row]) -> Polygon:
    """The convex ``polygon`` (counter-clockwise) cut by every half-plane ``row . (1, x) >= 0``,
    one after the other: :func:`rows_polygon` of the polygon's rows and ``rows`` when that is a
    polygon with an interior (linear in the rows, where :func:`rows_polygon` is cubic); ``[]`` when
    what is left has no interior (the caller decides what a degenerate set is).

    >>> square = rows_polygon([(0, 1, 0), (0, 0, 1), (1, -1, 0), (1, 0, -1)])
    >>> clipped_polygon(square, [(1, -1, -1)]) == rows_polygon([(0, 1, 0), (0, 0, 1), (1, -1, -1)])
    True
    """
    for row in rows:
        polygon = clip(polygon, row)
        if len(polygon) < 3:
            return []
    polygon = _counterclockwise(polygon)
    return polygon if len(polygon) >= 3 and area(polygon) > 0 else []


def clip(polygon: Polygon, row: Row) -> Polygon:
    """The part of a convex polygon where ``row . (1, x) >= 0`` (exact; may be degenerate: fewer
    than three points, or collinear points, when the half-plane only touches it).

    >>> square = [(Fraction(0), Fraction(0)), (Fraction(1), Fraction(0)), (Fraction(1), Fraction(1)),
    ...           (Fraction(0), Fraction(1))]
    >>> area(clip(square, (1, -1, -1)))          # x + y <= 1
    Fraction(1, 2)
    """
    out: Polygon = []
    n = len(polygon)
    for k in range(n):
        p, q = polygon[k], polygon[(k + 1) % n]
        vp, vq = _value(row, p), _value(row, q)
        if vp >= 0:
            out.append(p)
        if (vp > 0 and vq < 0) or (vp < 0 and vq > 0):
            t = vp / (vp - vq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    dedup: Polygon = []
    for p in out:
        if not dedup or dedup[-1] != p:
            dedup.append(p)
    if len(dedup) > 1 and dedup[0] == dedup[-1]:
        dedup.pop()
    return dedup


def area(polygon: Polygon) -> Fraction:
    """Exact area of a polygon given in order (shoelace; positive when counter-clockwise)."""
    n = len(polygon)
    total = sum(
        (polygon[k][0] * polygon[(k + 1) % n][1] - polygon[(k + 1) % n][0] * polygon[k][1] for k in range(n)),
        Fraction(0),
    )
    return total / 2


def centroid(polygon: Polygon) -> Point:
    """Exact centroid of a polygon of positive area (inside it when it is convex).

    >>> centroid([(Fraction(0), Fraction(0)), (Fraction(3), Fraction(0)), (Fraction(0), Fraction(3))])
    (Fraction(1, 1), Fraction(1, 1))
    """
    a = area(polygon)
    n = len(polygon)
    cx = cy = Fraction(0)
    for k in range(n):
        (x0, y0), (x1, y1) = polygon[k], polygon[(k + 1) % n]
        w = x0 * y1 - x1 * y0
        cx += (x0 + x1) * w
        cy += (y0 + y1) * w
    return cx / (6 * a), cy / (6 * a)


def _output_rows(region: Region) -> list[tuple[Fraction, Fraction, Fraction]]:
    return [(b, w[0], w[1]) for w, b in zip(region.weight, region.bias)]


def class_rows(region: Region, k: int) -> list[tuple[Fraction, Fraction, Fraction]] | None:
    """Half-planes (rows ``>= 0``) where class ``k`` wins on the region's affine map, or None
    where it never wins (a constant comparison it loses, ties going to the smaller index).

    With one output, class 1 is ``f > 0`` (its closure ``f >= 0``) and class 0 is ``f <= 0``."""
    rows = _output_rows(region)
    if len(rows) == 1:
        (f,) = rows
        candidates = [f if k == 1 else tuple(-c for c in f)]
        strict = [k == 1]
    else:
        candidates, strict = [], []
        for j, other in enumerate(rows):
            if j != k:
                candidates.append(tuple(a - b for a, b in zip(rows[k], other)))
                strict.append(j < k)
    out = []
    for row, must_be_positive in zip(candidates, strict):
        if row[1] == 0 and row[2] == 0:
            if row[0] < 0 or (row[0] == 0 and must_be_positive):
                return None
            continue
        out.append((row[0], row[1], row[2]))
    return out


def class_cells(region: Region, polygon: Polygon | None = None) -> list[tuple[int, Polygon]]:
    """The region split exactly by winning class: ``(class, polygon)`` for every class that wins
    on a part of positive area.

    >>> from exactrelu import EXAMPLE, partition
    >>> r = partition(EXAMPLE).regions[3]            # P - Q = 5/4 - 2X
    >>> [(k, [tuple(map(str, p)) for p in cell]) for k, cell in class_cells(r)]
    [(0, [('1/2', '1/2'), ('5/8', '5/8'), ('5/8', '1'), ('0', '1')]), (1, [('5/8', '5/8'), ('1', '1'), ('5/8', '1')])]
    """
    polygon = region_polygon(region) if polygon is None else polygon
    classes = 2 if len(region.bias) == 1 else len(region.bias)
    cells = []
    for k in range(classes):
        rows = class_rows(region, k)
        if rows is None:
            continue
        cell = polygon
        for row in rows:
            cell = clip(cell, row)
            if len(cell) < 3:
                break
        if len(cell) >= 3 and area(cell) > 0:
            cells.append((k, _counterclockwise(cell)))
    return cells


def level_segment(polygon: Polygon, row: Row) -> tuple[Point, Point] | None:
    """The segment where the line ``row . (1, x) = 0`` crosses a convex polygon, or None when it
    meets it in at most a point."""
    if row[1] == 0 and row[2] == 0:
        return None
    on = clip(clip(polygon, row), tuple(-c for c in row))
    points = sorted(set(on))
    if len(points) < 2:
        return None
    return points[0], points[-1]


def boundary_segments(
    weight: Sequence[Sequence[Fraction]], bias: Sequence[Fraction], polygon: Polygon
) -> list[tuple[tuple[int, ...], Point, Point]]:
    """The decision boundary inside a region (polygon) with affine map ``weight . x + bias`` as
    exact segments ``(classes, start, end)``: for one output the zero level set ``f = 0`` (classes
    ``(0,)``), for several the segments of ``f_k = f_l >= f_j`` for every ``j`` (classes
    ``(k, l)``).  Where ``f_k - f_l`` (one output: ``f``) is identically zero on the region nothing
    is reported: that is a tie, not a line.

    >>> from exactrelu import EXAMPLE, partition
    >>> r = partition(EXAMPLE).regions[3]
    >>> [(c, tuple(map(str, a + b))) for c, a, b in boundary_segments(r.weight, r.bias, region_polygon(r))]
    [((0, 1), ('5/8', '5/8', '5/8', '1'))]
    """
    rows = [(b, w[0], w[1]) for w, b in zip(weight, bias)]
    out: list[tuple[tuple[int, ...], Point, Point]] = []
    if len(rows) == 1:
        segment = level_segment(polygon, rows[0])
        return [((0,), *segment)] if segment else []
    for k in range(len(rows)):
        for l in range(k + 1, len(rows)):  # noqa: E741 - k, l as in the formulas
            g = tuple(a - b for a, b in zip(rows[k], rows[l]))
            cell: Polygon = polygon
            for j in range(len(rows)):
                if j in (k, l):
                    continue
                comp = tuple(a - b for a, b in zip(rows[k], rows[j]))
                cell = clip(cell, comp) if (comp[1] or comp[2]) else (cell if comp[0] >= 0 else [])
                if len(cell) < 2:
                    break
            if len(cell) >= 2:
                segment = level_segment(cell, g)
                if segment:
                    out.append(((k, l), *segment))
    return out


def segment_meets_box(a: Sequence, b: Sequence, lo: Sequence, hi: Sequence) -> bool:
    """Whether the segment ``a``-``b`` meets the axis-parallel box ``[lo, hi]`` (Liang-Barsky;
    exact for Fractions, and used with floats to place labels).

    >>> segment_meets_box((0, 0), (2, 2), (1, 0), (3, "1/2"))
    False
    >>> segment_meets_box((0, 0), (2, 2), (Fraction(1, 4), 0), (3, Fraction(1, 2)))
    True
    """
    lo = [Fraction(v) if isinstance(v, str) else v for v in lo]
    hi = [Fraction(v) if isinstance(v, str) else v for v in hi]
    t0: Fraction | float = 0
    t1: Fraction | float = 1
    for p, q in (
        (a[0] - b[0], a[0] - lo[0]),
        (b[0] - a[0], hi[0] - a[0]),
        (a[1] - b[1], a[1] - lo[1]),
        (b[1] - a[1], hi[1] - a[1]),
    ):
        if p == 0:
            if q < 0:
                return False
            continue
        t = Fraction(q, p) if isinstance(p, int) and isinstance(q, int) else q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def pattern_rows(network: Network | IntegerNetwork, pattern: Sequence[Sequence[int]]) -> list[tuple[Fraction, ...]]:
    """The closed region of an activation pattern as rows ``r . (1, x) >= 0``: for each hidden
    neuron its pre-activation form under the pattern, negated where the bit is 0 (any number of
    inputs; add the domain's rows for the region itself).  The forms are the engines' exact integer
    composition (:class:`~exactrelu.engines.forms.IntegerNetwork`; pass one for many patterns).

    >>> from exactrelu import EXAMPLE
    >>> [tuple(map(str, r)) for r in pattern_rows(EXAMPLE, [[1, 0]])]
    [('0', '-1', '1'), ('1', '-1', '-1')]
    """
    inet = network if isinstance(network, IntegerNetwork) else IntegerNetwork.of(network)
    layers = pattern[: len(inet.layers) - 1]
    forms = inet.first_forms()
    rows = []
    for k, bits in enumerate(layers):
        den = forms.den
        rows += [tuple(Fraction(a if bit else -a, den) for a in form) for form, bit in zip(forms.rows, bits)]
        if k + 1 < len(layers):
            forms = inet.next_forms_of_leaves(k, forms, [tuple(bits)])[0]
    return rows

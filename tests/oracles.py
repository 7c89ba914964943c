"""Independent exact oracles for activation regions, written in plain Python with Fractions.

Nothing here imports the project's geometry (``polytope``, ``predicates``, ``enumerate``): the
oracles use :class:`exactrelu.network.Network` only for its weights and its exact forward pass,
so a bug shared by the enumerator and an oracle would have to be written twice.

* :func:`brute_force_regions` walks every activation pattern (a depth-first walk over the
  pattern bits that abandons a prefix once its set has empty interior, which only removes
  patterns that are empty anyway; ``prune=False`` tries all ``2**N`` patterns one by one), builds
  the pattern's linear constraints by composing the affine maps exactly, and decides nonempty
  interior by vertex enumeration: every ``d``-subset of constraints is solved by Gaussian
  elimination, feasible solutions are the vertices, and the set is full-dimensional iff the
  vertices affinely span ``R^d``.  Adjacency intersects two regions' constraint sets and asks
  for dimension ``d - 1`` the same way.
* :func:`polygon_regions` (``d = 2``) cuts polygons by lines, layer by layer, with exact
  Sutherland-Hodgman clipping; it never composes weights but reads every affine form off the
  network's exact forward pass at polygon vertices (pre-activations are continuous and affine on
  each piece), so it shares no arithmetic path with the brute force.
* :func:`zaslavsky_count` and :func:`general_position_net` give one-hidden-layer networks whose
  region count is known in closed form.
"""

from __future__ import annotations

import functools
import itertools
import random
from fractions import Fraction
from math import ceil, comb, floor
from typing import NamedTuple, Sequence

from exactrelu.network import Network

__all__ = [
    "OracleRegion",
    "OraclePartition",
    "PolygonRegion",
    "brute_force_regions",
    "brute_force_adjacency",
    "brute_force_partition",
    "linear_piece_count",
    "neuron_forms",
    "output_map",
    "exact_pattern",
    "polygon_regions",
    "polygon_area",
    "polygon_adjacency",
    "sort_ccw",
    "zaslavsky_count",
    "general_position_net",
    "domain_halfspaces",
    "domain_polygon",
    "affine_rank",
]

Vector = tuple[Fraction, ...]
Form = tuple[Vector, Fraction]  # (a, c): the affine function x -> a . x + c
Pattern = tuple[tuple[int, ...], ...]


class OracleRegion(NamedTuple):
    weight: tuple[tuple[Fraction, ...], ...]
    bias: tuple[Fraction, ...]
    vertices: tuple[Vector, ...]  # sorted


class OraclePartition(NamedTuple):
    regions: dict  # pattern -> OracleRegion
    adjacent: set  # {(pattern, pattern)} with the smaller pattern first
    linear_pieces: int


class PolygonRegion(NamedTuple):
    weight: tuple[tuple[Fraction, ...], ...]
    bias: tuple[Fraction, ...]
    vertices: tuple[Vector, ...]  # counter-clockwise, no repeated or collinear points
    area: Fraction


# --------------------------------------------------------------------------- exact linear algebra
def _dot(a: Sequence[Fraction], x: Sequence[Fraction]) -> Fraction:
    return sum((u * v for u, v in zip(a, x)), Fraction(0))


def _value(form: Form, x: Sequence[Fraction]) -> Fraction:
    return _dot(form[0], x) + form[1]


def solve_exactly(rows: Sequence[Sequence[object]], rhs: Sequence[object]) -> Vector | None:
    """The unique solution of a square system (integers or Fractions, solved in Fractions), or None
    if it is singular."""
    n = len(rows)
    m = [[Fraction(a) for a in r] + [Fraction(v)] for r, v in zip(rows, rhs)]
    for col in range(n):
        piv = next((r for r in range(col, n) if m[r][col] != 0), None)
        if piv is None:
            return None
        m[col], m[piv] = m[piv], m[col]
        p = m[col][col]
        for r in range(n):
            if r != col and m[r][col] != 0:
                f = m[r][col] / p
                m[r] = [u - f * v for u, v in zip(m[r], m[col])]
    return tuple(m[i][n] / m[i][i] for i in range(n))


def _rank(vectors: Sequence[Sequence[Fraction]]) -> int:
    rows = [list(v) for v in vectors]
    if not rows:
        return 0
    rank, ncols = 0, len(rows[0])
    for col in range(ncols):
        piv = next((r for r in range(rank, len(rows)) if rows[r][col] != 0), None)
        if piv is None:
            continue
        rows[rank], rows[piv] = rows[piv], rows[rank]
        p = rows[rank][col]
        for r in range(rank + 1, len(rows)):
            if rows[r][col] != 0:
                f = rows[r][col] / p
                rows[r] = [u - f * v for u, v in zip(rows[r], rows[rank])]
        rank += 1
    return rank


def affine_rank(points) -> int:
    """Dimension of the affine hull of ``points`` (-1 for no points)."""
    points = list(points)
    if not points:
        return -1
    p0 = points[0]
    return _rank([tuple(u - v for u, v in zip(p, p0)) for p in points[1:]])


# --------------------------------------------------------------------------- domains and forms
def domain_halfspaces(domain) -> list[Form]:
    """Domain constraints as forms ``f`` with ``f(x) >= 0``.

    ``domain`` is a list of ``(lo, hi)`` pairs (a box), a dict ``{"A": ..., "b": ...}`` or any
    object with attributes ``A`` and ``b`` (meaning ``A x <= b``).
    """
    if isinstance(domain, dict):
        A, b = domain["A"], domain["b"]
    elif hasattr(domain, "A") and hasattr(domain, "b"):
        A, b = domain.A, domain.b
    else:
        d = len(domain)
        out = []
        for i, (lo, hi) in enumerate(domain):
            e = tuple(Fraction(int(k == i)) for k in range(d))
            out.append((e, -Fraction(lo)))
            out.append((tuple(-v for v in e), Fraction(hi)))
        return out
    return [(tuple(-Fraction(v) for v in row), Fraction(rhs)) for row, rhs in zip(A, b)]


def _neg(form: Form) -> Form:
    return (tuple(-v for v in form[0]), -form[1])


def _is_zero(form: Form) -> bool:
    return form[1] == 0 and not any(form[0])


def _normalized(form: Form) -> Form:
    """Scale by a positive number so that the first nonzero coefficient of ``a`` is +-1."""
    lead = next(abs(v) for v in form[0] if v != 0)
    return (tuple(v / lead for v in form[0]), form[1] / lead)


def _layer_forms(layer, values: list[Form], d: int) -> list[Form]:
    out = []
    for row, b in zip(layer.weight, layer.bias):
        a = tuple(sum((w * f[0][i] for w, f in zip(row, values)), Fraction(0)) for i in range(d))
        c = sum((w * f[1] for w, f in zip(row, values)), Fraction(0)) + b
        out.append((a, c))
    return out


def _activate(forms: list[Form], bits: Sequence[int], slope: Fraction) -> list[Form]:
    return [f if bit else (tuple(slope * v for v in f[0]), slope * f[1]) for f, bit in zip(forms, bits)]


def _identity(d: int) -> list[Form]:
    return [(tuple(Fraction(int(k == i)) for k in range(d)), Fraction(0)) for i in range(d)]


def neuron_forms(net: Network, pattern: Pattern) -> list[list[Form]]:
    """Pre-activation of every hidden neuron as an affine form of the input, under ``pattern``."""
    d = net.n_inputs
    values = _identity(d)
    result = []
    for layer, bits, slope in zip(net.layers[:-1], pattern, net.negative_slopes):
        pre = _layer_forms(layer, values, d)
        result.append(pre)
        values = _activate(pre, bits, slope)
    return result


def output_map(net: Network, pattern: Pattern) -> tuple[tuple, tuple]:
    """``(weight, bias)`` of the output map under ``pattern`` (weight: outputs x inputs)."""
    d = net.n_inputs
    values = _identity(d)
    for layer, bits, slope in zip(net.layers[:-1], pattern, net.negative_slopes):
        values = _activate(_layer_forms(layer, values, d), bits, slope)
    out = _layer_forms(net.layers[-1], values, d)
    return tuple(f[0] for f in out), tuple(f[1] for f in out)


def exact_pattern(net: Network, x) -> Pattern:
    """Bits ``pre-activation > 0`` at ``x`` (the canonical pattern when no pre-activation is 0)."""
    return tuple(tuple(int(v > 0) for v in layer) for layer in net.pre_activations(x))


# --------------------------------------------------------------------------- vertex enumeration
def _vertices_from_scratch(cons: list[Form], d: int) -> set[Vector]:
    for a, c in cons:
        if not any(a) and c < 0:
            return set()
    real = [f for f in cons if any(f[0])]
    verts = set()
    for subset in itertools.combinations(real, d):
        x = solve_exactly([f[0] for f in subset], [-f[1] for f in subset])
        if x is not None and all(_value(f, x) >= 0 for f in real):
            verts.add(x)
    return verts


def _clip(verts: set[Vector], cons: list[Form], f: Form, d: int) -> tuple[set[Vector], list[Form]]:
    """Vertices and constraints of ``P ∩ {f >= 0}`` from those of the bounded polytope ``P``.

    A vertex of the result is a vertex of ``P`` with ``f >= 0`` or lies on ``f = 0`` together
    with ``d - 1`` independent constraints of ``P``.
    """
    a, c = f
    if not any(a):
        return (verts, cons) if c >= 0 else (set(), cons + [f])
    values = {v: _value(f, v) for v in verts}
    if all(val >= 0 for val in values.values()):
        return verts, cons  # f is redundant on P
    kept = {v for v, val in values.items() if val >= 0}
    for subset in itertools.combinations(cons, d - 1):
        x = solve_exactly([a] + [g[0] for g in subset], [-c] + [-g[1] for g in subset])
        if x is not None and x not in kept and all(_value(g, x) >= 0 for g in cons):
            kept.add(x)
    return kept, cons + [f]


def _facets(verts: set[Vector], cons: list[Form], d: int) -> list[Form]:
    """The facet-defining constraints of a full-dimensional polytope, normalized, without repeats."""
    out = []
    for f in cons:
        if not any(f[0]):
            continue
        g = _normalized(f)
        if g in out:
            continue
        if affine_rank([v for v in verts if _value(g, v) == 0]) == d - 1:
            out.append(g)
    return out


# --------------------------------------------------------------------------- brute force
class _Record(NamedTuple):
    pattern: Pattern
    weight: tuple
    bias: tuple
    verts: set
    facets: list


def _n_hidden(net: Network) -> int:
    return sum(layer.n_out for layer in net.layers[:-1])


def _records_pruned(net: Network, domain) -> list[_Record]:
    d = net.n_inputs
    dom = domain_halfspaces(domain)
    verts0 = _vertices_from_scratch(dom, d)
    assert affine_rank(verts0) == d, "oracle needs a bounded full-dimensional domain"
    cons0 = [f for f in dom if any(f[0])]
    hidden = net.layers[:-1]
    records = []

    def finish(values, pattern, verts, cons):
        out = _layer_forms(net.layers[-1], values, d)
        records.append(
            _Record(pattern, tuple(f[0] for f in out), tuple(f[1] for f in out), verts, _facets(verts, cons, d))
        )

    def walk(layer_idx, values, pre, bits, pattern, verts, cons):
        if layer_idx == len(hidden):
            finish(values, pattern, verts, cons)
            return
        if pre is None:
            pre = _layer_forms(hidden[layer_idx], values, d)
        if len(bits) == len(pre):
            new_values = _activate(pre, bits, net.negative_slopes[layer_idx])
            walk(layer_idx + 1, new_values, None, (), pattern + (bits,), verts, cons)
            return
        f = pre[len(bits)]
        if _is_zero(f):  # identically zero: canonically 0, never 1
            walk(layer_idx, values, pre, bits + (0,), pattern, verts, cons)
            return
        for bit, g in ((0, _neg(f)), (1, f)):
            v2, c2 = _clip(verts, cons, g, d)
            if affine_rank(v2) == d:
                walk(layer_idx, values, pre, bits + (bit,), pattern, v2, c2)

    walk(0, _identity(d), None, (), (), verts0, cons0)
    return records


def _records_unpruned(net: Network, domain) -> list[_Record]:
    d = net.n_inputs
    dom = domain_halfspaces(domain)
    widths = [layer.n_out for layer in net.layers[:-1]]
    records = []
    for flat in itertools.product((0, 1), repeat=sum(widths)):
        pattern, k = [], 0
        for w in widths:
            pattern.append(tuple(flat[k : k + w]))
            k += w
        pattern = tuple(pattern)
        cons = list(dom)
        canonical = True
        for layer_forms, bits in zip(neuron_forms(net, pattern), pattern):
            for f, bit in zip(layer_forms, bits):
                if _is_zero(f):
                    canonical = canonical and bit == 0
                else:
                    cons.append(f if bit else _neg(f))
        if not canonical:
            continue
        verts = _vertices_from_scratch(cons, d)
        if affine_rank(verts) == d:
            weight, bias = output_map(net, pattern)
            records.append(_Record(pattern, weight, bias, verts, _facets(verts, cons, d)))
    return records


def _records(net: Network, domain, prune: bool = True) -> list[_Record]:
    return _records_pruned(net, domain) if prune else _records_unpruned(net, domain)


def brute_force_regions(net: Network, box, *, prune: bool = True) -> dict:
    """``{pattern: OracleRegion(weight, bias, vertices)}`` for every canonical pattern whose set
    has nonempty interior.  ``box`` is a list of ``(lo, hi)`` or a polytope (see
    :func:`domain_halfspaces`)."""
    return {r.pattern: OracleRegion(r.weight, r.bias, tuple(sorted(r.verts))) for r in _records(net, box, prune)}


def _adjacent_records(r1: _Record, r2: _Record, d: int) -> bool:
    # A (d-1)-dimensional common face lies in a hyperplane that carries a facet of each region,
    # with opposite orientations; test that first, then intersect the closures exactly.
    if not any(_normalized(_neg(g)) in r2.facets for g in r1.facets):
        return False
    for k in range(d):
        if max(v[k] for v in r1.verts) < min(v[k] for v in r2.verts):
            return False
        if max(v[k] for v in r2.verts) < min(v[k] for v in r1.verts):
            return False
    verts, cons = r1.verts, list(r1.facets)
    for g in r2.facets:
        verts, cons = _clip(verts, cons, g, d)
        if affine_rank(verts) < d - 1:
            return False
    dim = affine_rank(verts)
    assert dim < d, f"regions {r1.pattern} and {r2.pattern} overlap"
    return dim == d - 1


def _adjacency(records: list[_Record], d: int) -> set:
    out = set()
    for r1, r2 in itertools.combinations(records, 2):
        if _adjacent_records(r1, r2, d):
            out.add(tuple(sorted((r1.pattern, r2.pattern))))
    return out


def brute_force_adjacency(net: Network, box) -> set:
    """``{(p, q)}`` (``p < q``) for every pair of regions whose closures meet in dimension d-1."""
    return _adjacency(_records(net, box), net.n_inputs)


def linear_piece_count(regions: dict, adjacent) -> int:
    """Connected components of the adjacency graph restricted to pairs with identical maps."""
    parent = {p: p for p in regions}

    def find(p):
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    for p, q in adjacent:
        if (regions[p][0], regions[p][1]) == (regions[q][0], regions[q][1]):
            parent[find(p)] = find(q)
    return len({find(p) for p in regions})


def brute_force_partition(net: Network, box) -> OraclePartition:
    """Regions, adjacency and linear-piece count, all by brute force."""
    records = _records(net, box)
    regions = {r.pattern: OracleRegion(r.weight, r.bias, tuple(sorted(r.verts))) for r in records}
    adjacent = _adjacency(records, net.n_inputs)
    return OraclePartition(regions, adjacent, linear_piece_count(regions, adjacent))


# --------------------------------------------------------------------------- 2-D polygon clipping
def _cross(o: Vector, p: Vector, q: Vector) -> Fraction:
    return (p[0] - o[0]) * (q[1] - o[1]) - (p[1] - o[1]) * (q[0] - o[0])


def polygon_area(poly: Sequence[Vector]) -> Fraction:
    """Signed shoelace area (positive for counter-clockwise order)."""
    n = len(poly)
    twice = sum((poly[i][0] * poly[(i + 1) % n][1] - poly[(i + 1) % n][0] * poly[i][1] for i in range(n)), Fraction(0))
    return twice / 2


def _clean(poly: list[Vector]) -> list[Vector]:
    """Drop repeated points and points in the middle of a straight edge."""
    pts = []
    for p in poly:
        if not pts or pts[-1] != p:
            pts.append(p)
    while len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()
    changed = True
    while changed and len(pts) >= 3:
        changed = False
        for i in range(len(pts)):
            if _cross(pts[i - 1], pts[i], pts[(i + 1) % len(pts)]) == 0:
                del pts[i]
                changed = True
                break
    return pts


def _clip_polygon(poly: list[Vector], f: Form) -> list[Vector]:
    """Sutherland-Hodgman: the part of the convex polygon where ``f >= 0``."""
    out = []
    n = len(poly)
    for i in range(n):
        p, q = poly[i], poly[(i + 1) % n]
        fp, fq = _value(f, p), _value(f, q)
        if fp >= 0:
            out.append(p)
        if (fp > 0 and fq < 0) or (fp < 0 and fq > 0):
            t = fp / (fp - fq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return _clean(out)


def _fit(points: Sequence[Vector], values: Sequence[Fraction]) -> Form:
    """The affine function of the plane taking ``values`` at three non-collinear ``points``."""
    (x0, y0), (x1, y1), (x2, y2) = points
    v0, v1, v2 = values
    det = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)
    a1 = ((v1 - v0) * (y2 - y0) - (v2 - v0) * (y1 - y0)) / det
    a2 = ((x1 - x0) * (v2 - v0) - (x2 - x0) * (v1 - v0)) / det
    return ((a1, a2), v0 - a1 * x0 - a2 * y0)


def _three_corners(poly: list[Vector]) -> list[Vector]:
    for i in range(1, len(poly) - 1):
        if _cross(poly[0], poly[i], poly[i + 1]) != 0:
            return [poly[0], poly[i], poly[i + 1]]
    raise AssertionError("degenerate polygon")


def domain_polygon(domain) -> list[Vector]:
    """A 2-D domain (box or polytope) as a counter-clockwise polygon."""
    if isinstance(domain, (list, tuple)) and not hasattr(domain, "A"):
        (x0, x1), (y0, y1) = ((Fraction(lo), Fraction(hi)) for lo, hi in domain)
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    halfspaces = domain_halfspaces(domain)
    # Every vertex is the crossing of two constraint lines: a square beyond all crossings is cut
    # down to the domain by the half-planes themselves.
    big = Fraction(1)
    for (a, c), (b, e) in itertools.combinations(halfspaces, 2):
        det = a[0] * b[1] - a[1] * b[0]
        if det != 0:
            x = (-c * b[1] + e * a[1]) / det
            y = (-a[0] * e + b[0] * c) / det
            big = max(big, abs(x) + 1, abs(y) + 1)
    poly = [(-big, -big), (big, -big), (big, big), (-big, big)]
    for f in halfspaces:
        poly = _clip_polygon(poly, f)
    return poly


def sort_ccw(vertices: Sequence[Vector], centre: Vector) -> list[Vector]:
    """Sort 2-D points counter-clockwise by exact angle around ``centre``."""

    def half(p):
        dx, dy = p[0] - centre[0], p[1] - centre[1]
        return 0 if (dy > 0 or (dy == 0 and dx > 0)) else 1

    def cmp(p, q):
        hp, hq = half(p), half(q)
        if hp != hq:
            return hp - hq
        c = _cross(centre, p, q)
        return -1 if c > 0 else (1 if c < 0 else 0)

    return sorted(vertices, key=functools.cmp_to_key(cmp))


def polygon_regions(net: Network, box) -> dict:
    """``{pattern: PolygonRegion(weight, bias, vertices, area)}`` for a 2-input network.

    Polygons are split neuron by neuron.  On entering a layer, the layer's pre-activations are
    affine on each polygon (earlier bits are fixed on its interior) and continuous, so their lines
    are read off the exact pre-activations at three corners; they stay valid on every piece the
    layer's own neurons cut.  The output map is read off :meth:`Network.forward` likewise.
    """
    assert net.n_inputs == 2, "polygon clipping needs a 2-input network"
    pieces = [(domain_polygon(box), ())]
    for layer_idx, layer in enumerate(net.layers[:-1]):
        current = []
        for poly, pattern in pieces:
            corners = _three_corners(poly)
            values = [net.pre_activations(p)[layer_idx] for p in corners]
            forms = [_fit(corners, [v[j] for v in values]) for j in range(layer.n_out)]
            current.append((poly, pattern, forms, ()))
        for j in range(layer.n_out):
            new = []
            for poly, pattern, forms, bits in current:
                f = forms[j]
                if _is_zero(f):
                    new.append((poly, pattern, forms, bits + (0,)))
                    continue
                for bit, g in ((0, _neg(f)), (1, f)):
                    part = _clip_polygon(poly, g)
                    if len(part) >= 3 and polygon_area(part) > 0:
                        new.append((part, pattern, forms, bits + (bit,)))
            current = new
        pieces = [(poly, pattern + (bits,)) for poly, pattern, _, bits in current]
    result = {}
    for poly, pattern in pieces:
        corners = _three_corners(poly)
        outputs = [net.forward(p) for p in corners]
        maps = [_fit(corners, [o[k] for o in outputs]) for k in range(net.n_outputs)]
        assert pattern not in result, f"pattern {pattern} found twice"
        result[pattern] = PolygonRegion(
            tuple(m[0] for m in maps), tuple(m[1] for m in maps), tuple(poly), polygon_area(poly)
        )
    return result


def polygon_adjacency(regions: dict) -> set:
    """Pairs of polygons sharing a segment of positive length (their common boundary).

    Edges are grouped by their supporting line (normalized ``a . x + c = 0``); two polygons are
    adjacent iff edges of theirs on one line overlap in more than a point.
    """
    by_line: dict = {}
    for pattern, region in regions.items():
        poly = region.vertices
        for i in range(len(poly)):
            p, q = poly[i], poly[(i + 1) % len(poly)]
            a = (q[1] - p[1], p[0] - q[0])
            line = _normalized((a, -(a[0] * p[0] + a[1] * p[1])))
            if line[0][0] < 0 or (line[0][0] == 0 and line[0][1] < 0):
                line = _neg(line)
            k = 0 if p[0] != q[0] else 1  # coordinate that moves along the edge
            by_line.setdefault(line, []).append((min(p[k], q[k]), max(p[k], q[k]), pattern))
    out = set()
    for segments in by_line.values():
        for (lo1, hi1, p1), (lo2, hi2, p2) in itertools.combinations(segments, 2):
            if p1 != p2 and min(hi1, hi2) > max(lo1, lo2):
                out.add(tuple(sorted((p1, p2))))
    return out


# --------------------------------------------------------------------------- general position
def zaslavsky_count(n: int, d: int) -> int:
    """Regions of ``n`` hyperplanes in general position in ``R^d``: ``sum_{i<=d} C(n, i)``."""
    return sum(comb(n, i) for i in range(d + 1))


def general_position_net(seed: int, n: int, d: int, weight_range: int = 4):
    """A one-hidden-layer network with ``n >= d`` neurons in general position in ``R^d`` and a
    box with every vertex of the arrangement strictly inside, so the box meets all
    :func:`zaslavsky_count` regions.  Returns ``(net, box)``."""
    assert n >= d >= 1
    rng = random.Random(seed)
    while True:
        rows = [[rng.randint(-weight_range, weight_range) for _ in range(d)] for _ in range(n)]
        bias = [rng.randint(-weight_range, weight_range) for _ in range(n)]
        if not all(any(r) for r in rows):
            continue
        points = []
        ok = True
        for subset in itertools.combinations(range(n), d):
            x = solve_exactly(
                [[Fraction(rows[i][k]) for k in range(d)] for i in subset], [Fraction(-bias[i]) for i in subset]
            )
            if x is None:
                ok = False
                break
            if any(_dot(rows[i], x) + bias[i] == 0 for i in range(n) if i not in subset):
                ok = False
                break
            points.append(x)
        if not ok:
            continue
        box = [(floor(min(p[k] for p in points)) - 1, ceil(max(p[k] for p in points)) + 1) for k in range(d)]
        out = [[rng.choice([-2, -1, 1, 2, 3]) for _ in range(n)]]
        net = Network.from_layers([(rows, bias), (out, [0])])
        return net, box

"""Independent exact oracles for decision boundaries, decision regions and degrees of freedom.

Nothing here uses the project's geometry: region polygons come from :func:`oracles.polygon_regions`
(polygon clipping driven by the network's exact forward pass), everything else is plain Fractions.

* :func:`boundary_segments` (``d = 2``): in every region polygon and for every class pair, the line
  ``f_k = f_l`` is clipped to the polygon and, parametrically, to ``f_k - f_j >= 0``; segments of
  positive length are the boundary (``on_edge`` when the segment lies on an edge of the polygon;
  then both polygons along that edge find it).  Ties: ``f_k - f_l`` the zero function.
* :func:`segment_components`: connected components of a set of closed segments (exact
  segment-segment intersection, collinear overlaps included).
* :func:`class_polygons` / :func:`class_components` / :func:`holes`: class parts by polygon
  clipping, components by shared edges of positive length, holes by counting the components of
  the complement that cannot reach the outside (Alexander duality), not by an Euler characteristic.
* :func:`sampled_pieces_3d`: for ``d = 3``, random rational points on each plane ``f_k = f_l``
  inside each region, with the exact forward pass deciding whether each is a boundary point.
* :func:`rank_fraction` / :func:`dof_oracle`: Gaussian elimination over Fractions of the ``d``
  equations per facet ``h_p (theta_r - theta_s)_i - h_i (theta_r - theta_s)_p = 0``.
"""

from __future__ import annotations

import itertools
import random
from fractions import Fraction
from typing import NamedTuple

from oracles import domain_polygon, neuron_forms, output_map, polygon_regions

from exactrelu.network import Network

__all__ = [
    "Segment",
    "pairs_of",
    "boundary_segments",
    "point_on_segment",
    "segments_meet",
    "segment_components",
    "merged_length",
    "class_polygons",
    "class_components",
    "holes",
    "sampled_pieces_3d",
    "rank_fraction",
    "dof_oracle",
]

F = Fraction
Point = tuple[Fraction, Fraction]


class Segment(NamedTuple):
    pattern: tuple
    classes: tuple[int, ...]
    ends: tuple[Point, Point]  # sorted
    on_edge: bool


def pairs_of(m: int) -> list[tuple[int, ...]]:
    return [(0,)] if m == 1 else list(itertools.combinations(range(m), 2))


def _form(weight, bias, classes) -> tuple[tuple[Fraction, Fraction], Fraction]:
    if len(classes) == 1:
        k = classes[0]
        return (weight[k][0], weight[k][1]), bias[k]
    k, other = classes
    return (weight[k][0] - weight[other][0], weight[k][1] - weight[other][1]), bias[k] - bias[other]


def _value(form, p: Point) -> Fraction:
    (a, b), c = form
    return a * p[0] + b * p[1] + c


def _line_in_polygon(form, poly) -> list[Point]:
    """The points where the line ``form = 0`` meets the closed convex polygon (at most two
    extreme points kept)."""
    pts = []
    n = len(poly)
    for i in range(n):
        p, q = poly[i], poly[(i + 1) % n]
        fp, fq = _value(form, p), _value(form, q)
        if fp == 0:
            pts.append(p)
        if (fp > 0 > fq) or (fp < 0 < fq):
            t = fp / (fp - fq)
            pts.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    pts = sorted(set(pts))
    if len(pts) < 2:
        return pts
    return [pts[0], pts[-1]]


def _clip_segment(p: Point, q: Point, forms) -> tuple[Point, Point] | None:
    """The part of ``[p, q]`` where every form is ``>= 0`` (Liang-Barsky, exact), if of positive
    length."""
    lo, hi = F(0), F(1)
    for form in forms:
        fp, fq = _value(form, p), _value(form, q)
        # fp + t (fq - fp) >= 0
        slope = fq - fp
        if slope == 0:
            if fp < 0:
                return None
            continue
        t = -fp / slope
        if slope > 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
    if lo >= hi:
        return None
    a = (p[0] + lo * (q[0] - p[0]), p[1] + lo * (q[1] - p[1]))
    b = (p[0] + hi * (q[0] - p[0]), p[1] + hi * (q[1] - p[1]))
    return (min(a, b), max(a, b))


def boundary_segments(net: Network, box) -> tuple[list[Segment], set, dict]:
    """``(segments, ties, polygons)`` for a 2-input network: every boundary segment per region and
    class pair (on-edge ones from both sides), the ties ``{(pattern, classes)}`` and the region
    polygons ``{pattern: PolygonRegion}``."""
    regions = polygon_regions(net, box)
    m = net.n_outputs
    segments, ties = [], set()
    for pattern, reg in regions.items():
        poly = list(reg.vertices)
        for classes in pairs_of(m):
            form = _form(reg.weight, reg.bias, classes)
            if form[0] == (0, 0):
                if form[1] == 0:
                    ties.add((pattern, classes))
                continue
            ends = _line_in_polygon(form, poly)
            if len(ends) < 2:
                continue
            comps = []
            if len(classes) == 2:
                k = classes[0]
                comps = [_form(reg.weight, reg.bias, (k, j)) for j in range(m) if j not in classes]
            seg = _clip_segment(ends[0], ends[1], comps)
            if seg is None:
                continue
            n = len(poly)
            on_edge = any(_value(form, poly[i]) == 0 and _value(form, poly[(i + 1) % n]) == 0 for i in range(n))
            segments.append(Segment(pattern, classes, seg, on_edge))
    return segments, ties, regions


def _cross(o: Point, p: Point, q: Point) -> Fraction:
    return (p[0] - o[0]) * (q[1] - o[1]) - (p[1] - o[1]) * (q[0] - o[0])


def point_on_segment(x: Point, ends: tuple[Point, Point]) -> bool:
    p, q = ends
    return (
        _cross(p, q, x) == 0
        and min(p[0], q[0]) <= x[0] <= max(p[0], q[0])
        and min(p[1], q[1]) <= x[1] <= max(p[1], q[1])
    )


def segments_meet(s: tuple[Point, Point], t: tuple[Point, Point]) -> bool:
    """Closed segments intersect (exact, including touching and collinear overlap)."""
    p, q = s
    r, u = t
    d1, d2 = _cross(r, u, p), _cross(r, u, q)
    d3, d4 = _cross(p, q, r), _cross(p, q, u)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True
    return any(point_on_segment(a, b) for a, b in ((p, t), (q, t), (r, s), (u, s)))


def segment_components(segments: list[tuple[Point, Point]]) -> int:
    parent = list(range(len(segments)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in itertools.combinations(range(len(segments)), 2):
        if segments_meet(segments[i], segments[j]):
            parent[find(i)] = find(j)
    return len({find(i) for i in range(len(segments))})


def _line_key(ends: tuple[Point, Point]):
    (x0, y0), (x1, y1) = ends
    a, b = y1 - y0, x0 - x1
    lead = a if a != 0 else b
    a, b = a / lead, b / lead
    return (a, b, -(a * x0 + b * y0))


def _param(p: Point, vertical: bool) -> Fraction:
    return p[1] if vertical else p[0]


def merged_length(segments: list[tuple[Point, Point]]) -> dict:
    """``{line: (union as sorted disjoint intervals, total length of the pieces)}`` along each line
    (length measured in the coordinate that moves along it): equal when no two pieces overlap."""
    by_line: dict = {}
    for s in segments:
        by_line.setdefault(_line_key(s), []).append(s)
    out = {}
    for key, group in by_line.items():
        vertical = group[0][0][0] == group[0][1][0]
        intervals = sorted((_param(a, vertical), _param(b, vertical)) for a, b in group)
        intervals = [(min(a, b), max(a, b)) for a, b in intervals]
        intervals.sort()
        union: list[list[Fraction]] = []
        for a, b in intervals:
            if union and a <= union[-1][1]:
                union[-1][1] = max(union[-1][1], b)
            else:
                union.append([a, b])
        out[key] = ([tuple(u) for u in union], sum(b - a for a, b in intervals))
    return out


# --------------------------------------------------------------------------- decision regions (2-D)
def _clip_polygon(poly: list[Point], form) -> list[Point]:
    out = []
    n = len(poly)
    for i in range(n):
        p, q = poly[i], poly[(i + 1) % n]
        fp, fq = _value(form, p), _value(form, q)
        if fp >= 0:
            out.append(p)
        if (fp > 0 > fq) or (fp < 0 < fq):
            t = fp / (fp - fq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    clean = []
    for p in out:
        if not clean or clean[-1] != p:
            clean.append(p)
    while len(clean) > 1 and clean[0] == clean[-1]:
        clean.pop()
    return clean


def _area(poly: list[Point]) -> Fraction:
    n = len(poly)
    return sum((poly[i][0] * poly[(i + 1) % n][1] - poly[(i + 1) % n][0] * poly[i][1] for i in range(n)), F(0)) / 2


def class_polygons(regions: dict) -> dict:
    """``{(pattern, k): polygon}`` for every class with a part of positive area (one output ``f``:
    classes of ``(0, f)``)."""
    out = {}
    for pattern, reg in regions.items():
        weight, bias = list(reg.weight), list(reg.bias)
        if len(weight) == 1:
            weight, bias = [(F(0), F(0))] + weight, [F(0)] + bias
        m = len(weight)
        for k in range(m):
            poly = list(reg.vertices)
            for j in range(m):
                if j == k:
                    continue
                form = ((weight[k][0] - weight[j][0], weight[k][1] - weight[j][1]), bias[k] - bias[j])
                poly = _clip_polygon(poly, form)
                if len(poly) < 3:
                    break
            if len(poly) >= 3 and _area(poly) > 0:
                out[(pattern, k)] = poly
    return out


def _meet_polygons(a: list[Point], b: list[Point]) -> list[Point]:
    """The closed intersection of two convex polygons (counter-clockwise) as its points (a segment
    or a point when the interiors are disjoint)."""
    out = list(a)
    n = len(b)
    for i in range(n):
        p, q = b[i], b[(i + 1) % n]
        form = ((p[1] - q[1], q[0] - p[0]), -((p[1] - q[1]) * p[0] + (q[0] - p[0]) * p[1]))  # left of p->q
        kept = []
        m = len(out)
        for j in range(m):
            u, w = out[j], out[(j + 1) % m] if m > 1 else out[j]
            fu, fw = _value(form, u), _value(form, w)
            if fu >= 0:
                kept.append(u)
            if m > 1 and ((fu > 0 > fw) or (fu < 0 < fw)):
                t = fu / (fu - fw)
                kept.append((u[0] + t * (w[0] - u[0]), u[1] + t * (w[1] - u[1])))
        out = sorted(set(kept))
        if not out:
            return []
        if len(out) > 2 and all(_cross(out[0], out[1], z) == 0 for z in out[2:]):
            out = [out[0], out[-1]]
    return out


def class_components(polys: dict, k: int) -> list[set]:
    """Components of class ``k``: its polygons joined when they share a segment of positive
    length."""
    mine = [key for key in polys if key[1] == k]
    parent = {key: key for key in mine}

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in itertools.combinations(mine, 2):
        common = _meet_polygons(polys[a], polys[b])
        if len(common) >= 2:
            parent[find(a)] = find(b)
    groups: dict = {}
    for key in mine:
        groups.setdefault(find(key), set()).add(key[0])
    return sorted(groups.values(), key=lambda g: sorted(g))


def _in_polygon(x: Point, poly: list[Point]) -> bool:
    n = len(poly)
    return all(_cross(poly[i], poly[(i + 1) % n], x) >= 0 for i in range(n))


def _covered(ends: list[Point], polys: list[list[Point]]) -> bool:
    """Is the segment (or point) ``ends`` inside the union of the closed convex polygons?"""
    if len(ends) == 1:
        return any(_in_polygon(ends[0], p) for p in polys)
    p, q = ends
    pieces = []
    for poly in polys:
        n = len(poly)
        forms = []
        for i in range(n):
            a, b = poly[i], poly[(i + 1) % n]
            forms.append(((a[1] - b[1], b[0] - a[0]), -((a[1] - b[1]) * a[0] + (b[0] - a[0]) * a[1])))
        lo, hi = F(0), F(1)
        ok = True
        for form in forms:
            fp, fq = _value(form, p), _value(form, q)
            slope = fq - fp
            if slope == 0:
                if fp < 0:
                    ok = False
                continue
            t = -fp / slope
            if slope > 0:
                lo = max(lo, t)
            else:
                hi = min(hi, t)
        if ok and lo <= hi:
            pieces.append((lo, hi))
    reach = F(0)
    for lo, hi in sorted(pieces):
        if lo > reach:
            return False
        reach = max(reach, hi)
    return reach >= 1


def holes(polys: dict, component_patterns: set, k: int, box) -> int:
    """Holes of one class-``k`` component ``K``: the parts of the complement (every other class
    polygon, and class-``k`` polygons of other components) joined where they share a segment or
    point outside ``K``; those never joined to the domain's outside are holes."""
    K = [polys[(p, k)] for p in component_patterns]
    others = [
        poly
        for (p, j), poly in polys.items()
        if not (j == k and p in component_patterns) and not any(poly == q for q in K)
    ]
    domain = domain_polygon(box)
    n = len(others)
    parent = list(range(n + 1))  # n: the outside

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    def joined(common):
        if len(common) > 2:  # overlapping parts (outputs identical on a region): one open set
            return True
        return bool(common) and not _covered(common, K)

    for i, j in itertools.combinations(range(n), 2):
        if joined(_meet_polygons(others[i], others[j])):
            parent[find(i)] = find(j)
    m = len(domain)
    for i in range(n):
        for e in range(m):
            edge = [domain[e], domain[(e + 1) % m]]
            on = [z for z in others[i] if _cross(edge[0], edge[1], z) == 0]
            common = sorted(set(z for z in on if point_on_segment(z, (edge[0], edge[1]))))
            if common and joined([common[0], common[-1]] if len(common) > 1 else common):
                parent[find(i)] = find(n)
    return len({find(i) for i in range(n)} - {find(n)})


# --------------------------------------------------------------------------- 3-D sampling
def _in_region(net: Network, pattern, box, x) -> bool:
    if any(not (F(lo) <= v <= F(hi)) for v, (lo, hi) in zip(x, box)):
        return False
    for forms, bits in zip(neuron_forms(net, pattern), pattern):
        for (a, c), bit in zip(forms, bits):
            value = sum((u * v for u, v in zip(a, x)), F(0)) + c
            if (bit and value < 0) or (not bit and value > 0):
                return False
    return True


def sampled_pieces_3d(net: Network, box, patterns, samples: int, seed: int = 0):
    """Yield ``(pattern, classes, x, expected)``: random rational points ``x`` on the plane
    ``f_k = f_l`` (one output: ``f = 0``) of each region's exact output map, inside the region's
    closure, and whether ``x`` is a boundary point of the pair (``f_k >= f_j`` for every ``j``).
    Region membership and outputs come from the oracle's own composition of the weights."""
    rng = random.Random(seed)
    m = net.n_outputs
    for pattern in patterns:
        weight, bias = output_map(net, pattern)
        for classes in pairs_of(m):
            if len(classes) == 1:
                a, c = weight[0], bias[0]
            else:
                k, other = classes
                a = tuple(u - v for u, v in zip(weight[k], weight[other]))
                c = bias[k] - bias[other]
            if not any(a):
                continue
            p = next(i for i in range(3) if a[i])
            for _ in range(samples):
                x = [F(rng.randint(0, 4096), 4096) * (F(hi) - F(lo)) + F(lo) for lo, hi in box]
                x[p] = -(c + sum(a[i] * x[i] for i in range(3) if i != p)) / a[p]
                if not _in_region(net, pattern, box, x):
                    continue
                outs = [sum((u * v for u, v in zip(weight[o], x)), F(0)) + bias[o] for o in range(m)]
                expected = len(classes) == 1 or all(outs[classes[0]] >= outs[j] for j in range(m))
                yield pattern, classes, tuple(x), expected


# --------------------------------------------------------------------------- degrees of freedom
def rank_fraction(rows: list[list[Fraction]]) -> int:
    rows = [list(r) for r in rows if any(r)]
    rank = 0
    ncols = len(rows[0]) if rows else 0
    for col in range(ncols):
        piv = next((r for r in range(rank, len(rows)) if rows[r][col] != 0), None)
        if piv is None:
            continue
        rows[rank], rows[piv] = rows[piv], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][col] != 0:
                f = rows[r][col] / rows[rank][col]
                rows[r] = [u - f * v for u, v in zip(rows[r], rows[rank])]
        rank += 1
    return rank


def dof_oracle(regions, edges_with_rows) -> int:
    """``regions * (d + 1) - rank`` of the ``d`` equations per facet (no multipliers)."""
    d = regions[0].dim
    w = d + 1
    rows = []
    for r, s, h in edges_with_rows:
        p = next(i for i in range(1, w) if h[i])
        for i in range(w):
            if i == p:
                continue
            row = [F(0)] * (len(regions) * w)
            row[r * w + i] += h[p]
            row[r * w + p] -= h[i]
            row[s * w + i] -= h[p]
            row[s * w + p] += h[i]
            rows.append(row)
    return len(regions) * w - rank_fraction(rows)

"""Decision regions, exactly: where each class wins, region by region, and their components.

The class at ``x`` is the argmax of the outputs; with one output ``f`` the classes are those of
``(0, f)``: class 1 where ``f >= 0``, class 0 where ``f <= 0``.  In a region ``R`` the part of class
``k`` is the polytope ``R_k = {x in R : f_k(x) >= f_j(x) for every j}``.  A class **wins** in ``R``
when ``R_k`` is full-dimensional (witness: a point strictly inside ``R_k``, where ``f_k > f_j`` for
every ``j`` not identical to ``k`` on ``R``).  A region lies **wholly** in class ``k`` when
``f_k - f_j >= 0`` on all of ``R`` for every ``j``, proved by the exact minimum of ``f_k - f_j``
over ``R``: the least value at the region's vertices (vertex engine) or an exactly certified LP
optimum with its dual multipliers (LP engine).

The parts of class ``k`` in two adjacent regions are **linked** when they share a
``(d-1)``-dimensional piece of the common facet (witness: a point in its relative interior); the
connected components of each class's decision region are the components of these links.  For
``d = 2`` each component also gets its number of holes (first Betti number), from the Euler
characteristic ``V - E + F`` of its polygons with every edge split at every vertex lying on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..geometry.cell import Cell
from ..geometry.exact import dehomogenize, exact_dot, primitive
from ..geometry.lp import LPSolver
from ..rational import format_rational
from ..region import Adjacency, Region
from .boundary import cell_dimension, region_cell, relative_interior, witness_point

__all__ = ["Dominance", "RegionDecision", "ClassLink", "ClassComponent", "Decisions", "decision_regions"]


@dataclass(frozen=True, slots=True)
class Dominance:
    """``f_k - f_against >= minimum >= 0`` on the whole region (``k`` the region's ``whole`` class).

    ``minimum`` is exact and attained at ``at``.  Vertex engine: ``at`` is the vertex of least
    value, ``basis`` the facets through it, ``multipliers`` empty (the minimum of an affine function
    over a polytope is its least vertex value).  LP engine: ``basis`` are facet indices and
    ``multipliers`` nonnegative rationals with ``gradient(f_k - f_j) = sum multipliers[i] *
    gradient(facet basis[i])``, so ``f_k - f_j - minimum = sum multipliers[i] * facet_i(x) >= 0``."""

    against: int
    minimum: Fraction
    at: tuple[Fraction, ...]
    basis: tuple[int, ...]
    multipliers: tuple[Fraction, ...]

    def to_json(self) -> dict:
        return {
            "against": self.against,
            "minimum": format_rational(self.minimum),
            "at": [format_rational(v) for v in self.at],
            "basis": list(self.basis),
            "multipliers": [format_rational(v) for v in self.multipliers],
        }


@dataclass(frozen=True, slots=True)
class RegionDecision:
    """The classes that win on a full-dimensional part of region ``region`` (``points[i]`` strictly
    inside the part of ``winners[i]``), and the class the whole region belongs to, if any (the
    lowest one when several are identical there), with one :class:`Dominance` per other class."""

    region: int
    winners: tuple[int, ...]
    points: tuple[tuple[Fraction, ...], ...]
    whole: int | None
    proof: tuple[Dominance, ...]

    def to_json(self) -> dict:
        return {
            "region": self.region,
            "winners": list(self.winners),
            "points": [[format_rational(v) for v in p] for p in self.points],
            "whole": self.whole,
            "proof": [p.to_json() for p in self.proof],
        }


@dataclass(frozen=True, slots=True)
class ClassLink:
    """The class-``cls`` parts of adjacent regions ``first < second`` (adjacency ``adjacency``)
    share a ``(d-1)``-dimensional piece of their common facet; ``point`` is in its relative
    interior, or None when both regions lie wholly in class ``cls``: then the whole shared facet
    is that piece and the adjacency's own point is the witness."""

    cls: int
    first: int
    second: int
    adjacency: int
    point: tuple[Fraction, ...] | None

    def to_json(self) -> dict:
        return {
            "class": self.cls,
            "regions": [self.first, self.second],
            "adjacency": self.adjacency,
            "point": None if self.point is None else [format_rational(v) for v in self.point],
        }


@dataclass(frozen=True, slots=True)
class ClassComponent:
    """One connected component of the decision region of class ``cls``: the regions whose
    class-``cls`` parts it is made of, and (``d = 2``, regions with vertices) its number of holes."""

    cls: int
    regions: tuple[int, ...]
    holes: int | None

    def to_json(self) -> dict:
        return {"class": self.cls, "regions": list(self.regions), "holes": self.holes}


@dataclass(frozen=True, slots=True)
class Decisions:
    """Decision regions of a partition: per region, per link, per component."""

    classes: int
    regions: tuple[RegionDecision, ...]
    links: tuple[ClassLink, ...]
    components: tuple[ClassComponent, ...]

    def summary(self) -> dict:
        per = []
        for k in range(self.classes):
            comps = [c for c in self.components if c.cls == k]
            holes = [c.holes for c in comps]
            per.append(
                {
                    "class": k,
                    "regions": sum(1 for r in self.regions if k in r.winners),
                    "whole_regions": sum(1 for r in self.regions if r.whole == k),
                    "components": len(comps),
                    "holes": None if any(h is None for h in holes) else sum(h for h in holes if h is not None),
                }
            )
        return {"classes": self.classes, "per_class": per}

    def to_json(self) -> dict:
        """JSON-ready dict: every rational a string, indices and counts integers."""
        return {
            "classes": self.classes,
            "regions": [r.to_json() for r in self.regions],
            "links": [link.to_json() for link in self.links],
            "components": [c.to_json() for c in self.components],
            "summary": self.summary(),
        }


# ---------------------------------------------------------------------- one region
def _class_rows(region: Region) -> list[tuple[int, ...]]:
    """The outputs as integer rows over ``map_den``; one output ``f`` becomes ``(0, f)``."""
    rows = [tuple(r) for r in region.map_rows]
    if len(rows) == 1:
        rows = [(0,) * len(rows[0])] + rows
    return rows


def _comps(rows: list[tuple[int, ...]], k: int) -> list[tuple[int, tuple[int, ...]]] | None:
    """``(j, primitive row of f_k - f_j)`` for every competitor not identical to ``k`` and not a
    nonnegative constant; None if one is a negative constant."""
    out = []
    for j, row in enumerate(rows):
        if j == k:
            continue
        diff = tuple(a - b for a, b in zip(rows[k], row))
        if not any(diff[1:]):
            if diff[0] < 0:
                return None
            continue
        out.append((j, primitive(diff)))
    return out


def _clip_all(cell: Cell, comps) -> Cell | None:
    c: Cell | None = cell
    for j, row in comps:
        assert c is not None
        c = c.clip(row, ("class", j))
        if not c.verts:
            return None
    return c


def _least(values: list[int], weights: list[int]) -> int:
    """Index of the least ``values[i] / weights[i]`` (``weights > 0``): floats propose, exact
    cross-multiplication decides."""
    try:
        guess = min(range(len(values)), key=lambda i: values[i] / weights[i])
    except OverflowError:
        guess = 0
    best = guess
    for i in range(len(values)):
        if values[i] * weights[best] < values[best] * weights[i]:
            best = i
    return best


def _vertex_dominance(region: Region, rows, k: int) -> tuple[Dominance, ...]:
    """``f_k - f_j`` at its least vertex, for every ``j``: its exact minimum over the region."""
    verts = region.vertices_h
    out = []
    for j, row in enumerate(rows):
        if j == k:
            continue
        diff = [a - b for a, b in zip(rows[k], row)]
        values = [exact_dot(diff, v) for v in verts]
        i = _least(values, [v[0] for v in verts])
        basis = tuple(f for f, facet in enumerate(region.facets) if i in facet.vertex_indices)
        minimum = Fraction(values[i], verts[i][0] * region.map_den)
        out.append(Dominance(j, minimum, dehomogenize(verts[i]), basis, ()))
    return tuple(out)


def _decide_dd(index: int, region: Region, rows) -> tuple[RegionDecision, dict[int, Cell]]:
    """The decision of one region with vertices, and each winner's part as a cell."""
    cell = region_cell(region)
    m = len(rows)
    forms = [tuple(a - b for a, b in zip(rows[k], rows[j])) for k in range(m) for j in range(m) if k < j]
    signs = cell.signs(forms)
    position = {}
    n = 0
    for k in range(m):
        for j in range(k + 1, m):
            position[(k, j)] = n
            n += 1
    winners, points, parts = [], [], {}
    whole = None
    for k in range(m):
        comps = _comps(rows, k)
        if comps is None:
            continue
        sides = [signs[position[(min(k, j), max(k, j))]] * (1 if k < j else -1) for j, _ in comps]
        if any((s < 0).all() for s in sides):
            continue
        if all((s >= 0).all() for s in sides):
            winners.append(k)
            points.append(tuple(region.point))
            parts[k] = cell
            if whole is None:
                whole = k
            continue
        part = _clip_all(cell, comps)
        if part is not None and cell_dimension(part) == region.dim:
            winners.append(k)
            points.append(witness_point(part))
            parts[k] = part
    proof = _vertex_dominance(region, rows, whole) if whole is not None else ()
    return RegionDecision(index, tuple(winners), tuple(points), whole, proof), parts


def _decide_lp(index: int, region: Region, rows, solver: LPSolver) -> RegionDecision:
    """The decision of one region without vertices, by exact LPs: the class on top at the
    region's point is tested for the whole region first (``m - 1`` minimizations)."""
    facets = [tuple(f.row) for f in region.facets]
    m = len(rows)
    values = [sum((a * v for a, v in zip(r[1:], region.point)), Fraction(r[0])) for r in rows]
    top = max(range(m), key=lambda k: (values[k], -k))
    proof = []
    for j in range(m):
        if j == top:
            continue
        opt = solver.minimize(facets, [a - b for a, b in zip(rows[top], rows[j])])
        if not opt.at_least(0) or opt.point is None or opt.value is None:
            break
        proof.append(Dominance(j, opt.value / region.map_den, opt.point, tuple(opt.basis), tuple(opt.multipliers)))
    if len(proof) == m - 1:
        winners = tuple(k for k in range(m) if rows[k] == rows[top])
        return RegionDecision(index, winners, tuple(tuple(region.point) for _ in winners), top, tuple(proof))
    found, points = [], []
    for k in range(m):
        comps = _comps(rows, k)
        if comps is None:
            continue
        dim, point = relative_interior(facets + [row for _, row in comps], [], solver)
        if dim == region.dim and point is not None:
            found.append(k)
            points.append(point)
    return RegionDecision(index, tuple(found), tuple(points), None, ())


# ---------------------------------------------------------------------- links and components
def _link(
    k: int, e: int, a: Adjacency, regions: Sequence[Region], parts: list[dict], full: list[set], solver_box: list
) -> ClassLink | None:
    """The link of class ``k`` across adjacency ``a``, if its parts share a ``(d-1)``-dimensional
    piece of the facet: both parts whole (the adjacency's own point), or by exact clipping (the
    part of the first region cut to the facet and, unless the second region is the only one
    across the facet, to the second region; on the facet the outputs of both regions agree, so the
    class constraints need no repeating), or by an exact LP."""
    r, s = regions[a.first], regions[a.second]
    if k in full[a.first] and k in full[a.second]:
        return ClassLink(k, a.first, a.second, e, None)
    facet = r.facets[a.first_facet]
    row = tuple(facet.row)
    first = parts[a.first].get(k)
    if first is not None:
        c: Cell | None = first.clip(tuple(-v for v in row), ("facet", a.first_facet))
        assert c is not None
        across = [] if facet.neighbours == (a.second,) else s.facets
        for i, f in enumerate(across):
            assert c is not None
            c = c.clip(tuple(f.row), ("neighbour", i))
        if c is not None and cell_dimension(c) == r.dim - 1:
            return ClassLink(k, a.first, a.second, e, witness_point(c))
        return None
    comps = _comps(_class_rows(r), k) or []
    ineqs = [tuple(f.row) for i, f in enumerate(r.facets) if i != a.first_facet]
    ineqs += [tuple(f.row) for i, f in enumerate(s.facets) if i != a.second_facet]
    ineqs += [c for _, c in comps]
    if not solver_box:
        solver_box.append(LPSolver())
    dim, point = relative_interior(ineqs, [row], solver_box[0])
    if dim == r.dim - 1 and point is not None:
        return ClassLink(k, a.first, a.second, e, point)
    return None


def _holes(cells: list[Cell]) -> int:
    """First Betti number of the union of convex polygons (a connected set): ``1 - (V - E + F)``,
    with every edge split at every vertex on it so that the polygons form a cell complex.

    Vertices are their canonical homogeneous integer vectors.  The vertices that may lie on an
    edge are proposed by floats (correctly rounded coordinates inside the edge's float bounding
    box: rounding is monotone, so no vertex of the exact box is missed) and decided exactly."""
    index: dict[tuple[int, ...], int] = {}
    floats = []
    for c in cells:
        for v, f in zip(c.verts, c.vf):
            if v not in index:
                index[v] = len(index)
                floats.append(f)
    points = list(index)
    fx = np.array([f[1] for f in floats])
    fy = np.array([f[2] for f in floats])
    edges: set[tuple[int, int]] = set()
    for c in cells:
        for k in range(len(c.cons)):
            on = [i for i, t in enumerate(c.tight) if t >> k & 1]
            if len(on) != 2:
                continue
            p, q = c.verts[on[0]], c.verts[on[1]]
            (fp, fq) = (c.vf[on[0]], c.vf[on[1]])
            near = np.flatnonzero(
                (fx >= min(fp[1], fq[1]))
                & (fx <= max(fp[1], fq[1]))
                & (fy >= min(fp[2], fq[2]))
                & (fy <= max(fp[2], fq[2]))
            )
            chain = [z for z in (points[i] for i in near.tolist()) if _on_segment(z, p, q)]
            axis = 1 if p[1] * q[0] != q[1] * p[0] else 2
            chain.sort(key=lambda z: Fraction(z[axis], z[0]))
            ids = [index[z] for z in chain]
            edges.update((min(a, b), max(a, b)) for a, b in zip(ids, ids[1:]))
    return 1 - (len(points) - len(edges) + len(cells))


def _on_segment(z: tuple[int, ...], p: tuple[int, ...], q: tuple[int, ...]) -> bool:
    """Exact: the homogeneous point ``z`` lies on the closed segment from ``p`` to ``q``."""
    det = z[0] * (p[1] * q[2] - p[2] * q[1]) - z[1] * (p[0] * q[2] - p[2] * q[0]) + z[2] * (p[0] * q[1] - p[1] * q[0])
    if det:
        return False
    for axis in (1, 2):  # z/z0 between p/p0 and q/q0, all multiplied by z0 p0 q0 > 0
        ends = (p[axis] * q[0] * z[0], q[axis] * p[0] * z[0])
        if not min(ends) <= z[axis] * p[0] * q[0] <= max(ends):
            return False
    return True


def decision_regions(regions: Sequence[Region], adjacencies: Sequence[Adjacency]) -> Decisions:
    """Where each class wins, exactly: per region the winning classes with witness points and the
    proof when one class holds the whole region; the links between classes' parts across shared
    facets; the connected components of every class's decision region (and their holes for
    ``d = 2``).

    On the built-in example ``P`` (class 0) holds regions 0 (``P = 0 > Q = -1/4``) and 2 whole;
    the boundary ``P = Q`` cuts regions 1 and 3, where both classes win.  ``P``'s decision region
    is connected, and so is ``Q``'s (its parts in regions 1 and 3 share the facet piece from
    ``(5/8, 5/8)`` to ``(1, 1)``); neither has a hole:

    >>> from exactrelu import EXAMPLE, partition
    >>> p = partition(EXAMPLE)
    >>> dec = decision_regions(p.regions, p.adjacencies)
    >>> [(r.region, r.winners, r.whole) for r in dec.regions]
    [(0, (0,), 0), (1, (0, 1), None), (2, (0,), 0), (3, (0, 1), None)]
    >>> [(d.against, d.minimum, d.at) for d in dec.regions[0].proof]   # P - Q >= 1/4 on region 0
    [(1, Fraction(1, 4), (Fraction(0, 1), Fraction(0, 1)))]
    >>> [(c.cls, c.regions, c.holes) for c in dec.components]
    [(0, (0, 1, 2, 3), 0), (1, (1, 3), 0)]
    """
    import networkx as nx  # deferred: networkx takes 0.09 s to import and most runs never use it

    if not regions:
        return Decisions(0, (), (), ())
    solver_box: list = []
    decided: list[RegionDecision] = []
    parts: list[dict] = []
    full: list[set] = []
    for index, region in enumerate(regions):
        rows = _class_rows(region)
        if region.vertices_h:
            decision, cells = _decide_dd(index, region, rows)
            parts.append(cells)
        else:
            if not solver_box:
                solver_box.append(LPSolver())
            decision = _decide_lp(index, region, rows, solver_box[0])
            parts.append({})
        whole = decision.whole
        full.append(set() if whole is None else {k for k in decision.winners if rows[k] == rows[whole]})
        decided.append(decision)
    m = len(_class_rows(regions[0]))
    links = []
    for e, a in enumerate(adjacencies):
        for k in decided[a.first].winners:
            if k in decided[a.second].winners:
                link = _link(k, e, a, regions, parts, full, solver_box)
                if link is not None:
                    links.append(link)
    components = []
    for k in range(m):
        g = nx.Graph()
        g.add_nodes_from(i for i, dec in enumerate(decided) if k in dec.winners)
        g.add_edges_from((link.first, link.second) for link in links if link.cls == k)
        for members in sorted((sorted(c) for c in nx.connected_components(g)), key=min):
            holes = None
            if regions[0].dim == 2 and all(k in parts[i] for i in members):
                holes = _holes([parts[i][k] for i in members])
            components.append(ClassComponent(k, tuple(members), holes))
    return Decisions(m, tuple(decided), tuple(links), tuple(components))

"""Comparing two networks on one domain, exactly: the common refinement of their partitions and,
on each of its cells, where the two affine maps differ, by how much, and where the decision
(the argmax class) changes, with the exact volume of that set.

The **common refinement** is the set of pairs of regions, one of each partition, whose
intersection is full-dimensional (bounding boxes select candidate pairs, exact tests decide each);
their closures cover the domain.  On each cell both networks are affine, so every question is
about affine functions on a polytope: a maximum is reached at a vertex (exact double description
up to :data:`~exactrelu.partition.DD_MAX_DIM` inputs) or found by an exact LP
(:mod:`exactrelu.geometry.lp`: HiGHS proposes, exact rational arithmetic decides).

**Classes.**  Outputs are class scores; class ``c`` is output ``c`` (0-based).  Class ``c`` *wins*
at ``x`` when its output is strictly greater than every other output: a tie is not a win, and where
the highest outputs tie no class wins.  On a cell, outputs whose affine maps are identical tie
everywhere; every other tie is a set of volume zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from math import factorial, lcm
from typing import Any, NamedTuple

import numpy as np
from flint import fmpz_mat

from .errors import EmptyInterior, InternalError, Interrupted, InvalidArgument
from .geometry.cell import Cell
from .geometry.domain import Domain
from .geometry.exact import dehomogenize, homogeneous, primitive, rank_of
from .geometry.lp import FloatGuess, LPSolver, Status, chebyshev_rows, interior_point, short_point
from .geometry.predicates import float_points, float_rows, sign_matrix
from .geometry.rounding import short_point_inside
from .loaders import load
from .partition import Partition, as_domain, partition
from .rational import format_rational
from .region import Region

__all__ = [
    "Piece",
    "MapChange",
    "DecisionChange",
    "Comparison",
    "compare",
    "compare_partitions",
    "common_refinement",
    "refine",
    "polytope_volume",
]

IntRow = tuple[int, ...]
DomainLike = Domain | Sequence[tuple[object, object]] | None


# ----------------------------------------------------------------------------- the common refinement
class Piece(NamedTuple):
    """A cell of the common refinement: region ``first`` of one partition and region ``second`` of
    the other meet in a full-dimensional set; ``point`` lies strictly inside both."""

    first: int
    second: int
    point: tuple[Fraction, ...]


# ----------------------------------------------------------------------------- exact helpers
def facet_rows(region: Region) -> list[IntRow]:
    return [facet.row for facet in region.facets]


def integer_map(region: Region) -> tuple[list[IntRow], int]:
    """The region's map as integer rows ``(c0, c1..cd)`` over a positive common denominator."""
    if region.map_den > 0:
        return [tuple(r) for r in region.map_rows], region.map_den
    return [tuple(-a for a in r) for r in region.map_rows], -region.map_den


def same_map(a: Region, b: Region) -> bool:
    rows_a, den_a = integer_map(a)
    rows_b, den_b = integer_map(b)
    return all(x * den_b == y * den_a for ra, rb in zip(rows_a, rows_b) for x, y in zip(ra, rb))


def form_value(row: Sequence[Any], x: Sequence[Fraction]) -> Fraction:
    return row[0] + sum((a * v for a, v in zip(row[1:], x)), Fraction(0))


def dot(row: Sequence[int], h: Sequence[int]) -> int:
    return sum(a * b for a, b in zip(row, h))


def minimum(region: Region, objective: Sequence[Fraction], solver: LPSolver) -> tuple[Fraction, tuple[Fraction, ...]]:
    """Exact minimum of ``objective . (1, x)`` over the region's closure, and a point reaching it:
    the best vertex (vertex engine) or an exact LP optimum (regions without vertices)."""
    if region.vertices:
        return min(((form_value(objective, v), v) for v in region.vertices), key=lambda t: t[0])
    opt = solver.minimize(facet_rows(region), tuple(objective))
    if opt.status is not Status.OPTIMAL or opt.value is None or opt.point is None:
        raise InternalError(f"the minimum over a bounded region was not found ({opt.status.value})")
    return opt.value, opt.point


def feasible_point(solver: LPSolver, weak: Sequence[IntRow], strict: Sequence[IntRow]) -> tuple[Fraction, ...] | None:
    """An exact point with ``row . (1, x) >= 0`` for every ``weak`` row and ``> 0`` for every
    ``strict`` row, or None if there is none.  One LP: maximise ``t`` subject to ``weak >= 0``,
    ``strict >= t |gradient|_max`` and ``t <= 1``; the answer is yes iff the exact optimum is
    positive.  ``weak`` must bound the set (region facets do)."""
    d = len(weak[0]) - 1
    ext = [tuple(r) + (0,) for r in weak]
    ext += [tuple(r) + (-(max(abs(a) for a in r[1:]) or 1),) for r in strict]
    ext.append((1,) + (0,) * d + (-1,))

    def inside(h: Sequence[int]) -> bool:
        return all(dot(r, h) >= 0 for r in weak) and all(dot(r, h) > 0 for r in strict)

    guess = solver.float_solve(float_rows(ext, by_gradient=True), len(ext), np.array([0.0] * (d + 1) + [-1.0]))
    if isinstance(guess, FloatGuess) and guess.x[d] > 0:  # floats propose a point, exact signs accept it
        proposed = short_point_inside([float(v) for v in guess.x[:d]], float(guess.x[d]), inside)
        if proposed is not None:
            return proposed
    found = solver.minimize(ext, (0,) * (d + 1) + (-1,)).below(0)
    if found is None:
        return None
    value, optimum = found
    short = short_point_inside([float(v) for v in optimum[:d]], float(-value), inside)
    point = short if short is not None else optimum[:d]
    if not (all(form_value(r, point) >= 0 for r in weak) and all(form_value(r, point) > 0 for r in strict)):
        raise InternalError("an exactly certified feasible point violates its constraints")
    return point


def _bounding_box(region: Region, solver: LPSolver) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...]]:
    verts = region.vertices
    if verts:
        return tuple(map(min, zip(*verts))), tuple(map(max, zip(*verts)))
    d = region.dim
    lo, hi = [], []
    for i in range(d):
        unit = tuple(Fraction(int(k == i + 1)) for k in range(d + 1))
        lo.append(minimum(region, unit, solver)[0])
        hi.append(-minimum(region, tuple(-v for v in unit), solver)[0])
    return tuple(lo), tuple(hi)


def _outward(boxes: list[tuple[tuple[Fraction, ...], tuple[Fraction, ...]]]) -> tuple[np.ndarray, np.ndarray]:
    """Float boxes that contain the exact ones (each bound rounded to nearest, then one step out), so
    that float boxes which do not overlap prove that the exact boxes do not overlap."""
    lo = np.array([[float(v) for v in b[0]] for b in boxes])
    hi = np.array([[float(v) for v in b[1]] for b in boxes])
    return np.nextafter(lo, -np.inf), np.nextafter(hi, np.inf)


def vertices_h(region: Region) -> list[tuple[int, ...]]:
    return [v if v[0] > 0 else tuple(-a for a in v) for v in region.vertices_h]


class _Shape:
    """A region's facet rows and vertices, exact and as float guides for :func:`sign_matrix`."""

    def __init__(self, region: Region):
        self.rows = facet_rows(region)
        # facets on the domain's boundary never separate two regions of the domain
        self.inner = [f.row for f in region.facets if not f.on_boundary]
        self.inner_f = float_rows(self.inner) if self.inner else np.empty((0, region.dim + 1))
        self.verts = vertices_h(region)
        self.verts_f = float_points(self.verts) if self.verts else np.empty((0, region.dim + 1))

    def separates(self, other: _Shape) -> bool:
        """Some facet row is ``<= 0`` at every vertex of ``other`` (exact signs, float-filtered):
        the other region lies outside this one's open half-space, so the interiors are disjoint."""
        if not self.inner or not other.verts:
            return False
        signs = sign_matrix(self.inner, self.inner_f, other.verts, other.verts_f)
        return bool((signs <= 0).all(axis=1).any())

    @cached_property
    def cell(self) -> Cell | None:
        """The region as an exact double-description cell (None without vertices)."""
        if not self.verts:
            return None
        rows = list(self.rows)
        zero = sign_matrix(rows, float_rows(rows), self.verts, self.verts_f) == 0
        tight = [sum(1 << k for k in np.flatnonzero(zero[:, i]).tolist()) for i in range(len(self.verts))]
        labels = [("facet", k) for k in range(len(rows))]
        return Cell(len(rows[0]) - 1, rows, labels, list(self.verts), self.verts_f, tight)

    def holds(self, points: list[tuple[int, ...]], points_f: np.ndarray) -> np.ndarray:
        """Which homogeneous points lie in the region's closure (exact, float-filtered; points of the
        domain need no check against its boundary)."""
        if not self.inner:
            return np.ones(len(points), dtype=bool)
        return np.asarray((sign_matrix(self.inner, self.inner_f, points, points_f) >= 0).all(axis=0))


def _interior(rows: list[IntRow], solver: LPSolver) -> tuple[Fraction, ...]:
    """A point strictly inside every row: proposed by a float LP (the largest inscribed ball) and
    checked exactly, else an exact LP (raises :class:`EmptyInterior` when there is none)."""
    rows = list(dict.fromkeys(rows))
    d = len(rows[0]) - 1
    ext = chebyshev_rows(rows)
    guess = solver.float_solve(float_rows(ext, by_gradient=True), len(ext), np.array([0.0] * d + [-1.0]))
    if isinstance(guess, FloatGuess) and guess.x[d] > 0:
        point = short_point([float(v) for v in guess.x[:d]], rows, 2 * float(guess.x[d]))
        if point is not None:
            return point
    return interior_point(rows, solver)


def clip_cell(cell: Cell, rows: Sequence[IntRow]) -> Cell | None:
    """The exact part of ``cell`` where every row is ``>= 0`` (None if empty)."""
    for r in rows:
        cell = cell.clip(tuple(r), ("clip",))
        if not cell.verts:
            return None
    return cell


def centre(cell: Cell) -> tuple[int, ...]:
    """The sum of the cell's homogeneous vertices (each with a positive first coordinate): a convex
    combination of all of them with positive weights, so a point of the cell's relative interior
    (no common denominator needed, unlike the plain mean)."""
    total = [0] * (cell.dim + 1)
    for v in cell.verts:
        sign = 1 if v[0] > 0 else -1
        for k, a in enumerate(v):
            total[k] += sign * a
    return primitive(total)


def common_refinement(a: Partition, b: Partition, *, solver: LPSolver | None = None) -> list[Piece]:
    """Every pair of regions, one of ``a`` and one of ``b`` (partitions of one domain), whose
    intersection is full-dimensional, with a point strictly inside both.  Their closures cover the
    domain.

    Candidate pairs are those whose bounding boxes overlap with positive volume (tested on float
    boxes rounded outwards, which can only keep too many).  Each candidate is then decided exactly:
    a facet of one region with the other's vertices all on its far side separates them; otherwise
    one region's vertices are clipped by the other's facets (exact double description, as the
    enumerator cuts cells); a positive combination of the intersection's vertices lies in its
    relative interior, so it is strictly inside both regions iff the intersection is
    full-dimensional, and it is the point.  Regions without vertices (the
    ``lp`` engine) are decided by a point proposed by a float LP and checked exactly, else by an
    exact LP.

    >>> from exactrelu import EXAMPLE, partition
    >>> p = partition(EXAMPLE)
    >>> [(piece.first, piece.second) for piece in common_refinement(p, p)]
    [(0, 0), (1, 1), (2, 2), (3, 3)]
    >>> q = partition(EXAMPLE, [(0, 1), ("1/2", 1)])   # a smaller domain: not a partition of a's
    >>> common_refinement(p, q)
    Traceback (most recent call last):
    exactrelu.errors.InvalidArgument: the two partitions are of different domains
    """
    return [piece for piece, _ in refine(a, b, solver or LPSolver())]


def refine(a: Partition, b: Partition, solver: LPSolver) -> list[tuple[Piece, Cell | None]]:
    """The common refinement, each cell with its exact vertices when both regions have vertices.

    Regions that are the same set in both partitions (the same irredundant facets: a polytope is
    determined by them, and facet rows are primitive) are one cell and meet no other region, so
    only the others are paired: comparing a network with a slightly changed copy is quick."""
    if a.domain.A != b.domain.A or a.domain.b != b.domain.b:
        raise InvalidArgument("the two partitions are of different domains")
    in_b = {frozenset(f.row for f in r.facets): j for j, r in enumerate(b.regions)}
    same = {i: in_b.get(frozenset(f.row for f in r.facets)) for i, r in enumerate(a.regions)}
    matched = set(same.values())
    rest_a = [i for i, j in same.items() if j is None]
    rest_b = [j for j in range(len(b.regions)) if j not in matched]
    if rest_a and rest_b:
        lo_a, hi_a = _outward([_bounding_box(a.regions[i], solver) for i in rest_a])
        lo_b, hi_b = _outward([_bounding_box(b.regions[j], solver) for j in rest_b])
        shapes_b = {j: _Shape(b.regions[j]) for j in rest_b}
        position = {i: k for k, i in enumerate(rest_a)}
    pieces: list[tuple[Piece, Cell | None]] = []
    for i, ra in enumerate(a.regions):
        shape_a = _Shape(ra)
        twin = same[i]
        if twin is not None:
            whole = shape_a.cell
            inside = ra.point if whole is None else dehomogenize(centre(whole))  # as clipping would find
            pieces.append((Piece(i, twin, inside), whole))
            continue
        if not rest_b:
            continue
        k = position[i]
        overlap = np.all((lo_b < hi_a[k]) & (lo_a[k] < hi_b), axis=1)
        for j in (rest_b[m] for m in np.flatnonzero(overlap).tolist()):
            rb, shape_b = b.regions[j], shapes_b[j]
            if shape_a.separates(shape_b) or shape_b.separates(shape_a):
                continue
            cell = shape_a.cell
            if cell is not None and shape_b.verts:
                both = clip_cell(cell, shape_b.inner)
                if both is None:
                    continue
                # the centre is in the relative interior: strictly inside every row iff the
                # intersection is full-dimensional (else some row vanishes on all of it)
                h = centre(both)
                if all(dot(r, h) > 0 for r in shape_a.rows + shape_b.rows):
                    pieces.append((Piece(i, j, dehomogenize(h)), both))
                continue
            point = _shared_point(ra, rb, shape_a, shape_b)
            if point is None:
                try:
                    point = _interior(shape_a.rows + shape_b.rows, solver)
                except EmptyInterior:
                    continue
            pieces.append((Piece(i, j, point), None))
    return pieces


def _shared_point(ra: Region, rb: Region, sa: _Shape, sb: _Shape) -> tuple[Fraction, ...] | None:
    """A cheap try at a point strictly inside both regions, checked exactly (integer homogeneous
    coordinates): either witness, their midpoint, or the mean of the vertices of each region that
    lie in the other (points of the intersection, so their mean is too, and often inside it)."""
    rows = sa.rows + sb.rows
    ha, hb = homogeneous(ra.point), homogeneous(rb.point)
    tries = [ha, hb, (2 * ha[0] * hb[0],) + tuple(a * hb[0] + b * ha[0] for a, b in zip(ha[1:], hb[1:]))]
    both = [v for v, ok in zip(sa.verts, sb.holds(sa.verts, sa.verts_f)) if ok]
    both += [v for v, ok in zip(sb.verts, sa.holds(sb.verts, sb.verts_f)) if ok]
    if both:
        common = lcm(*(v[0] for v in both))
        tries.append((common * len(both),) + tuple(sum(common // v[0] * v[k] for v in both) for k in range(1, len(ha))))
    for h in tries:
        if all(dot(r, h) > 0 for r in rows):
            return dehomogenize(h)
    return None


def winner(y: Sequence[Fraction]) -> int | None:
    """The class with the strictly largest output, None at a tie."""
    top = max(y)
    best = [c for c, v in enumerate(y) if v == top]
    return best[0] if len(best) == 1 else None


def win_rows(region: Region, c: int) -> list[IntRow]:
    """Rows ``f_c - f_k`` (k != c): all > 0 exactly where class ``c`` wins on the region."""
    rows, _ = integer_map(region)
    return [tuple(u - v for u, v in zip(rows[c], rows[k])) for k in range(len(rows)) if k != c]


def feasible_in(cell: Cell, weak: Sequence[IntRow], strict: Sequence[IntRow]) -> tuple[Fraction, ...] | None:
    """:func:`feasible_point` on a cell with exact vertices: clip it by every row (as ``>= 0``); a point
    with the ``strict`` rows ``> 0`` exists iff the mean of the clipped vertices is one (each row is
    ``>= 0`` at every vertex, so it is positive at the mean iff positive at some vertex)."""
    clipped = clip_cell(cell, list(weak) + list(strict))
    return None if clipped is None else strictly_inside(clipped, strict)


def strictly_inside(clipped: Cell, strict: Sequence[IntRow]) -> tuple[Fraction, ...] | None:
    """A short point of ``clipped`` where every ``strict`` row is ``> 0``, or None if there is none
    (the centre of the vertices decides; a rounding of it is taken when exact signs accept it)."""
    h = centre(clipped)
    if not all(dot(r, h) > 0 for r in strict):
        return None
    point = dehomogenize(h)
    # the rounding must be as strict as the centre: inside every constraint the centre is strictly
    # inside (not only the strict rows), or it may land on the cell's boundary
    positive = [r for r in clipped.cons if dot(r, h) > 0] + list(strict)

    def inside(g: Sequence[int]) -> bool:
        return all(dot(r, g) >= 0 for r in clipped.cons) and all(dot(r, g) > 0 for r in positive)

    # a shorter point for people to read: floats propose a rounding, exact signs accept it
    width = min(
        (float(Fraction(dot(r, h), h[0])) / max(abs(a) for a in r[1:]) for r in strict if any(r[1:])), default=1.0
    )
    short = short_point_inside([float(v) for v in point], width, inside)
    if short is not None and max(v.denominator for v in short) < max(v.denominator for v in point):
        return short
    return point


# ----------------------------------------------------------------------------- exact volume
def _positive(v: Sequence[int]) -> tuple[int, ...]:
    return tuple(v) if v[0] > 0 else tuple(-a for a in v)


def polytope_volume(cell: Cell) -> Fraction:
    """The exact volume of a full-dimensional cell (0 for a lower-dimensional one), by a pulling
    triangulation: the cone from the lowest vertex over every facet that does not hold it, each
    facet triangulated the same way.  Faces are sets of vertices: a face's facets are its
    intersections with the constraints' tight sets whose affine dimension is one less.

    >>> from exactrelu import Domain
    >>> polytope_volume(Domain.box([(0, 2), ("1/2", 1)]).cell())
    Fraction(1, 1)
    >>> polytope_volume(Domain.polytope([[-1, 0], [0, -1], [1, 1]], [0, 0, 1]).cell())
    Fraction(1, 2)
    """
    d = cell.dim
    verts = [_positive(v) for v in cell.verts]
    everything = (1 << len(verts)) - 1
    on = [sum(1 << i for i, t in enumerate(cell.tight) if t >> k & 1) for k in range(len(cell.cons))]
    dims: dict[int, int] = {}

    def dim(mask: int) -> int:
        if mask not in dims:
            dims[mask] = rank_of([verts[i] for i in range(len(verts)) if mask >> i & 1]) - 1
        return dims[mask]

    if dim(everything) < d:
        return Fraction(0)
    total = Fraction(0)
    stack: list[tuple[int, int, tuple[int, ...]]] = [(everything, d, ())]  # face, its dimension, apexes so far
    while stack:
        face, m, apex = stack.pop()
        lowest = (face & -face).bit_length() - 1
        if m == 0:  # a simplex: |det| of its homogeneous vertices is d! volume times their w0
            simplex = [verts[i] for i in apex + (lowest,)]
            weights = 1
            for v in simplex:
                weights *= v[0]
            total += Fraction(abs(int(fmpz_mat([list(v) for v in simplex]).det())), factorial(d) * weights)
            continue
        for sub in {face & mask for mask in on}:
            if sub != face and not (sub >> lowest) & 1 and dim(sub) == m - 1:
                stack.append((sub, m - 1, apex + (lowest,)))
    return total


# ----------------------------------------------------------------------------- comparing two networks
@dataclass(frozen=True)
class MapChange:
    """A cell of the common refinement (region ``first`` of ``a``, ``second`` of ``b``; ``point``
    strictly inside) on which the two affine maps differ.  ``max_difference[o]`` is the exact
    maximum of ``|f_a(x)_o - f_b(x)_o|`` over the closed cell, reached at ``at[o]``."""

    first: int
    second: int
    point: tuple[Fraction, ...]
    max_difference: tuple[Fraction, ...]
    at: tuple[tuple[Fraction, ...], ...]


@dataclass(frozen=True)
class DecisionChange:
    """The part of a cell where ``a`` decides ``class_a`` and ``b`` decides ``class_b`` (None: the
    top outputs tie there, no class wins), the two differing.  ``witness`` lies strictly inside it;
    ``volume`` is its exact volume (None above ``DD_MAX_DIM`` inputs, where cells have no vertices)."""

    first: int
    second: int
    class_a: int | None
    class_b: int | None
    witness: tuple[Fraction, ...]
    volume: Fraction | None


@dataclass(frozen=True)
class Comparison:
    """Two networks compared on one domain (see :func:`compare`).

    ``pieces``: the common refinement; ``only_a`` / ``only_b``: regions of one partition whose cell
    is not a cell of the other; ``map_changes``: the cells where the maps differ;
    ``decision_changes``: the parts of cells where the decisions differ; ``domain_volume``: exact
    (None above ``DD_MAX_DIM`` inputs)."""

    a: Partition
    b: Partition
    pieces: tuple[Piece, ...]
    only_a: tuple[int, ...]
    only_b: tuple[int, ...]
    map_changes: tuple[MapChange, ...]
    decision_changes: tuple[DecisionChange, ...]
    domain_volume: Fraction | None

    @property
    def same_function(self) -> bool:
        """The two networks are one function on the domain: equal maps on every cell."""
        return not self.map_changes

    @property
    def max_difference(self) -> tuple[Fraction, ...]:
        """Per output, the exact maximum of ``|f_a - f_b|`` over the domain."""
        n = self.a.network.n_outputs
        return tuple(max((c.max_difference[o] for c in self.map_changes), default=Fraction(0)) for o in range(n))

    @property
    def changed_volume(self) -> Fraction | None:
        """The exact volume of the set where the decisions differ (None without vertices)."""
        if self.domain_volume is None:
            return None
        return sum((c.volume or Fraction(0) for c in self.decision_changes), Fraction(0))

    @property
    def changed_fraction(self) -> Fraction | None:
        """:attr:`changed_volume` as a fraction of the domain's volume."""
        changed = self.changed_volume
        return None if changed is None or self.domain_volume is None else changed / self.domain_volume

    def summary(self) -> dict:
        fraction = self.changed_fraction
        return {
            "same_function": self.same_function,
            "regions_a": len(self.a.regions),
            "regions_b": len(self.b.regions),
            "cells": len(self.pieces),
            "only_a": len(self.only_a),
            "only_b": len(self.only_b),
            "map_changes": len(self.map_changes),
            "decision_changes": len(self.decision_changes),
            "changed_fraction": None if fraction is None else format_rational(fraction),
        }

    def to_json(self) -> dict:
        """The diff JSON of docs/formats.md (every rational a string)."""

        def point(x: Sequence[Fraction]) -> list[str]:
            return [format_rational(v) for v in x]

        def maybe(v: Fraction | None) -> str | None:
            return None if v is None else format_rational(v)

        net_a, net_b = self.a.network, self.b.network
        return {
            "format": "exactrelu-diff",
            "version": 1,
            "domain": self.a.domain.to_json(),
            "input_names": list(net_a.input_names),
            "output_names": list(net_a.output_names),
            "networks": [
                {"source": net.source, "reading": net.reading, "hidden_widths": list(net.hidden_widths)}
                for net in (net_a, net_b)
            ],
            "same_function": self.same_function,
            "cells": [[p.first, p.second] for p in self.pieces],
            "only_a": [{"region": i, "pattern": [list(r) for r in self.a.regions[i].pattern]} for i in self.only_a],
            "only_b": [{"region": j, "pattern": [list(r) for r in self.b.regions[j].pattern]} for j in self.only_b],
            "map_changes": [
                {
                    "regions": [c.first, c.second],
                    "point": point(c.point),
                    "max_difference": point(c.max_difference),
                    "at": [point(x) for x in c.at],
                }
                for c in self.map_changes
            ],
            "max_difference": point(self.max_difference),
            "decision_changes": [
                {
                    "regions": [c.first, c.second],
                    "class_a": c.class_a,
                    "class_b": c.class_b,
                    "witness": point(c.witness),
                    "volume": maybe(c.volume),
                }
                for c in self.decision_changes
            ],
            "domain_volume": maybe(self.domain_volume),
            "changed_volume": maybe(self.changed_volume),
            "changed_fraction": maybe(self.changed_fraction),
            "summary": self.summary(),
        }


def _difference(
    ra: Region, rb: Region, piece: Piece, cell: Cell | None, solver: LPSolver
) -> tuple[list[Fraction], list[tuple[Fraction, ...]]]:
    """Per output, the exact maximum of ``|f_a - f_b|`` over the cell and a point reaching it."""
    rows_a, den_a = integer_map(ra)
    rows_b, den_b = integer_map(rb)
    scale = den_a * den_b
    best: list[Fraction] = []
    at: list[tuple[Fraction, ...]] = []
    for o in range(len(rows_a)):
        diff = tuple(u * den_b - v * den_a for u, v in zip(rows_a[o], rows_b[o]))  # (f_a - f_b) scale
        top, where = Fraction(0), piece.point
        if not any(diff):
            pass
        elif cell is not None:  # the maximum of |affine| over a polytope is at a vertex
            for v in cell.verts:
                h = _positive(v)
                value = Fraction(abs(dot(diff, h)), scale * h[0])
                if value > top:
                    top, where = value, dehomogenize(h)
        else:
            weak = facet_rows(ra) + facet_rows(rb)
            for sign in (1, -1):
                opt = solver.minimize(weak, tuple(Fraction(-sign * c, scale) for c in diff))
                if opt.status is not Status.OPTIMAL or opt.value is None or opt.point is None:
                    raise InternalError(f"the maximum over a bounded cell was not found ({opt.status.value})")
                if -opt.value > top:
                    top, where = -opt.value, opt.point
        best.append(top)
        at.append(where)
    return best, at


def _decision_groups(region: Region) -> list[tuple[int | None, list[IntRow]]]:
    """The region's decisions on full-dimensional sets: for each group of outputs with identical
    maps, its class (None for a group of two or more: they tie, no class wins) and the rows
    ``f_g - f_j`` (``j`` outside the group), all ``> 0`` exactly where the group is on top."""
    rows, _ = integer_map(region)
    groups: dict[IntRow, list[int]] = {}
    for o, row in enumerate(rows):
        groups.setdefault(tuple(row), []).append(o)
    out = []
    for row, members in groups.items():
        others = [tuple(u - v for u, v in zip(row, rows[j])) for j in range(len(rows)) if j not in members]
        out.append((members[0] if len(members) == 1 else None, others))
    return out


def _decision_changes(
    ra: Region, rb: Region, piece: Piece, cell: Cell | None, solver: LPSolver
) -> list[DecisionChange]:
    """The parts of one cell where the two decisions differ: one per pair of decisions, disjoint up
    to volume zero (each is open: strict inequalities between distinct affine functions)."""
    changes = []
    weak = facet_rows(ra) + facet_rows(rb)
    for class_a, rows_a in _decision_groups(ra):
        for class_b, rows_b in _decision_groups(rb):
            if class_a == class_b:
                continue
            strict = rows_a + rows_b
            volume: Fraction | None = None
            if cell is not None:
                part = clip_cell(cell, strict)
                witness = None if part is None else strictly_inside(part, strict)
                if witness is not None:
                    assert part is not None
                    volume = polytope_volume(part)
            else:
                witness = feasible_point(solver, weak, strict)
            if witness is not None:
                changes.append(DecisionChange(piece.first, piece.second, class_a, class_b, witness, volume))
    return changes


def compare(net_a: Any, net_b: Any, domain: DomainLike = None) -> Comparison:
    """Compare two networks on one domain, exactly.

    ``net_a``, ``net_b``: anything :func:`~exactrelu.partition.partition` takes (a path, a
    :class:`~exactrelu.network.Network`, an ONNX model, a torch module); ``domain``: a
    :class:`Domain`, a box as ``(lo, hi)`` pairs, or None for ``a``'s own default box.  The two
    must have as many inputs and as many outputs.  Returns a :class:`Comparison`.

    A network with a dead neuron removed is the same function (``y1 = relu(x1 - x2)``, ``y2 = 1/4``):

    >>> from exactrelu import Network
    >>> a = Network.from_layers([([[1, -1], [0, 0]], [0, 0]), ([[1, 5], [0, 0]], [0, "1/4"])])
    >>> b = Network.from_layers([([[1, -1]], [0]), ([[1], [0]], [0, "1/4"])])
    >>> compare(a, b, [(0, 1), (0, 1)]).same_function
    True

    Raising ``y2`` to 1/2 moves the decision boundary from ``x1 - x2 = 1/4`` to ``x1 - x2 = 1/2``:
    class 1 now wins on a strip of area ``9/32 - 1/8 = 5/32`` where class 0 won:

    >>> c = compare(a, Network.from_layers([([[1, -1]], [0]), ([[1], [0]], [0, "1/2"])]), [(0, 1), (0, 1)])
    >>> c.same_function, c.max_difference, c.changed_fraction
    (False, (Fraction(0, 1), Fraction(1, 4)), Fraction(5, 32))
    >>> [(d.class_a, d.class_b, d.volume) for d in c.decision_changes]
    [(0, 1, Fraction(5, 32))]
    """
    a, b = load(net_a), load(net_b)
    for what, n_a, n_b in (("inputs", a.n_inputs, b.n_inputs), ("outputs", a.n_outputs, b.n_outputs)):
        if n_a != n_b:
            raise InvalidArgument(f"network a has {n_a} {what} and network b has {n_b}: they cannot be compared")
    dom = as_domain(domain, a)
    return compare_partitions(partition(a, dom), partition(b, dom))


def compare_partitions(a: Partition, b: Partition) -> Comparison:
    """:func:`compare` on two partitions of one domain."""
    if not (a.complete and b.complete):
        raise Interrupted("a partition is incomplete (interrupted): the comparison needs every region")
    net_a, net_b = a.network, b.network
    if net_a.n_outputs != net_b.n_outputs:
        raise InvalidArgument(f"network a has {net_a.n_outputs} outputs and network b has {net_b.n_outputs}")
    if a.domain != b.domain:
        raise InvalidArgument("the two partitions are of different domains")
    solver = LPSolver()
    refined = refine(a, b, solver)
    pieces = tuple(piece for piece, _ in refined)
    count_a = np.bincount([p.first for p in pieces], minlength=len(a.regions))
    count_b = np.bincount([p.second for p in pieces], minlength=len(b.regions))
    shared = [p for p in pieces if count_a[p.first] == 1 and count_b[p.second] == 1]
    only_a = tuple(sorted(set(range(len(a.regions))) - {p.first for p in shared}))
    only_b = tuple(sorted(set(range(len(b.regions))) - {p.second for p in shared}))
    map_changes: list[MapChange] = []
    decision_changes: list[DecisionChange] = []
    for piece, cell in refined:
        ra, rb = a.regions[piece.first], b.regions[piece.second]
        if same_map(ra, rb):
            continue
        best, at = _difference(ra, rb, piece, cell, solver)
        map_changes.append(MapChange(piece.first, piece.second, piece.point, tuple(best), tuple(at)))
        decision_changes += _decision_changes(ra, rb, piece, cell, solver)
    volume = polytope_volume(a.domain.cell()) if refined and all(cell is not None for _, cell in refined) else None
    return Comparison(a, b, pieces, only_a, only_b, tuple(map_changes), tuple(decision_changes), volume)

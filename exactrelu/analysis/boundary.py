"""Decision boundaries, exactly: where the network's argmax changes, piece by piece.

The class at ``x`` is the argmax of the outputs.  For ``m >= 2`` outputs the decision boundary in a
region ``R`` is made of the **pieces** ``{x in R : f_k(x) = f_l(x) >= f_j(x) for every j}``,
``k < l``, of dimension ``d - 1``; for one output it is the zero level set ``{x in R : f(x) = 0}``
(classes reported as ``(0,)``).  Where ``f_k - f_l`` is the zero function on a region (one output:
``f`` itself), the region is a **tie** for that pair: a full-dimensional tie, not a piece.

Every decision is exact.  On a region with vertices (the vertex engine) the piece is the region's
double-description cell cut by ``g = f_k - f_l >= 0`` and ``-g >= 0`` (its slice on ``g = 0``) and
clipped by ``f_k - f_j >= 0``; it is ``(d-1)``-dimensional iff its vertices have homogeneous rank
``d``, and a constraint bounds it iff the slice's vertices on it have rank ``d - 1``.  Without
vertices (the LP engine) :func:`relative_interior` decides the same with exactly certified LPs.

A piece lying on a facet of its region lies on the facet shared with the region across it, where
both regions would find it: it is reported **once**, by the region on the positive side of the
facet's hyperplane in canonical orientation (first nonzero normal entry positive; see
:func:`~exactrelu.geometry.exact.hyperplane_key`), or by its region when the facet is on the domain's
boundary.  Where the region across is a tie for the pair (and so reports no piece), the region on
the negative side reports the part of the piece that borders it.

Pieces whose closures meet in a set of dimension at least ``d - 2`` are **joined** (for ``d = 2``:
they share a point), each join with a rational point in the relative interior of the common set;
the connected components of the boundary are the components of this graph.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import chain, combinations
from typing import TYPE_CHECKING

from flint import fmpq, fmpq_mat

from ..errors import InternalError
from ..geometry.cell import Cell
from ..geometry.exact import dehomogenize, homogeneous, hyperplane_key, mean_point, primitive, rank_of, set_bits
from ..geometry.lp import LPSolver, Status, chebyshev_rows
from ..geometry.predicates import float_points
from ..rational import format_rational
from ..region import Adjacency, Region

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "Bound",
    "BoundaryPiece",
    "Tie",
    "Join",
    "Boundary",
    "decision_boundary",
    "cell_dimension",
    "class_pairs",
    "difference_row",
    "region_cell",
    "relative_interior",
    "witness_point",
]

_HYPER = ("hyperplane",)


@dataclass(frozen=True, slots=True)
class Bound:
    """An irredundant bounding constraint of a piece: ``row . (1, x) >= 0`` on the piece and ``= 0``
    on one of its ``(d-2)``-dimensional faces.  ``sources`` are every constraint that cuts the
    piece's hyperplane in this same face: ``("facet", i)`` (facet ``i`` of the piece's region),
    ``("class", j)`` (``f_k - f_j >= 0``) or ``("neighbour", n, i)`` (facet ``i`` of region ``n``,
    for a piece cut to the part that borders a tie region ``n``); ``row`` is the first of them."""

    row: tuple[int, ...]
    sources: tuple[tuple, ...]


@dataclass(frozen=True, slots=True)
class BoundaryPiece:
    """A ``(d-1)``-dimensional piece of the decision boundary inside region ``region``.

    ``hyperplane`` is the primitive integer row ``(b, a_1, ..., a_d)`` of ``f_k - f_l`` (one
    output: of ``f``), so ``b + a . x >= 0`` where class ``k`` beats class ``l``; the piece is
    ``{hyperplane . (1, x) = 0, bound.row . (1, x) >= 0 for every bound}``.  ``point`` lies on the
    hyperplane and strictly inside every bound.  ``facet`` is the index of the region's facet the
    piece lies on (``on_facet``), else None.  ``vertices_h`` are its exact homogeneous vertices
    (empty for regions without vertices)."""

    region: int
    classes: tuple[int, ...]
    hyperplane: tuple[int, ...]
    bounds: tuple[Bound, ...]
    point: tuple[Fraction, ...]
    facet: int | None
    vertices_h: tuple[tuple[int, ...], ...] = ()

    @property
    def on_facet(self) -> bool:
        return self.facet is not None

    def to_json(self) -> dict:
        return {
            "region": self.region,
            "classes": list(self.classes),
            "hyperplane": [format_rational(a) for a in self.hyperplane],
            "bounds": [
                {"row": [format_rational(a) for a in b.row], "sources": [list(s) for s in b.sources]}
                for b in self.bounds
            ],
            "point": [format_rational(v) for v in self.point],
            "on_facet": self.on_facet,
            "facet": self.facet,
        }


@dataclass(frozen=True, slots=True)
class Tie:
    """Outputs ``classes`` coincide identically on region ``region`` (one output: ``f = 0`` there).

    ``on_top`` says whether the tied classes are on top (``>= every other output``) on a
    full-dimensional part of the region; ``point`` is then a point strictly inside that part."""

    region: int
    classes: tuple[int, ...]
    on_top: bool
    point: tuple[Fraction, ...] | None

    def to_json(self) -> dict:
        return {
            "region": self.region,
            "classes": list(self.classes),
            "on_top": self.on_top,
            "point": None if self.point is None else [format_rational(v) for v in self.point],
        }


@dataclass(frozen=True, slots=True)
class Join:
    """Pieces ``first < second`` (indices into :attr:`Boundary.pieces`) meet in a set of dimension
    ``dim >= d - 2``; ``point`` lies on both pieces, in the relative interior of their common set
    (for ``d = 2``: a common point)."""

    first: int
    second: int
    dim: int
    point: tuple[Fraction, ...]

    def to_json(self) -> dict:
        return {
            "pieces": [self.first, self.second],
            "dim": self.dim,
            "point": [format_rational(v) for v in self.point],
        }


@dataclass(frozen=True, slots=True)
class Boundary:
    """The decision boundary of a partition: pieces, ties, joins and connected components.

    ``component[i]`` is the connected component of piece ``i`` (numbered by first piece)."""

    dim: int
    outputs: int
    pieces: tuple[BoundaryPiece, ...]
    ties: tuple[Tie, ...]
    joins: tuple[Join, ...]
    component: tuple[int, ...]

    @property
    def components(self) -> int:
        """Number of connected components of the boundary (pieces joined by :class:`Join`)."""
        return len(set(self.component))

    def counts(self) -> dict[tuple[int, ...], int]:
        """Pieces per class pair (one output: ``{(0,): n}``), in class order."""
        out: dict[tuple[int, ...], int] = {}
        for p in sorted(self.pieces, key=lambda p: p.classes):
            out[p.classes] = out.get(p.classes, 0) + 1
        return out

    def graph(self) -> nx.Graph:
        """Pieces as nodes (attribute ``piece``), joins as edges (attribute ``join``)."""
        import networkx as nx  # deferred: networkx takes 0.09 s to import and most runs never use it

        g = nx.Graph()
        for i, piece in enumerate(self.pieces):
            g.add_node(i, piece=piece)
        for j in self.joins:
            g.add_edge(j.first, j.second, join=j)
        return g

    def summary(self) -> dict:
        return {
            "pieces": len(self.pieces),
            "per_pair": [{"classes": list(c), "pieces": n} for c, n in self.counts().items()],
            "ties": len(self.ties),
            "joins": len(self.joins),
            "components": self.components,
        }

    def to_json(self) -> dict:
        """JSON-ready dict: every rational and integer row entry a string, indices integers."""
        return {
            "dim": self.dim,
            "outputs": self.outputs,
            "pieces": [p.to_json() for p in self.pieces],
            "ties": [t.to_json() for t in self.ties],
            "joins": [j.to_json() for j in self.joins],
            "component": list(self.component),
            "summary": self.summary(),
        }


# ---------------------------------------------------------------------- small exact helpers
def class_pairs(n_outputs: int) -> list[tuple[int, ...]]:
    """The class pairs whose boundaries are sought: ``(k, l)``, ``k < l``, or ``[(0,)]`` for one
    output (its zero level set).

    >>> from exactrelu import EXAMPLE
    >>> class_pairs(EXAMPLE.n_outputs), class_pairs(1)
    ([(0, 1)], [(0,)])
    """
    if n_outputs == 1:
        return [(0,)]
    return list(combinations(range(n_outputs), 2))


def difference_row(region: Region, classes: Sequence[int]) -> tuple[int, ...]:
    """The integer row of ``map_den * (f_k - f_l)`` on the region (one class: ``map_den * f_k``);
    its sign at ``(1, x)`` is the sign of ``f_k(x) - f_l(x)``.

    >>> from exactrelu import EXAMPLE, partition
    >>> r = partition(EXAMPLE).regions[3]   # P = -X + 3Y - 1, Q = X + 3Y - 9/4
    >>> difference_row(r, (0, 1)), r.map_den    # P - Q = 5/4 - 2X
    ((5, -8, 0), 4)
    """
    first = region.map_rows[classes[0]]
    if len(classes) == 1:
        return tuple(first)
    second = region.map_rows[classes[1]]
    return tuple(a - b for a, b in zip(first, second))


def region_cell(region: Region) -> Cell:
    """The region as a double-description :class:`~exactrelu.geometry.cell.Cell` (constraint
    ``i`` is facet ``i``, labelled ``("facet", i)``); needs the region's vertices.

    >>> from exactrelu import EXAMPLE, partition
    >>> cell = region_cell(partition(EXAMPLE).regions[0])
    >>> len(cell.cons), len(cell.verts), cell.affine_dimension()
    (3, 3, 2)
    """
    verts = list(region.vertices_h)
    if not verts:
        raise InternalError("region_cell needs the region's vertices (vertex engine)")
    tight = [0] * len(verts)
    for k, facet in enumerate(region.facets):
        on = facet.vertex_indices or [i for i, v in enumerate(verts) if sum(a * b for a, b in zip(facet.row, v)) == 0]
        for i in on:
            tight[i] |= 1 << k
    labels = [("facet", k) for k in range(len(region.facets))]
    return Cell(region.dim, [tuple(f.row) for f in region.facets], labels, verts, float_points(verts), tight)


def _negated(row: Sequence[int]) -> tuple[int, ...]:
    return tuple(-a for a in row)


def _restricted_key(row: Sequence[int], g: Sequence[int]) -> tuple[int, ...]:
    """A canonical primitive row equal on the hyperplane ``g = 0`` to a positive multiple of
    ``row`` (``row`` with ``g``'s pivot coordinate eliminated): equal keys mean the same
    half-space within the hyperplane."""
    p = next(i for i in range(1, len(g)) if g[i])
    scale, sign = abs(g[p]), (1 if g[p] > 0 else -1)
    return primitive([scale * a - sign * row[p] * b for a, b in zip(row, g)])


def _everywhere(cell: Cell) -> list[int]:
    """Constraints tight at every vertex: the cell's implicit equalities."""
    common = -1
    for t in cell.tight:
        common &= t
    return set_bits(common) if cell.tight else []


def cell_dimension(cell: Cell) -> int:
    """Exact dimension of a cell (-1 when empty): ``d`` minus the rank of its implicit equalities
    (the constraints tight at every vertex; a polytope ``{x : rows >= 0}`` spans the flat they cut
    out), computed on one row per distinct hyperplane.

    >>> from exactrelu import EXAMPLE, partition
    >>> cell = region_cell(partition(EXAMPLE).regions[0])
    >>> cell_dimension(cell), cell_dimension(cell.clip((-1, 2, 0), "x >= 1/2").clip((1, -2, 0), "x <= 1/2"))
    (2, 1)
    """
    if not cell.verts:
        return -1
    rows = {hyperplane_key(cell.cons[k])[0] for k in _everywhere(cell)}
    if len(rows) <= 1:
        return cell.dim - len(rows)
    return cell.dim - rank_of([r[1:] for r in rows])


def witness_point(cell: Cell) -> tuple[Fraction, ...]:
    """A short rational point in the relative interior of a nonempty cell: on every constraint
    tight at all its vertices (its implicit equalities), strictly inside every other constraint.

    Floats only propose: the vertex mean in floats is rounded (small denominators first, then
    dyadic), the coordinates the implicit equalities fix are solved exactly, and the candidate is
    accepted by the exact test; the exact mean of the vertices is the fallback.

    >>> from exactrelu import EXAMPLE, partition
    >>> cell = region_cell(partition(EXAMPLE).regions[0])
    >>> witness_point(cell), witness_point(cell.clip((-1, 2, 0), "x >= 1/2").clip((1, -2, 0), "x <= 1/2"))
    ((Fraction(1, 2), Fraction(1, 4)), (Fraction(1, 2), Fraction(1, 4)))
    """
    n = len(cell.verts)
    everywhere = _everywhere(cell)
    skip = set(everywhere)
    others = [cell.cons[k] for k in range(len(cell.cons)) if k not in skip]
    d = cell.dim
    pivots: list[tuple[int, list]] = []
    if everywhere:
        reduced, rank = fmpq_mat([list(cell.cons[k][1:]) + [cell.cons[k][0]] for k in everywhere]).rref()
        for i in range(rank):
            p = next(c for c in range(d) if reduced[i, c] != 0)
            pivots.append((p, [reduced[i, c] for c in range(d + 1)]))
    fixed = {p for p, _ in pivots}
    guess = [float(v) for v in cell.vf.sum(axis=0)[1:] / n]

    def candidate(free: list[Fraction]) -> tuple[Fraction, ...] | None:
        x = list(free)
        for p, row in pivots:
            value = -row[d] - sum(
                (row[c] * fmpq(x[c].numerator, x[c].denominator) for c in range(d) if c not in fixed), fmpq(0)
            )
            x[p] = Fraction(int(value.p), int(value.q))
        point = tuple(x)
        h = homogeneous(point)
        if all(sum(a * b for a, b in zip(row, h)) > 0 for row in others):
            return point
        return None

    if all(math.isfinite(c) for c in guess):
        spans = cell.vf.max(axis=0)[1:] - cell.vf.min(axis=0)[1:]
        width = min((float(spans[c]) for c in range(d) if c not in fixed), default=1.0)
        tries = chain(  # made one at a time: the first is usually accepted
            ([Fraction(c).limit_denominator(q) for c in guess] for q in (4, 12, 100, 10**4) if width * q >= 1),
            (
                [Fraction(round(c * 2**bits), 2**bits) for c in guess]
                for bits in (24, 40, 56, 80)
                if width * 2**bits >= 8 or bits == 80
            ),
        )
        for free in tries:
            found = candidate(free)
            if found is not None:
                return found
    return dehomogenize(mean_point(cell.verts))


def relative_interior(
    ineqs: Sequence[Sequence[int]],
    eqs: Sequence[Sequence[int]],
    solver: LPSolver,
) -> tuple[int, tuple[Fraction, ...] | None]:
    """Exact dimension of ``{x : ineqs . (1, x) >= 0, eqs . (1, x) = 0}`` (-1 when empty) and a
    rational point of its relative interior (strictly inside every inequality that is not an
    implicit equality).

    Each step solves ``max t`` subject to the equalities and ``row >= t * max|gradient|``
    (``t <= 1``) exactly; at an optimum ``t = 0`` every inequality with a positive dual multiplier
    vanishes on the whole set (LP duality) and becomes an equality.  The set must be bounded (the
    inequalities and equalities together bound it).

    >>> from exactrelu.geometry.lp import LPSolver
    >>> square = [(0, 1, 0), (0, 0, 1), (1, -1, 0), (1, 0, -1)]      # 0 <= x, y <= 1
    >>> relative_interior(square, [(-1, 1, 1)], LPSolver())        # its diagonal x + y = 1
    (1, (Fraction(1, 2), Fraction(1, 2)))
    >>> relative_interior(square + [(-2, 1, 1)], [], LPSolver())[0]  # x + y >= 2: one point
    0
    """
    d = len((list(ineqs) + list(eqs))[0]) - 1
    live = [tuple(r) for r in ineqs]
    equal = [tuple(e) for e in eqs]
    while True:
        rows = []
        for r in live:
            if any(r[1:]):
                rows.append(r)
            elif r[0] < 0:
                return -1, None
        live = rows
        for e in equal:
            if not any(e[1:]) and e[0] != 0:
                return -1, None
        equal = [e for e in equal if any(e[1:])]
        rank = rank_of([e[1:] for e in equal])
        if not live:
            return _solve_flat(equal, d, rank)
        ext = chebyshev_rows(live)
        opt = solver.minimize(ext, (0,) * (d + 1) + (-1,), [e + (0,) for e in equal])
        if opt.status is not Status.OPTIMAL or opt.value is None or opt.point is None:
            return -1, None
        if opt.value < 0:
            return d - rank, opt.point[:d]
        if opt.value > 0:
            return -1, None
        moved = {i for i, y in zip(opt.basis, opt.multipliers) if i < len(live) and y > 0}
        if not moved:
            raise InternalError("relative_interior: no implicit equality at t = 0")
        equal += [live[i] for i in sorted(moved)]
        live = [r for i, r in enumerate(live) if i not in moved]


def _solve_flat(equal: list[tuple[int, ...]], d: int, rank: int) -> tuple[int, tuple[Fraction, ...] | None]:
    """The point of a zero-dimensional flat (the only bounded flat), or -1 if inconsistent."""
    if rank < d:
        raise InternalError("relative_interior: unbounded set")
    chosen: list[tuple[int, ...]] = []
    for e in equal:
        if rank_of([c[1:] for c in chosen + [e]]) > len(chosen):
            chosen.append(e)
        if len(chosen) == d:
            break
    M = fmpq_mat([[fmpq(a) for a in e[1:]] for e in chosen])
    x = M.solve(fmpq_mat([[fmpq(-e[0])] for e in chosen])).entries()
    point = tuple(Fraction(int(v.p), int(v.q)) for v in x)
    for e in equal:
        if e[0] + sum(a * v for a, v in zip(e[1:], point)) != 0:
            return -1, None
    return 0, point


# ---------------------------------------------------------------------- one region
@dataclass(slots=True)
class _Raw:
    """A piece before on-facet deduplication: the slice cell (vertex path) or the constraint list
    (LP path) it was cut from."""

    region: int
    classes: tuple[int, ...]
    g: tuple[int, ...]
    facet: int | None
    cell: Cell | None
    rows: list[tuple[int, ...]]
    labels: list[tuple]
    point: tuple[Fraction, ...] | None = None


def _competition(region: Region, classes: tuple[int, ...], m: int) -> list[tuple[tuple, tuple[int, ...]]] | None:
    """``("class", j)`` with the primitive row of ``f_k - f_j >= 0`` for every competitor ``j``;
    trivially true ones left out; None if one is a negative constant (no piece)."""
    if len(classes) == 1:
        return []
    k = classes[0]
    out = []
    for j in range(m):
        if j in classes:
            continue
        row = difference_row(region, (k, j))
        if not any(row[1:]):
            if row[0] < 0:
                return None
            continue
        out.append((("class", j), primitive(row)))
    return out


def _slice_dd(cell: Cell, g: tuple[int, ...], signs, comps) -> Cell | None:
    """The cell cut to ``g = 0`` and the competition half-spaces; None once empty."""
    c = cell.clip(g, _HYPER, signs)
    c = c.clip(_negated(g), _HYPER)
    for label, row in comps:
        if not c.verts:
            return None
        c = c.clip(row, label)
    return c if c.verts else None


def _on_facet(region: Region, g: tuple[int, ...]) -> int | None:
    key = hyperplane_key(g)[0]
    for i, f in enumerate(region.facets):
        if hyperplane_key(f.row)[0] == key:
            return i
    return None


def _hopeless(pairs, signs, classes: tuple[int, ...], s, m: int) -> bool:
    """True when the vertex signs alone prove the piece empty: on the slice ``f_k = f_l``, at a
    point between vertices ``u`` (``g(u) >= 0``) and ``w`` (``g(w) <= 0``), ``f_k - f_j`` is at
    most ``max((f_k - f_j)(u), (f_l - f_j)(w))``; if that is negative at every such vertex for
    some competitor ``j``, no point of the slice has ``f_k >= f_j``."""
    if len(classes) == 1:
        return False
    k, other = classes
    up, down = s >= 0, s <= 0
    for j in range(m):
        if j in classes:
            continue
        a = signs[pairs.index((min(k, j), max(k, j)))] * (1 if k < j else -1)
        b = signs[pairs.index((min(other, j), max(other, j)))] * (1 if other < j else -1)
        if not ((a >= 0) & up).any() and not ((b >= 0) & down).any():
            return True
    return False


def _region_pieces(index: int, region: Region, m: int, solver_box: list, ties: list[Tie]) -> list[_Raw]:
    """The raw pieces of one region (and its ties, appended to ``ties``)."""
    d = region.dim
    pairs = class_pairs(m)
    forms = [difference_row(region, c) for c in pairs]
    cell = region_cell(region) if region.vertices_h else None
    signs = cell.signs(forms) if cell is not None else None
    out: list[_Raw] = []
    for idx, classes in enumerate(pairs):
        g = forms[idx]
        if not any(g):
            ties.append(_tie(index, region, classes, cell, _competition(region, classes, m), solver_box))
            continue
        if not any(g[1:]):
            continue
        if cell is not None and signs is not None:
            s = signs[idx]
            if (s > 0).all() or (s < 0).all() or _hopeless(pairs, signs, classes, s, m):
                continue
        comps = _competition(region, classes, m)
        if comps is None:
            continue
        g = primitive(g)
        facet = _on_facet(region, g)
        if cell is not None and signs is not None:
            sliced = _slice_dd(cell, g, signs[idx], comps)
            if sliced is None or cell_dimension(sliced) != d - 1:
                continue
            out.append(_Raw(index, classes, g, facet, sliced, [], []))
        else:
            rows = [tuple(f.row) for f in region.facets]
            labels: list[tuple] = [("facet", i) for i in range(len(rows))]
            rows += [row for _, row in comps]
            labels += [label for label, _ in comps]
            dim, point = relative_interior(rows, [g], _solver(solver_box))
            if dim != d - 1:
                continue
            out.append(_Raw(index, classes, g, facet, None, rows, labels, point))
    return out


def _solver(box: list) -> LPSolver:
    if not box:
        box.append(LPSolver())
    return box[0]


def _tie(index: int, region: Region, classes, cell: Cell | None, comps, solver_box: list) -> Tie:
    """A tie, with whether the tied classes are on top on a full-dimensional part."""
    if comps is None:
        return Tie(index, classes, False, None)
    if not comps:
        return Tie(index, classes, True, tuple(region.point))
    if cell is not None:
        c: Cell | None = cell
        for label, row in comps:
            assert c is not None
            c = c.clip(row, label)
            if not c.verts:
                c = None
                break
        if c is not None and cell_dimension(c) == region.dim:
            return Tie(index, classes, True, witness_point(c))
        return Tie(index, classes, False, None)
    rows = [tuple(f.row) for f in region.facets] + [row for _, row in comps]
    dim, point = relative_interior(rows, [], _solver(solver_box))
    return Tie(index, classes, dim == region.dim, point if dim == region.dim else None)


# ---------------------------------------------------------------------- on-facet pieces: once
def _keep_on_facet(raw: _Raw, regions: Sequence[Region], solver_box: list) -> list[_Raw]:
    """The on-facet piece itself if this region reports it, the parts bordering tie regions
    across the facet if those report nothing, or nothing."""
    region = regions[raw.region]
    assert raw.facet is not None
    facet = region.facets[raw.facet]
    if not facet.neighbours or hyperplane_key(facet.row)[1] > 0:
        return [raw]
    key = hyperplane_key(facet.row)[0]
    parts = []
    d = region.dim
    for n in facet.neighbours:
        if any(difference_row(regions[n], raw.classes)):
            continue  # the region across reports this part itself
        extra = [
            (("neighbour", n, i), tuple(f.row))
            for i, f in enumerate(regions[n].facets)
            if hyperplane_key(f.row)[0] != key
        ]
        if raw.cell is not None:
            c: Cell | None = raw.cell
            for label, row in extra:
                assert c is not None
                c = c.clip(row, label)
                if not c.verts:
                    c = None
                    break
            if c is not None and cell_dimension(c) == d - 1:
                parts.append(_Raw(raw.region, raw.classes, raw.g, raw.facet, c, [], []))
        else:
            rows = raw.rows + [row for _, row in extra]
            labels = raw.labels + [label for label, _ in extra]
            dim, point = relative_interior(rows, [raw.g], _solver(solver_box))
            if dim == d - 1:
                parts.append(_Raw(raw.region, raw.classes, raw.g, raw.facet, None, rows, labels, point))
    return parts


# ---------------------------------------------------------------------- finishing a piece
def _bounds_dd(cell: Cell, g: tuple[int, ...], d: int) -> list[Bound]:
    """Irredundant bounds of a ``(d-1)``-dimensional slice: constraints (merged when equal on the
    hyperplane) whose vertices on it have homogeneous rank ``d - 1``."""
    if d < 2:
        return []
    n = len(cell.verts)
    groups: dict[tuple[int, ...], list[int]] = {}
    for k, label in enumerate(cell.labels):
        if label == _HYPER:
            continue
        bit = 1 << k
        count = sum(1 for t in cell.tight if t & bit)
        if count == n or count < d - 1:
            continue
        groups.setdefault(_restricted_key(cell.cons[k], g), []).append(k)
    out = []
    for members in groups.values():
        bit = 1 << members[0]
        on = [v for v, t in zip(cell.verts, cell.tight) if t & bit]
        if d == 2 or rank_of(on) == d - 1:
            out.append(Bound(cell.cons[members[0]], tuple(cell.labels[k] for k in members)))
    return out


def _bounds_lp(raw: _Raw, d: int, solver: LPSolver) -> list[Bound]:
    """Irredundant bounds by exact LPs: a group of constraints (equal on the hyperplane) bounds
    the piece iff the piece's part on it is ``(d-2)``-dimensional."""
    if d < 2:
        return []
    key = hyperplane_key(raw.g)[0]
    groups: dict[tuple[int, ...], list[int]] = {}
    for k, row in enumerate(raw.rows):
        if not any(row[1:]) or hyperplane_key(row)[0] == key:
            continue
        restricted = _restricted_key(row, raw.g)
        if not any(restricted[1:]):
            continue  # constant on the hyperplane (positive there: the piece exists)
        groups.setdefault(restricted, []).append(k)
    out = []
    for members in groups.values():
        others = [r for k, r in enumerate(raw.rows) if k not in members]
        dim, _ = relative_interior(others, [raw.g, raw.rows[members[0]]], solver)
        if dim == d - 2:
            out.append(Bound(raw.rows[members[0]], tuple(raw.labels[k] for k in members)))
    return out


def _finish(raw: _Raw, d: int, solver_box: list) -> BoundaryPiece:
    if raw.cell is not None:
        bounds = _bounds_dd(raw.cell, raw.g, d)
        point = witness_point(raw.cell)
        verts = tuple(raw.cell.verts)
    else:
        bounds = _bounds_lp(raw, d, _solver(solver_box))
        assert raw.point is not None
        point, verts = raw.point, ()
    order = {"facet": 0, "class": 1, "neighbour": 2}
    bounds.sort(key=lambda b: (order[b.sources[0][0]], b.sources[0][1:]))
    return BoundaryPiece(raw.region, raw.classes, raw.g, tuple(bounds), point, raw.facet, verts)


# ---------------------------------------------------------------------- joins
def _box(piece: BoundaryPiece) -> list[tuple[Fraction, Fraction]]:
    coords = [dehomogenize(v) for v in piece.vertices_h]
    return [(min(c[i] for c in coords), max(c[i] for c in coords)) for i in range(len(piece.point))]


def _meet_dd(cell: Cell, other: BoundaryPiece, d: int) -> Join | None:
    c: Cell | None = cell
    for row in (other.hyperplane, _negated(other.hyperplane)) + tuple(b.row for b in other.bounds):
        assert c is not None
        c = c.clip(row, _HYPER)
        if not c.verts:
            return None
    assert c is not None
    dim = cell_dimension(c)
    if dim < max(d - 2, 0):
        return None
    return Join(-1, -1, dim, witness_point(c))


def _meet_lp(p: BoundaryPiece, q: BoundaryPiece, d: int, solver: LPSolver) -> Join | None:
    rows = [b.row for b in p.bounds] + [b.row for b in q.bounds]
    dim, point = relative_interior(rows, [p.hyperplane, q.hyperplane], solver)
    if point is None or dim < max(d - 2, 0):
        return None
    return Join(-1, -1, dim, point)


def _flat_key(g: Sequence[int], row: Sequence[int]) -> tuple:
    """The ``(d-2)``-flat ``g = row = 0`` canonically: the reduced row echelon form of the two
    forms (the space of affine forms vanishing on the flat)."""
    reduced, _ = fmpq_mat([list(g), list(row)]).rref()
    return tuple((int(v.p), int(v.q)) for v in reduced.entries())


def _candidates(
    pieces: Sequence[BoundaryPiece], adjacencies: Sequence[Adjacency], vertex_path: bool
) -> list[tuple[int, int]]:
    """Pairs of pieces that may meet in a ``(d-2)``-dimensional set: pieces of one region; pieces
    with a face on a region facet along the same ``(d-2)``-flat (a piece that does not lie on a
    facet meets another region only in such a face, see below); and pairs with an on-facet piece
    whose exact bounding boxes meet (vertex path) or whose regions are adjacent (LP path).

    A piece not on a facet has its relative interior inside its region, so its common set with a
    piece of another region lies in its relative boundary, in one of its ``(d-2)``-faces, and that
    face lies in a facet of the region: the bound carrying it has a ``facet`` (or ``neighbour``)
    source, and when both pieces are such, their two faces span the same flat."""
    pairs: set[tuple[int, int]] = set()
    by_region: dict[int, list[int]] = {}
    by_flat: dict[tuple, list[int]] = {}
    for i, p in enumerate(pieces):
        by_region.setdefault(p.region, []).append(i)
        for b in p.bounds:
            if any(src[0] != "class" for src in b.sources):
                by_flat.setdefault(_flat_key(p.hyperplane, b.row), []).append(i)
    for group in list(by_region.values()) + list(by_flat.values()):
        pairs.update(combinations(sorted(set(group)), 2))
    on = [i for i, p in enumerate(pieces) if p.on_facet]
    if on and vertex_path:
        boxes = [_box(p) for p in pieces]
        for i in on:
            for j in range(len(pieces)):
                if j != i and all(a[0] <= b[1] and b[0] <= a[1] for a, b in zip(boxes[i], boxes[j])):
                    pairs.add((min(i, j), max(i, j)))
    elif on:
        near: dict[int, set[int]] = {}
        for a in adjacencies:
            near.setdefault(a.first, set()).add(a.second)
            near.setdefault(a.second, set()).add(a.first)
        for i in on:
            for r in near.get(pieces[i].region, ()):
                for j in by_region.get(r, ()):
                    pairs.add((min(i, j), max(i, j)))
    return sorted(pairs)


def _joins(
    pieces: Sequence[BoundaryPiece], cells: Sequence[Cell | None], adjacencies, d: int, solver_box: list
) -> list[Join]:
    if not pieces:
        return []
    vertex_path = all(c is not None for c in cells)
    out = []
    for i, j in _candidates(pieces, adjacencies, vertex_path):
        ci = cells[i]
        if vertex_path and ci is not None:
            found = _meet_dd(ci, pieces[j], d)
        else:
            found = _meet_lp(pieces[i], pieces[j], d, _solver(solver_box))
        if found is not None:
            out.append(Join(i, j, found.dim, found.point))
    return out


# ---------------------------------------------------------------------- the boundary
def decision_boundary(regions: Sequence[Region], adjacencies: Sequence[Adjacency] = ()) -> Boundary:
    """The exact decision boundary of a partition (see the module docstring): every piece with
    its hyperplane, irredundant bounds, relative-interior point and on-facet flag; the ties; the
    joins between pieces and the connected components.

    ``adjacencies`` are used only for regions without vertices (LP engine), whose joins are
    sought within a region and between adjacent regions; with vertices every pair of pieces whose
    bounding boxes meet is tested exactly.

    On the built-in example the boundary ``P = Q`` is ``X + Y = 5/4`` in region 1 and ``X = 5/8``
    in region 3; they meet at ``(5/8, 5/8)`` on the shared facet ``X = Y``:

    >>> from exactrelu import EXAMPLE, partition
    >>> p = partition(EXAMPLE)
    >>> b = decision_boundary(p.regions, p.adjacencies)
    >>> [(q.region, q.classes, q.hyperplane, q.on_facet) for q in b.pieces]
    [(1, (0, 1), (5, -4, -4), False), (3, (0, 1), (5, -8, 0), False)]
    >>> [[tuple(str(c) for c in dehomogenize(v)) for v in q.vertices_h] for q in b.pieces]
    [[('1', '1/4'), ('5/8', '5/8')], [('5/8', '1'), ('5/8', '5/8')]]
    >>> b.joins[0].point, b.components, b.counts()
    ((Fraction(5, 8), Fraction(5, 8)), 1, {(0, 1): 2})
    """
    import networkx as nx  # deferred: networkx takes 0.09 s to import and most runs never use it

    if not regions:
        return Boundary(0, 0, (), (), (), ())
    d = regions[0].dim
    m = len(regions[0].map_rows)
    solver_box: list = []
    ties: list[Tie] = []
    raws: list[_Raw] = []
    for index, region in enumerate(regions):
        for raw in _region_pieces(index, region, m, solver_box, ties):
            raws.extend(_keep_on_facet(raw, regions, solver_box) if raw.facet is not None else [raw])
    pieces = [_finish(raw, d, solver_box) for raw in raws]
    cells = [raw.cell for raw in raws]
    joins = _joins(pieces, cells, adjacencies, d, solver_box)
    graph = nx.Graph()
    graph.add_nodes_from(range(len(pieces)))
    graph.add_edges_from((j.first, j.second) for j in joins)
    component = [0] * len(pieces)
    for number, members in enumerate(sorted((sorted(c) for c in nx.connected_components(graph)), key=min)):
        for i in members:
            component[i] = number
    return Boundary(d, m, tuple(pieces), tuple(ties), tuple(joins), tuple(component))

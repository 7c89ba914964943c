"""Exact assertions for tests that guard a ReLU network: region counts, robustness of a class on a
box, identical decisions and bounded output differences between two networks.

Every verdict is exact.  The networks are partitioned into activation regions
(:func:`~exactrelu.partition.partition`); on each region a network is one exact affine map, so a
question about the whole domain becomes finitely many exact linear programs (HiGHS proposes, exact
rational arithmetic decides, see :mod:`exactrelu.geometry.lp`) or exact evaluations at a region's
vertices.  Two networks are compared on the **common refinement** of their partitions: the pairs
of regions, one of each, whose intersection is full-dimensional (bounding boxes select candidate
pairs, exact tests decide each), which cover the domain.

A failed assertion raises :class:`AssertionError` with an exact counterexample point, the exact
outputs there (recomputed by the exact forward pass, independently of the regions) and the rule
that was applied.

**Classes.**  Outputs are class scores; class ``c`` is output ``c`` (0-based).  Class ``c`` *wins*
at ``x`` when its output is strictly greater than every other output: a tie is not a win, and
where the highest outputs tie no class wins.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from fractions import Fraction
from functools import cached_property
from math import lcm
from typing import Any, NamedTuple

import numpy as np

from exactrelu_checker import check_certificate

from .errors import EmptyInterior, InternalError, InvalidArgument
from .geometry.cell import Cell
from .geometry.domain import Domain
from .geometry.exact import dehomogenize, homogeneous, primitive
from .geometry.lp import FloatGuess, LPSolver, Status, chebyshev_rows, interior_point, short_point
from .geometry.predicates import float_points, float_rows, sign_matrix
from .geometry.rounding import short_point_inside
from .network import Network
from .partition import DD_MAX_DIM, Partition, certify, partition
from .rational import format_rational, to_rational
from .region import Region

__all__ = [
    "Piece",
    "common_refinement",
    "assert_regions",
    "assert_robust",
    "assert_same_decisions",
    "assert_outputs_within",
]

IntRow = tuple[int, ...]
DomainLike = Domain | Sequence[tuple[object, object]] | None


class Piece(NamedTuple):
    """A cell of the common refinement: region ``first`` of one partition and region ``second`` of
    the other meet in a full-dimensional set; ``point`` lies strictly inside both."""

    first: int
    second: int
    point: tuple[Fraction, ...]


# ----------------------------------------------------------------------------- exact helpers
def _rows(region: Region) -> list[IntRow]:
    return [facet.row for facet in region.facets]


def _map(region: Region) -> tuple[list[IntRow], int]:
    """The region's map as integer rows ``(c0, c1..cd)`` over a positive common denominator."""
    if region.map_den > 0:
        return [tuple(r) for r in region.map_rows], region.map_den
    return [tuple(-a for a in r) for r in region.map_rows], -region.map_den


def _same_map(a: Region, b: Region) -> bool:
    rows_a, den_a = _map(a)
    rows_b, den_b = _map(b)
    return all(x * den_b == y * den_a for ra, rb in zip(rows_a, rows_b) for x, y in zip(ra, rb))


def _value(row: Sequence[Any], x: Sequence[Fraction]) -> Fraction:
    return row[0] + sum((a * v for a, v in zip(row[1:], x)), Fraction(0))


def _dot(row: Sequence[int], h: Sequence[int]) -> int:
    return sum(a * b for a, b in zip(row, h))


def _minimum(region: Region, objective: Sequence[Fraction], solver: LPSolver) -> tuple[Fraction, tuple[Fraction, ...]]:
    """Exact minimum of ``objective . (1, x)`` over the region's closure, and a point reaching it:
    the best vertex (vertex engine) or an exact LP optimum (regions without vertices)."""
    if region.vertices:
        return min(((_value(objective, v), v) for v in region.vertices), key=lambda t: t[0])
    opt = solver.minimize(_rows(region), tuple(objective))
    if opt.status is not Status.OPTIMAL or opt.value is None or opt.point is None:
        raise InternalError(f"the minimum over a bounded region was not found ({opt.status.value})")
    return opt.value, opt.point


def _feasible(solver: LPSolver, weak: Sequence[IntRow], strict: Sequence[IntRow]) -> tuple[Fraction, ...] | None:
    """An exact point with ``row . (1, x) >= 0`` for every ``weak`` row and ``> 0`` for every
    ``strict`` row, or None if there is none.  One LP: maximise ``t`` subject to ``weak >= 0``,
    ``strict >= t |gradient|_max`` and ``t <= 1``; the answer is yes iff the exact optimum is
    positive.  ``weak`` must bound the set (region facets do)."""
    d = len(weak[0]) - 1
    ext = [tuple(r) + (0,) for r in weak]
    ext += [tuple(r) + (-(max(abs(a) for a in r[1:]) or 1),) for r in strict]
    ext.append((1,) + (0,) * d + (-1,))

    def inside(h: Sequence[int]) -> bool:
        return all(_dot(r, h) >= 0 for r in weak) and all(_dot(r, h) > 0 for r in strict)

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
    if not (all(_value(r, point) >= 0 for r in weak) and all(_value(r, point) > 0 for r in strict)):
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
        lo.append(_minimum(region, unit, solver)[0])
        hi.append(-_minimum(region, tuple(-v for v in unit), solver)[0])
    return tuple(lo), tuple(hi)


def _outward(boxes: list[tuple[tuple[Fraction, ...], tuple[Fraction, ...]]]) -> tuple[np.ndarray, np.ndarray]:
    """Float boxes that contain the exact ones (each bound rounded to nearest, then one step out), so
    that float boxes which do not overlap prove that the exact boxes do not overlap."""
    lo = np.array([[float(v) for v in b[0]] for b in boxes])
    hi = np.array([[float(v) for v in b[1]] for b in boxes])
    return np.nextafter(lo, -np.inf), np.nextafter(hi, np.inf)


def _vertices_h(region: Region) -> list[tuple[int, ...]]:
    return [v if v[0] > 0 else tuple(-a for a in v) for v in region.vertices_h]


class _Shape:
    """A region's facet rows and vertices, exact and as float guides for :func:`sign_matrix`."""

    def __init__(self, region: Region):
        self.rows = _rows(region)
        # facets on the domain's boundary never separate two regions of the domain
        self.inner = [f.row for f in region.facets if not f.on_boundary]
        self.inner_f = float_rows(self.inner) if self.inner else np.empty((0, region.dim + 1))
        self.verts = _vertices_h(region)
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


def _clip(cell: Cell, rows: Sequence[IntRow]) -> Cell | None:
    """The exact part of ``cell`` where every row is ``>= 0`` (None if empty)."""
    for r in rows:
        cell = cell.clip(tuple(r), ("clip",))
        if not cell.verts:
            return None
    return cell


def _centre(cell: Cell) -> tuple[int, ...]:
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
    return [piece for piece, _ in _refine(a, b, solver or LPSolver())]


def _refine(a: Partition, b: Partition, solver: LPSolver) -> list[tuple[Piece, Cell | None]]:
    """The common refinement, each cell with its exact vertices when both regions have vertices."""
    if a.domain.A != b.domain.A or a.domain.b != b.domain.b:
        raise InvalidArgument("the two partitions are of different domains")
    lo_a, hi_a = _outward([_bounding_box(r, solver) for r in a.regions])
    lo_b, hi_b = _outward([_bounding_box(r, solver) for r in b.regions])
    shapes_b = [_Shape(r) for r in b.regions]
    pieces: list[tuple[Piece, Cell | None]] = []
    for i, ra in enumerate(a.regions):
        shape_a = _Shape(ra)
        overlap = np.all((lo_b < hi_a[i]) & (lo_a[i] < hi_b), axis=1)
        for j in np.flatnonzero(overlap).tolist():
            rb, shape_b = b.regions[j], shapes_b[j]
            if shape_a.separates(shape_b) or shape_b.separates(shape_a):
                continue
            cell = shape_a.cell
            if cell is not None and shape_b.verts:
                both = _clip(cell, shape_b.inner)
                if both is None:
                    continue
                # the centre is in the relative interior: strictly inside every row iff the
                # intersection is full-dimensional (else some row vanishes on all of it)
                h = _centre(both)
                if all(_dot(r, h) > 0 for r in shape_a.rows + shape_b.rows):
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
        if all(_dot(r, h) > 0 for r in rows):
            return dehomogenize(h)
    return None


# ----------------------------------------------------------------------------- printing
def _num(v: Fraction) -> str:
    """The exact value, with a decimal approximation when its denominator is long."""
    text = format_rational(v)
    return text if v.denominator < 10_000 else f"{text} (~{float(v):.6g})"


def _point_text(net: Network, x: Sequence[Fraction]) -> str:
    return ", ".join(f"{name}={_num(v)}" for name, v in zip(net.input_names, x))


def _outputs_text(net: Network, y: Sequence[Fraction]) -> str:
    return ", ".join(f"{name} = {_num(v)}" for name, v in zip(net.output_names, y))


def _class_text(net: Network, c: int) -> str:
    return f"class {c} ({net.output_names[c]})"


def _pattern_text(region: Region) -> str:
    return " | ".join("".join(map(str, layer)) for layer in region.pattern) or "(no hidden layer)"


def _winner(y: Sequence[Fraction]) -> int | None:
    """The class with the strictly largest output, None at a tie."""
    top = max(y)
    best = [c for c, v in enumerate(y) if v == top]
    return best[0] if len(best) == 1 else None


def _decision_text(net: Network, y: Sequence[Fraction]) -> str:
    c = _winner(y)
    if c is not None:
        return f"{_class_text(net, c)} wins"
    top = max(y)
    tied = [_class_text(net, k) for k, v in enumerate(y) if v == top]
    return f"no class wins ({' and '.join(tied)} tie)"


def _check_classes(net: Network, what: str) -> None:
    if net.n_outputs < 2:
        raise InvalidArgument(
            f"{what} has one output, so its argmax is always class 0; give class scores (two or more outputs), "
            "or compare the output with assert_outputs_within"
        )


def _keep_certificate(net: Network, domain: Domain, path: str | os.PathLike | None) -> str:
    """Certify the partition, check it, write it (to ``path`` or a kept temporary file) and say where."""
    if domain.dim > DD_MAX_DIM:
        return f"no certificate: certificates need at most {DD_MAX_DIM} inputs"
    cert = certify(net, domain)
    verdict = check_certificate(cert)
    if path is None:
        fd, name = tempfile.mkstemp(prefix="exactrelu-certificate-", suffix=".json")
        os.close(fd)
    else:
        name = os.fspath(path)
    with open(name, "w", encoding="utf-8") as out:
        json.dump(cert, out)
    status = "VERIFIED" if verdict.verified else f"NOT VERIFIED: {verdict.reason}"
    return f"certificate of the partition: {name} ({status}; check it with `exactrelu check {name}`)"


# ----------------------------------------------------------------------------- assertions
def assert_regions(
    network: Any,
    domain: DomainLike = None,
    *,
    at_most: int | None = None,
    exactly: int | None = None,
    at_least: int | None = None,
) -> Partition:
    """Assert how many activation regions ``network`` has on ``domain`` (anything
    :func:`~exactrelu.partition.partition` takes), and return the partition.

    >>> from exactrelu import EXAMPLE
    >>> len(assert_regions(EXAMPLE, [(0, 1), (0, 1)], exactly=4).regions)
    4
    >>> assert_regions(EXAMPLE, [(0, 1), (0, 1)], at_most=3)
    Traceback (most recent call last):
    AssertionError: expected at most 3 activation regions on [0, 1] x [0, 1], found 4 (edges: 4, linear pieces: 4)
    """
    __tracebackhide__ = True  # pytest shows the message, not this function's frames
    p = partition(network, domain)
    found = len(p.regions)
    for bound, fails, words in (
        (exactly, lambda n, k: n != k, "exactly"),
        (at_most, lambda n, k: n > k, "at most"),
        (at_least, lambda n, k: n < k, "at least"),
    ):
        if bound is not None and fails(found, bound):
            raise AssertionError(
                f"expected {words} {bound} activation regions on {p.domain.describe()}, found {found} "
                f"(edges: {len(p.edges)}, linear pieces: {p.linear_pieces})"
            )
    return p


def assert_robust(
    network: Any,
    box: DomainLike,
    label: int,
    *,
    ties: str = "lose",
    certificate: str | os.PathLike | None = None,
) -> Fraction:
    """Assert that class ``label`` wins everywhere on ``box`` (a box as ``(lo, hi)`` pairs or any
    :class:`Domain`), exactly; returns the exact margin
    ``min over the box of (f_label - max_{j != label} f_j)``.

    Rule: ``ties="lose"`` (default) requires ``f_label > f_j`` for every other class ``j`` at every
    point of the closed box (a tie is not a win: margin ``> 0``); ``ties="win"`` accepts ties
    (``f_label >= f_j``: margin ``>= 0``).  For every region and every ``j != label`` the exact
    minimum of the affine function ``f_label - f_j`` over the region is found at its vertices (or
    by an exact LP over its facets).

    On failure the :class:`AssertionError` shows the point of smallest margin, the exact outputs
    there and which class wins, and names a file holding the partition's certificate (checked with
    :mod:`exactrelu_checker`).  ``certificate``: write the certificate to this path, pass or fail
    (on failure without it, a kept temporary file is used).

    >>> from exactrelu import Network
    >>> net = Network.from_layers([([[1, 0]], [0]), ([[1], [-1]], [0, "1/2"])])  # y1 = relu(x1), y2 = 1/2 - relu(x1)
    >>> assert_robust(net, [(1, 2), (0, 1)], label=0)
    Fraction(3, 2)
    >>> assert_robust(net, [("1/4", 2), (0, 1)], label=0, ties="win")  # y1 = y2 at x1 = 1/4
    Fraction(0, 1)
    >>> import pathlib, shutil, tempfile
    >>> kept = pathlib.Path(tempfile.mkdtemp(), "robust.json")
    >>> assert_robust(net, [(0, 2), (0, 1)], label=0, certificate=kept)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    AssertionError: class 0 (y1) does not win everywhere on [0, 2] x [0, 1]: at x1=0, x2=0 class 1 (y2) wins
      outputs: y1 = 0, y2 = 1/2
      exact margin (min over the box of y1 - max of the other outputs): -1/2, reached in region 0 (pattern 1)
      rule: a tie is not a win: class wins at x when its output is strictly greater than every other
      certificate of the partition: .../robust.json (VERIFIED; check it with `exactrelu check .../robust.json`)
    >>> shutil.rmtree(kept.parent)
    """
    __tracebackhide__ = True  # pytest shows the message, not this function's frames
    if ties not in ("lose", "win"):
        raise InvalidArgument(f"ties is {ties!r}; expected 'lose' (a tie is not a win) or 'win'")
    p = partition(network, box)
    net = p.network
    _check_classes(net, "the network")
    if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < net.n_outputs:
        raise InvalidArgument(f"label is {label!r}; expected a class index from 0 to {net.n_outputs - 1}")
    solver = LPSolver()
    worst: tuple[Fraction, tuple[Fraction, ...], int] | None = None
    for r, region in enumerate(p.regions):
        rows, den = _map(region)
        for j in range(net.n_outputs):
            if j == label:
                continue
            gap = [Fraction(u - v, den) for u, v in zip(rows[label], rows[j])]
            value, x = _minimum(region, gap, solver)
            if worst is None or value < worst[0]:
                worst = (value, x, r)
    assert worst is not None
    margin, x, r = worst
    failed = margin <= 0 if ties == "lose" else margin < 0
    kept = _keep_certificate(net, p.domain, certificate) if failed or certificate is not None else ""
    if not failed:
        return margin
    y = net.forward(x)
    others = max(v for c, v in enumerate(y) if c != label)
    if y[label] - others != margin:
        raise InternalError(f"the exact margin {margin} does not match the forward pass at {x}")
    rule = (
        "a tie is not a win: class wins at x when its output is strictly greater than every other"
        if ties == "lose"
        else 'ties="win": class must have an output >= every other'
    )
    raise AssertionError(
        f"{_class_text(net, label)} does not win everywhere on {p.domain.describe()}: "
        f"at {_point_text(net, x)} {_decision_text(net, y)}\n"
        f"  outputs: {_outputs_text(net, y)}\n"
        f"  exact margin (min over the box of {net.output_names[label]} - max of the other outputs): "
        f"{_num(margin)}, reached in region {r} (pattern {_pattern_text(p.regions[r])})\n"
        f"  rule: {rule}\n"
        f"  {kept}"
    )


def _two(
    net_a: Any, net_b: Any, domain: DomainLike
) -> tuple[Partition, Partition, list[tuple[Piece, Cell | None]], LPSolver]:
    pa = partition(net_a, domain)
    pb = partition(net_b, pa.domain)
    if pa.network.n_outputs != pb.network.n_outputs:
        raise InvalidArgument(f"network a has {pa.network.n_outputs} outputs and network b has {pb.network.n_outputs}")
    solver = LPSolver()
    return pa, pb, _refine(pa, pb, solver), solver


def _wins(region: Region, c: int) -> list[IntRow]:
    """Rows ``f_c - f_k`` (k != c): all > 0 exactly where class ``c`` wins on the region."""
    rows, _ = _map(region)
    return [tuple(u - v for u, v in zip(rows[c], rows[k])) for k in range(len(rows)) if k != c]


def _could_win(region: Region, solver: LPSolver) -> list[int]:
    """The classes that may win (strictly) somewhere in the region: every gap ``f_c - f_k`` is
    positive at some vertex (a necessary condition), or, without vertices, an exact LP says so."""
    n = len(region.map_rows)
    verts = _vertices_h(region)
    if verts:
        return [c for c in range(n) if all(any(_dot(gap, v) > 0 for v in verts) for gap in _wins(region, c))]
    return [c for c in range(n) if _feasible(solver, _rows(region), _wins(region, c)) is not None]


def _feasible_in(cell: Cell, weak: Sequence[IntRow], strict: Sequence[IntRow]) -> tuple[Fraction, ...] | None:
    """:func:`_feasible` on a cell with exact vertices: clip it by every row (as ``>= 0``); a point
    with the ``strict`` rows ``> 0`` exists iff the mean of the clipped vertices is one (each row is
    ``>= 0`` at every vertex, so it is positive at the mean iff positive at some vertex)."""
    clipped = _clip(cell, list(weak) + list(strict))
    if clipped is None:
        return None
    h = _centre(clipped)
    if not all(_dot(r, h) > 0 for r in strict):
        return None
    point = dehomogenize(h)

    def inside(g: Sequence[int]) -> bool:
        return all(_dot(r, g) >= 0 for r in clipped.cons) and all(_dot(r, g) > 0 for r in strict)

    # a shorter point for people to read: floats propose a rounding, exact signs accept it
    width = min(
        (float(Fraction(_dot(r, h), h[0])) / max(abs(a) for a in r[1:]) for r in strict if any(r[1:])), default=1.0
    )
    short = short_point_inside([float(v) for v in point], width, inside)
    if short is not None and max(v.denominator for v in short) < max(v.denominator for v in point):
        return short
    return point


def _disagreement(
    ra: Region, rb: Region, cell: Cell | None, could: tuple[list[int], list[int]], ties: str, solver: LPSolver
) -> tuple[Fraction, ...] | None:
    """A point of ``ra`` and ``rb`` (their intersection ``cell``, when it has exact vertices) where
    the decisions differ under the rule, or None.  ``could``: the classes each region may decide
    somewhere (a superset; exact clipping or LPs decide)."""
    if _same_map(ra, rb):
        return None
    if ties == "ignore" and (not could[0] or not could[1] or could[0] == could[1] == could[0][:1]):
        return None  # one of them never decides, or both can decide only the same class
    weak = _rows(ra) + _rows(rb)

    def feasible(extra: list[IntRow], strict: list[IntRow]) -> tuple[Fraction, ...] | None:
        if cell is not None:
            return _feasible_in(cell, extra, strict)
        return _feasible(solver, weak + extra, strict)

    if ties == "ignore":  # both decide, differently
        for c in could[0]:
            for k in could[1]:
                if c != k:
                    found = feasible([], _wins(ra, c) + _wins(rb, k))
                    if found is not None:
                        return found
        return None
    for this, other, classes in ((ra, rb, could[0]), (rb, ra, could[1])):  # one decides c, the other does not
        rows, _ = _map(other)
        verts = _vertices_h(other)
        for c in classes:
            for k in range(len(rows)):
                if k == c:
                    continue
                beaten = tuple(u - v for u, v in zip(rows[k], rows[c]))  # f_k >= f_c: c does not win
                if verts and all(_dot(beaten, v) < 0 for v in verts):
                    continue  # the other network prefers c to k on its whole region
                found = feasible([beaten], _wins(this, c))
                if found is not None:
                    return found
    return None


def assert_same_decisions(net_a: Any, net_b: Any, domain: DomainLike = None, *, ties: str = "ignore") -> int:
    """Assert that two networks make the same decision (argmax class) everywhere on ``domain``,
    exactly; returns the number of cells of the common refinement that were compared.

    Rule: a network *decides* class ``c`` at ``x`` when output ``c`` is strictly greater than every
    other output (at a tie it decides nothing).  ``ties="ignore"`` (default): the networks disagree
    at ``x`` when both decide there and decide differently; points where either ties are not
    compared.  As outputs are continuous, such points form an open set, so passing means the
    decisions agree up to a set of volume zero.  ``ties="strict"``: they also disagree where one
    decides and the other does not, so passing means the decision (a class or none) is the same at
    every point.

    On each cell of the common refinement both networks are affine; the set where ``a`` decides
    ``c`` and ``b`` decides ``k`` is a polyhedron, tested for a point by one exact LP.  On failure
    the :class:`AssertionError` shows such a point with both networks' exact outputs.

    >>> from exactrelu import Network
    >>> a = Network.from_layers([([[1, -1], [-1, 1]], [0, 0]), ([[1, 0], [0, 1]], [0, 0])])
    >>> b = Network.from_layers([([[3, -3], [-1, 1]], [0, 0]), ([[1, 0], [0, 2]], [0, 0])])  # rescaled
    >>> assert_same_decisions(a, b, [(0, 1), (0, 1)], ties="strict")
    2
    >>> c = Network.from_layers([([[1, -1], [-1, 1]], [0, 0]), ([[1, 0], [0, 1]], ["-1/10", 0])])
    >>> assert_same_decisions(a, c, [(0, 1), (0, 1)])
    Traceback (most recent call last):
    AssertionError: the networks decide differently on [0, 1] x [0, 1]: at x1=6/11, x2=5/11 network a: class 0 (y1) wins, network b: class 1 (y2) wins
      network a: y1 = 1/11, y2 = 0
      network b: y1 = -1/110, y2 = 0
      rule (ties="ignore"): a network decides class c at x when output c is strictly greater than every other; points where either network ties are not compared
    """
    __tracebackhide__ = True  # pytest shows the message, not this function's frames
    if ties not in ("ignore", "strict"):
        raise InvalidArgument(f"ties is {ties!r}; expected 'ignore' or 'strict'")
    pa, pb, pieces, solver = _two(net_a, net_b, domain)
    a, b = pa.network, pb.network
    _check_classes(a, "network a")
    could_a: dict[int, list[int]] = {}
    could_b: dict[int, list[int]] = {}
    for piece, cell in pieces:
        ra, rb = pa.regions[piece.first], pb.regions[piece.second]
        if piece.first not in could_a:
            could_a[piece.first] = _could_win(ra, solver)
        if piece.second not in could_b:
            could_b[piece.second] = _could_win(rb, solver)
        x = _disagreement(ra, rb, cell, (could_a[piece.first], could_b[piece.second]), ties, solver)
        if x is None:
            continue
        ya, yb = a.forward(x), b.forward(x)
        if _winner(ya) == _winner(yb) or (ties == "ignore" and None in (_winner(ya), _winner(yb))):
            raise InternalError(f"an exact disagreement point {x} does not disagree in the forward pass")
        rule = (
            "points where either network ties are not compared"
            if ties == "ignore"
            else "a tie (no decision) differs from any decision"
        )
        raise AssertionError(
            f"the networks decide differently on {pa.domain.describe()}: at {_point_text(a, x)} "
            f"network a: {_decision_text(a, ya)}, network b: {_decision_text(b, yb)}\n"
            f"  network a: {_outputs_text(a, ya)}\n"
            f"  network b: {_outputs_text(b, yb)}\n"
            f'  rule (ties="{ties}"): a network decides class c at x when output c is strictly greater than '
            f"every other; {rule}"
        )
    return len(pieces)


def assert_outputs_within(net_a: Any, net_b: Any, domain: DomainLike, bound: object) -> tuple[Fraction, ...]:
    """Assert ``|f_a(x)_o - f_b(x)_o| <= bound`` for every output ``o`` and every ``x`` in
    ``domain``, exactly; returns the exact maximum of ``|f_a - f_b|`` per output.

    ``bound`` is one rational (an int, Fraction, ``"p/q"`` or decimal text; a float means its exact
    binary value) or one per output.  On each cell of the common refinement ``f_a - f_b`` is affine,
    so its maximum and minimum are exact LPs; the failure message shows each offending output's
    exact maximum and a point reaching it, with both networks' outputs there.

    >>> from exactrelu import EXAMPLE, Network
    >>> moved = Network.from_layers([(l.weight, l.bias) for l in EXAMPLE.layers[:-1]]
    ...                             + [(EXAMPLE.layers[-1].weight, ["1/3", "-1/4"])])
    >>> assert_outputs_within(EXAMPLE, moved, [(0, 1), (0, 1)], "1/2")
    (Fraction(1, 3), Fraction(0, 1))
    >>> assert_outputs_within(EXAMPLE, moved, [(0, 1), (0, 1)], "1/4")
    Traceback (most recent call last):
    AssertionError: the outputs differ by more than the bound on [0, 1] x [0, 1]:
      P: max |a - b| = 1/3 > 1/4, at X=1/2, Y=1/4 (network a: 0, network b: 1/3)
      Q: max |a - b| = 0 <= 1/4
    """
    __tracebackhide__ = True  # pytest shows the message, not this function's frames
    pa, pb, pieces, solver = _two(net_a, net_b, domain)
    a, b = pa.network, pb.network
    n = a.n_outputs
    if isinstance(bound, (list, tuple)):
        if len(bound) != n:
            raise InvalidArgument(f"{len(bound)} bounds given for {n} outputs")
        bounds = [to_rational(v, f"bound {o + 1}") for o, v in enumerate(bound)]
    else:
        bounds = [to_rational(bound, "bound")] * n
    if any(v < 0 for v in bounds):
        raise InvalidArgument("a bound is negative")
    best: list[tuple[Fraction, tuple[Fraction, ...]]] = [(Fraction(0), pieces[0][0].point)] * n
    todo = []  # (upper bound, sign, output, piece, difference): cells where an LP may raise the maximum
    for piece, cell in pieces:
        ra, rb = pa.regions[piece.first], pb.regions[piece.second]
        rows_a, den_a = _map(ra)
        rows_b, den_b = _map(rb)
        verts = [_vertices_h(ra), _vertices_h(rb)]
        at = homogeneous(piece.point)
        for o in range(n):
            # f_a - f_b = diff . (1, x) / (den_a den_b) with an integer row diff
            diff = tuple(u * den_b - v * den_a for u, v in zip(rows_a[o], rows_b[o]))
            if not any(diff):
                continue
            scale = den_a * den_b
            here = Fraction(abs(_dot(diff, at)), scale * at[0])
            if here > best[o][0]:
                best[o] = (here, piece.point)
            if cell is not None:  # exact vertices of the cell: the maximum is at one of them
                for v in cell.verts:
                    h = v if v[0] > 0 else tuple(-a for a in v)
                    value = Fraction(abs(_dot(diff, h)), scale * h[0])
                    if value > best[o][0]:
                        best[o] = (value, dehomogenize(h))
                continue
            # the cell lies in both regions, so +-diff there is at most its maximum at either's vertices
            bounds_by_sign = []
            for sign in (1, -1):
                tops = [max(Fraction(sign * _dot(diff, v), v[0]) for v in vs) / scale for vs in verts if vs]
                bounds_by_sign.append((sign, min(tops) if tops else None))
            gap = tuple(Fraction(c, scale) for c in diff)
            todo += [(upper, sign, o, piece, gap) for sign, upper in bounds_by_sign]
    todo.sort(key=lambda t: (t[0] is None, t[0] if t[0] is not None else 0), reverse=True)  # largest bounds first
    for upper, sign, o, piece, gap in todo:
        if upper is not None and upper <= best[o][0]:
            continue  # cannot raise the maximum
        weak = _rows(pa.regions[piece.first]) + _rows(pb.regions[piece.second])
        opt = solver.minimize(weak, tuple(-sign * v for v in gap))
        if opt.status is not Status.OPTIMAL or opt.value is None or opt.point is None:
            raise InternalError(f"the maximum over a bounded cell was not found ({opt.status.value})")
        if -opt.value > best[o][0]:
            best[o] = (-opt.value, opt.point)
    worst = tuple(v for v, _ in best)
    failing = [o for o in range(n) if worst[o] > bounds[o]]
    if not failing:
        return worst
    lines = []
    for o in range(n):
        value, x = best[o]
        name = a.output_names[o]
        if o not in failing:
            lines.append(f"  {name}: max |a - b| = {_num(value)} <= {format_rational(bounds[o])}")
            continue
        ya, yb = a.forward(x), b.forward(x)
        if abs(ya[o] - yb[o]) != value:
            raise InternalError(f"the exact maximum {value} does not match the forward passes at {x}")
        lines.append(
            f"  {name}: max |a - b| = {_num(value)} > {format_rational(bounds[o])}, at {_point_text(a, x)} "
            f"(network a: {_num(ya[o])}, network b: {_num(yb[o])})"
        )
    raise AssertionError(f"the outputs differ by more than the bound on {pa.domain.describe()}:\n" + "\n".join(lines))

"""The geometric kernel: exact convex polytopes in double description.

A :class:`Cell` keeps both descriptions of a bounded polytope: its constraints ``c . (1, x) >= 0``
as integer rows, and its vertices as primitive homogeneous integer vectors ``(w0, w0 x)`` with the
bit set of the constraints tight at each one.  Cutting a cell by a hyperplane then needs no linear
program: the hyperplane cuts the interior iff some vertex is strictly on each side, and the new
vertices are ``h(u) w - h(w) u`` on the edges ``(u, w)`` that cross it.  Edges come from the exact
algebraic test (Fukuda): vertices ``u, w`` span an edge iff the constraints tight at both have
rank ``d - 1``; for simple vertices (exactly ``d`` tight constraints) this is a bit-set comparison.
In the low input dimensions where exhaustive enumeration is feasible this is far faster than LPs,
and it is exact on every degenerate arrangement (duplicate, concurrent and boundary hyperplanes).
"""

from __future__ import annotations

from collections.abc import Sequence
from math import gcd
from typing import TYPE_CHECKING

import numpy as np

from .. import gmp
from .exact import exact_dot, primitive, rank_of, set_bits
from .predicates import float_points, float_rows, packed, sign_matrix, unpacked

if TYPE_CHECKING:
    from gmpy2 import mpz

    from .crossings import KnownCrossings

__all__ = ["Cell", "box_cell"]


class Cell:
    """A bounded polytope in double description (internal, mutable only while being built).

    ``cons[k]`` is an integer row ``(c0, c1..cd)`` meaning ``c0 + c . x >= 0``; ``labels[k]`` says
    where it came from.  ``verts[i]`` is a primitive homogeneous vertex, ``vf[i]`` its float
    guide ``(1, x)`` (None once a finished region drops it: :meth:`guides`), ``tight[i]`` the bit
    set of constraints tight at it.  ``touching`` lists the neurons ``(layer, neuron)`` decided on
    this cell or an ancestor with a zero at some vertex: any other decided neuron's form is nonzero
    on the whole closed cell (a linear form's minimum over a polytope is taken at a vertex).
    """

    __slots__ = ("dim", "cons", "labels", "verts", "vf", "tight", "touching")

    def __init__(self, dim, cons, labels, verts, vf, tight, touching: tuple[tuple[int, int], ...] = ()):
        self.dim = dim
        self.cons = cons
        self.labels = labels
        self.verts = verts
        self.vf = vf
        self.tight = tight
        self.touching = touching

    def __reduce__(self):  # plain values: a walk's regions travel between processes
        guides = packed(self.vf) if self.vf is not None else (None, None)
        return _unpickled_cell, (self.dim, self.cons, self.labels, self.verts, *guides, self.tight, self.touching)

    def guides(self) -> np.ndarray:
        """``vf``, made again from the vertices if it was dropped (it is a function of them)."""
        if self.vf is None:
            self.vf = float_points(self.verts)
        return self.vf

    # ------------------------------------------------------------------ queries
    def affine_dimension(self) -> int:
        """Dimension of the cell (-1 if empty)."""
        return rank_of(self.verts) - 1

    def signs(self, forms: list[tuple[int, ...]], forms_f: np.ndarray | None = None) -> np.ndarray:
        if forms_f is None:
            forms_f = float_rows(forms)
        return sign_matrix(forms, forms_f, self.verts, self.vf)

    def is_simple_vertex(self, i: int) -> bool:
        return self.tight[i].bit_count() == self.dim

    def facet_indices(self) -> list[int]:
        """Indices of constraints that carry a (d-1)-dimensional face (irredundant facets)."""
        d = self.dim
        at_simple = 0  # a simple vertex tight on k makes k one of d independent facets of its cone
        at_other = 0
        for t in self.tight:
            if t.bit_count() == d:
                at_simple |= t
            else:
                at_other |= t
        facets = at_simple
        for k in set_bits(at_other & ~at_simple):  # tight only at degenerate vertices: test the rank
            on = self.vertices_on(k)
            if len(on) >= d and rank_of([self.verts[i] for i in on]) == d:
                facets |= 1 << k
        return set_bits(facets)

    def vertices_on(self, k: int) -> list[int]:
        bit = 1 << k
        return [i for i, t in enumerate(self.tight) if t & bit]

    # ------------------------------------------------------------------ edges
    def _edge_rank_ok(self, common: int, cache: dict) -> bool:
        if common.bit_count() < self.dim - 1:
            return False
        if common in cache:
            return cache[common]
        rows = []
        t = common
        while t:
            low = t & -t
            rows.append(self.cons[low.bit_length() - 1][1:])
            t ^= low
        ok = rank_of(rows) == self.dim - 1
        cache[common] = ok
        return ok

    def crossing_edges(self, pos: Sequence[int], neg: Sequence[int]) -> list[tuple[int, int]]:
        """Edges ``(i, j)`` of the cell with ``i`` in ``pos`` and ``j`` in ``neg``."""
        d = self.dim
        tight = self.tight
        edges: list[tuple[int, int]] = []
        by_key: dict[int, list[int]] = {}
        neg_other: list[int] = []
        for j in neg:
            t = tight[j]
            if t.bit_count() == d:
                s = t
                while s:
                    low = s & -s
                    by_key.setdefault(t ^ low, []).append(j)
                    s ^= low
            else:
                neg_other.append(j)
        pos_other: list[int] = []
        for i in pos:
            t = tight[i]
            if t.bit_count() == d:
                s = t
                while s:
                    low = s & -s
                    for j in by_key.get(t ^ low, ()):
                        edges.append((i, j))
                    s ^= low
            else:
                pos_other.append(i)
        if pos_other or neg_other:
            cache: dict = {}
            pos_other_set = set(pos_other)
            for i in pos_other:
                for j in neg:
                    if self._edge_rank_ok(tight[i] & tight[j], cache):
                        edges.append((i, j))
            for j in neg_other:
                for i in pos:
                    if i in pos_other_set:
                        continue
                    if self._edge_rank_ok(tight[i] & tight[j], cache):
                        edges.append((i, j))
        return edges

    # ------------------------------------------------------------------ cutting
    def split(
        self,
        form: tuple[int, ...],
        signs: np.ndarray,
        label_pos,
        label_neg,
        known: KnownCrossings | None = None,
        form_f: np.ndarray | None = None,
    ):
        """Cut by the hyperplane ``form = 0``; ``signs`` are the exact signs at the vertices.

        Returns ``(plus, minus, keep_plus, keep_minus, n_new)``: the two child cells, the parent
        indices of the old vertices each keeps (in order), and how many new vertices both end
        with (appended last, in the same order in both children).  ``known``: crossing points met
        before, taken where one is exactly the new point (``form_f``: the form's float row, if at
        hand).
        """
        listed = signs.tolist()
        pos = [i for i, s in enumerate(listed) if s > 0]
        neg = [i for i, s in enumerate(listed) if s < 0]
        zero = [i for i, s in enumerate(listed) if s == 0]
        k = len(self.cons)
        bit = 1 << k
        tight = self.tight
        edges = self.crossing_edges(pos, neg)
        new_tight = [(tight[i] & tight[j]) | bit for i, j in edges]
        new_verts, new_vf = self._crossings(form, edges, known, form_f)
        neg_form = tuple(-a for a in form)
        keep_plus = pos + zero
        keep_minus = neg + zero
        plus = self._child(keep_plus, zero, bit, new_verts, new_tight, new_vf, form, label_pos)
        minus = self._child(keep_minus, zero, bit, new_verts, new_tight, new_vf, neg_form, label_neg)
        return plus, minus, keep_plus, keep_minus, len(new_verts)

    def _crossings(self, form, edges, known: KnownCrossings | None, form_f: np.ndarray | None):
        """The points where the edges cross ``form = 0`` and their float guides: each the primitive
        ``h(u) w - h(w) u``, or an equal point ``known`` remembers (see :meth:`split`)."""
        if not edges:
            return [], np.empty((0, self.dim + 1))
        verts = self.verts
        if known is not None and verts[edges[0][0]][0].bit_length() <= _KNOWN_BITS:
            known = None  # small points: made faster than found
        if known is not None:
            places = known.places(float_rows([form])[0] if form_f is None else form_f, self.vf, edges)
        values: dict[int, int | mpz] = {}
        points: list[tuple[int, ...]] = []
        guides: list[np.ndarray | None] = []
        for n, (i, j) in enumerate(edges):
            hu = values.get(i)
            if hu is None:
                hu = values[i] = _value(form, verts[i])
            hw = values.get(j)
            if hw is None:
                hw = values[j] = _value(form, verts[j])
            met = known.get(places[n]) if known is not None else None
            if met is not None and _crosses_at(hu, hw, verts[i], verts[j], met[0]):
                points.append(met[0])
                guides.append(met[1])
            else:
                points.append(_crossing_point(hu, hw, verts[i], verts[j]))
                guides.append(None)
        return points, _guides_of(points, guides, known)

    def clip(self, form: tuple[int, ...], label, signs: np.ndarray | None = None) -> Cell:
        """The part of the cell where ``form >= 0`` (possibly lower-dimensional or empty)."""
        if signs is None:
            signs = self.signs([form])[0]
        if not (signs < 0).any():
            bit = 1 << len(self.cons)
            tight = [t | bit if s == 0 else t for t, s in zip(self.tight, signs.tolist())]
            return Cell(self.dim, self.cons + [form], self.labels + [label], self.verts, self.vf, tight, self.touching)
        plus, _, _, _, _ = self.split(form, signs, label, label)
        return plus

    def _child(self, keep, zero, bit, new_verts, new_tight, new_vf, form, label) -> Cell:
        old_verts, old_tight = self.verts, self.tight
        verts = [old_verts[i] for i in keep] + new_verts
        if zero:
            zero_set = set(zero)
            tight = [old_tight[i] | bit if i in zero_set else old_tight[i] for i in keep] + new_tight
        else:
            tight = [old_tight[i] for i in keep] + new_tight
        vf = np.concatenate([self.vf[keep], new_vf]) if len(new_verts) else self.vf[keep]
        return Cell(self.dim, self.cons + [form], self.labels + [label], verts, vf, tight, self.touching)


# Above this many bits (homogenising coordinate) the crossing points of a vertex's edges are combined
# in GMP integers (gmpy2): on ACAS Xu's 600-1,300-bit vertices its products, gcd and exact divisions
# beat Python's by far more than the conversions cost; on smaller vertices they break even.
_GMP_BITS = 400
# Above this many bits crossing points met before are looked up (geometry/crossings.py); below it
# making one again is cheaper than the lookup.
_KNOWN_BITS = 200


def _value(form: tuple[int, ...], point: tuple[int, ...]) -> int | mpz:
    """``form . point``, exact; a GMP integer if ``point`` is large."""
    value = exact_dot(form, point)
    if point[0].bit_length() <= _GMP_BITS:
        return value
    return gmp.mpz(value)


def _crossing_point(hu: int | mpz, hw: int | mpz, u: tuple[int, ...], w: tuple[int, ...]) -> tuple[int, ...]:
    """The primitive point ``hu w - hw u`` (as Python integers) where the edge from ``u`` (value
    ``hu > 0``) to ``w`` (value ``hw < 0``) meets the hyperplane: a positive combination, so its
    homogenising coordinate stays positive."""
    point = [hu * b - hw * a for a, b in zip(u, w)]
    if type(point[0]) is int:
        return primitive(point)
    g = gmp.gcd(*point)  # positive: the point is not zero
    divexact = gmp.divexact
    return tuple([int(divexact(a, g)) for a in point])


def _crosses_at(hu: int | mpz, hw: int | mpz, u: tuple[int, ...], w: tuple[int, ...], point: tuple[int, ...]) -> bool:
    """Whether the primitive ``point`` is the primitive of ``hu w - hw u`` (see
    :func:`_crossing_point`): that is, ``hu w - hw u = g point`` for an integer ``g``."""
    g, rest = divmod(hu * w[0] - hw * u[0], point[0])
    if rest:
        return False
    for a, b, c in zip(u[1:], w[1:], point[1:]):
        if hu * b - hw * a != g * c:
            return False
    return True


def _guides_of(
    points: list[tuple[int, ...]], guides: list[np.ndarray | None], known: KnownCrossings | None
) -> np.ndarray:
    """The float guides of new points: those met before have theirs; the others are computed
    (correctly rounded) and remembered (if there is a memory)."""
    if known is None:
        return float_points(points)
    made = [i for i, g in enumerate(guides) if g is None]
    if not made:
        return np.array(guides)
    fresh = float_points([points[i] for i in made])
    for i, row in zip(made, fresh):
        known.add(points[i], row)
        guides[i] = row
    return np.array(guides)


def box_cell(lower: Sequence[tuple[int, int]], upper: Sequence[tuple[int, int]], labels) -> Cell:
    """The box ``lower <= x <= upper`` with bounds given as (numerator, denominator) pairs.

    Constraint ``2i`` is ``x_i >= lower_i`` and ``2i+1`` is ``x_i <= upper_i``.
    """
    d = len(lower)
    cons: list[tuple[int, ...]] = []
    for i, ((lp, lq), (up, uq)) in enumerate(zip(lower, upper)):
        lo_row = [-lp] + [0] * d
        lo_row[1 + i] = lq
        hi_row = [up] + [0] * d
        hi_row[1 + i] = -uq
        cons.append(primitive(lo_row))
        cons.append(primitive(hi_row))
    verts: list[tuple[int, ...]] = []
    tight: list[int] = []
    den = 1
    for (_, lq), (_, uq) in zip(lower, upper):
        den = den * lq // gcd(den, lq)
        den = den * uq // gcd(den, uq)
    for corner in range(1 << d):
        coords = [den]
        t = 0
        for i in range(d):
            if corner >> i & 1:
                p, q = upper[i]
                t |= 1 << (2 * i + 1)
            else:
                p, q = lower[i]
                t |= 1 << (2 * i)
            coords.append(p * (den // q))
        verts.append(primitive(coords))
        tight.append(t)
    return Cell(d, cons, list(labels), verts, float_points(verts), tight)


def _unpickled_cell(dim, cons, labels, verts, vf, shape, tight, touching=()) -> Cell:  # () in older checkpoints
    return Cell(dim, cons, labels, verts, unpacked(vf, shape) if vf is not None else None, tight, touching)

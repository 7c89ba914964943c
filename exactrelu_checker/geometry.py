"""A region's polytope from its certified vertex list: vertices, facets, facet volumes.

The certificate names each vertex by ``d`` constraints.  Solving them, checking the point against
every constraint and closing the list under the polytope's edges proves the list is the whole
vertex set: a polytope's graph is connected, so a nonempty vertex list that contains the far end
of every edge leaving each of its vertices is all of them.  With the complete list, faces are
vertex sets: a constraint defines a facet exactly when its tight vertex set is inclusion-maximal,
and the facets of a face are the maximal intersections with the polytope's facets, which is all a
pulling triangulation needs to compute exact facet volumes.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations, compress, repeat
from math import prod
from operator import add, mul, not_

from .linalg import abs_det, dot, null_direction, solve_point

__all__ = ["Refuted", "VertexTable", "region_facets", "facet_volume", "MAX_RAY_SUBSETS"]

MAX_RAY_SUBSETS = 20_000  # (d-1)-subsets of hyperplanes tried at one degenerate vertex before giving up


class Refuted(Exception):
    """A claim of the certificate does not hold; the message is the one-line reason."""


class VertexTable:
    """Interns homogeneous points so that one point has one integer id in every region."""

    def __init__(self) -> None:
        self.ids: dict[tuple, int] = {}
        self.coords: list[tuple] = []
        self.solved: dict[frozenset, tuple] = {}  # d hyperplanes -> the point where they meet

    def id(self, point: tuple) -> int:
        vid = self.ids.get(point)
        if vid is None:
            vid = self.ids[point] = len(self.coords)
            self.coords.append(point)
        return vid


def region_facets(where: str, cons: list, hyper: list, bases, d: int, table: VertexTable) -> dict:
    """Verify the vertex list of the polytope ``{x : every form in cons >= 0}`` and derive its facets.

    ``hyper[t]`` is constraint ``t``'s hyperplane (its form up to sign), the key under which
    vertices are solved once for all regions.  Returns ``{oriented primitive form: (frozenset of
    vertex ids, first constraint index)}``.  The polytope must be known to be full-dimensional (a
    strictly interior point was checked)."""
    n = len(cons)
    columns = list(zip(*cons))
    tight_of: dict[int, frozenset] = {}  # vertex id -> the constraints tight there
    name: dict[int, int] = {}  # vertex id -> its first position in the list, for messages
    for v, basis in enumerate(bases):
        key = frozenset([hyper[t] for t in basis if t < n])
        point = table.solved.get(key)
        if point is None:
            if len(set(basis)) != d or max(basis) >= n:
                raise Refuted(f"{where}: vertex {v} names constraints that repeat or are not in its list of {n}")
            point = solve_point([cons[t] for t in basis])
            if point is None:
                raise Refuted(f"{where}: vertex {v} names constraints with dependent gradients")
            table.solved[key] = point
        vid = table.id(point)
        if vid in tight_of:
            continue
        values = list(map(mul, columns[0], repeat(point[0])))
        for column, x in zip(columns[1:], point[1:]):
            values = list(map(add, values, map(mul, column, repeat(x))))
        if min(values) < 0:
            raise Refuted(f"{where}: vertex {v} violates constraint {next(t for t in range(n) if values[t] < 0)}")
        tight_of[vid] = frozenset(compress(range(n), map(not_, values)))
        name[vid] = v
    on: list[list] = [[] for _ in cons]  # constraint -> the vertices tight on it
    ridges: dict[frozenset, int] = {}  # d-1 constraints -> how many simple vertices are tight on them
    for vid, tight in tight_of.items():
        for t in tight:
            on[t].append(vid)
        if len(tight) == d:
            for t in tight:
                ridge = tight - {t}
                ridges[ridge] = ridges.get(ridge, 0) + 1
    for vid, tight in tight_of.items():
        if len(tight) == d:  # simple vertex: each edge frees one constraint
            ends = [tight - {t} for t in tight]
        else:
            ends = _rays(where, name[vid], tight, cons, d)
        for zero in ends:
            if ridges.get(zero, 0) > 1:
                continue  # a second simple vertex ends this edge
            candidates = min((on[t] for t in zero), key=len) if zero else tight_of
            if not any(w != vid and zero <= tight_of[w] for w in candidates):
                raise Refuted(f"{where}: the vertex list is incomplete: an edge from vertex {name[vid]} "
                              "ends at no listed vertex")
    facets: dict[tuple, tuple] = {}
    for t, form in enumerate(cons):
        ids = on[t]
        if not ids or form in facets or not any(form[1:]):
            continue
        common = frozenset.intersection(*[tight_of[w] for w in ids])
        if all(len(on[s]) == len(ids) for s in common if any(cons[s][1:])):  # maximal: a facet
            facets[form] = (frozenset(ids), t)
    return facets


def _rays(where: str, v: int, tight: frozenset, cons: list, d: int) -> set:
    """The edges at a degenerate vertex: for each extreme ray of the tangent cone ``{u : g . u >= 0}``
    (a null direction of d-1 tight gradients on which all tight gradients have one sign), the set of
    tight constraints vanishing on it."""
    groups: dict[tuple, list] = {}  # tight constraints on one hyperplane are one primitive form
    for t in tight:
        groups.setdefault(cons[t], []).append(t)
    forms = list(groups)
    ends = set()
    for count, subset in enumerate(combinations(forms, d - 1)):
        if count == MAX_RAY_SUBSETS:
            raise Refuted(f"{where}: vertex {v} is too degenerate for this checker")
        u = null_direction([f[1:] for f in subset], d)
        if u is not None:
            signs = [dot(f[1:], u) for f in forms]
            if not min(signs) < 0 < max(signs):
                ends.add(frozenset(t for f, s in zip(forms, signs) if not s for t in groups[f]))
    return ends


def facet_volume(facet: frozenset, facet_sets: list, coords: list, drop: int) -> Fraction:
    """(d-1)! times the volume of the facet projected along coordinate ``drop`` (1..d), by a pulling
    triangulation of its face lattice (``facet_sets``: the vertex sets of the polytope's facets)."""
    total = Fraction(0)
    for simplex in _pulling(facet, facet_sets, {}):
        rows = [coords[v][:drop] + coords[v][drop + 1:] for v in simplex]
        total += Fraction(abs_det(rows), prod(coords[v][0] for v in simplex))
    return total


def _pulling(face: frozenset, facet_sets: list, memo: dict) -> list:
    if len(face) == 1:
        return [tuple(face)]
    if face in memo:
        return memo[face]
    apex = min(face)
    sub = {face & g for g in facet_sets if not face <= g}
    sub.discard(frozenset())
    out = []
    for f in sub:
        if apex not in f and not any(f < g for g in sub):
            out.extend(s + (apex,) for s in _pulling(f, facet_sets, memo))
    memo[face] = out
    return out

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
from itertools import combinations
from math import prod

from .linalg import abs_det, dot, null_direction, solve_point

__all__ = ["Refuted", "VertexTable", "region_facets", "facet_volume", "MAX_RAY_SUBSETS"]

MAX_RAY_SUBSETS = 200_000  # (d-1)-subsets tried at one degenerate vertex before giving up


class Refuted(Exception):
    """A claim of the certificate does not hold; the message is the one-line reason."""


class VertexTable:
    """Interns homogeneous points so that one point has one integer id in every region."""

    def __init__(self) -> None:
        self.ids: dict[tuple, int] = {}
        self.coords: list[tuple] = []

    def id(self, point: tuple) -> int:
        vid = self.ids.get(point)
        if vid is None:
            vid = self.ids[point] = len(self.coords)
            self.coords.append(point)
        return vid


def region_facets(where: str, cons: list, bases, d: int, table: VertexTable) -> dict:
    """Verify the vertex list of the polytope ``{x : every form in cons >= 0}`` and derive its facets.

    Returns ``{oriented primitive form: (frozenset of vertex ids, first constraint index)}``.  The
    polytope must be known to be full-dimensional (a strictly interior point was checked)."""
    tight_of: dict[tuple, frozenset] = {}
    name: dict[tuple, int] = {}
    n = len(cons)
    for v, basis in enumerate(bases):
        if len(set(basis)) != d or max(basis) >= n:
            raise Refuted(f"{where}: vertex {v} names constraints that repeat or are not in its list of {n}")
        point = solve_point([cons[t] for t in basis])
        if point is None:
            raise Refuted(f"{where}: vertex {v} names constraints with dependent gradients")
        if point in tight_of:
            continue
        tight = []
        for t, form in enumerate(cons):
            value = dot(form, point)
            if value < 0:
                raise Refuted(f"{where}: vertex {v} violates constraint {t}")
            if not value:
                tight.append(t)
        tight_of[point] = frozenset(tight)
        name[point] = v
    on: list[list] = [[] for _ in cons]
    for point, tight in tight_of.items():
        for t in tight:
            on[t].append(point)

    def reached(point, zero: frozenset) -> bool:  # another vertex tight on every constraint in zero
        candidates = min((on[t] for t in zero), key=len) if zero else tight_of
        return any(w != point and zero <= tight_of[w] for w in candidates)

    for point, tight in tight_of.items():
        groups: dict[tuple, list] = {}  # tight constraints on one hyperplane are one primitive form
        for t in tight:
            groups.setdefault(cons[t], []).append(t)
        forms = list(groups)
        if len(forms) == d:  # simple vertex: each edge frees one hyperplane
            ends = [tight.difference(groups[f]) for f in forms]
        else:  # degenerate: the extreme rays of the tangent cone {u : g . u >= 0}
            ends = set()
            for count, subset in enumerate(combinations(forms, d - 1)):
                if count == MAX_RAY_SUBSETS:
                    raise Refuted(f"{where}: vertex {name[point]} is too degenerate for this checker")
                u = null_direction([f[1:] for f in subset], d)
                if u is None:
                    continue
                signs = [dot(f[1:], u) for f in forms]
                if min(signs) < 0 < max(signs):
                    continue
                ends.add(frozenset(t for f, s in zip(forms, signs) if not s for t in groups[f]))
        for zero in ends:
            if not reached(point, zero):
                raise Refuted(f"{where}: the vertex list is incomplete: an edge from vertex {name[point]} "
                              "ends at no listed vertex")

    facets: dict[tuple, tuple] = {}
    for t, form in enumerate(cons):
        points = on[t]
        if not points or form in facets or not any(form[1:]):
            continue
        common = frozenset.intersection(*(tight_of[w] for w in points))
        if all(len(on[s]) == len(points) for s in common if any(cons[s][1:])):
            facets[form] = (frozenset(table.id(w) for w in points), t)
    return facets


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

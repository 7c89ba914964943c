"""Exact adjacency: which regions share a (d-1)-dimensional facet.

Two regions are adjacent exactly when each has a facet on one hyperplane ``H``, on opposite sides,
and the two facets overlap in a (d-1)-dimensional set.  Facets are grouped by their primitive
hyperplane.  Within a group:

* facets with the *same exact vertex set* on both sides are the same polytope, hence a shared
  facet; that facet is then fully covered, so neither takes part in any other pair.  In layered
  networks the hyperplanes of later neurons are continuous across ``H``, so this settles almost
  every pair with hashing alone;
* the rest are paired by bounding boxes (widened by a proven bound on float rounding, so no true
  pair is lost) and decided exactly: *reject* if a facet constraint of one region is ``<= 0`` at
  every vertex of the other's facet; *accept* if the relative-interior point of one facet is
  strictly inside the other region's other facets; otherwise clip one facet by the other region's
  constraints in exact double description and test the dimension of what is left.

Every adjacency carries a rational point in the relative interior of the shared facet, strictly
inside every other constraint of both regions (computed when first asked for).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..geometry.cell import Cell
from ..geometry.exact import exact_dot, mean_point
from ..geometry.predicates import filtered_signs, float_points, float_rows
from ..region import Adjacency
from .facets import FacetData
from .walk import RawRegion

__all__ = ["find_adjacencies", "identical_pairs", "FacetMatcher", "Matched", "Pair", "FacetRef"]

_BOX_PAD = 2.0**-50  # relative widening: correctly rounded coordinates are within 2**-53
_BOX_ABS = 2.0**-1000


Pair = tuple[int, int, int, int]  # (region, facet) on the plus side of the hyperplane, then the minus side


FacetRef = tuple[int, int]  # (region, facet index)


@dataclass(slots=True)
class Matched:
    """Shared facets matched already (:class:`FacetMatcher`) and the facets left open, by position."""

    pairs: list[Pair]
    unmatched: list[FacetRef]


class FacetMatcher:
    """The shared facets found by hashing alone, as regions arrive: a facet is shared with the
    facet on the other side of its hyperplane that has the same exact vertex set (then both are
    covered: neither meets any other facet).  Facets on the domain's boundary need no match.

    A vertex set is compared as the set of the exact vertices, or of their numbers in one
    :class:`~exactrelu.engines.vertex_pool.VertexPool` (equal numbers exactly when the vertices are
    equal; hashing small numbers is cheap): every region of one matcher is given the one or the other."""

    def __init__(self) -> None:
        self.pairs: list[Pair] = []
        # (hyperplane, side, vertex set) -> the facet waiting there
        self._open: dict[tuple, tuple[int, int, FacetData]] = {}
        self._waiting: dict[int, int] = {}  # region -> how many of its facets wait for a match
        self._numbered: bool | None = None  # vertex sets as numbers (from one pool), or as vertices

    def offer(self, r: int, fi: int, f: FacetData, vertices: frozenset | None = None) -> FacetRef | None:
        """Match facet ``fi`` of region ``r`` (not on the boundary), whose vertex set is ``vertices``
        (default: its exact vertices): the waiting facet it meets, else None (it waits)."""
        if vertices is None:
            vertices = f.vertex_set()
        other = self._open.pop((f.key, -f.side, vertices), None)
        if other is None:
            self._open[(f.key, f.side, vertices)] = (r, fi, f)
            return None
        s, fj, g = other
        f.key = g.key  # equal: the two facets keep one hyperplane between them
        self.pairs.append((r, fi, s, fj) if f.side > 0 else (s, fj, r, fi))
        return s, fj

    def add(
        self,
        r: int,
        facets: list[FacetData],
        open_facets: Iterable[int] | None = None,
        numbers: Sequence[int] | None = None,
    ) -> list[int]:
        """Match region ``r``'s facets (or those of them listed in ``open_facets``: the others are
        matched already) with those seen so far; the regions (``r`` among them) whose every facet is
        now matched or on the boundary.  ``numbers``: the region's vertices' numbers in the pool
        every region of this matcher is numbered by."""
        if self._numbered is None:
            self._numbered = numbers is not None
        assert self._numbered == (numbers is not None), "one matcher, one way of naming vertices"
        settled = []
        waiting = 0
        for fi in range(len(facets)) if open_facets is None else open_facets:
            f = facets[fi]
            if f.on_boundary:
                continue
            named = frozenset([numbers[i] for i in f.vertices]) if numbers is not None else None
            other = self.offer(r, fi, f, named)
            if other is None:
                waiting += 1
                continue
            s = other[0]
            self._waiting[s] -= 1
            if not self._waiting[s]:
                del self._waiting[s]
                settled.append(s)
        if waiting:
            self._waiting[r] = waiting
        else:
            settled.append(r)
        return settled

    def unmatched(self) -> list[FacetRef]:
        """The facets still waiting: the only ones that may meet regions not added here."""
        return [(r, fi) for r, fi, _ in self._open.values()]


def identical_pairs(facets: list[list[FacetData]]) -> tuple[list[Pair], list[FacetRef]]:
    """The shared facets among these regions found by hashing alone (:class:`FacetMatcher`): a part
    of :func:`find_adjacencies`' answer that needs only these regions, so workers can find it for
    the regions they walked; and the facets left open, the only ones that may meet other regions."""
    matcher = FacetMatcher()
    for r, fs in enumerate(facets):
        matcher.add(r, fs)
    return matcher.pairs, matcher.unmatched()


def find_adjacencies(
    raws: list[RawRegion],
    facets: list[list[FacetData]],
    known: list[Pair] | None = None,
    unmatched: list[FacetRef] | None = None,
) -> list[Adjacency]:
    """Every pair of regions sharing a facet.  With ``known`` pairs and the ``unmatched`` facets
    (:func:`identical_pairs` on parts of the regions, all of them covered), only the unmatched
    facets are matched here."""
    found: list[Adjacency] = []
    if unmatched is None:  # nothing matched yet: every facet off the domain's boundary (nothing lies across there)
        unmatched = [(r, fi) for r, fs in enumerate(facets) for fi, f in enumerate(fs) if not f.on_boundary]
    matcher = FacetMatcher()
    for r, fi in unmatched:
        matcher.offer(r, fi, facets[r][fi])
    for r, fi, s, fj in (known or []) + matcher.pairs:
        _record(found, r, fi, s, fj, None, facets[r][fi])
    tests: dict[int, _RegionTests] = {}

    def tester(r: int) -> _RegionTests:
        t = tests.get(r)
        if t is None:
            t = tests[r] = _RegionTests(raws[r], facets[r])
        return t

    for rest_plus, rest_minus in _grouped(facets, matcher.unmatched()).values():
        if not rest_plus or not rest_minus:
            continue
        lo_m, hi_m = _boxes(raws, facets, rest_minus)
        lo_p, hi_p = _boxes(raws, facets, rest_plus)
        for a, (r, fi) in enumerate(rest_plus):
            overlap = np.all((lo_m <= hi_p[a]) & (hi_m >= lo_p[a]), axis=1)
            for b in np.flatnonzero(overlap):
                s, fj = rest_minus[b]
                point = _shared_point(tester(r), fi, tester(s), fj)
                if point is not None:
                    _record(found, r, fi, s, fj, point, None)
    found.sort(key=lambda e: (e.first, e.second, e.first_facet, e.second_facet))
    return found


def _grouped(facets: list[list[FacetData]], entries: Iterable[FacetRef]) -> dict[tuple[int, ...], tuple[list, list]]:
    """The facets ``entries`` by hyperplane: ``key -> (plus side, minus side)``."""
    groups: dict[tuple[int, ...], tuple[list, list]] = {}
    for r, fi in entries:
        f = facets[r][fi]
        plus, minus = groups.setdefault(f.key, ([], []))
        (plus if f.side > 0 else minus).append((r, fi))
    return groups


def _record(found, r, fi, s, fj, point, source) -> None:
    if r < s:
        found.append(Adjacency(r, s, fi, fj, point, source))
    else:
        found.append(Adjacency(s, r, fj, fi, point, source))


def _boxes(raws, facets, entries):
    lows, highs = [], []
    for r, fi in entries:
        vf = raws[r].cell.guides()[facets[r][fi].vertices, 1:]
        pad = np.abs(vf).max(axis=0) * _BOX_PAD + _BOX_ABS
        lows.append(vf.min(axis=0) - pad)
        highs.append(vf.max(axis=0) + pad)
    return np.array(lows), np.array(highs)


class _RegionTests:
    """Per-region data for the pair tests, computed once."""

    __slots__ = ("raw", "facets", "rows", "rows_f", "vertex_index")

    def __init__(self, raw: RawRegion, facets: list[FacetData]):
        self.raw = raw
        self.facets = facets
        self.rows = [f.row for f in facets]
        self.rows_f = float_rows(self.rows)
        self.vertex_index = {v: i for i, v in enumerate(raw.cell.verts)}

    def signs_at(self, other: _RegionTests, fj: int) -> np.ndarray:
        """Exact signs of this region's facet forms at the vertices of ``other``'s facet ``fj``.

        A vertex this region shares is settled by its tight set; others by the float filter, then
        exact integers."""
        cell = other.raw.cell
        idx = other.facets[fj].vertices
        signs, unsure = filtered_signs(self.rows_f, cell.guides()[idx])
        own_cell = self.raw.cell
        for col, v in enumerate(idx):
            vert = cell.verts[v]
            mine = self.vertex_index.get(vert)
            if mine is not None:
                t = own_cell.tight[mine]
                for g, f in enumerate(self.facets):
                    signs[g, col] = 0 if (t >> f.constraints[0]) & 1 else 1
            elif unsure[:, col].any():
                for g in np.flatnonzero(unsure[:, col]).tolist():
                    value = exact_dot(self.rows[g], vert)
                    signs[g, col] = (value > 0) - (value < 0)
        return signs


def _shared_point(R: _RegionTests, fi: int, S: _RegionTests, fj: int) -> tuple[int, ...] | None:
    # 1. separation by a facet hyperplane of either region
    for own, sig in ((fi, R.signs_at(S, fj)), (fj, S.signs_at(R, fi))):
        for g in range(sig.shape[0]):
            if g != own and not (sig[g] > 0).any():
                return None
    # 2. a relative-interior point of one facet strictly inside the other region's other facets
    for T, own, point in ((R, fi, S.facets[fj].point), (S, fj, R.facets[fi].point)):
        if _strictly_inside_others(T, own, point):
            return point
    # 3. exact clipping of R's facet by S's facet constraints
    cell = R.raw.cell
    idx = R.facets[fi].vertices
    face = Cell(
        cell.dim,
        list(cell.cons),
        list(cell.labels),
        [cell.verts[i] for i in idx],
        cell.guides()[idx],
        [cell.tight[i] for i in idx],
    )
    for g, row in enumerate(S.rows):
        if g == fj:
            continue
        face = face.clip(row, ("other", g))
        if len(face.verts) < face.dim or face.affine_dimension() < face.dim - 1:
            return None
    return mean_point(face.verts)


def _strictly_inside_others(T: _RegionTests, own: int, point: tuple[int, ...]) -> bool:
    signs, unsure = filtered_signs(T.rows_f, float_points([point]))
    for g in range(len(T.rows)):
        if g == own:
            continue
        if unsure[g, 0]:
            if exact_dot(T.rows[g], point) <= 0:
                return False
        elif signs[g, 0] < 0:
            return False
    return True

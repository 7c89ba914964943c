"""Exact adjacency: which regions share a (d-1)-dimensional facet.

Two regions are adjacent exactly when each has a facet on one hyperplane ``H``, on opposite sides,
and the two facets overlap in a (d-1)-dimensional set.  Facets are grouped by their primitive
hyperplane; candidate pairs are those whose bounding boxes overlap (boxes widened by a proven
float rounding bound, so no true pair is lost); each candidate is decided exactly:

1. *reject* if a facet constraint of one region is ``<= 0`` at every vertex of the other's facet
   (the overlap then lies in a lower-dimensional set);
2. *accept* if the relative-interior point of one facet is strictly inside every other facet
   constraint of the other region;
3. otherwise clip one facet by the other region's constraints in exact double description and
   test the dimension of what is left.

Each accepted pair records a rational point in the relative interior of the shared part, strictly
inside every other constraint of both regions: the witness continuity proofs use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .enumerate import RawRegion
from .facets import FacetData, mean_point
from .polytope import Cell
from .predicates import float_points, float_rows, sign_matrix

__all__ = ["Adjacency", "find_adjacencies"]

_BOX_PAD = 2.0**-50  # relative widening: correctly rounded coordinates are within 2**-53
_BOX_ABS = 2.0**-1000


@dataclass(frozen=True, slots=True)
class Adjacency:
    first: int  # region index (first < second)
    second: int
    first_facet: int  # facet index within each region
    second_facet: int
    point: tuple[int, ...]  # homogeneous point in the relative interior of the shared facet


def find_adjacencies(raws: list[RawRegion], facets: list[list[FacetData]]) -> list[Adjacency]:
    groups: dict[tuple[int, ...], tuple[list, list]] = {}
    for r, fs in enumerate(facets):
        for fi, f in enumerate(fs):
            if any(c[0] == "domain" for c in f.carriers):
                continue  # on the domain's boundary: nothing lies across
            plus, minus = groups.setdefault(f.key, ([], []))
            (plus if f.side > 0 else minus).append((r, fi))
    boxes = {}

    def box(r, fi):
        got = boxes.get((r, fi))
        if got is None:
            vf = raws[r].cell.vf[facets[r][fi].vertices, 1:]
            lo, hi = vf.min(axis=0), vf.max(axis=0)
            pad = np.abs(vf).max(axis=0) * _BOX_PAD + _BOX_ABS
            got = boxes[(r, fi)] = (lo - pad, hi + pad)
        return got

    deciders = [_RegionTests(raw, fs) for raw, fs in zip(raws, facets)]
    found: list[Adjacency] = []
    for key, (plus, minus) in groups.items():
        if not plus or not minus:
            continue
        lo_p = np.array([box(*e)[0] for e in plus])
        hi_p = np.array([box(*e)[1] for e in plus])
        lo_m = np.array([box(*e)[0] for e in minus])
        hi_m = np.array([box(*e)[1] for e in minus])
        for a, (r, fi) in enumerate(plus):
            overlap = np.all((lo_m <= hi_p[a]) & (hi_m >= lo_p[a]), axis=1)
            for b in np.flatnonzero(overlap):
                s, fj = minus[b]
                point = _shared_point(deciders[r], fi, deciders[s], fj)
                if point is not None:
                    if r < s:
                        found.append(Adjacency(r, s, fi, fj, point))
                    else:
                        found.append(Adjacency(s, r, fj, fi, point))
    found.sort(key=lambda e: (e.first, e.second, e.first_facet, e.second_facet))
    return found


class _RegionTests:
    """Per-region data for the pair tests, computed once."""

    __slots__ = ("raw", "facets", "rows", "rows_f", "verts", "vf")

    def __init__(self, raw: RawRegion, facets: list[FacetData]):
        self.raw = raw
        self.facets = facets
        self.rows = [f.row for f in facets]
        self.rows_f = float_rows(self.rows)
        self.verts = raw.cell.verts
        self.vf = raw.cell.vf

    def signs_at(self, other: "_RegionTests", fj: int) -> np.ndarray:
        """Signs of this region's facet forms at the vertices of ``other``'s facet ``fj``."""
        idx = other.facets[fj].vertices
        return sign_matrix(self.rows, self.rows_f, [other.verts[i] for i in idx], other.vf[idx])


def _shared_point(R: _RegionTests, fi: int, S: _RegionTests, fj: int) -> tuple[int, ...] | None:
    # 1. separation by a facet hyperplane of either region
    sig_r = R.signs_at(S, fj)
    sig_s = S.signs_at(R, fi)
    for sig, own in ((sig_r, fi), (sig_s, fj)):
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
    face = Cell(cell.dim, list(cell.cons), list(cell.labels), [cell.verts[i] for i in idx], cell.vf[idx],
                [cell.tight[i] for i in idx])
    for g, row in enumerate(S.rows):
        if g == fj:
            continue
        face = face.clip(row, ("other", g))
        if len(face.verts) < face.dim or face.affine_dimension() < face.dim - 1:
            return None
    return mean_point(face.verts)


def _strictly_inside_others(T: _RegionTests, own: int, point: tuple[int, ...]) -> bool:
    sig = sign_matrix(T.rows, T.rows_f, [point], float_points([point]))[:, 0]
    return all(s > 0 for g, s in enumerate(sig) if g != own)

"""Irredundant facets of an enumerated region, the hyperplanes carrying them, and witness points.

A constraint is a facet when the vertices tight on it span a hyperplane (see
:meth:`Cell.facet_indices`).  Constraints on one hyperplane are merged into one facet.  A neuron
carries a facet when its form vanishes at a relative-interior point of the facet: every neuron
form has one sign on the region, so vanishing at one relative-interior point means vanishing on
the whole facet.  The neurons whose split created the facet carry it by construction; every other
neuron is ruled out by the float filter or, where that cannot decide, by an exact evaluation.
"""

from __future__ import annotations

from fractions import Fraction
import math
from math import lcm

import numpy as np

from .enumerate import RawRegion
from .polytope import Cell, primitive
from .predicates import exact_dot, filtered_signs

__all__ = ["FacetData", "hyperplane_key", "region_facets", "mean_point", "witness_point"]


class FacetData:
    """A facet as the pipeline sees it; its exact relative-interior point is computed on demand."""

    __slots__ = ("key", "side", "row", "constraints", "vertices", "carriers", "_cell", "_point")

    def __init__(self, key, side, row, constraints, vertices, cell: Cell):
        self.key = key  # primitive hyperplane, first nonzero normal entry positive
        self.side = side  # +1 if the region lies where key . (1, x) >= 0
        self.row = row  # the region's constraint (region on the >= 0 side), primitive
        self.constraints = constraints  # indices into the cell's constraint list
        self.vertices = vertices  # indices into the cell's vertices
        self.carriers: list[tuple] = []
        self._cell = cell
        self._point = None

    @property
    def point(self) -> tuple[int, ...]:
        """Homogeneous point in the facet's relative interior (the mean of its vertices)."""
        if self._point is None:
            self._point = mean_point([self._cell.verts[i] for i in self.vertices])
        return self._point

    def vertex_set(self) -> frozenset:
        verts = self._cell.verts
        return frozenset(verts[i] for i in self.vertices)


def hyperplane_key(row: tuple[int, ...]) -> tuple[tuple[int, ...], int]:
    row = primitive(row)
    for a in row[1:]:
        if a:
            return (row, 1) if a > 0 else (tuple(-v for v in row), -1)
    raise ValueError("constraint has a zero normal")


def mean_point(verts: list[tuple[int, ...]]) -> tuple[int, ...]:
    """The exact average of homogeneous points, as a primitive homogeneous point."""
    den = lcm(*(v[0] for v in verts))
    total = [0] * len(verts[0])
    for v in verts:
        scale = den // v[0]
        for i, a in enumerate(v):
            total[i] += scale * a
    return primitive(total)


def region_facets(raw: RawRegion) -> list[FacetData]:
    cell = raw.cell
    groups: dict[tuple[int, ...], FacetData] = {}
    for k in cell.facet_indices():
        key, side = hyperplane_key(cell.cons[k])
        found = groups.get(key)
        if found is not None:
            found.constraints.append(k)
            continue
        groups[key] = FacetData(key, side, primitive(cell.cons[k]), [k], cell.vertices_on(k), cell)
    facets = list(groups.values())
    _assign_carriers(raw, facets)
    return facets


def _assign_carriers(raw: RawRegion, facets: list[FacetData]) -> None:
    cell = raw.cell
    known: set[tuple[int, int]] = set()
    for fi, f in enumerate(facets):
        carriers = set()
        for k in f.constraints:
            label = cell.labels[k]
            if label[0] == "domain":
                carriers.add(label)
            elif label[0] == "neuron":
                carriers.add(label[:3])
        f.carriers = sorted(carriers)
        known.update((fi, c[1], c[2]) if c[0] == "neuron" else (fi, -1, c[1]) for c in carriers)
    if not raw.forms:
        return
    offsets = np.cumsum([0] + [len(forms.rows) for forms in raw.forms])
    floats = np.concatenate([forms.floats for forms in raw.forms])
    _, unsure = filtered_signs(floats, cell.vf)  # proven nonzero somewhere on a facet: no carrier
    incidence = np.zeros((len(cell.verts), len(facets)))
    for fi, f in enumerate(facets):
        incidence[f.vertices, fi] = 1.0
    unsure_count = unsure.astype(np.float64) @ incidence  # small integers: exact in float64
    sizes = incidence.sum(axis=0)
    for i, fi in zip(*np.nonzero(unsure_count == sizes)):
        k = int(np.searchsorted(offsets, i, side="right")) - 1
        j = int(i - offsets[k])
        if (fi, k, j) in known:
            continue
        row = raw.forms[k].rows[j]
        f = facets[fi]
        if any(row) and all(exact_dot(row, cell.verts[v]) == 0 for v in f.vertices):
            f.carriers.append(("neuron", k, j))
    for f in facets:
        f.carriers.sort()


def witness_point(raw: RawRegion, facets: list[FacetData]) -> tuple[Fraction, ...]:
    """A short rational point strictly inside the region.

    The float centroid of the vertices is rounded to a few denominators and checked exactly
    against every facet; the exact centroid of the vertices is the fallback (always interior).
    """
    cell = raw.cell
    centre = cell.vf[:, 1:].mean(axis=0)
    rows = [f.row for f in facets]

    def inside(homogeneous: tuple[int, ...]) -> bool:
        return all(exact_dot(row, homogeneous) > 0 for row in rows)

    coords = cell.vf[:, 1:]
    width = float((coords.max(axis=0) - coords.min(axis=0)).min())
    for limit in (12, 100):  # small denominators first: the points users read
        if width * limit < 2:
            break
        point = tuple(Fraction(float(c)).limit_denominator(limit) for c in centre)
        den = lcm(*(v.denominator for v in point))
        if inside((den, *(int(v * den) for v in point))):
            return point
    start = max(4, 3 - math.floor(math.log2(width))) if width > 0 else 52
    for bits in (start, start + 8, start + 20, start + 40):
        scale = 1 << bits
        nums = [int(round(c * scale)) for c in centre]
        if inside((scale, *nums)):
            return tuple(Fraction(a, scale) for a in nums)
    exact = mean_point(cell.verts)
    return tuple(Fraction(a, exact[0]) for a in exact[1:])

"""Irredundant facets of an enumerated region, the hyperplanes carrying them, and witness points.

A constraint is a facet when the vertices tight on it span a hyperplane (see
:meth:`Cell.facet_indices`).  Constraints on one hyperplane are merged into one facet.  A neuron
carries a facet when its form vanishes at a relative-interior point of the facet: every neuron
form has one sign on the region, so vanishing at one relative-interior point means vanishing on
the whole facet.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import lcm

import numpy as np

from .enumerate import RawRegion
from .polytope import primitive
from .predicates import exact_dot, float_points, sign_matrix

__all__ = ["FacetData", "hyperplane_key", "region_facets", "mean_point", "witness_point"]


@dataclass(slots=True)
class FacetData:
    key: tuple[int, ...]  # primitive hyperplane, first nonzero normal entry positive
    side: int  # +1 if the region lies where key . (1, x) >= 0
    row: tuple[int, ...]  # the region's constraint (region on the >= 0 side)
    constraints: list[int]  # indices into the cell's constraint list
    vertices: list[int]  # indices into the cell's vertices
    point: tuple[int, ...]  # homogeneous point in the facet's relative interior
    carriers: list[tuple]


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
        on = cell.vertices_on(k)
        point = mean_point([cell.verts[i] for i in on])
        groups[key] = FacetData(key, side, primitive(cell.cons[k]), [k], on, point, [])
    facets = list(groups.values())
    _assign_carriers(raw, facets)
    return facets


def _assign_carriers(raw: RawRegion, facets: list[FacetData]) -> None:
    cell = raw.cell
    for f in facets:
        f.carriers = sorted({cell.labels[k] for k in f.constraints if cell.labels[k][0] == "domain"})
    if not raw.forms:
        return
    rows = [row for forms in raw.forms for row in forms.rows]
    names = [("neuron", k, j) for k, forms in enumerate(raw.forms) for j in range(len(forms.rows))]
    floats = np.concatenate([forms.floats for forms in raw.forms])
    points = [f.point for f in facets]
    signs = sign_matrix(rows, floats, points, float_points(points))
    zero_rows = {i for i, row in enumerate(rows) if not any(row)}
    for i, j in zip(*np.nonzero(signs == 0)):
        if i not in zero_rows:
            facets[j].carriers.append(names[i])


def witness_point(raw: RawRegion, facets: list[FacetData]) -> tuple[Fraction, ...]:
    """A short rational point strictly inside the region.

    The float centroid of the vertices is rounded to ever finer rationals and checked exactly
    against every facet; the exact centroid of the vertices is the fallback (always interior).
    """
    cell = raw.cell
    centre = cell.vf[:, 1:].mean(axis=0)
    rows = [f.row for f in facets]

    def inside(point: tuple[Fraction, ...]) -> bool:
        den = lcm(*(v.denominator for v in point))
        homogeneous = (den, *(int(v * den) for v in point))
        return all(exact_dot(row, homogeneous) > 0 for row in rows)

    floats = [Fraction(float(c)) for c in centre]
    for limit in (10, 100, 10**4, 10**6, 10**9, 10**12):
        point = tuple(v.limit_denominator(limit) for v in floats)
        if inside(point):
            return point
    if inside(tuple(floats)):
        return tuple(floats)
    exact = mean_point(cell.verts)
    return tuple(Fraction(a, exact[0]) for a in exact[1:])

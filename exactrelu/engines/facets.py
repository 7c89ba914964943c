"""Facets of a region, whichever engine found it: grouping by hyperplane and carriers.

Constraints on one hyperplane are merged into one facet.  A neuron carries a facet when its form
vanishes at a relative-interior point of the facet: every neuron form keeps one sign on the region,
so vanishing at one relative-interior point means vanishing on the whole facet.  The constraints of
the facet name their own carriers (the domain rows and the neurons whose split made them); every
other neuron is a candidate only where the engine's float filter cannot rule it out, and each
candidate is then decided by one exact evaluation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction

import numpy as np

from ..geometry.exact import dehomogenize, exact_dot, hyperplane_key, mean_point
from ..geometry.rounding import short_point_inside
from ..region import Carrier
from .forms import LayerForms

__all__ = ["FacetData", "group_facets", "assign_carriers", "vertex_witness"]


class FacetData:
    """A facet as the engines see it; its relative-interior point may be computed on demand."""

    __slots__ = ("key", "side", "constraints", "vertices", "carriers", "_point", "_cell_vertices")

    def __init__(
        self,
        key: tuple[int, ...],
        side: int,
        constraints: Sequence[int],
        vertices: Sequence[int] = (),
        point: tuple[int, ...] | None = None,
        cell_vertices: Sequence[tuple[int, ...]] | None = None,
    ):
        self.key = key  # primitive hyperplane, first nonzero normal entry positive
        self.side = side  # +1 if the region lies where key . (1, x) >= 0
        self.constraints = constraints  # indices into the cell's constraint list
        self.vertices = vertices  # indices into the cell's vertices (vertex engine only)
        self.carriers: tuple[Carrier, ...] = ()
        self._point = point
        self._cell_vertices = cell_vertices  # the cell's vertices, for the mean point on demand

    def __reduce__(self):  # plain values: pickled twice as fast as by slots
        return _unpickled_facet, (
            self.key,
            self.side,
            self.constraints,
            self.vertices,
            self.carriers,
            self._point,
            self._cell_vertices,
        )

    @property
    def row(self) -> tuple[int, ...]:
        """The region's constraint (the region on its >= 0 side), primitive: ``key`` or ``-key``
        (made when asked: the two facets of a shared hyperplane keep one ``key`` between them)."""
        return self.key if self.side > 0 else tuple(-a for a in self.key)

    @property
    def point(self) -> tuple[int, ...]:
        """Homogeneous point in the facet's relative interior (given, or the mean of its vertices)."""
        if self._point is None:
            assert self._cell_vertices is not None, "a facet without vertices needs its point"
            self._point = mean_point([self._cell_vertices[i] for i in self.vertices])
        return self._point

    def drop_vertices(self) -> None:
        """Forget what only matching needed (its region's cell was dropped, the facet is matched):
        the hyperplane, side and carriers stay."""
        self.vertices = ()
        self._cell_vertices = None
        self.constraints = ()

    def vertex_set(self) -> frozenset[tuple[int, ...]]:
        """The facet's exact vertices (vertex engine only)."""
        assert self._cell_vertices is not None
        verts = self._cell_vertices
        return frozenset(verts[i] for i in self.vertices)

    @property
    def on_boundary(self) -> bool:
        return any(c[0] == "domain" for c in self.carriers)


def _unpickled_facet(key, side, constraints, vertices, carriers, point, cell_vertices) -> FacetData:
    facet = FacetData(key, side, constraints, vertices, point, cell_vertices)
    facet.carriers = carriers
    return facet


def group_facets(
    rows: Sequence[tuple[int, ...]], indices: Iterable[int]
) -> dict[tuple[int, ...], tuple[int, list[int]]]:
    """The constraint ``indices`` grouped by the hyperplane of ``rows[index]`` (first seen first):
    ``key -> (side of the first member, members)``."""
    groups: dict[tuple[int, ...], tuple[int, list[int]]] = {}
    for i in indices:
        key, side = _known_hyperplane_key(rows[i])
        found = groups.get(key)
        if found is None:
            groups[key] = (side, [i])
        else:
            found[1].append(i)
    return groups


# Regions share most of their constraint rows (the same tuple objects, inherited from the cells they
# were split from): their hyperplane keys are remembered by identity, each entry holding its row so
# that the identity cannot be reused while the entry lives.
_KEYS: dict[int, tuple[tuple[int, ...], tuple[int, ...], int]] = {}
_KEYS_MAX = 4096


def _known_hyperplane_key(row: tuple[int, ...]) -> tuple[tuple[int, ...], int]:
    """:func:`~exactrelu.geometry.exact.hyperplane_key`, remembered for recently seen rows."""
    known = _KEYS.get(id(row))
    if known is not None and known[0] is row:
        return known[1], known[2]
    key, side = hyperplane_key(row)
    if len(_KEYS) >= _KEYS_MAX:
        _KEYS.clear()
    _KEYS[id(row)] = (row, key, side)
    return key, side


def new_facet(key: tuple[int, ...], side: int, members: list[int], **kwargs) -> FacetData:
    """The facet on hyperplane ``key`` carried by the constraints ``members``, the region lying on
    the ``side`` of ``key`` (so its row is ``key`` or ``-key``)."""
    return FacetData(key, side, members, **kwargs)


def assign_carriers(
    facets: list[FacetData],
    labels: Sequence[tuple],
    forms: Sequence[LayerForms],
    candidates: Iterable[tuple[int, int, int]],
) -> None:
    """Set every facet's carriers: those named by its constraints' ``labels``, plus every candidate
    ``(facet index, layer, neuron)`` whose form vanishes at the facet's relative-interior point."""
    found: list[set[Carrier]] = []
    for f in facets:
        found.append({c for k in f.constraints if (c := _carrier_of(labels[k])) is not None})
    for fi, k, j in candidates:
        carrier = _neuron(k, j)
        if carrier in found[fi]:
            continue
        row = forms[k].rows[j]
        if any(row) and exact_dot(row, facets[fi].point) == 0:
            found[fi].add(carrier)
    for f, carriers in zip(facets, found):
        f.carriers = tuple(sorted(carriers))


_NEURONS: dict[tuple[int, int], Carrier] = {}  # one ("neuron", k, j) per neuron, shared by every facet
_CARRIERS: dict[tuple, Carrier | None] = {}  # a constraint's label -> what it names as a carrier (None: nothing)


def _neuron(k: int, j: int) -> Carrier:
    carrier = _NEURONS.get((k, j))
    if carrier is None:
        carrier = _NEURONS[(k, j)] = ("neuron", k, j)
    return carrier


def _carrier_of(label: tuple) -> Carrier | None:
    """``("domain", i)`` itself, ``("neuron", k, j)`` for a neuron's constraint ``("neuron", k, j, side)``."""
    try:
        return _CARRIERS[label]
    except KeyError:
        pass
    carrier = label if label[0] == "domain" else _neuron(label[1], label[2]) if label[0] == "neuron" else None
    _CARRIERS[label] = carrier
    return carrier


def vertex_witness(
    vertices: Sequence[tuple[int, ...]], vertices_f: np.ndarray, facets: Sequence[FacetData]
) -> tuple[Fraction, ...]:
    """The region's witness point, from its exact vertices and irredundant facets only: the float
    centroid of the vertices (summed in sorted order, so the same polytope always gives the same
    point, whichever engine found it) rounded short and checked exactly against every facet; else
    the exact centroid."""
    coords = vertices_f[np.lexsort(vertices_f.T[::-1]), 1:]
    rows = [f.row for f in facets]

    def inside(h: tuple[int, ...]) -> bool:
        for row in rows:
            if exact_dot(row, h) <= 0:
                return False
        return True

    width = float(np.ptp(coords, axis=0).min())
    centroid = coords.sum(axis=0) / len(coords)  # what coords.mean(axis=0) computes, without its overhead
    point = short_point_inside(centroid.tolist(), width, inside)
    return point if point is not None else dehomogenize(mean_point(vertices))

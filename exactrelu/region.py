"""Public value objects for the partition: :class:`Region` and :class:`Facet`.

They hold exact integers in homogeneous form (``row . (1, x)``) and hand out
:class:`~fractions.Fraction` views on request, so building thousands of them stays cheap.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import gcd
from typing import Any

from .errors import InvalidDomain, counted
from .rational import format_ratio, format_rational, point_values, to_rational

__all__ = ["Region", "Facet", "Carrier", "Adjacency", "region_json", "region_line", "map_region_json", "map_key_of"]

# ("domain", i): the i-th domain constraint (0-based row of A);
# ("neuron", k, j): neuron j of hidden layer k (both 0-based).
Carrier = tuple


def region_json(
    pattern: Sequence[Sequence[int]],
    point: Sequence[Fraction],
    weight: Sequence[Sequence[Fraction]],
    bias: Sequence[Fraction],
) -> dict:
    """A region's entry in the partition JSON (every rational a string)."""
    return region_text_json(
        pattern, point, [[format_rational(v) for v in row] for row in weight], [format_rational(v) for v in bias]
    )


def region_text_json(
    pattern: Sequence[Sequence[int]], point: Sequence[Fraction], weight: list[list[str]], bias: list[str]
) -> dict:
    """:func:`region_json` with the map already written as text."""
    return {
        "pattern": [list(layer) for layer in pattern],
        "point": [format_rational(v) for v in point],
        "map": {"weight": weight, "bias": bias},
    }


def map_region_json(
    pattern: Sequence[Sequence[int]], point: Sequence[Fraction], map_rows: Sequence[Sequence[int]], map_den: int
) -> dict:
    """:func:`region_json` of a map given as integer rows ``(bias, weights...)`` over ``map_den``."""
    weight = [[format_ratio(a, map_den) for a in row[1:]] for row in map_rows]
    return region_text_json(pattern, point, weight, [format_ratio(row[0], map_den) for row in map_rows])


def region_line(
    pattern: Sequence[Sequence[int]], point: Sequence[Fraction], map_rows: Sequence[Sequence[int]], map_den: int
) -> str:
    """The region's entry in the partition JSON as text (the line :meth:`Region.to_json` is written as)."""
    return json.dumps(map_region_json(pattern, point, map_rows, map_den))


def map_key_of(map_rows: Sequence[Sequence[int]], map_den: int) -> tuple[int, ...]:
    """An exact affine map given as integer rows ``(bias, weights...)`` over ``map_den``, in a
    canonical form: equal keys iff equal maps."""
    g = gcd(map_den, *(a for row in map_rows for a in row))
    return (map_den // g,) + tuple(a // g for row in map_rows for a in row)


@dataclass(frozen=True, slots=True)
class Facet:
    """A (d-1)-dimensional face of a region.

    ``row`` is the primitive integer form ``c`` with ``c . (1, x) >= 0`` on the region and
    ``= 0`` on the facet; ``carriers`` are the domain constraints and neurons whose hyperplane
    contains it (several when hyperplanes coincide); ``neighbours`` are the regions across it.
    """

    row: tuple[int, ...]
    carriers: tuple[Carrier, ...]
    neighbours: tuple[int, ...]
    vertex_indices: tuple[int, ...] = field(compare=False)  # derived geometry: not part of equality

    @property
    def normal(self) -> tuple[int, ...]:
        return self.row[1:]

    @property
    def on_boundary(self) -> bool:
        """True if the facet lies on the domain's boundary."""
        return any(c[0] == "domain" for c in self.carriers)


@dataclass(frozen=True, slots=True)
class Region:
    """An activation region: a full-dimensional polytope with one canonical pattern.

    ``pattern[k][j]`` is 1 iff neuron ``j`` of hidden layer ``k`` is positive on the interior;
    ``point`` lies strictly inside; ``weight`` and ``bias`` give the exact output map there.
    Regions are equal when pattern, point, facets and map are: the vertices (which the LP engine and
    ``keep_vertices=False`` leave out) follow from the facets and take no part.
    """

    pattern: tuple[tuple[int, ...], ...]
    point: tuple[Fraction, ...]
    facets: tuple[Facet, ...]
    vertices_h: tuple[tuple[int, ...], ...] = field(compare=False)  # derived geometry (none from the LP engine)
    map_rows: tuple[tuple[int, ...], ...]
    map_den: int

    @property
    def dim(self) -> int:
        return len(self.point)

    @property
    def weight(self) -> tuple[tuple[Fraction, ...], ...]:
        return tuple(tuple(Fraction(a, self.map_den) for a in row[1:]) for row in self.map_rows)

    @property
    def bias(self) -> tuple[Fraction, ...]:
        return tuple(Fraction(row[0], self.map_den) for row in self.map_rows)

    @property
    def vertices(self) -> tuple[tuple[Fraction, ...], ...]:
        return tuple(tuple(Fraction(a, v[0]) for a in v[1:]) for v in self.vertices_h)

    @property
    def neighbours(self) -> tuple[int, ...]:
        return tuple(sorted({n for f in self.facets for n in f.neighbours}))

    def _point(self, x: Sequence[object]) -> list[Fraction]:
        point = [to_rational(v, f"coordinate {i + 1}") for i, v in enumerate(point_values(x))]
        if len(point) != self.dim:
            raise InvalidDomain(f"point has {counted(len(point), 'coordinate')}, expected {self.dim}")
        return point

    def output(self, x: Sequence[object]) -> tuple[Fraction, ...]:
        """The region's affine map at ``x`` (exact; meaningful for ``x`` in the region)."""
        point = self._point(x)
        return tuple(
            (row[0] + sum((a * v for a, v in zip(row[1:], point)), Fraction(0))) / self.map_den for row in self.map_rows
        )

    def to_json(self) -> dict:
        """The region as in the partition JSON: pattern, witness point and exact map (strings)."""
        return map_region_json(self.pattern, self.point, self.map_rows, self.map_den)

    def contains(self, x: Sequence[object], strictly: bool = False) -> bool:
        """Exact membership test against the region's facets."""
        point = self._point(x)
        for facet in self.facets:
            value = facet.row[0] + sum(a * v for a, v in zip(facet.row[1:], point))
            if value < 0 or (strictly and value == 0):
                return False
        return True


@dataclass(frozen=True, slots=True, eq=False)
class Adjacency:
    """Regions ``first < second`` share a facet (facet ``first_facet`` of the first region,
    ``second_facet`` of the second); ``point`` is a homogeneous point ``(w0, w0 x)`` in the shared
    facet's relative interior, strictly inside every other constraint of both regions.

    Immutable; equal when indices and point are equal.  The point may be computed on first use
    from ``source`` (any object with a ``point`` attribute)."""

    first: int
    second: int
    first_facet: int
    second_facet: int
    _point: tuple[int, ...] | None = None
    _source: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self._point is None and self._source is None:
            raise ValueError("an Adjacency needs its point or a source of it")

    @property
    def point(self) -> tuple[int, ...]:
        if self._point is None:
            object.__setattr__(self, "_point", tuple(self._source.point))
            object.__setattr__(self, "_source", None)
        assert self._point is not None
        return self._point

    def _key(self) -> tuple[int, int, int, int]:
        return (self.first, self.second, self.first_facet, self.second_facet)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Adjacency):
            return NotImplemented
        return self._key() == other._key() and self.point == other.point

    def __hash__(self) -> int:
        return hash(self._key())

    def __reduce__(self) -> tuple:
        return Adjacency, self._key() + (self.point,)

    def __repr__(self) -> str:
        return f"Adjacency({self.first}, {self.second}, facets {self.first_facet}/{self.second_facet})"

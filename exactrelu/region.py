"""Public value objects for the partition: :class:`Region` and :class:`Facet`.

They hold exact integers in homogeneous form (``row . (1, x)``) and hand out
:class:`~fractions.Fraction` views on request, so building thousands of them stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

from .errors import InvalidDomain
from .rational import to_rational

__all__ = ["Region", "Facet", "Carrier"]

# ("domain", i): the i-th domain constraint (0-based row of A);
# ("neuron", k, j): neuron j of hidden layer k (both 0-based).
Carrier = tuple


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
    vertex_indices: tuple[int, ...]

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
    """

    pattern: tuple[tuple[int, ...], ...]
    point: tuple[Fraction, ...]
    facets: tuple[Facet, ...]
    vertices_h: tuple[tuple[int, ...], ...]
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
        point = [to_rational(v, f"coordinate {i + 1}") for i, v in enumerate(x)]
        if len(point) != self.dim:
            raise InvalidDomain(f"point has {len(point)} coordinates, expected {self.dim}")
        return point

    def output(self, x: Sequence[object]) -> tuple[Fraction, ...]:
        """The region's affine map at ``x`` (exact; meaningful for ``x`` in the region)."""
        point = self._point(x)
        return tuple(
            (row[0] + sum(a * v for a, v in zip(row[1:], point))) / self.map_den for row in self.map_rows
        )

    def contains(self, x: Sequence[object], strictly: bool = False) -> bool:
        """Exact membership test against the region's facets."""
        point = self._point(x)
        for facet in self.facets:
            value = facet.row[0] + sum(a * v for a, v in zip(facet.row[1:], point))
            if value < 0 or (strictly and value == 0):
                return False
        return True

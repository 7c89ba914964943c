"""Continuity proofs on shared facets.

For adjacent regions ``r``, ``s`` with output maps ``(A_r, c_r)``, ``(A_s, c_s)`` and shared facet on
the hyperplane ``a . x + b = 0``, continuity of the network means the maps agree on the facet, i.e.
``A_r - A_s = lambda a^T`` and ``c_r - c_s = lambda b`` for one rational ``lambda_o`` per output.
:func:`continuity_proof` finds the multipliers and checks the identity exactly; a failure would mean
a bug in the enumerator, never a property of the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from ..errors import ContinuityError
from ..geometry.exact import dehomogenize
from ..region import Adjacency, Region

__all__ = ["ContinuityProof", "continuity_proof", "continuity_proofs"]


@dataclass(frozen=True, slots=True)
class ContinuityProof:
    """``map_first - map_second = lambdas (x) hyperplane`` on the whole space, so the maps agree
    wherever ``hyperplane . (1, x) = 0``; ``point`` lies in the shared facet's relative interior,
    strictly inside every other constraint of both regions."""

    first: int
    second: int
    hyperplane: tuple[int, ...]  # (b, a_1, ..., a_d): the facet is b + a . x = 0
    lambdas: tuple[Fraction, ...]
    point: tuple[Fraction, ...]


def continuity_proof(
    first: int, second: int, r: Region, s: Region, hyperplane: tuple[int, ...], point: tuple[Fraction, ...]
) -> ContinuityProof:
    """Multipliers ``lambda_o`` with ``(map_r - map_s)_o = lambda_o * hyperplane``, checked exactly."""
    pivot = next(i for i in range(1, len(hyperplane)) if hyperplane[i])
    lambdas = []
    for o, (row_r, row_s) in enumerate(zip(r.map_rows, s.map_rows)):
        diff = [Fraction(a, r.map_den) - Fraction(b, s.map_den) for a, b in zip(row_r, row_s)]
        lam = diff[pivot] / hyperplane[pivot]
        if any(diff[i] != lam * hyperplane[i] for i in range(len(hyperplane))):
            raise ContinuityError(f"regions {first} and {second}: output {o} jumps across their shared facet")
        lambdas.append(lam)
    return ContinuityProof(first, second, hyperplane, tuple(lambdas), point)


def continuity_proofs(regions: Sequence[Region], adjacencies: Sequence[Adjacency]) -> list[ContinuityProof]:
    """One exact continuity proof per shared facet, in the order of ``adjacencies``."""
    proofs = []
    for a in adjacencies:
        r, s = regions[a.first], regions[a.second]
        row = r.facets[a.first_facet].row
        proofs.append(continuity_proof(a.first, a.second, r, s, row, dehomogenize(a.point)))
    return proofs

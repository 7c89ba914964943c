"""Degrees of freedom of a partition: the exact dimension of its continuous piecewise-affine functions.

The space ``V`` holds the functions that are affine on every region, ``x -> c_r + A_r . x``, and
continuous across every shared facet.  Its unknowns are ``theta_r = (c_r, A_r)`` (``d + 1`` per
region, ordered like a facet row).  Two adjacent regions' affine functions agree on their facet's
hyperplane ``h . (1, x) = 0`` iff ``theta_r - theta_s = lambda_e h`` for a (then unique) multiplier
``lambda_e`` of the adjacency ``e``: ``d + 1`` integer equations in ``theta`` and ``lambda``.  The
solutions ``(theta, lambda)`` correspond one to one to the functions, so ``dim V = regions * (d + 1)
+ adjacencies - rank``, the rank computed exactly by sparse fraction-free integer elimination:
the ``theta`` columns first (their entries are 1 and -1, so rows hardly grow), fewest entries first,
every combined row divided by the gcd of its entries.  (The equivalent ``d`` equations per
adjacency without ``lambda``, ``h_p delta_i - h_i delta_p = 0``, carry the facet's large entries into
every step and eliminate several times slower.)

``V`` does not depend on the output: every output of the network is one element of it, so the
dimension is the same for each output and is reported once.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from math import gcd

from ..network import Network
from ..region import Adjacency, Region

__all__ = ["DegreesOfFreedom", "degrees_of_freedom", "continuity_rows", "sparse_rank", "parameter_count"]


@dataclass(frozen=True, slots=True)
class DegreesOfFreedom:
    """``continuous_dim``: dimension of the continuous piecewise-affine functions on the partition
    (the same for every output); ``free_dim = regions * (d + 1)``: without continuity;
    ``parameters``: weight and bias entries of the network (None if no network was given);
    ``constraints`` and ``rank``: the continuity equations (in ``theta`` and the adjacencies'
    multipliers ``lambda``) and their exact rank."""

    continuous_dim: int
    free_dim: int
    parameters: int | None
    constraints: int
    rank: int

    def to_json(self) -> dict:
        return {"continuous_dim": self.continuous_dim, "free_dim": self.free_dim, "parameters": self.parameters}


def parameter_count(network: Network) -> int:
    """Weight and bias entries of every layer (LeakyReLU slopes are fixed, not counted).

    >>> from exactrelu import EXAMPLE
    >>> parameter_count(EXAMPLE)   # two layers of 2 x 2 weights and 2 biases
    12
    """
    return sum(layer.n_out * layer.n_in + layer.n_out for layer in network.layers)


def continuity_rows(regions: Sequence[Region], adjacencies: Sequence[Adjacency]) -> list[dict[int, int]]:
    """The continuity equations as sparse integer rows ``{column: coefficient}``.

    Column ``r * (d + 1) + i`` is entry ``i`` of ``theta_r = (c_r, A_r)``; column
    ``regions * (d + 1) + e`` is the multiplier ``lambda_e`` of adjacency ``e``.  Adjacency ``e``
    between regions ``r < s`` across the facet ``h . (1, x) = 0`` gives the ``d + 1`` rows
    ``theta_r[i] - theta_s[i] - h[i] lambda_e = 0``: the two affine functions differ by a multiple
    of the facet's form, so they agree on its hyperplane (and ``lambda_e`` is then unique).

    >>> from exactrelu import EXAMPLE, partition
    >>> p = partition(EXAMPLE)
    >>> rows = continuity_rows(p.regions, p.adjacencies)
    >>> len(rows), rows[:3]    # regions 0 and 1 across 1 - X - Y = 0
    (12, [{0: 1, 3: -1, 12: -1}, {1: 1, 4: -1, 12: 1}, {2: 1, 5: -1, 12: 1}])
    """
    if not regions:
        return []
    width = regions[0].dim + 1
    base = len(regions) * width
    out = []
    for e, a in enumerate(adjacencies):
        h = regions[a.first].facets[a.first_facet].row
        for i in range(width):
            row = {a.first * width + i: 1, a.second * width + i: -1}
            if h[i]:
                row[base + e] = -h[i]
            out.append(row)
    return out


def sparse_rank(rows: Sequence[dict[int, int]], late: int | None = None) -> int:
    """Exact rank of a sparse integer matrix given as ``{column: value}`` rows.

    Fraction-free elimination: a column with the fewest live rows (columns ``>= late`` only
    after all others) is eliminated with its shortest row as pivot, ``row := (pivot / g) * row -
    (value / g) * pivot_row`` (``g`` their gcd: the row space is unchanged up to a nonzero
    factor), and each combined row is divided by the gcd of its entries.

    >>> sparse_rank([{0: 1, 1: 2}, {0: 2, 1: 4}, {2: 5}])
    2
    """
    live = [dict(r) for r in rows if r]
    by_col: dict[int, set[int]] = {}
    for i, r in enumerate(live):
        for c in r:
            by_col.setdefault(c, set()).add(i)

    def key(c: int) -> tuple[bool, int, int]:
        return (late is not None and c >= late, len(by_col[c]), c)

    heap = [key(c) for c in by_col]
    heapq.heapify(heap)
    rank = 0
    while heap:
        _, count, c = heapq.heappop(heap)
        members = by_col.get(c)
        if not members:
            continue
        if count != len(members):
            heapq.heappush(heap, key(c))
            continue
        del by_col[c]
        p = min(members, key=lambda i: (len(live[i]), i))
        prow = live[p]
        pv = prow[c]
        for k in prow:
            if k != c:
                by_col[k].discard(p)
        rank += 1
        touched = set(prow)
        for i in members:
            if i == p:
                continue
            row = live[i]
            rv = row.pop(c)
            g = gcd(pv, rv)
            a, b = pv // g, rv // g
            if a != 1:
                for k in row:
                    row[k] *= a
            for k, v in prow.items():
                if k == c:
                    continue
                nv = row.get(k, 0) - b * v
                if nv:
                    if k not in row:
                        by_col[k].add(i)
                    row[k] = nv
                elif k in row:
                    del row[k]
                    by_col[k].discard(i)
            if row:
                g = gcd(*row.values())
                if g > 1:
                    for k in row:
                        row[k] //= g
        live[p] = {}
        for k in touched:
            if k != c and k in by_col:
                heapq.heappush(heap, key(k))
    return rank


def degrees_of_freedom(
    regions: Sequence[Region], adjacencies: Sequence[Adjacency], network: Network | None = None
) -> DegreesOfFreedom:
    """The exact dimension of the continuous piecewise-affine functions on the partition.

    The built-in example has 4 regions in the plane: without continuity ``free_dim = 4 * 3 = 12``.
    A continuous function is a global affine function (3) plus a kink ``lambda_e`` across each of
    the 4 shared facets, and going once around the common vertex ``(1/2, 1/2)`` the kinks must
    cancel: ``lambda_02 h1 + lambda_23 h2 = lambda_01 h2 + lambda_13 h1`` with ``h1 = -X + Y``,
    ``h2 = X + Y - 1``.  Those are 2 independent conditions (all four forms vanish at the vertex),
    so the kink is the same on both halves of each line and ``continuous_dim = 3 + 4 - 2 = 5``: the
    functions ``a + b X + c Y + s ReLU(-X + Y) + t ReLU(X + Y - 1)``.  (In the solver's terms: 12
    equations in 12 + 4 unknowns, of rank 11.)  ``P`` and ``Q`` are two of these functions; the
    network itself has 12 parameters.

    >>> from exactrelu import EXAMPLE, partition
    >>> p = partition(EXAMPLE)
    >>> dof = degrees_of_freedom(p.regions, p.adjacencies, EXAMPLE)
    >>> dof.to_json(), dof.rank
    ({'continuous_dim': 5, 'free_dim': 12, 'parameters': 12}, 11)
    """
    if not regions:
        return DegreesOfFreedom(0, 0, None if network is None else parameter_count(network), 0, 0)
    free = len(regions) * (regions[0].dim + 1)
    rows = continuity_rows(regions, adjacencies)
    rank = sparse_rank(rows, late=free)  # the unit entries of theta first: little growth
    dim = free + len(adjacencies) - rank
    return DegreesOfFreedom(dim, free, None if network is None else parameter_count(network), len(rows), rank)

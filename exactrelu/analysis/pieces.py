"""Linear pieces: maximal facet-connected sets of regions with one identical affine map."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from math import gcd

import networkx as nx

from ..region import Region

__all__ = ["linear_pieces", "map_key"]


def map_key(region: Region) -> tuple[int, ...]:
    """The region's exact affine map in a canonical form (equal keys iff equal maps)."""
    g = gcd(region.map_den, *(a for row in region.map_rows for a in row))
    return (region.map_den // g,) + tuple(a // g for row in region.map_rows for a in row)


def linear_pieces(regions: Sequence[Region], edges: Iterable[tuple[int, int]]) -> int:
    """Number of maximal facet-connected sets of regions sharing one affine map.

    >>> from exactrelu import EXAMPLE, partition
    >>> p = partition(EXAMPLE)
    >>> linear_pieces(p.regions, p.edges)
    4
    """
    keys = [map_key(r) for r in regions]
    same = nx.utils.UnionFind(range(len(regions)))
    for i, j in edges:
        if keys[i] == keys[j]:
            same.union(i, j)
    return len({same[i] for i in range(len(regions))})

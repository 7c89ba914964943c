"""Linear pieces: maximal facet-connected sets of regions with one identical affine map."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from math import gcd

import networkx as nx

from ..region import Region

__all__ = ["linear_pieces", "linear_piece_members", "map_key"]


def map_key(region: Region) -> tuple[int, ...]:
    """The region's exact affine map in a canonical form (equal keys iff equal maps)."""
    g = gcd(region.map_den, *(a for row in region.map_rows for a in row))
    return (region.map_den // g,) + tuple(a // g for row in region.map_rows for a in row)


def linear_piece_members(regions: Sequence[Region], edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """The linear pieces as sorted lists of region indices, ordered by their first region.

    >>> from exactrelu import EXAMPLE, partition
    >>> p = partition(EXAMPLE)
    >>> linear_piece_members(p.regions, p.edges)
    [[0], [1], [2], [3]]
    """
    keys = [map_key(r) for r in regions]
    same = nx.utils.UnionFind(range(len(regions)))
    for i, j in edges:
        if keys[i] == keys[j]:
            same.union(i, j)
    groups: dict[int, list[int]] = {}
    for i in range(len(regions)):
        groups.setdefault(same[i], []).append(i)
    return sorted(groups.values())


def linear_pieces(regions: Sequence[Region], edges: Iterable[tuple[int, int]]) -> int:
    """Number of maximal facet-connected sets of regions sharing one affine map.

    >>> from exactrelu import EXAMPLE, partition
    >>> p = partition(EXAMPLE)
    >>> linear_pieces(p.regions, p.edges)
    4
    """
    return len(linear_piece_members(regions, edges))

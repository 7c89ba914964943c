"""Linear pieces: maximal facet-connected sets of regions with one identical affine map."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

from ..region import Region, map_key_of

__all__ = ["linear_pieces", "linear_piece_members", "pieces_of_maps", "map_key"]


def map_key(region: Region) -> tuple[int, ...]:
    """The region's exact affine map in a canonical form (equal keys iff equal maps)."""
    return map_key_of(region.map_rows, region.map_den)


def linear_piece_members(regions: Sequence[Region], edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """The linear pieces as sorted lists of region indices, ordered by their first region.

    >>> from exactrelu import EXAMPLE, partition
    >>> p = partition(EXAMPLE)
    >>> linear_piece_members(p.regions, p.edges)
    [[0], [1], [2], [3]]
    """
    return pieces_of_maps([map_key(r) for r in regions], edges)


def pieces_of_maps(keys: Sequence[Hashable], edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """:func:`linear_piece_members` of regions given by keys of their maps (equal iff the maps are)."""
    joined = [(i, j) for i, j in edges if keys[i] == keys[j]]
    if not joined:  # no two neighbours share a map: every region is a piece of its own
        return [[i] for i in range(len(keys))]
    import networkx as nx  # deferred: networkx takes 0.09 s to import and most runs never use it

    same = nx.utils.UnionFind(range(len(keys)))
    for i, j in joined:
        same.union(i, j)
    groups: dict[int, list[int]] = {}
    for i in range(len(keys)):
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

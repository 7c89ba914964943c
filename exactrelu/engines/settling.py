"""Regions matched facet by facet as they arrive, and forgotten as soon as their facets have all met.

Used by the one-process walk, by every worker of a split run (the regions of its task) and by the
main process of a split run (the facets its tasks left open).  Facets are matched by the numbers a
:class:`~exactrelu.engines.vertex_pool.VertexPool` gives their vertices.  Without ``keep_vertices``
a region whose facets have all met (or lie on the domain's boundary) forgets its vertices at once
(:func:`~exactrelu.engines.dd.drop_vertices`), and a region still waiting forgets its float guides
(``drop_guides``): at any moment most regions are matched, so peak memory stays small.
"""

from __future__ import annotations

from typing import Any

from .dd import drop_vertices
from .dd_adjacency import FacetMatcher, Matched
from .facets import FacetData
from .vertex_pool import VertexPool
from .walk import RawRegion

__all__ = ["Settling"]


class Settling:
    def __init__(self, found: list[tuple[RawRegion[Any], list[FacetData]]], keep_vertices: bool, drop_guides: bool):
        self.found = found  # the regions by number, with their facets (the caller appends to it)
        self.keep_vertices = keep_vertices
        self.drop_guides = drop_guides
        self.matcher = FacetMatcher()
        self.vertices = VertexPool()
        self._entries: dict[int, list] = {}  # a region waiting for a neighbour -> its vertices' pool entries

    def add(self, r: int, open_facets: list[int] | None = None) -> None:
        """Match region ``r``'s facets (only those listed in ``open_facets``: the others are matched
        already) with those seen so far, and forget the regions this settles."""
        raw, facets = self.found[r]
        cell = raw.cell
        # only the open facets' vertices are numbered
        used = sorted({i for fi in open_facets for i in facets[fi].vertices}) if open_facets is not None else None
        entries = self.vertices.share(cell.verts, cell.guides(), used)
        numbers = [-1] * len(cell.verts)
        for i, entry in zip(range(len(numbers)) if used is None else used, entries):
            numbers[i] = entry[2]
        settled = self.matcher.add(r, facets, open_facets, numbers)
        if self.keep_vertices:
            return
        if self.drop_guides:  # only a facet still open at the end needs them again (Cell.guides)
            cell.vf = None
        self._entries[r] = entries
        for s in settled:
            self.vertices.release(self._entries.pop(s))
            drop_vertices(*self.found[s])

    def matched(self) -> Matched:
        """The facets matched so far, and those still open."""
        return Matched(self.matcher.pairs, self.matcher.unmatched())

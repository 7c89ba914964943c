"""One object and one number per exact vertex among the cells a walk keeps.

Cells walked in different sub-trees compute the same vertex anew: on ACAS Xu the regions waiting
for a neighbour held 3.7 equal copies of each vertex (72,104 tuples for 19,472 vertices of 700-bit
coordinates).  The pool hands every cell the one object kept for each value and a number for it
(equal numbers exactly when the vertices are equal: facets are then matched by sets of small
numbers instead of hashing big coordinates again), and counts the cells holding it, so a value is
forgotten when the last of them is dropped.  Values are equal, so nothing a cell computes changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["VertexPool"]

Entry = list  # [the vertex kept, how many cells hold it, its number, its float guide (None: collided)]


class VertexPool:
    """Vertices are looked up by their float guides (hashing six floats is cheap, hashing six
    700-bit integers is not), then compared exactly; the rare distinct vertices with equal guides
    are kept by their exact coordinates."""

    def __init__(self) -> None:
        self.kept: dict[tuple[float, ...], Entry] = {}
        self.collided: dict[tuple[int, ...], Entry] = {}
        self._count = 0  # numbers given so far

    def share(
        self, verts: list[tuple[int, ...]], guides: np.ndarray, which: Sequence[int] | None = None
    ) -> list[Entry]:
        """Replace each of a cell's vertices (or those at the positions ``which``), in place, by the
        equal one kept already; their entries.  ``guides``: the cell's float guides (a function of
        the vertices)."""
        kept, collided = self.kept, self.collided
        entries = []
        positions = range(len(verts)) if which is None else which
        rows = guides.tolist() if which is None else guides[list(which)].tolist()
        for i, row in zip(positions, rows):
            v = verts[i]
            key = tuple(row)
            entry = kept.get(key)
            if entry is None or entry[0] is not v and entry[0] != v:  # new, or another vertex with this guide
                entry = collided.get(v) if collided else None
                if entry is None:
                    entry = self._new(v, key)
            if entry[0] is not v:
                verts[i] = entry[0]
            entry[1] += 1
            entries.append(entry)
        return entries

    def _new(self, v: tuple[int, ...], key: tuple[float, ...]) -> Entry:
        if key in self.kept:  # another vertex has this float guide: kept by its exact value
            entry = self.collided[v] = [v, 0, self._count, None]
        else:
            entry = self.kept[key] = [v, 0, self._count, key]
        self._count += 1
        return entry

    def release(self, entries: list[Entry]) -> None:
        """The cell given these entries by :meth:`share` is dropped."""
        for entry in entries:
            entry[1] -= 1
            if not entry[1]:
                if entry[3] is not None:
                    del self.kept[entry[3]]
                else:
                    del self.collided[entry[0]]

"""One object and one number per exact vertex among the cells a walk keeps.

Cells walked in different sub-trees compute the same vertex anew: on ACAS Xu the regions waiting
for a neighbour held 3.7 equal copies of each vertex (72,104 tuples for 19,472 vertices of 700-bit
coordinates).  The pool hands every cell the one object kept for each value, and a number for it
(equal numbers exactly when the vertices are equal: facets are then matched by sets of small
numbers instead of hashing big coordinates again), and counts the cells holding it, so a value is
forgotten when the last of them is dropped.  Values are equal, so nothing a cell computes changes.
"""

from __future__ import annotations

__all__ = ["VertexPool"]

Entry = list  # [the vertex kept, how many cells hold it, its number]


class VertexPool:
    def __init__(self) -> None:
        self.kept: dict[tuple[int, ...], Entry] = {}
        self._count = 0  # numbers given so far

    def share(self, verts: list[tuple[int, ...]]) -> list[Entry]:
        """Replace each of a cell's vertices, in place, by the equal one kept already; their entries."""
        kept = self.kept
        entries = []
        for i, v in enumerate(verts):
            entry = kept.setdefault(v, [v, 0, self._count])
            if entry[2] == self._count:  # a new value
                self._count += 1
            else:
                verts[i] = entry[0]
            entry[1] += 1
            entries.append(entry)
        return entries

    def release(self, entries: list[Entry]) -> None:
        """The cell given these entries by :meth:`share` is dropped."""
        kept = self.kept
        for entry in entries:
            entry[1] -= 1
            if not entry[1]:
                del kept[entry[0]]

"""Exact vertices of the LP engine's regions (inputs up to ``DD_MAX_DIM``), shared along the walk.

A region's constraint list is the domain's rows followed by the rows of the splits on its path, in
path order, and every split row cut the cell it was added to.  Clipping the domain's vertices by
those rows in that order therefore repeats the walk's cells, and regions found one after another
(depth first) share most of their path: each cell on the current path is kept with its sibling
(both from one exact split), so a region costs only the splits below the last shared cell.
"""

from __future__ import annotations

from ..geometry.cell import Cell
from ..geometry.crossings import KnownCrossings

__all__ = ["PathVertices"]


class PathVertices:
    """The vertex cells along the most recent path, from the domain's cell."""

    def __init__(self, domain_cell: Cell, n_domain_rows: int):
        self.root = domain_cell
        self.skip = n_domain_rows  # the domain's own rows: the root cell already has them
        # path[t] = (row, its cell, the opposite row, its cell, the side the next entry is cut from)
        # for the t-th split row
        self.path: list[tuple[tuple[int, ...], Cell, tuple[int, ...], Cell, int]] = []
        self.known = KnownCrossings()  # crossing points met on earlier paths

    def cell_of(self, rows: list[tuple[int, ...]]) -> Cell:
        """The exact cell ``{rows >= 0}`` (the domain's rows first, then the split rows)."""
        splits = rows[self.skip :]
        cell = self.root
        t = 0
        while t < len(splits) and t < len(self.path):
            row, plus, neg, minus, went = self.path[t]
            side = 1 if splits[t] == row else -1 if splits[t] == neg else 0
            if not side:
                break
            cell = plus if side > 0 else minus
            t += 1
            if side != went:  # the cells kept below were cut from the sibling
                break
        del self.path[t:]
        if t:
            self.path[t - 1] = self.path[t - 1][:4] + (1 if cell is self.path[t - 1][1] else -1,)
        for row in splits[t:]:
            signs = cell.signs([row])[0]
            neg = tuple(-a for a in row)
            if (signs < 0).any() and (signs > 0).any():
                plus, minus, _, _, _ = cell.split(row, signs, ("facet",), ("facet",), self.known)
            else:  # no cut (it cannot happen on a walk's path, but stays exact anyway)
                plus, minus = cell.clip(row, ("facet",), signs), cell.clip(neg, ("facet",), -signs)
            self.path.append((row, plus, neg, minus, 1))
            cell = plus
        return cell

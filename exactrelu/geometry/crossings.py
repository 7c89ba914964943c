"""Crossing points met before, found again instead of computed again.

A walk meets the same vertex in many cells: on ACAS Xu (acasxu_1_1, c +/- 0.02) its splits make
58,008 crossing points of only 12,435 distinct values, because each cell around a vertex makes it
anew, from its own edge and its own piece of a bent hyperplane.  Making one costs the products, the
content gcd and the exact divisions of 1,600-bit integers.  Here the floats only *propose* an
earlier point: the edge's point is placed approximately from the float guides and looked up by
that place, and a candidate is taken only if it is exactly proportional to the product
``h(u) w - h(w) u`` (both primitive with a positive first entry: then they are equal).  That costs
the products but no gcd and no division; a wrong or missing proposal only means the point is made
as before.  Values are equal either way, so nothing computed from them changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["KnownCrossings"]

LIMIT = 1 << 14  # points remembered (the oldest are forgotten first): a walk meets most again soon


class KnownCrossings:
    """Exact points by their approximate place: float32 coordinates of their float guides."""

    __slots__ = ("by_place", "limit")

    def __init__(self, limit: int = LIMIT) -> None:
        self.by_place: dict[bytes, tuple[tuple[int, ...], np.ndarray]] = {}
        self.limit = limit

    def __reduce__(self):  # a remembered point is only a shortcut: a copy starts empty
        return KnownCrossings, (self.limit,)

    def places(self, form_f: np.ndarray, vf: np.ndarray, edges: Sequence[tuple[int, int]]) -> list[bytes]:
        """The approximate place of each edge's crossing point: the float guides of its ends
        combined by the float values of the form there (any error only loses the shortcut)."""
        ends = np.array(edges, dtype=np.intp)
        u, w = vf[ends[:, 0]], vf[ends[:, 1]]
        with np.errstate(all="ignore"):
            hu, hw = u @ form_f, w @ form_f
            point = u + (hu / (hu - hw))[:, None] * (w - u)
        keys = point[:, 1:].astype(np.float32)
        return [row.tobytes() for row in keys]

    def get(self, place: bytes) -> tuple[tuple[int, ...], np.ndarray] | None:
        return self.by_place.get(place)

    def add(self, point: tuple[int, ...], guide: np.ndarray) -> None:
        """Remember ``point`` (primitive) with its float guide (correctly rounded)."""
        by_place = self.by_place
        by_place[guide[1:].astype(np.float32).tobytes()] = (point, guide)
        if len(by_place) > self.limit:
            del by_place[next(iter(by_place))]

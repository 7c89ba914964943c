"""The certificate's optional ``boundary`` (docs/certificate.md, "Decision boundary"): the exact
decision boundary of :mod:`exactrelu.analysis.boundary` and the whole-region classes of
:mod:`exactrelu.analysis.decisions`, with the no-piece weights the checker needs where the vertex
signs of ``f_k - f_l`` alone do not rule a piece out."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from ..analysis.boundary import class_pairs, decision_boundary, difference_row
from ..analysis.decisions import decision_regions
from ..geometry.lp import Status, minimize
from ..rational import format_rational
from ..region import Adjacency, Region

__all__ = ["boundary_json", "no_piece_weights"]


def boundary_json(regions: Sequence[Region], adjacencies: Sequence[Adjacency]) -> dict[str, Any]:
    """``{"pieces", "empty", "ties", "whole"}`` for a partition with vertices (vertex engine)."""
    boundary = decision_boundary(regions, adjacencies)
    decisions = decision_regions(regions, adjacencies)
    m = len(regions[0].map_rows)
    pieces: dict[tuple, Any] = {}
    for p in boundary.pieces:  # the parts of one facet piece bordering tie regions: one entry, one witness
        pieces.setdefault((p.region, p.classes), p)
    empty = []
    for r, region in enumerate(regions):
        for classes in class_pairs(m) if m >= 3 else ():
            if (r, classes) not in pieces and any(difference_row(region, classes)):
                weights = no_piece_weights(region, classes)
                if weights is not None:
                    empty.append(
                        {"region": r, "classes": list(classes), "weights": [format_rational(w) for w in weights]}
                    )
    return {
        "pieces": [
            {
                "region": p.region,
                "classes": list(p.classes),
                "hyperplane": [format_rational(a) for a in p.hyperplane],
                "point": [format_rational(v) for v in p.point],
            }
            for p in pieces.values()
        ],
        "empty": empty,
        "ties": [{"region": t.region, "classes": list(t.classes)} for t in boundary.ties],
        "whole": [d.whole for d in decisions.regions],
    }


def _dot(a: Sequence[int], b: Sequence[int]) -> int:
    return sum(x * y for x, y in zip(a, b))


def _multiple(c: Sequence[int], g: Sequence[int]) -> bool:
    p = next(i for i, a in enumerate(g) if a)
    return all(a * g[p] == c[p] * b for a, b in zip(c, g))


def no_piece_weights(region: Region, classes: tuple[int, ...]) -> tuple[Fraction, ...] | None:
    """Weights ``z >= 0`` over the outputs (zero on ``classes``, positive on some competitor not tied
    with the pair on the hyperplane) with ``sum_j z_j (f_k - f_j) <= 0`` wherever the region meets
    ``f_k = f_l``; None when the region does not meet it or no such weights exist (Gordan's
    alternative: then the piece is ``(d-1)``-dimensional, or the region meets the hyperplane in
    a lower-dimensional face only)."""
    k = classes[0]
    g = difference_row(region, classes)
    verts = region.vertices_h
    values = [_dot(g, v) for v in verts]
    if not any(g[1:]) or min(values) > 0 or max(values) < 0:
        return None
    m = len(region.map_rows)
    comps = {j: difference_row(region, (k, j)) for j in range(m) if j not in classes}
    relevant = [j for j, c in comps.items() if not _multiple(c, g)]
    if not relevant:
        return None
    at = {j: [_dot(c, v) for v in verts] for j, c in comps.items()}
    points = [[at[j][i] for j in relevant] for i, s in enumerate(values) if s == 0]
    points += [
        [values[u] * at[j][w] - values[w] * at[j][u] for j in relevant]
        for u in range(len(verts))
        if values[u] > 0
        for w in range(len(verts))
        if values[w] < 0
    ]
    chosen = next((j for n, j in enumerate(relevant) if all(p[n] <= 0 for p in points)), None)
    if chosen is not None:
        z = {chosen: Fraction(1)}
    else:
        n = len(relevant)
        rows = [(0,) + tuple(int(c == i) for c in range(n)) for i in range(n)]
        rows += [(0,) + tuple(-x for x in p) for p in points]
        opt = minimize(rows, (0,) * (n + 1), [(-1,) + (1,) * n])
        if opt.status is not Status.OPTIMAL or opt.point is None:
            return None
        z = dict(zip(relevant, opt.point))
    return tuple(z.get(j, Fraction(0)) for j in range(m))

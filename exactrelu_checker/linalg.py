"""Exact integer linear algebra: fraction-free Gauss-Jordan elimination and what it answers.

Forms and points are integer tuples: a form ``(c, g_1..g_d)`` means ``c + g . x``, a point is
homogeneous ``(w0, w0 x)`` with ``w0 > 0``, and a form's value at a point, times ``w0``, is their
dot product.  Fraction-free (Bareiss) elimination keeps every entry an integer minor of the input,
so nothing is ever reduced by a gcd inside the loop and no Fraction is built.
"""

from __future__ import annotations

from math import gcd
from operator import mul

__all__ = ["dot", "sign", "approx", "bits", "primitive", "rref", "solve", "solve_point", "null_direction"]


def dot(a, b) -> int:
    return sum(map(mul, a, b))


def sign(u, v, estimates=None) -> int:
    """The sign of ``dot(u, v)``: by the float estimates ``(approx(u), approx(v))`` past their bound, else exactly."""
    value = sum(map(mul, estimates[0][0], estimates[1][0])) if estimates else 0.0
    if not estimates or abs(value) <= estimates[0][1] * estimates[1][1]:
        value = dot(u, v)
    return (value > 0) - (value < 0)


def approx(v) -> tuple[list, float]:
    """Floats ``f`` with ``|f_i - v_i / 2^s| <= 2^-50 max |f|`` (one shift ``s``), and ``2^-19 max |f|``: for n <= 128
    entries ``sum(f_u * f_v)`` is ``dot(u, v) / 2^(s_u + s_v)`` within the product of the second values."""
    s = max(bits(v) - 60, 0)
    f = [float(x >> s) for x in v]
    return f, max(map(abs, f), default=0.0) / 2**19


def bits(values) -> int:
    """The largest bit length among integers (0 for none)."""
    return max(map(int.bit_length, values), default=0)


def primitive(v) -> tuple:
    """``v`` divided by the gcd of its entries (sign kept; the zero vector stays zero)."""
    g = gcd(*v)
    return tuple(x // g for x in v) if g > 1 else tuple(v)


def rref(rows, ncols: int) -> tuple[list[int], list[list[int]], int]:
    """Fraction-free Gauss-Jordan elimination on the first ``ncols`` columns.

    Returns ``(pivots, R, p)``: row ``i < len(pivots)`` of ``R`` has ``p`` in column ``pivots[i]`` and zero in every
    other pivot column; rows from ``len(pivots)`` on are zero in the first ``ncols``; ``R / p`` is the reduced form.

    >>> rref([[2, 1, 3], [1, 1, 2]], 2)
    ([0, 1], [[1, 0, 1], [0, 1, 1]], 1)
    """
    a = [list(r) for r in rows]
    n = len(a)
    pivots: list[int] = []
    div = 1
    for j in range(ncols):
        i = len(pivots)
        if i == n:
            break
        k = next((k for k in range(i, n) if a[k][j]), None)
        if k is None:
            continue
        a[i], a[k] = a[k], a[i]
        top = a[i]
        p = top[j]
        for r in range(n):
            if r != i:
                row = a[r]
                f = row[j]
                if f:
                    a[r] = [(p * x - f * y) // div for x, y in zip(row, top)]
                elif p != div:
                    a[r] = [p * x // div for x in row]
        div = p
        pivots.append(j)
    return pivots, a, div


def solve_point(forms) -> tuple | None:
    """The primitive homogeneous point where the ``d`` forms vanish, or None if they are dependent."""
    solved = solve([list(f[1:]) + [-f[0]] for f in forms], len(forms))
    point = None if solved is None else [solved[0]] + solved[1][0]
    return None if point is None else primitive(point if point[0] > 0 else [-x for x in point])


def solve(rows, n: int) -> tuple[int, list] | None:
    """``(D, X)``: ``X[h] / D`` solves ``rows`` (``n`` unknowns, then right-hand sides; None if inconsistent), None if
    the rank is below ``n``.  Forward elimination, smallest rows first, then back substitution (``D x`` integral)."""
    a = sorted((list(row) for row in rows), key=bits)
    pivots: dict[int, list] = {}  # pivot column -> its row, in elimination order
    div, bad = 1, set()
    for i, top in enumerate(a):
        j = next((j for j in range(n) if top[j] and j not in pivots), None)
        if j is None:  # zero on the unknowns: its right-hand sides must be 0
            bad |= {h for h in range(n, len(top)) if top[h]}
            continue
        p = top[j]
        for r in range(i + 1, len(a)):
            row, f = a[r], a[r][j]
            a[r] = [(p * x - f * y) // div for x, y in zip(row, top)] if f else [p * x // div for x in row]
        div, pivots[j] = p, top
    if len(pivots) < n:
        return None
    order, X = list(pivots.items()), []
    for h in range(n, len(a[0])):
        x = [0] * n
        for k in range(n - 1, -1, -1):
            j, row = order[k]
            x[j] = (div * row[h] - sum(row[c] * x[c] for c, _ in order[k + 1:])) // row[j]
        X.append(None if h in bad else x)
    return div, X


def null_direction(gradients, d: int) -> tuple | None:
    """A nonzero integer ``u`` with ``g . u = 0`` for the ``d - 1`` gradients, or None if their rank
    is below ``d - 1``."""
    pivots, R, p = rref(gradients, d)
    if len(pivots) != d - 1:
        return None
    free = next(j for j in range(d) if j not in pivots)
    u = [p * (j == free) for j in range(d)]
    for i, j in enumerate(pivots):
        u[j] = -R[i][free]
    return primitive(u)


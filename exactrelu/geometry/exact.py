"""Small exact helpers on integer vectors in homogeneous coordinates.

A point ``x`` is the primitive integer vector ``(w0, w0 x)`` with ``w0 > 0``; an affine form is an
integer row ``(c0, c1, ..., cd)`` read as ``c0 + c . x``.  These helpers know nothing of networks.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import gcd, lcm
from operator import mul

from flint import fmpz_mat

from ..errors import InvalidArgument

__all__ = [
    "primitive",
    "set_bits",
    "rank_of",
    "hyperplane_key",
    "is_multiple",
    "mean_point",
    "homogeneous",
    "dehomogenize",
    "exact_dot",
    "box_range",
    "IntegerBox",
]


def primitive(vec: Sequence[int]) -> tuple[int, ...]:
    """Divide an integer vector by the gcd of its entries (sign kept).

    >>> primitive((4, -6, 8))
    (2, -3, 4)
    """
    g = gcd(*vec)
    if g > 1:
        return tuple([a // g for a in vec])  # (a list first: no generator frame per entry)
    return tuple(vec)


def set_bits(mask: int) -> list[int]:
    """Positions of the set bits of ``mask``, lowest first.

    >>> set_bits(0b1010)
    [1, 3]
    """
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def rank_of(rows: Sequence[Sequence[int]]) -> int:
    """Exact rank of an integer matrix given as rows."""
    if not rows:
        return 0
    return fmpz_mat([list(r) for r in rows]).rank()


def hyperplane_key(row: Sequence[int]) -> tuple[tuple[int, ...], int]:
    """The hyperplane ``row . (1, x) = 0`` as a canonical primitive row (first nonzero normal entry
    positive), and the sign relating it to ``row``.

    >>> hyperplane_key((2, 0, -4))
    ((-1, 0, 2), -1)
    """
    prim = primitive(row)
    for a in prim[1:]:
        if a:
            return (prim, 1) if a > 0 else (tuple(-v for v in prim), -1)
    raise InvalidArgument(f"the constraint {tuple(row)} has a zero normal: it is no hyperplane")


def mean_point(verts: Sequence[Sequence[int]]) -> tuple[int, ...]:
    """The exact average of homogeneous points, as a primitive homogeneous point."""
    den = lcm(*(v[0] for v in verts))
    total = [0] * len(verts[0])
    for v in verts:
        scale = den // v[0]
        for i, a in enumerate(v):
            total[i] += scale * a
    return primitive(total)


def homogeneous(point: Sequence[Fraction]) -> tuple[int, ...]:
    """``(w0, w0 x)`` with the least positive ``w0``.

    >>> homogeneous((Fraction(1, 2), Fraction(1, 3)))
    (6, 3, 2)
    """
    den = lcm(*(v.denominator for v in point))
    return (den,) + tuple(int(v * den) for v in point)


def dehomogenize(h: Sequence[int]) -> tuple[Fraction, ...]:
    """The point ``x`` of ``(w0, w0 x)``."""
    return tuple(Fraction(a, h[0]) for a in h[1:])


class IntegerBox:
    """A box ``lo_i <= x_i <= hi_i`` with its bounds over one common denominator, for exact box
    ranges of integer forms in integer arithmetic only."""

    __slots__ = ("den", "lo", "hi")

    def __init__(self, bounds: Sequence[tuple[Fraction, Fraction]]):
        self.den = lcm(*(b.denominator for pair in bounds for b in pair))
        self.lo = tuple(int(low * self.den) for low, _ in bounds)
        self.hi = tuple(int(high * self.den) for _, high in bounds)

    def scaled_least(self, form: Sequence[int]) -> int:
        """The least value of ``form . (1, x)`` on the box, times ``den`` (> 0)."""
        lo = form[0] * self.den
        for a, low, high in zip(form[1:], self.lo, self.hi):
            if a:
                lo += a * (low if a > 0 else high)
        return lo

    def scaled_range(self, form: Sequence[int]) -> tuple[int, int]:
        """The least and greatest value of ``form . (1, x)`` on the box, times ``den`` (> 0)."""
        lo = hi = form[0] * self.den
        for a, low, high in zip(form[1:], self.lo, self.hi):
            if a > 0:
                lo += a * low
                hi += a * high
            elif a < 0:
                lo += a * high
                hi += a * low
        return lo, hi


def box_range(form: Sequence[int], bounds: Sequence[tuple[Fraction, Fraction]]) -> tuple[Fraction, Fraction]:
    """The exact least and greatest value of ``form . (1, x)`` over the box ``lo_i <= x_i <= hi_i``.

    >>> box_range((1, 2, -1), [(Fraction(0), Fraction(1)), (Fraction(0), Fraction(3))])
    (Fraction(-2, 1), Fraction(3, 1))
    """
    box = IntegerBox(bounds)
    lo, hi = box.scaled_range(form)
    return Fraction(lo, box.den), Fraction(hi, box.den)


def exact_dot(form: Sequence[int], point: Sequence[int]) -> int:
    """Exact homogeneous dot product (its sign is the sign of the affine form at the point)."""
    return sum(map(mul, form, point))  # (no Python frame per term: 10-40% faster than a generator)


def is_multiple(form: Sequence[int], key: Sequence[int], pivot: int) -> bool:
    """``form`` is a (possibly zero) multiple of ``key``, whose entry ``pivot`` is nonzero (one
    product per entry: no gcd, unlike comparing :func:`hyperplane_key`)."""
    fp, kp = form[pivot], key[pivot]
    return all(f * kp == fp * c for f, c in zip(form, key))

"""Short rational points strictly inside a set, rounded from a float guess and checked exactly.

Users read witness points, so small denominators are tried first while the set is wide enough for
them, then dyadic rationals with a few bits more than the set's width needs.  The float guess only
proposes: every candidate is accepted by the caller's exact test, and ``None`` means the caller
falls back to an exact point of its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction

from .exact import homogeneous

__all__ = ["short_point_inside"]


def short_point_inside(
    guess: Sequence[float],
    width: float,
    inside: Callable[[tuple[int, ...]], bool],
) -> tuple[Fraction, ...] | None:
    """A short rational rounding of ``guess`` whose homogeneous form passes ``inside``, or None.

    ``width`` is the set's smallest extent around ``guess`` (a float estimate; it only chooses
    which roundings to try).

    >>> short_point_inside([0.33333, 0.5], 1.0, lambda h: 3 * h[1] == h[0])
    (Fraction(1, 3), Fraction(1, 2))
    """
    if not all(map(math.isfinite, guess)):
        return None
    for limit in (12, 100):
        if width * limit < 2:
            break
        point = tuple(Fraction(float(c)).limit_denominator(limit) for c in guess)
        if inside(homogeneous(point)):
            return point
    start = max(4, 3 - math.floor(math.log2(width))) if width > 0 and math.isfinite(width) else 52
    for bits in (start, start + 8, start + 20, start + 40):
        scale = 1 << bits
        nums = [int(round(c * scale)) for c in guess]
        if inside((scale, *nums)):
            return tuple(Fraction(a, scale) for a in nums)
    return None

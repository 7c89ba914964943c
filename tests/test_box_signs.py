"""The float filter of a form's sign over a box (:func:`~exactrelu.geometry.predicates.box_signs`,
the LP engine's first test of every neuron) against the exact box range: whatever it decides is
exact, on forms of any size and on forms whose least or greatest value on the box is exactly 0."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import numpy as np
import pytest

from exactrelu.geometry.exact import IntegerBox, box_range
from exactrelu.geometry.predicates import box_signs, float_rows


def random_box(rng: random.Random, d: int):
    out = []
    for _ in range(d):
        lo = Fraction(rng.randint(-50, 50), rng.randint(1, 97))
        out.append((lo, lo + Fraction(rng.randint(0, 40), rng.randint(1, 13))))  # may be flat
    return out


def forms_touching_zero(rng: random.Random, box, span: int):
    """Integer forms whose least (or greatest) value on the box is exactly 0."""
    den = 1
    for lo, hi in box:
        den = den * lo.denominator * hi.denominator
    out = []
    for _ in range(4):
        g = [rng.randint(-span, span) for _ in box]
        least = sum(min(a * lo, a * hi) for a, (lo, hi) in zip(g, box))
        greatest = sum(max(a * lo, a * hi) for a, (lo, hi) in zip(g, box))
        for c in (-least, -greatest):
            out.append(tuple(int(v * den) for v in [c, *g]))
    return out


@pytest.mark.parametrize("seed", range(25))
def test_box_signs_are_exact_where_decided(seed):
    rng = random.Random(seed)
    d = rng.randint(1, 7)
    span = 10 ** rng.randint(0, 60)
    box = random_box(rng, d)
    forms = [tuple(rng.randint(-span, span) for _ in range(d + 1)) for _ in range(12)]
    forms += forms_touching_zero(rng, box, span)
    forms += [(0,) * (d + 1), (1,) + (0,) * d, (-3,) + (0,) * d]
    lower = np.array([float(lo) for lo, _ in box])
    upper = np.array([float(hi) for _, hi in box])
    signs, both = box_signs(float_rows(forms), lower, upper)
    decided = 0
    for form, s, b in zip(forms, signs.tolist(), both.tolist()):
        least, greatest = box_range(form, box)
        if s > 0:
            assert least > 0
        if s < 0:
            assert greatest < 0
        if b:
            assert least < 0 < greatest
        if least == 0 or greatest == 0:
            assert s == 0 and not b  # a zero on the box is never decided by floats
        decided += bool(s) or b
    assert decided  # the filter does decide most random forms


@pytest.mark.parametrize("seed", range(5))
def test_the_least_value_on_a_box_is_the_minimum_over_its_corners(seed):
    """``IntegerBox.scaled_least`` (the certificate's "b" proofs) against every corner, exactly."""
    rng = random.Random(seed)
    for _ in range(40):
        d = rng.randint(1, 4)
        bounds = []
        for _ in range(d):
            a, b = sorted(Fraction(rng.randint(-50, 50), rng.randint(1, 9)) for _ in range(2))
            bounds.append((a, b))
        box = IntegerBox(bounds)
        form = tuple(rng.choice([0, rng.randint(-(2**80), 2**80)]) for _ in range(d + 1))
        corners = [form[0] + sum(c * x for c, x in zip(form[1:], xs)) for xs in itertools.product(*bounds)]
        assert Fraction(box.scaled_least(form), box.den) == min(corners)
        assert box.scaled_least(form) == box.scaled_range(form)[0]

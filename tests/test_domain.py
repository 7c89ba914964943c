"""Domain validation in high dimension (exact LPs replace vertex enumeration) and at the edge of
the float range."""

from __future__ import annotations

from fractions import Fraction

import pytest

from exactrelu import Domain, EmptyDomain, LowerDimensionalDomain, UnboundedDomain

D = 12  # above VERTEX_VALIDATION_MAX_DIM


def _box_rows(d=D):
    """The rows of the box [-1, 1]^d."""
    A, b = [], []
    for i in range(d):
        for sign in (1, -1):
            row = [0] * d
            row[i] = sign
            A.append(row)
            b.append(1)
    return A, b


def _unit(i, sign=1):
    row = [0] * D
    row[i] = sign
    return row


A, B = _box_rows()
CASES = [
    ("missing one face", A[:-1], B[:-1], UnboundedDomain),
    ("a free direction", [r for r in A if r[0] == 0], [v for r, v in zip(A, B) if r[0] == 0], UnboundedDomain),
    ("x1 <= -2 on the box", A + [_unit(0)], B + [-2], EmptyDomain),
    ("a free direction, infeasible", [_unit(1), _unit(1, -1)], [-1, -1], EmptyDomain),
    ("x1 = -1 on the box", A + [_unit(0)], B + [-1], LowerDimensionalDomain),
]


@pytest.mark.parametrize("name, rows, rhs, error", CASES, ids=[c[0] for c in CASES])
def test_invalid_high_dimensional_polytopes_are_refused(name, rows, rhs, error):
    with pytest.raises(error):
        Domain.polytope(rows, rhs)


def test_a_high_dimensional_simplex_is_accepted():
    rows = [_unit(i, -1) for i in range(D)] + [[1] * D]
    domain = Domain.polytope(rows, [0] * D + [1])
    assert domain.contains(["1/100"] * D, strictly=True)
    assert not domain.contains(["1/10"] * D)


def test_domain_with_coefficients_beyond_the_float_range():
    d = 8
    A, b = _box_rows(d)
    A[0] = [10**40] + [0] * (d - 1)  # x1 <= 10^-40: the bounding box of validation exceeds floats
    domain = Domain.polytope(A, b)
    assert domain.contains([Fraction(1, 10**41)] + [0] * (d - 1), strictly=True)
    assert not domain.contains([Fraction(1, 10**39)] + [0] * (d - 1))

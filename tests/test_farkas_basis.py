"""A Farkas basis answers exactly as the certificate it stands for, by solve and by kept adjugate.

Oracle: ``M^T y = gradient`` solved in Fractions by Gaussian elimination (``tests/oracles.py``), then ``y >= 0`` and
``form_0 - sum y_i row_i0 >= 0``.  Rows and forms are random integers up to 300 bits (ACAS Xu's
composed forms are about 370 bits), and small ones where ties (a zero multiplier, a zero bound)
are common.
"""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import solve_exactly

from exactrelu.geometry.farkas_basis import FarkasBasis


def oracle(rows, indices, form) -> bool | None:
    """The certificate's verdict, or None if the rows' gradients are singular."""
    n = len(indices)
    y = solve_exactly([[rows[indices[i]][1 + j] for i in range(n)] for j in range(n)], form[1:])  # M^T y = g
    if y is None:
        return None
    return all(v >= 0 for v in y) and form[0] - sum(v * rows[i][0] for v, i in zip(y, indices)) >= 0


def systems(bits: int):
    return st.integers(1, 5).flatmap(
        lambda n: st.tuples(
            st.lists(st.tuples(*[st.integers(-(2**bits), 2**bits)] * (n + 1)), min_size=n + 2, max_size=n + 4),
            st.lists(st.tuples(*[st.integers(-(2**bits), 2**bits)] * (n + 1)), min_size=1, max_size=8),
            st.just(n),
        )
    )


@st.composite
def with_basis(draw, bits: int):
    """``(rows, forms, basis)``: a system and a basis of ``n`` distinct rows of it."""
    rows, forms, n = draw(systems(bits))
    return rows, forms, FarkasBasis(tuple(sorted(draw(st.sets(st.integers(0, len(rows) - 1), min_size=n, max_size=n)))))


@pytest.mark.parametrize("bits", [3, 300])
def test_a_kept_basis_answers_as_the_certificate_for_every_form(bits):
    @settings(max_examples=60, deadline=None)
    @given(with_basis(bits))
    def check(drawn):
        rows, forms, basis = drawn
        indices = basis.indices
        for form in forms:
            truth = oracle(rows, indices, form)
            if truth is None:
                with pytest.raises(ZeroDivisionError):
                    basis.bounds(rows, form)
                with pytest.raises(ZeroDivisionError):
                    basis.bounds(rows, form)  # the adjugate path too
                return
            assert basis.bounds(rows, form) is truth  # first a solve, then the kept adjugate
            assert pickle.loads(pickle.dumps(basis)).bounds(rows, form) is truth

    check()


def test_the_adjugate_is_dropped_when_the_rows_are_other_rows():
    rows = [(1, 1, 0), (1, 0, 1), (0, -1, -1)]
    basis = FarkasBasis((0, 1))
    form = (0, 1, 1)  # x + y >= -2 on x >= -1, y >= -1: the bound -2 is not >= 0
    assert [basis.bounds(rows, form) for _ in range(3)] == [False] * 3
    shifted = [(3, 1, 0), (3, 0, 1), (0, -1, -1)]  # equal gradients, other constants: x, y >= -3
    assert basis.bounds(shifted, (6, 1, 1)) is True and basis.bounds(shifted, (5, 1, 1)) is False


@pytest.mark.parametrize("bits", [3, 300])
def test_a_pivoted_basis_gets_the_adjugate_a_solve_would_give_and_answers_as_the_certificate(bits):
    """:meth:`FarkasBasis.swapped` derives the new basis's adjugate from the old one's by a rank-one
    update: it must equal the one computed afresh (so chains of pivots stay exact), and the new
    basis must answer every form as its certificate does."""

    @settings(max_examples=60, deadline=None)
    @given(with_basis(bits), st.data())
    def check(drawn, data):
        rows, forms, basis = drawn
        n = len(basis.indices)
        if oracle(rows, basis.indices, forms[0]) is None:
            return
        basis.bounds(rows, forms[0])
        basis.bounds(rows, forms[0])  # the second test keeps the adjugate
        for _ in range(3):  # a chain of pivots
            i = data.draw(st.integers(0, n - 1))
            t = data.draw(st.sampled_from([k for k in range(len(rows)) if k not in basis.indices]))
            after = basis.indices[:i] + (t,) + basis.indices[i + 1 :]
            if oracle(rows, after, forms[0]) is None:
                with pytest.raises(ZeroDivisionError):
                    basis.swapped(rows, i, t)
                return
            pivoted = basis.swapped(rows, i, t)
            fresh = FarkasBasis(after)
            fresh.bounds(rows, forms[0])
            fresh.bounds(rows, forms[0])
            assert pivoted.indices == after
            assert (pivoted._adjugate, pivoted._det, pivoted._constants) == (fresh._adjugate, fresh._det, fresh._constants)
            for form in forms:
                assert pivoted.bounds(rows, form) is oracle(rows, after, form)
            basis = pivoted

    check()


def test_a_basis_without_its_adjugate_pivots_by_a_solve():
    rows = [(1, 1, 0), (1, 0, 1), (2, -1, 0), (2, 0, -1)]
    basis = FarkasBasis((0, 1))  # never tested: no adjugate yet
    pivoted = basis.swapped(rows, 0, 2)
    assert pivoted.indices == (2, 1) and not pivoted._adjugate
    assert pivoted.bounds(rows, (3, -1, 1)) is oracle(rows, (2, 1), (3, -1, 1))

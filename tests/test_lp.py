"""The exact LP kernel against brute-force vertex enumeration, on random, degenerate, unbounded and
infeasible LPs; the exact fallback simplex is run on its own as well."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import numpy as np
import pytest
from flint import fmpq_mat

from exactrelu.geometry.lp import EmptyInterior, Status, _exact_solve, _Problem, interior_point, minimize


def brute_min(rows, objective):
    """Minimum over the vertices found by solving every n-subset of rows exactly (None: empty)."""
    n = len(objective) - 1
    best = None
    for subset in itertools.combinations(rows, n):
        M = fmpq_mat([list(r[1:]) for r in subset])
        if M.det() == 0:
            continue
        sol = M.solve(fmpq_mat([[-r[0]] for r in subset]))
        x = [Fraction(int(sol[j, 0].p), int(sol[j, 0].q)) for j in range(n)]
        if all(r[0] + sum(a * v for a, v in zip(r[1:], x)) >= 0 for r in rows):
            value = objective[0] + sum(a * v for a, v in zip(objective[1:], x))
            best = value if best is None or value < best else best
    return best


def random_polytope(rng, n, m):
    """A box [-5, 5]^n cut by ``m`` random integer half-spaces (possibly empty)."""
    rows = []
    for i in range(n):
        e = [0] * n
        e[i] = 1
        rows.append((5, *e))
        rows.append((5, *[-a for a in e]))
    for _ in range(m):
        rows.append(tuple(rng.randint(-4, 4) for _ in range(n + 1)))
    rng.shuffle(rows)
    return rows


def check_certificate(rows, objective, opt):
    n = len(objective) - 1
    assert len(opt.basis) <= n
    for k, i in enumerate(opt.basis):
        assert rows[i][0] + sum(a * v for a, v in zip(rows[i][1:], opt.point)) == 0
        assert opt.multipliers[k] >= 0
    for j in range(n):
        assert sum(y * rows[i][1 + j] for y, i in zip(opt.multipliers, opt.basis)) == objective[1 + j]
    assert all(r[0] + sum(a * v for a, v in zip(r[1:], opt.point)) >= 0 for r in rows)


@pytest.mark.parametrize("seed", range(40))
def test_random_lps_match_brute_force(seed):
    rng = random.Random(seed)
    n = 2 + seed % 3
    rows = random_polytope(rng, n, rng.randint(1, 5))
    objective = tuple(rng.randint(-3, 3) for _ in range(n + 1))
    expected = brute_min(rows, objective)
    for opt in (minimize(rows, objective), _exact_solve(_Problem(rows, (), objective), None, None)):
        if expected is None:
            assert opt.status is Status.INFEASIBLE
        else:
            assert opt.status is Status.OPTIMAL and opt.value == expected
            check_certificate(rows, objective, opt)


def test_degenerate_lps_duplicate_rows_and_many_rows_through_the_optimum():
    # Pyramid apex at (0, 0, 1): many facets through it, each listed twice (one scaled).
    rows = [(1, -1, 0, -1), (1, 1, 0, -1), (1, 0, -1, -1), (1, 0, 1, -1), (1, -1, -1, -1), (1, 1, 1, -1),
            (0, 0, 0, 1)]
    rows = rows + [tuple(3 * a for a in r) for r in rows]
    objective = (0, 0, 0, -1)
    for opt in (minimize(rows, objective), _exact_solve(_Problem(rows, (), objective), None, None)):
        assert opt.status is Status.OPTIMAL and opt.value == -1 and opt.point == (0, 0, 1)
        check_certificate(rows, objective, opt)
    # A square whose optimum edge is degenerate with duplicated constraints.
    rows = [(0, 1, 0), (0, 1, 0), (0, 0, 1), (1, -1, 0), (1, 0, -1), (1, 0, -1), (2, -1, -1)]
    opt = minimize(rows, (0, 0, -1))
    assert opt.value == -1


def test_unbounded_and_infeasible():
    assert minimize([(0, 1, 0), (0, 0, 1)], (0, -1, 0)).status is Status.UNBOUNDED
    assert minimize([(0, 1, 0), (0, 0, 1)], (0, 1, 1)).value == 0
    assert minimize([(0, 1, 0), (0, 0, 1), (-1, -1, -1)], (0, 1, 1)).status is Status.INFEASIBLE
    # Optimum and infeasibility decided by margins far below the float resolution.
    big = 10**30
    square = [(0, 1, 0), (0, 0, 1), (1, -1, 0), (1, 0, -1)]
    assert minimize(square + [(-big - 1, big, big)], (0, 1, 1)).value == Fraction(big + 1, big)
    cut = [(-2 * big - 1, big, big)]  # x + y >= 2 + 1/big: misses the square by 1/big
    assert minimize(square + cut, (0, 1, 1)).status is Status.INFEASIBLE


def test_equalities():
    rows = [(1, -1, 0), (1, 1, 0), (1, 0, -1), (1, 0, 1)]
    opt = minimize(rows, (0, 0, -1), equalities=[(0, 1, -1)])  # max y on x = y in [-1, 1]^2
    assert opt.value == -1 and opt.point == (1, 1)


def test_interior_point_is_strict_and_empty_interiors_are_refused():
    rows = [(0, 1, 0), (0, 0, 1), (1, -1, -1)]
    p = interior_point(rows)
    assert all(r[0] + sum(a * v for a, v in zip(r[1:], p)) > 0 for r in rows)
    thin = 10**40
    rows = [(0, 1, 0), (0, 0, 1), (1, -1, 0), (1, -thin, 0)]  # 0 <= x <= 1e-40
    p = interior_point(rows + [(1, 0, -1)])
    assert 0 < p[0] < Fraction(1, thin)
    with pytest.raises(EmptyInterior):
        interior_point([(0, 1, 0), (0, -1, 0), (0, 0, 1), (1, 0, -1)])
    with pytest.raises(EmptyInterior):
        interior_point([(0, 1, 0), (-1, -1, 0), (0, 0, 1), (1, 0, -1)])


@pytest.mark.parametrize("seed", range(12))
def test_a_wrong_float_guide_never_changes_the_answer(seed, monkeypatch):
    """HiGHS failing, or proposing a wrong basis, only sends the LP to the exact simplex."""
    from exactrelu.geometry import lp

    rng = random.Random(100 + seed)
    n = 2 + seed % 3
    rows = random_polytope(rng, n, 4)
    objective = tuple(rng.randint(-3, 3) for _ in range(n + 1))
    expected = brute_min(rows, objective)

    def wrong(self, rows_f, n_ineq, cost):
        if seed % 2:
            return None
        x = np.zeros(rows_f.shape[1] - 1)
        return lp.FloatGuess(x, rng.sample(range(len(rows_f)), n), np.ones(len(rows_f)), [])

    monkeypatch.setattr(lp.LPSolver, "float_solve", wrong)
    opt = lp.LPSolver().minimize(rows, objective)
    if expected is None:
        assert opt.status is Status.INFEASIBLE
    else:
        assert opt.value == expected
        check_certificate(rows, objective, opt)


def test_coefficients_beyond_the_float_range():
    huge = 10**400
    rows = [(0, huge, 0), (0, 0, 1), (huge, -huge, 0), (1, 0, -1), (huge + 1, -huge, -huge)]  # x + y <= 1 + 1/huge
    opt = minimize(rows, (0, -huge, -huge))
    assert opt.status is Status.OPTIMAL and opt.value == -huge - 1
    check_certificate(rows, (0, -huge, -huge), opt)
    p = interior_point(rows)
    assert all(r[0] + sum(a * v for a, v in zip(r[1:], p)) > 0 for r in rows)


def test_is_facet_against_brute_force_in_the_plane():
    from exactrelu.geometry.lp import is_facet

    rng = random.Random(5)
    for _ in range(30):
        rows = random_polytope(rng, 2, 3)
        try:
            interior_point(rows)
        except EmptyInterior:
            continue
        for i, row in enumerate(rows):
            point = is_facet(rows, i)
            # brute force: the vertices on the line span it (two distinct vertices of the polygon)
            verts = set()
            for a, b in itertools.combinations(rows, 2):
                M = fmpq_mat([list(a[1:]), list(b[1:])])
                if M.det() == 0:
                    continue
                s = M.solve(fmpq_mat([[-a[0]], [-b[0]]]))
                x = tuple(Fraction(int(v.p), int(v.q)) for v in s.entries())
                if all(r[0] + sum(c * v for c, v in zip(r[1:], x)) >= 0 for r in rows):
                    verts.add(x)
            on = [v for v in verts if row[0] + sum(c * t for c, t in zip(row[1:], v)) == 0]
            assert (point is not None) == (len(on) >= 2)
            if point is not None:
                assert row[0] + sum(c * t for c, t in zip(row[1:], point)) == 0

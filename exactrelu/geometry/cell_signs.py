"""Is a form ``>= 0`` on a constraint list?  One HiGHS model per list, one exact check per answer.

Deciding a neuron on a cell asks this question for many forms over the same rows.  The rows go to
HiGHS once; each form only changes the cost vector, so the simplex hot-starts from the previous
optimal basis.  The float optimum names ``d`` tight rows, and only the side asked for is certified:

* ``>= 0``: a Farkas certificate.  With ``M`` the gradients of those rows, the exact solution of
  ``M^T y = gradient`` with ``y >= 0`` gives ``form = sum y_i row_i + (form_0 - sum y_i row_i0)``,
  so the form is ``>= form_0 - sum y_i row_i0`` on the cell; a nonnegative bound decides.
  Primal feasibility of the basis is not needed.
* ``< 0``: a point.  The exact basis vertex, if every row is ``>= 0`` there and the form ``< 0``.

When neither check succeeds (a wrong or degenerate float basis), the full exact LP
(:meth:`~exactrelu.geometry.lp.LPSolver.minimize`) decides.  Floats only choose what to check.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import lcm

import numpy as np
from flint import fmpz_mat

from .lp import LPSolver
from .predicates import float_rows

__all__ = ["CellSigns"]


class CellSigns:
    """Exact answers to "is ``form >= 0`` on ``{x : row . (1, x) >= 0 for every row}``?" for one
    bounded, full-dimensional constraint list."""

    def __init__(self, solver: LPSolver, rows: Sequence[tuple[int, ...]]):
        self.solver = solver
        self.rows = list(rows)
        self.n = len(self.rows[0]) - 1
        self.Z: fmpz_mat | None = None  # the rows as one integer matrix, built when a point is checked
        self.fast = self.slow = 0
        self.h = solver.side_model()
        _load(solver.api, self.h, float_rows(self.rows, by_gradient=True))

    def nonnegative(self, form: Sequence[int]) -> bool:
        """Exactly whether ``form . (1, x) >= 0`` on the whole cell."""
        verdict = self._guided(form)
        if verdict is not None:
            self.fast += 1
            return verdict
        self.slow += 1
        return self.solver.minimize(self.rows, form).at_least(0)

    def _guided(self, form: Sequence[int]) -> bool | None:
        hs, h, n = self.solver.api, self.h, self.n
        top = max(abs(a) for a in form[1:])
        h.changeColsCost(n, np.arange(n, dtype=np.int32), np.array([a / top for a in form[1:]]))
        h.run()
        if h.getModelStatus() != hs.HighsModelStatus.kOptimal:
            return None
        basic = hs.HighsBasisStatus.kBasic
        tight = [i for i, s in enumerate(h.getBasis().row_status) if s != basic]
        if len(tight) != n:
            return None
        M = fmpz_mat([list(self.rows[i][1:]) for i in tight])
        value = form[0] / top + h.getInfo().objective_function_value
        try:
            if value >= 0:  # the likely side first; a minimum near 0 may need the other
                if self._bounded_below(M, tight, form):
                    return True
                return False if self._negative_vertex(M, tight, form) else None
            if self._negative_vertex(M, tight, form):
                return False
            return True if self._bounded_below(M, tight, form) else None
        except ZeroDivisionError:  # a singular float basis: let the exact LP decide
            return None

    def _bounded_below(self, M: fmpz_mat, tight: list[int], form: Sequence[int]) -> bool:
        """A Farkas certificate of ``form >= 0`` on the rows ``tight``, checked exactly."""
        y = M.transpose().solve(fmpz_mat([[a] for a in form[1:]])).entries()
        if any(v < 0 for v in y):
            return False
        return form[0] - sum(v * self.rows[i][0] for v, i in zip(y, tight)) >= 0

    def _negative_vertex(self, M: fmpz_mat, tight: list[int], form: Sequence[int]) -> bool:
        """The vertex where the rows ``tight`` vanish is in the cell and the form is negative there."""
        x = M.solve(fmpz_mat([[-self.rows[i][0]] for i in tight])).entries()
        den = lcm(*(int(v.q) for v in x))
        point = fmpz_mat([[den]] + [[int((v * den).p)] for v in x])
        if self.Z is None:
            self.Z = fmpz_mat([list(r) for r in self.rows])
        if any(v < 0 for v in (self.Z * point).entries()):
            return False
        return sum(a * int(p) for a, p in zip(form, point.entries())) < 0


def _load(hs, h, rows_f: np.ndarray) -> None:
    """Pass ``rows_f . (1, x) >= 0`` with a zero cost to the HiGHS model ``h``."""
    m, width = rows_f.shape
    n = width - 1
    lp = hs.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = m
    lp.col_cost_ = np.zeros(n)
    lp.col_lower_ = np.full(n, -hs.kHighsInf)
    lp.col_upper_ = np.full(n, hs.kHighsInf)
    lp.row_lower_ = -rows_f[:, 0]
    lp.row_upper_ = np.full(m, hs.kHighsInf)
    lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, m * n + 1, m, dtype=np.int32)
    lp.a_matrix_.index_ = np.tile(np.arange(m, dtype=np.int32), n)
    lp.a_matrix_.value_ = np.ascontiguousarray(rows_f[:, 1:].T).ravel()
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = m
    h.clearSolver()
    h.passModel(lp)

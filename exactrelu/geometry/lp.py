"""Exact linear programs over ``{x : c_i . (1, x) >= 0}``: HiGHS proposes, exact arithmetic disposes.

Every LP is first solved in floats by HiGHS (one reusable ``highspy.Highs`` model, one thread,
presolve off).  Its optimal basis names ``n`` active rows; the basis system is then solved exactly
with python-flint, and the answer is accepted only if the vertex satisfies every row exactly
(primal feasibility) and the objective's gradient is a nonnegative combination of the active
gradients (dual feasibility, an LP-duality certificate).  When either check fails, or HiGHS gives
up, a compact exact simplex (Bland's rule, so it cannot cycle) takes over from the HiGHS basis if
that is feasible, else from a phase-1 problem.  No tolerance decides anything: floats only choose
which exact computation to try.

Rows are integer tuples ``(c0, c1, ..., cn)`` meaning ``c0 + c . x >= 0``, the
convention of :class:`~exactrelu.polytope.Cell`; equality rows mean ``c0 + c . x = 0``.  The feasible
set is assumed pointed (the row gradients span the space), which holds for every bounded cell.
"""

from __future__ import annotations

import enum
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import lcm

import numpy as np
from flint import fmpq, fmpq_mat, fmpz_mat

from ..errors import EmptyInterior, InternalError, InvalidArgument
from .exact import hyperplane_key
from .loaded_rows import LoadedRows
from .predicates import float_rows
from .rounding import short_point_inside

__all__ = [
    "Status",
    "Optimum",
    "FloatGuess",
    "LPSolver",
    "FaceTester",
    "is_facet",
    "minimize",
    "interior_point",
    "short_point",
    "chebyshev_rows",
]


class Status(enum.Enum):
    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"


@dataclass(frozen=True, slots=True)
class Optimum:
    """An exactly certified LP answer.

    For ``OPTIMAL``: ``value`` is the exact minimum, ``point`` an optimal point (a vertex unless the
    optimal face is larger), ``basis`` the indices of at most ``n`` linearly independent rows tight
    at it (equality rows are numbered after the inequality rows) and ``multipliers`` one rational
    per basis row, ``>= 0`` for inequality rows, with
    ``objective gradient = sum multipliers[k] * gradient(rows[basis[k]])``.
    """

    status: Status
    value: Fraction | None = None
    point: tuple[Fraction, ...] | None = None
    basis: tuple[int, ...] = ()
    multipliers: tuple[Fraction, ...] = ()
    exact_fallback: bool = False

    def at_least(self, bound: Fraction | int = 0) -> bool:
        """Optimal with a minimum ``>= bound``."""
        return self.status is Status.OPTIMAL and self.value is not None and self.value >= bound

    def below(self, bound: Fraction | int = 0) -> tuple[Fraction, tuple[Fraction, ...]] | None:
        """``(value, point)`` when optimal with a minimum ``< bound``, else None."""
        if self.status is Status.OPTIMAL and self.value is not None and self.point is not None and self.value < bound:
            return self.value, self.point
        return None


def _q(v) -> fmpq:
    if isinstance(v, Fraction):
        return fmpq(v.numerator, v.denominator)
    return fmpq(v)


def _fr(v: fmpq) -> Fraction:
    return Fraction(int(v.p), int(v.q))


def _scaled(rows) -> np.ndarray:
    """Float guides: each row divided by its largest |gradient entry| (a wrong guide only costs
    certification a retry)."""
    return float_rows(rows, by_gradient=True)


def _ratio_float(a, b) -> float:
    try:
        return float(Fraction(a) / Fraction(b))
    except OverflowError:
        return float("inf") if (a > 0) == (b > 0) else float("-inf")


def _int_row(r) -> tuple[int, ...]:
    row = tuple(r)
    if not all(isinstance(a, int) for a in row):
        raise InvalidArgument(f"LP constraint rows must hold integers, got {row!r}")
    return row


class _Problem:
    """Exact data of one LP: integer ``rows`` (inequalities then equalities) and the objective."""

    def __init__(self, rows, equalities, objective):
        self.rows = [tuple(r) for r in rows] + [tuple(r) for r in equalities]
        self.n_ineq = len(rows)
        self.n = len(objective) - 1
        self.obj = [_q(a) for a in objective]
        self.b = [fmpq(r[0]) for r in self.rows]
        self._Z = None

    def grad(self, i):
        return [fmpq(a) for a in self.rows[i][1:]]

    def values(self, x: list[fmpq]) -> list:
        """Exact row values at ``x``, each scaled by the same positive common denominator."""
        den = lcm(*(int(v.q) for v in x)) if x else 1
        h = fmpz_mat([[den]] + [[int((v * den).p)] for v in x])
        if self._Z is None:
            self._Z = fmpz_mat([list(r) for r in self.rows])
        return (self._Z * h).entries()

    def objective_value(self, x) -> fmpq:
        return self.obj[0] + sum((c * v for c, v in zip(self.obj[1:], x)), fmpq(0))


def _basis_matrix(P: _Problem, basis) -> fmpq_mat:
    return fmpq_mat([list(P.rows[i][1:]) for i in basis])


def _certify(P: _Problem, basis, pins=()) -> Optimum | None:
    """The optimum at ``basis`` if it is exactly primal and dual feasible, else None.

    ``pins`` are ``(column, value)`` pairs HiGHS left nonbasic (an optimal face, not a vertex): they
    complete the square system but must get multiplier exactly 0, so the certificate uses real
    rows only."""
    k = len(basis)
    if k + len(pins) != P.n or len(set(basis)) != k:
        return None
    grads = [list(P.rows[i][1:]) for i in basis] + [[int(c == j) for c in range(P.n)] for j, _ in pins]
    M = fmpq_mat(grads)
    try:
        x = M.solve(fmpq_mat([[-P.b[i]] for i in basis] + [[v] for _, v in pins]))
        y = M.transpose().solve(fmpq_mat([[c] for c in P.obj[1:]]))
    except ZeroDivisionError:
        return None
    xs = x.entries()
    ys = y.entries()
    if any(v != 0 for v in ys[k:]):
        return None
    if any(v < 0 for i, v in zip(basis, ys) if i < P.n_ineq):
        return None
    vals = P.values(xs)
    if any(v < 0 for v in vals[: P.n_ineq]) or any(v != 0 for v in vals[P.n_ineq :]):
        return None
    return Optimum(
        Status.OPTIMAL,
        _fr(P.objective_value(xs)),
        tuple(_fr(v) for v in xs),
        tuple(basis),
        tuple(_fr(v) for v in ys[:k]),
    )


# ---------------------------------------------------------------------- exact simplex (fallback)
def _simplex(rows, obj, basis, x):
    """Bland's-rule simplex on ``rows`` (inequalities, fmpq gradients and constants) from a
    feasible vertex ``x`` with independent tight ``basis``.  Returns ``(basis, x, y)`` or None if
    unbounded."""
    n = len(obj)
    while True:
        M = fmpq_mat([rows[i][1] for i in basis])
        y = M.transpose().solve(fmpq_mat([[c] for c in obj]))
        neg = [(basis[k], k) for k in range(n) if y[k, 0] < 0]
        if not neg:
            return basis, x, [y[k, 0] for k in range(n)]
        _, pos = min(neg)
        e = fmpq_mat([[fmpq(1 if k == pos else 0)] for k in range(n)])
        d = M.solve(e)
        d = [d[j, 0] for j in range(n)]
        step, enter = _ratio(rows, basis, x, d)
        if enter is None:
            return None
        x = [a + step * b for a, b in zip(x, d)]
        basis = basis[:pos] + [enter] + basis[pos + 1 :]


def _ratio(rows, active, x, d):
    """Longest step along ``d`` keeping every row >= 0; (step, blocking row) or (None, None)."""
    best, enter = None, None
    skip = set(active)
    for i, (b, g) in enumerate(rows):
        if i in skip:
            continue
        rate = sum((a * v for a, v in zip(g, d)), fmpq(0))
        if rate < 0:
            value = b + sum((a * v for a, v in zip(g, x)), fmpq(0))
            step = value / -rate
            if best is None or step < best:
                best, enter = step, i
    return best, enter


def _crash(rows, obj, x):
    """From a feasible ``x`` move, never increasing the objective, to a vertex.
    Returns ``(basis, x)``, or None if the objective is unbounded below."""
    n = len(obj)
    active: list[int] = []
    while len(active) < n:
        if active:
            Mq = fmpq_mat([rows[i][1] for i in active])
            _, den = Mq.numer_denom()
            null, nullity = fmpz_mat(
                [[int((Mq[r, c] * den).p) for c in range(n)] for r in range(len(active))]
            ).nullspace()
            d = [fmpq(int(null[j, 0])) for j in range(n)]
        else:
            d = [fmpq(1 if j == 0 else 0) for j in range(n)]
            nz = next((j for j in range(n) if obj[j] != 0), None)
            if nz is not None:
                d = [-c for c in obj]
        slope = sum((a * v for a, v in zip(obj, d)), fmpq(0))
        if slope > 0:
            d, slope = [-v for v in d], -slope
        step, enter = _ratio(rows, active, x, d)
        if enter is None:
            if slope < 0:
                return None
            d = [-v for v in d]
            step, enter = _ratio(rows, active, x, d)
            if enter is None:
                raise InvalidArgument("constraint set is not pointed (its row gradients do not span the space)")
        x = [a + step * b for a, b in zip(x, d)]
        active.append(enter)
    return active, x


def _exact_solve(P: _Problem, start_basis, start_x) -> Optimum:
    """Exact simplex: equalities become two inequalities; phase 1 when ``start_x`` is infeasible."""
    n = P.n
    rows = []  # (constant, gradient) pairs
    origin = []  # (row index in P, sign)
    for i in range(len(P.rows)):
        g = P.grad(i)
        rows.append((P.b[i], g))
        origin.append((i, 1))
        if i >= P.n_ineq:
            rows.append((-P.b[i], [-a for a in g]))
            origin.append((i, -1))
    obj = P.obj[1:]
    x = list(start_x) if start_x is not None else [fmpq(0)] * n
    vals = [b + sum((a * v for a, v in zip(g, x)), fmpq(0)) for b, g in rows]
    worst = min(vals) if vals else fmpq(0)
    basis = list(start_basis) if start_basis is not None else None
    if worst < 0:
        basis = None  # phase 1: rows + t >= 0, t >= 0, minimize t
        t0 = -worst if worst < 0 else fmpq(0)
        ext = [(b, g + [fmpq(1)]) for b, g in rows] + [(fmpq(0), [fmpq(0)] * n + [fmpq(1)])]
        obj1 = [fmpq(0)] * n + [fmpq(1)]
        crashed = _crash(ext, obj1, x + [t0])
        basis1, x1, _ = _simplex(ext, obj1, *crashed)
        if x1[n] > 0:
            return Optimum(Status.INFEASIBLE, exact_fallback=True)
        x = x1[:n]
    if basis is None:
        crashed = _crash(rows, obj, x)
        if crashed is None:
            return Optimum(Status.UNBOUNDED, exact_fallback=True)
        basis, x = crashed
    result = _simplex(rows, obj, basis, x)
    if result is None:
        return Optimum(Status.UNBOUNDED, exact_fallback=True)
    basis, x, y = result
    merged: dict[int, fmpq] = {}
    for k, yk in zip(basis, y):
        i, sign = origin[k]
        merged[i] = merged.get(i, fmpq(0)) + sign * yk
    out_basis = tuple(origin[k][0] for k in basis)
    if len(set(out_basis)) == n:
        mult = tuple(_fr(merged[i]) for i in out_basis)
    else:  # both halves of an equality in the basis cannot happen for independent rows
        raise InternalError("dependent basis in exact simplex")
    return Optimum(
        Status.OPTIMAL, _fr(P.objective_value(x)), tuple(_fr(v) for v in x), out_basis, mult, exact_fallback=True
    )


# ---------------------------------------------------------------------- the HiGHS guide
@dataclass(frozen=True, slots=True)
class FloatGuess:
    """What HiGHS proposes for an LP: its float point ``x``, the rows it holds tight (nonbasic),
    every row's float slack, and the columns it left nonbasic with their values (an optimal face).
    Only :meth:`LPSolver.certify_guess` turns it into a fact."""

    x: np.ndarray
    nonbasic: list[int]
    activity: Sequence[float]
    pins: list[tuple[int, fmpq]]


class LPSolver:
    """One reusable HiGHS model plus the exact certification around it."""

    def __init__(self) -> None:
        import highspy  # deferred for start-up time: HiGHS is needed only when an LP is solved

        self.api = highspy
        self.model = _quiet(highspy.Highs)
        self.model.silent()
        self.model.setOptionValue("threads", 1)
        self.model.setOptionValue("presolve", "off")
        self.calls = 0
        self.fallbacks = 0
        self.spare: LoadedRows | None = None

    def side_model(self) -> LoadedRows:
        """A second HiGHS model for a caller that keeps its own constraint list loaded while this
        solver's model answers other LPs (primal simplex: callers change only the cost, and the
        rows arrive already scaled)."""
        if self.spare is None:
            h = self.new_model()
            h.setOptionValue("simplex_strategy", 4)
            h.setOptionValue("simplex_scale_strategy", 0)
            self.spare = LoadedRows(self.api, h)
        return self.spare

    def new_model(self):
        """Another HiGHS model with this solver's options, for a caller that keeps its own problem."""
        h = _quiet(self.api.Highs)
        h.silent()
        h.setOptionValue("threads", 1)
        h.setOptionValue("presolve", "off")
        return h

    def __getstate__(self) -> dict:  # the HiGHS model does not pickle: a copy starts a fresh one
        return {"calls": self.calls, "fallbacks": self.fallbacks}

    def __setstate__(self, state: dict) -> None:
        self.__init__()  # type: ignore[misc]
        self.calls, self.fallbacks = state["calls"], state["fallbacks"]

    def float_solve(self, rows_f: np.ndarray, n_ineq: int, cost: np.ndarray) -> Status | FloatGuess | None:
        """Solve in floats: a :class:`FloatGuess`, the status HiGHS reports for an infeasible or
        unbounded problem (a claim certification never relies on), or None."""
        hs = self.api
        m, width = rows_f.shape
        n = width - 1
        lp = hs.HighsLp()
        lp.num_col_ = n
        lp.num_row_ = m
        lp.col_cost_ = np.asarray(cost, dtype=np.float64)
        lp.col_lower_ = np.full(n, -hs.kHighsInf)
        lp.col_upper_ = np.full(n, hs.kHighsInf)
        lower = -rows_f[:, 0]
        upper = np.where(np.arange(m) < n_ineq, hs.kHighsInf, lower)
        lp.row_lower_ = lower
        lp.row_upper_ = upper
        A = np.ascontiguousarray(rows_f[:, 1:].T)  # column-wise dense
        lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.arange(0, m * n + 1, m, dtype=np.int32)
        lp.a_matrix_.index_ = np.tile(np.arange(m, dtype=np.int32), n)
        lp.a_matrix_.value_ = A.ravel()
        lp.a_matrix_.num_col_ = n
        lp.a_matrix_.num_row_ = m
        h = self.model
        h.clearSolver()
        h.passModel(lp)
        h.run()
        status = h.getModelStatus()
        if status == hs.HighsModelStatus.kInfeasible:
            return Status.INFEASIBLE
        if status in (hs.HighsModelStatus.kUnbounded, hs.HighsModelStatus.kUnboundedOrInfeasible):
            return Status.UNBOUNDED
        if status != hs.HighsModelStatus.kOptimal:
            return None
        sol = h.getSolution()
        basis = h.getBasis()
        x = np.array(sol.col_value)
        activity = np.array(sol.row_value) - lower
        nonbasic = [i for i, s in enumerate(basis.row_status) if s != hs.HighsBasisStatus.kBasic]
        pins = [
            (j, _q(Fraction(float(x[j])))) for j, s in enumerate(basis.col_status) if s != hs.HighsBasisStatus.kBasic
        ]
        return FloatGuess(x, nonbasic, activity, pins)

    def minimize(self, rows: Sequence[Sequence[int]], objective: Sequence, equalities: Sequence = ()) -> Optimum:
        """Exact minimum of ``objective . (1, x)`` subject to ``rows . (1, x) >= 0`` and
        ``equalities . (1, x) = 0`` (see :func:`minimize`)."""
        self.calls += 1
        P = _Problem(rows, equalities, objective)
        all_rows = P.rows
        if not all_rows:
            if any(c != 0 for c in P.obj[1:]):
                return Optimum(Status.UNBOUNDED)
            return Optimum(Status.OPTIMAL, _fr(P.obj[0]), (Fraction(0),) * P.n)
        rows_f = _scaled(all_rows)
        top = max((abs(Fraction(c)) for c in objective[1:]), default=0) or 1
        cost = np.array([_ratio_float(c, top) for c in objective[1:]])
        guess = self.float_solve(rows_f, P.n_ineq, cost)
        return self.certify_guess(P, guess if isinstance(guess, FloatGuess) else None)

    def certify_guess(self, P: _Problem, guess: FloatGuess | None) -> Optimum:
        """Certify the float guess exactly, or solve exactly from it."""
        start_x = None
        start_basis = None
        if guess is not None:
            x, nonbasic, activity, pins = guess.x, guess.nonbasic, guess.activity, guess.pins
            if pins:
                found = _certify(P, nonbasic, pins)
                if found is not None:
                    return found
            basis = _choose_basis(P, nonbasic, activity)
            if basis is not None:
                found = _certify(P, basis)
                if found is not None:
                    return found
                start_x, start_basis = _vertex_if_feasible(P, basis)
            if start_x is None:
                start_x = [_q(Fraction(float(v))) for v in x]
        self.fallbacks += 1
        return _exact_solve(P, start_basis, start_x)


class FaceTester:
    """``max t`` such that ``x`` lies on the hyperplane of chosen rows and every other row is
    ``>= t * max|gradient|`` (``t <= 1``): positive iff those rows carry a facet.  One HiGHS model
    per constraint list, hot-started from test to test (only a few coefficients and bounds change);
    every answer is certified exactly like :meth:`LPSolver.minimize`."""

    def __init__(self, solver: LPSolver, rows: Sequence[tuple[int, ...]]):
        hs = solver.api
        self.solver = solver
        self.rows = [tuple(r) for r in rows]
        self.m = [max(abs(a) for a in r[1:]) or 1 for r in self.rows]
        m, n = len(self.rows), len(self.rows[0]) - 1
        self.n = n
        rows_f = _scaled(self.rows)
        self.lower = -rows_f[:, 0]
        lp = hs.HighsLp()
        lp.num_col_ = n + 1
        lp.num_row_ = m
        lp.col_cost_ = np.array([0.0] * n + [-1.0])
        lp.col_lower_ = np.full(n + 1, -hs.kHighsInf)
        lp.col_upper_ = np.array([hs.kHighsInf] * n + [1.0])
        lp.row_lower_ = self.lower
        lp.row_upper_ = np.full(m, hs.kHighsInf)
        A = np.concatenate([rows_f[:, 1:], -np.ones((m, 1))], axis=1)
        lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.arange(0, m * (n + 1) + 1, m, dtype=np.int32)
        lp.a_matrix_.index_ = np.tile(np.arange(m, dtype=np.int32), n + 1)
        lp.a_matrix_.value_ = np.ascontiguousarray(A.T).ravel()
        lp.a_matrix_.num_col_ = n + 1
        lp.a_matrix_.num_row_ = m
        solver.model.clearSolver()
        solver.model.passModel(lp)

    def test(self, members: Sequence[int]) -> Optimum:
        """The certified optimum; ``point[:n]`` is on the hyperplane, and strictly inside every
        other row when ``value < 0`` (``t = -value``)."""
        solver, hs, h = self.solver, self.solver.api, self.solver.model
        solver.calls += 1
        inf = hs.kHighsInf
        for i in members:
            h.changeCoeff(i, self.n, 0.0)
            h.changeRowBounds(i, self.lower[i], self.lower[i])
        h.run()
        guess = None
        if h.getModelStatus() == hs.HighsModelStatus.kOptimal:
            sol, basis = h.getSolution(), h.getBasis()
            x = np.array(sol.col_value)
            slack = np.array(sol.row_value) - self.lower
            basic = hs.HighsBasisStatus.kBasic
            cols = list(basis.col_status)
            guess = (
                x,
                [i for i, st in enumerate(basis.row_status) if st != basic],
                cols[self.n] != basic,
                slack,
                [(j, _q(Fraction(float(x[j])))) for j in range(self.n) if cols[j] != basic],
            )
        for i in members:
            h.changeCoeff(i, self.n, -1.0)
            h.changeRowBounds(i, self.lower[i], inf)
        member_set = set(members)
        others = [i for i in range(len(self.rows)) if i not in member_set]
        ineq = [self.rows[i] + (-self.m[i],) for i in others] + [(1,) + (0,) * self.n + (-1,)]
        P = _Problem(ineq, [self.rows[members[0]] + (0,)], (0,) * (self.n + 1) + (-1,))
        if guess is None:
            return solver.certify_guess(P, None)
        x, nonbasic, t_at_bound, slack, pins = guess
        position = {i: k for k, i in enumerate(others)}
        eq = len(ineq)
        mapped = [eq if i in member_set else position[i] for i in nonbasic]
        if t_at_bound:
            mapped.append(len(others))
        mapped = list(dict.fromkeys(mapped))
        activity = [slack[i] for i in others] + [1.0 - x[self.n], 0.0]
        return solver.certify_guess(P, FloatGuess(x, mapped, activity, pins))


def _choose_basis(P: _Problem, nonbasic, activity) -> list[int] | None:
    """``n`` independent rows: HiGHS's nonbasic rows, completed by the rows closest to tight."""
    n = P.n
    if len(nonbasic) == n:
        M = _basis_matrix(P, nonbasic)
        if M.rank() == n:
            return list(nonbasic)
    order = list(dict.fromkeys(list(nonbasic) + sorted(range(len(P.rows)), key=lambda i: abs(activity[i]))))
    chosen: list[int] = []
    for i in order:
        if len(chosen) == n:
            break
        trial = chosen + [i]
        if _basis_matrix(P, trial).rank() == len(trial):
            chosen = trial
    return chosen if len(chosen) == n else None


def _vertex_if_feasible(P: _Problem, basis):
    """The basis vertex and the basis translated for the fallback simplex, if the vertex is feasible
    and the basis holds no equality row (the fallback splits those); else ``(None, None)``."""
    if any(i >= P.n_ineq for i in basis) or P.n_ineq != len(P.rows):
        return None, None
    try:
        solution = _basis_matrix(P, basis).solve(fmpq_mat([[-P.b[i]] for i in basis]))
    except ZeroDivisionError:
        return None, None
    x = [solution[j, 0] for j in range(P.n)]
    if any(v < 0 for v in P.values(x)):
        return None, None
    return x, basis


def _quiet(make):
    """Call ``make()`` with the process's stdout silenced (HiGHS prints a banner from C++)."""
    sys.stdout.flush()
    try:
        fd = sys.__stdout__.fileno()
    except (AttributeError, OSError, ValueError):
        return make()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
            return make()
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def minimize(
    rows: Sequence[Sequence[int]],
    objective: Sequence,
    equalities: Sequence = (),
    solver: LPSolver | None = None,
) -> Optimum:
    """Exact minimum of ``objective[0] + objective[1:] . x`` over ``{x : row . (1, x) >= 0}``.

    ``rows`` and ``equalities`` are integer tuples ``(c0, c1, ..., cn)`` (the objective may hold
    Fractions); the set must be pointed.  Returns an :class:`Optimum` (status ``OPTIMAL``, ``INFEASIBLE`` or ``UNBOUNDED``).

    >>> opt = minimize([(0, 1, 0), (0, 0, 1), (1, -1, -1)], (0, -1, -2))  # x, y >= 0, x + y <= 1
    >>> opt.value, opt.point, opt.multipliers
    (Fraction(-2, 1), (Fraction(0, 1), Fraction(1, 1)), (Fraction(1, 1), Fraction(2, 1)))
    """
    rows = [_int_row(r) for r in rows]
    equalities = [_int_row(r) for r in equalities]
    return (solver or LPSolver()).minimize(rows, objective, equalities)


def short_point(guess: Sequence[float], rows: Sequence[Sequence[int]], width: float) -> tuple[Fraction, ...] | None:
    """A short rational rounding of the float ``guess`` strictly inside every row, or None
    (``width``: the set's extent around ``guess``, see :func:`~.rounding.short_point_inside`)."""
    return short_point_inside(guess, width, lambda h: all(sum(a * b for a, b in zip(r, h)) > 0 for r in rows))


def chebyshev_rows(rows: Sequence[Sequence[int]]) -> list[tuple]:
    """Rows ``c . (1, x) - t * max|c_1..c_n| >= 0`` over ``(x, t)``, plus ``t <= 1``."""
    out = []
    for r in rows:
        m = max(abs(a) for a in r[1:]) or 1
        out.append(tuple(r) + (-m,))
    n = len(rows[0]) - 1
    out.append((1,) + (0,) * n + (-1,))
    return out


def interior_point(rows: Sequence[Sequence[int]], solver: LPSolver | None = None) -> tuple[Fraction, ...]:
    """A short rational point strictly inside every row (raises :class:`EmptyInterior` if none).

    >>> interior_point([(0, 1, 0), (0, 0, 1), (1, -1, -1)])
    (Fraction(1, 3), Fraction(1, 3))
    """
    solver = solver or LPSolver()
    rows = [_int_row(r) for r in rows]
    ext = chebyshev_rows(rows)
    n = len(rows[0]) - 1
    found = solver.minimize(ext, (0,) * (n + 1) + (-1,)).below(0)
    if found is None:
        raise EmptyInterior("the constraints have no interior point")
    value, centre = found
    point = short_point([float(v) for v in centre[:n]], rows, 2 * float(-value))
    return point if point is not None else centre[:n]


def is_facet(rows: Sequence[Sequence[int]], i: int, solver: LPSolver | None = None) -> tuple[Fraction, ...] | None:
    """A point of the hyperplane of ``rows[i]`` strictly inside every row not on that hyperplane
    (so ``rows[i]`` carries a facet of the full-dimensional set), or None if there is none.

    >>> square = [(0, 1, 0), (0, 0, 1), (1, -1, 0), (1, 0, -1), (2, -1, -1)]  # x + y <= 2 touches (1, 1)
    >>> is_facet(square, 0) is not None, is_facet(square, 4)
    (True, None)
    """
    rows = [_int_row(r) for r in rows]
    key = hyperplane_key(rows[i])[0]
    members = [k for k, r in enumerate(rows) if hyperplane_key(r)[0] == key]
    found = FaceTester(solver or LPSolver(), [tuple(r) for r in rows]).test(members).below(0)
    return None if found is None else found[1][:-1]

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

from .farkas_basis import FarkasBasis
from .lp import LPSolver

__all__ = ["CellSigns", "scaled_guide"]

PIVOT_ROWS = 3  # the newest rows a known basis may take in by one pivot before an LP


class CellSigns:
    """Exact answers to "is ``form >= 0`` on ``{x : row . (1, x) >= 0 for every row}``?" for one
    bounded, full-dimensional constraint list.  It keeps the solver's side model loaded: one
    instance in use at a time per solver."""

    def __init__(
        self,
        solver: LPSolver,
        rows: Sequence[tuple[int, ...]],
        bases: list[FarkasBasis] | None = None,
        minima: list[tuple[tuple[int, ...], np.ndarray]] | None = None,
    ):
        self.solver = solver
        self.rows = list(rows)
        self.n = len(self.rows[0]) - 1
        self.Z: fmpz_mat | None = None  # the rows as one integer matrix, built when a point is checked
        self.fast = self.slow = self.known = self.at_minimum = self.pivoted = 0
        self.loaded = solver.side_model()
        self.rows_f = self.loaded.load(self.rows, self)  # float rows scaled by gradient
        self.lower = -self.rows_f[:, 0]
        # bases that proved a bound on this cell or a cell containing it: any of them may prove the
        # next form without an LP; the caller keeps the list along the walk
        self.bases: list[FarkasBasis] = bases if bases is not None else []
        self.guides: list[FarkasBasis] = []  # the bases below, in order
        self.masks: list[int] = []  # each guided basis as a bit mask of rows
        self.guide_T: np.ndarray | None = None  # per basis M^-T (floats, scaled rows)
        self.guide_B: np.ndarray | None = None  # per basis its rows' constants
        self.columns = np.arange(self.n, dtype=np.int32)
        # where LPs on this cell or a cell containing it ended, (tight rows, HiGHS's point): maybe
        # vertices of this cell; the caller keeps the list along the walk
        self.minima = minima if minima is not None else []
        self.minima_x = np.array([x for _, x in self.minima]).reshape(len(self.minima), self.n)

    def nonnegative(self, form: Sequence[int], tried: bool = False, guide: np.ndarray | None = None) -> bool:
        """Exactly whether ``form . (1, x) >= 0`` on the whole cell (when not, :attr:`last_point`
        may hold a homogeneous point of the closed cell where the form is negative).  ``tried``:
        :meth:`prove_by_known_bases` already failed for this form (the bases found since are not
        tried again either: an LP hot-started from the last basis costs about as much, measured).
        ``guide``: the form in floats scaled by its gradient's largest entry, if at hand (see
        :func:`scaled_guide`)."""
        self.last_point: tuple[int, ...] | None = None
        if guide is None:
            guide = scaled_guide(form)
        if not tried and self._by_known_basis(form, guide):
            self.known += 1
            return True
        if self._below_at_a_known_minimum(form, guide):
            self.at_minimum += 1
            return False
        verdict = self._guided(form, guide)  # without rows left out: True, False or None
        if verdict is not None:
            self.fast += 1
            return verdict is True
        self.slow += 1
        return self.solver.minimize(self.rows, form).at_least(0)

    def prove_by_known_bases(self, forms: Sequence[Sequence[int]], guides: np.ndarray | None = None) -> list[bool]:
        """For each form, whether a known basis proves it ``>= 0`` (as :meth:`_by_known_basis`, the
        float guides of all forms in one batch; ``guides`` as :func:`scaled_guide`, if at hand)."""
        if not self.bases or not forms:
            return [False] * len(forms)
        if len(self.guides) < len(self.bases):
            self._add_guides()
        T, B = self.guide_T, self.guide_B
        assert T is not None and B is not None
        if guides is None:
            guides = np.array([scaled_guide(f) for f in forms])
        Y = np.einsum("kij,mj->mki", T, guides[:, 1:])  # forms x bases x multipliers
        bound = guides[:, :1] - (Y * B[None]).sum(axis=2)
        ok = (Y >= -1e-9).all(axis=2) & (bound >= -1e-9)
        best = np.argmax(np.where(ok, bound, -np.inf), axis=1).tolist()
        out = []
        for f, row_ok, k in zip(forms, ok, best):
            try:
                out.append(bool(row_ok[k]) and self.bases[k].bounds(self.rows, f))
            except ZeroDivisionError:
                out.append(False)
        left = [m for m, done in enumerate(out) if not done]
        if left:
            for m, done in zip(left, self._prove_by_pivots([forms[m] for m in left], guides[left], Y[left])):
                out[m] = done
        self.known += sum(out)
        return out

    def _prove_by_pivots(self, forms: Sequence[Sequence[int]], guides: np.ndarray, Y: np.ndarray) -> list[bool]:
        """For each form, whether a known basis with one of its rows swapped for one of the cell's
        ``PIVOT_ROWS`` newest rows proves it ``>= 0`` (one simplex pivot: a cell is its parent cut
        by a new row, and the LP's optimal basis is often a parent's basis that takes it in).  With
        ``z`` the coefficients of the new row's gradient on the basis's gradients and ``y`` the
        form's, swapping position ``i`` gives multipliers ``y_i / z_i`` for the new row and
        ``y_k - y_i z_k / z_i`` for the others.  Floats choose the swap (all forms, bases, new rows
        and positions at once), exact arithmetic checks it, and a basis that proves is kept."""
        T, B = self.guide_T, self.guide_B
        assert T is not None and B is not None
        n = self.n
        new = np.arange(len(self.rows) - 1, max(len(self.rows) - 1 - PIVOT_ROWS, -1), -1)
        if not len(new):
            return [False] * len(forms)
        A = self.rows_f[new]  # new rows x (n + 1)
        usable = np.array([[not (mask >> int(r)) & 1 for mask in self.masks] for r in new])  # rows x bases
        Z = np.einsum("kij,rj->rki", T, A[:, 1:])  # rows x bases x n: the new row on each basis
        diagonal = np.arange(n)
        with np.errstate(all="ignore"):
            swapped = Y[:, None] / Z[None]  # the new row's multiplier: forms x rows x bases x i
            P = Y[:, None, :, None, :] - swapped[..., None] * Z[None, :, :, None, :]  # ... x i x k
            P[..., diagonal, diagonal] = swapped
            C = np.broadcast_to(B[None, :, None, :], (len(new), len(B), n, n)).copy()  # rows' constants
            C[..., diagonal, diagonal] = A[:, None, None, 0]
            bound = guides[:, None, None, None, 0] - (P * C[None]).sum(axis=4)
            ok = (P >= -1e-9).all(axis=4) & (bound >= -1e-9) & ((np.abs(Z) > 1e-12) & usable[..., None])[None]
        out = []
        flat = np.where(ok, bound, -np.inf).reshape(len(forms), -1)
        for form, values, best in zip(forms, flat, np.argmax(flat, axis=1).tolist()):
            if not values[best] > -np.inf:
                out.append(False)
                continue
            r, rest = divmod(best, len(B) * n)
            k, i = divmod(rest, n)
            try:
                basis = self.bases[k].swapped(self.rows, i, int(new[r]))  # with its adjugate, if k has one
                done = basis.bounds(self.rows, form)
            except ZeroDivisionError:
                done = False
            if done:
                self.bases.append(basis)
                self.pivoted += 1
            out.append(done)
        return out

    def _by_known_basis(self, form: Sequence[int], guide: np.ndarray, without: set[int] | None = None) -> bool:
        """A Farkas certificate of ``form >= 0`` on a known basis (none of whose rows is in
        ``without``): floats pick the basis whose multipliers are nonnegative with the largest
        bound, exact arithmetic checks it."""
        if not self.bases:
            return False
        if len(self.guides) < len(self.bases):
            self._add_guides()
        assert self.guide_T is not None and self.guide_B is not None
        T, B = self.guide_T, self.guide_B
        Y = T @ guide[1:]
        bound = guide[0] - (Y * B).sum(axis=1)
        ok = (Y >= -1e-9).all(axis=1) & (bound >= -1e-9)  # NaN (a singular float basis): never
        if without:
            mask = sum(1 << i for i in without)
            ok &= np.array([not (m & mask) for m in self.masks])
        if not ok.any():
            return False
        basis = self.bases[int(np.argmax(np.where(ok, bound, -np.inf)))]
        try:
            return basis.bounds(self.rows, form)
        except ZeroDivisionError:
            return False

    def _below_at_a_known_minimum(self, form: Sequence[int], guide: np.ndarray) -> bool:
        """Whether the form is negative at a vertex where an earlier LP on this cell ended (the
        floats pick one, its exact coordinates decide; :attr:`last_point` is then that vertex)."""
        if not self.minima:
            return False
        values = guide[0] + self.minima_x @ guide[1:]
        k = int(np.argmin(values))
        if not values[k] < 0:
            return False
        tight = self.minima[k][0]
        try:
            point = self._negative_vertex(FarkasBasis(tight).gradients(self.rows), list(tight), form)
        except ZeroDivisionError:
            return False
        self.last_point = point
        return point is not None

    def _add_guides(self) -> None:
        """Float ``M^-T`` and constants of the bases not yet guided here.  A basis keeps its guide:
        its rows, hence their float rows, are the same in every cell that has it."""
        new = self.bases[len(self.guides) :]
        fresh = [basis for basis in new if basis.guide is None]
        if fresh:
            M = self.rows_f[np.array([basis.indices for basis in fresh], dtype=np.intp)]  # k x n x (n + 1)
            try:
                inv = np.linalg.inv(M[:, :, 1:])
            except np.linalg.LinAlgError:
                inv = np.stack([_inverse_or_nan(m) for m in M[:, :, 1:]])
            for basis, T, B in zip(fresh, inv.transpose(0, 2, 1), M[:, :, 0]):
                basis.guide = (T, B)
        self.guides.extend(new)
        self.masks.extend(basis.mask for basis in new)
        T = np.array([basis.guide[0] for basis in new])  # type: ignore[index]
        B = np.array([basis.guide[1] for basis in new])  # type: ignore[index]
        if self.guide_T is None:
            self.guide_T, self.guide_B = T, B
        else:
            self.guide_T = np.concatenate([self.guide_T, T])
            self.guide_B = np.concatenate([self.guide_B, B])

    def _model(self):
        """The side model holding these rows (loaded again if another list was loaded since)."""
        self.loaded.load(self.rows, self)
        return self.loaded.h

    def settle(self, form: Sequence[int], without: Sequence[int]) -> bool | tuple[int, ...] | None:
        """On the set of the rows not in ``without``: True if a checked Farkas certificate shows
        ``form >= 0`` there, else a homogeneous integer point of that set where ``form < 0``
        (checked exactly), else None (neither was found this quick way)."""
        inf = self.solver.api.kHighsInf
        skip = set(without)
        guide = scaled_guide(form)
        if self._by_known_basis(form, guide, skip):
            self.known += 1
            return True
        h = self._model()
        for i in without:
            h.changeRowBounds(i, -inf, inf)
        try:
            return self._guided(form, guide, skip)
        finally:
            for i in without:
                h.changeRowBounds(i, self.lower[i], inf)

    def _guided(
        self, form: Sequence[int], guide: np.ndarray, without: set[int] | None = None
    ) -> bool | tuple[int, ...] | None:
        """True (``>= 0``), False or, with ``without``, the point (``< 0``), or None."""
        hs, h, n = self.solver.api, self._model(), self.n
        h.changeColsCost(n, self.columns, guide[1:])
        h.run()
        if h.getModelStatus() != hs.HighsModelStatus.kOptimal:
            return None
        tight = self._tight_rows(h)
        if len(tight) != n or (without and any(i in without for i in tight)):
            return None
        if not without:  # a vertex of the cell (if HiGHS is right): later forms may be negative there
            x = np.array(h.getSolution().col_value)
            self.minima.append((tuple(tight), x))
            self.minima_x = np.vstack([self.minima_x, x])
        basis = FarkasBasis(tuple(tight))
        M = basis.gradients(self.rows)
        value = guide[0] + h.getObjectiveValue()
        try:
            if value >= 0 and basis.bounds(self.rows, form, M):
                self.bases.append(basis)
                return True
            point = self._negative_vertex(M, tight, form, without)
            if point is not None:
                self.last_point = point
                return point if without else False
            if value < 0 and basis.bounds(self.rows, form, M):  # a minimum near 0
                self.bases.append(basis)
                return True
        except ZeroDivisionError:  # a singular float basis: let the exact LP decide
            pass
        return None

    def _tight_rows(self, h) -> list[int]:
        """The rows HiGHS's basis holds tight (nonbasic), in order."""
        basic = h.getBasicVariables()[1].tolist()  # basic variable -1 - i: row i's slack
        return sorted(set(range(len(self.rows))).difference([-1 - v for v in basic if v < 0]))

    def _negative_vertex(
        self, M: fmpz_mat, tight: list[int], form: Sequence[int], without: set[int] | None = None
    ) -> tuple[int, ...] | None:
        """The vertex where the rows ``tight`` vanish, as a homogeneous integer point, if every row
        (but those ``without``) is ``>= 0`` there and the form ``< 0``; else None."""
        x = M.solve(fmpz_mat([[-self.rows[i][0]] for i in tight])).entries()
        den = lcm(*(int(v.q) for v in x))
        point = fmpz_mat([[den]] + [[int((v * den).p)] for v in x])
        if self.Z is None:
            self.Z = fmpz_mat([list(r) for r in self.rows])
        values = (self.Z * point).entries()
        if any(v < 0 for i, v in enumerate(values) if not without or i not in without):
            return None
        p = tuple(int(v) for v in point.entries())
        return p if sum(a * b for a, b in zip(form, p)) < 0 else None


def scaled_guide(form: Sequence[int]) -> np.ndarray:
    """The form in floats divided by its gradient's largest entry (the LP's conditioning)."""
    top = max(abs(a) for a in form[1:])
    return np.array([a / top for a in form])


def _inverse_or_nan(m: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(m)
    except np.linalg.LinAlgError:
        return np.full(m.shape, np.nan)

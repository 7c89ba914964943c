"""A Farkas basis: ``n`` constraint rows whose gradients are independent, reused to bound many forms.

With ``M`` the rows' gradients, ``form >= 0`` follows on every point where the rows are ``>= 0`` if
the exact solution of ``M^T y = gradient`` has ``y >= 0`` and ``form_0 - sum y_i row_i0 >= 0``.  A
basis that proved one bound along the walk is tried on many later forms (ACAS Xu: 38,000 tests on
5,000 bases), so from its second test on it keeps ``M^T``'s inverse as an integer adjugate ``A``
with ``A M^T = D I`` (``D > 0``, signs folded into ``A``): a test is then ``n + 1`` integer dot
products, ``A g >= 0`` and ``D form_0 - g . (A^T row_0) >= 0``, ten times cheaper than a solve.
"""

from __future__ import annotations

from collections.abc import Sequence

from flint import fmpz_mat

from .exact import exact_dot

__all__ = ["FarkasBasis"]


class FarkasBasis:
    """The rows ``indices`` of a constraint list (rows only ever appended along a walk, so a basis
    keeps its meaning in every descendant cell).  Raises ZeroDivisionError if they are singular."""

    __slots__ = ("indices", "mask", "guide", "tests", "_rows", "_adjugate", "_det", "_constants")

    def __init__(self, indices: tuple[int, ...]):
        self.indices = indices
        self.mask = sum(1 << i for i in indices)  # the rows as a bit mask
        self.guide: tuple | None = None  # a float guide a caller may keep with it (never decides)
        self.tests = 0  # tests so far: the adjugate is made at the second
        self._rows: tuple[tuple[int, ...], ...] = ()  # the rows the adjugate was made from
        self._adjugate: list[tuple[int, ...]] = []
        self._det = 0
        self._constants: tuple[int, ...] = ()

    def __reduce__(self):  # the adjugate is recomputed where needed, not shipped
        return FarkasBasis, (self.indices,)

    def gradients(self, rows: Sequence[tuple[int, ...]]) -> fmpz_mat:
        return fmpz_mat([list(rows[i][1:]) for i in self.indices])

    def bounds(self, rows: Sequence[tuple[int, ...]], form: Sequence[int], M: fmpz_mat | None = None) -> bool:
        """Whether these rows of ``rows`` prove ``form . (1, x) >= 0`` (exactly).  ``M``: their
        gradients, if at hand."""
        self.tests += 1
        own = tuple(rows[i] for i in self.indices)
        kept = bool(self._adjugate) and all(a is b for a, b in zip(own, self._rows))
        if not kept and self.tests >= 2:
            self._invert(own, M if M is not None else self.gradients(rows))
            kept = True
        if kept:
            gradient = form[1:]
            if any(exact_dot(a, gradient) < 0 for a in self._adjugate):
                return False
            return self._det * form[0] - exact_dot(self._constants, gradient) >= 0
        if M is None:
            M = self.gradients(rows)
        y = M.transpose().solve(fmpz_mat([[a] for a in form[1:]])).entries()
        if any(v < 0 for v in y):
            return False
        return form[0] - sum(v * row[0] for v, row in zip(y, own)) >= 0

    def swapped(self, rows: Sequence[tuple[int, ...]], i: int, t: int) -> FarkasBasis:
        """This basis with its ``i``-th row replaced by row ``t`` of ``rows`` (one simplex pivot).
        If this basis keeps its adjugate ``A`` (``A M^T = D I``), the new one gets its own without a
        solve: with ``z = A a`` for the new gradient ``a``, ``A'' = z_i A - (z - D e_i) A_i``
        satisfies ``A'' M'^T = D z_i I`` (the matrix determinant lemma: ``det M' = det M z_i / D``),
        and ``A'' / D`` is exact (it is the adjugate of ``M'^T`` up to sign), so ``A' = sign(z_i)
        A'' / D`` and ``D' = |z_i|``.  Raises ZeroDivisionError if the new rows are singular."""
        basis = FarkasBasis(self.indices[:i] + (t,) + self.indices[i + 1 :])
        own = tuple(rows[k] for k in self.indices)
        if not self._adjugate or not all(a is b for a, b in zip(own, self._rows)):
            return basis
        A, D, gradient = self._adjugate, self._det, rows[t][1:]
        z = [exact_dot(row, gradient) for row in A]
        pivot = z[i]
        if pivot == 0:
            raise ZeroDivisionError("singular basis")
        sign = 1 if pivot > 0 else -1
        top = A[i]
        adjugate = [
            tuple(sign * a for a in top)
            if r == i
            else tuple(sign * ((pivot * a - zr * b) // D) for a, b in zip(row, top))
            for r, (row, zr) in enumerate(zip(A, z))
        ]
        basis._keep(adjugate, abs(pivot), tuple(rows[k] for k in basis.indices))
        return basis

    def _invert(self, own: tuple[tuple[int, ...], ...], M: fmpz_mat) -> None:
        T = M.transpose()
        det = int(T.det())
        if det == 0:
            raise ZeroDivisionError("singular basis")
        n = len(own)
        sign = 1 if det > 0 else -1
        scaled = fmpz_mat([[det if i == j else 0 for j in range(n)] for i in range(n)])
        inverse = T.solve(scaled)  # det * T^-1: integral
        self._keep([tuple(sign * int(inverse[i, j].p) for j in range(n)) for i in range(n)], abs(det), own)

    def _keep(self, adjugate: list[tuple[int, ...]], det: int, own: tuple[tuple[int, ...], ...]) -> None:
        """Keep ``A`` (``A M^T = det I``, ``det > 0``) for the rows ``own``, and ``A`` applied to
        their constants (the bound's term)."""
        self._adjugate, self._det, self._rows = adjugate, det, own
        self._constants = tuple(sum(row[j] * r[0] for row, r in zip(adjugate, own)) for j in range(len(own)))

"""Exact proofs that an affine form keeps its sign on a cell, found through the cell's vertices.

A form ``f`` is ``>= 0`` on a bounded cell iff its minimum over the cell's vertices is ``>= 0``, and
at a minimising vertex LP optimality gives ``gradient(f) = sum y_t gradient(c_t)`` with ``y >= 0``
over constraints tight there (a Farkas certificate).  The certificate stores only the basis
``[t, ...]``; the checker solves for ``y`` itself.  Also: the exact interval bound of a form over a
box, every vertex as a basis of tight constraints, and multipliers proving the domain bounded.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations
from math import lcm

import numpy as np
from flint import fmpq, fmpq_mat

from ..errors import CertificateError
from ..geometry.cell import Cell
from ..geometry.domain import Domain
from ..geometry.exact import exact_dot, rank_of, set_bits

__all__ = ["BoxUnits", "box_units", "box_minimum", "farkas_basis", "vertex_bases", "bounded_multipliers"]

BoxUnits = tuple[int, list[tuple[int, int]]]  # common denominator, integer bounds


def box_units(domain: Domain) -> BoxUnits | None:
    if not domain.is_box:
        return None
    den = lcm(*(v.denominator for pair in domain.bounds for v in pair))
    return den, [(int(lo * den), int(hi * den)) for lo, hi in domain.bounds]


def box_minimum(form: tuple[int, ...], box: BoxUnits) -> int:
    """``den * min(form)`` over the box (exact)."""
    den, bounds = box
    total = form[0] * den
    for a, (lo, hi) in zip(form[1:], bounds):
        total += a * lo if a > 0 else a * hi
    return total


def _solve_multipliers(cell: Cell, basis: list[int], gradient: tuple[int, ...]) -> list[Fraction] | None:
    """The unique ``y`` with ``sum y_t g_t = gradient`` over the basis constraints, or None."""
    d = cell.dim
    rows = [cell.cons[i][1:] for i in basis]
    if rank_of(rows) != len(basis):
        return None
    if len(basis) == d:
        G = fmpq_mat(d, d, [fmpq(rows[t][r]) for r in range(d) for t in range(d)])
        y = G.solve(fmpq_mat(d, 1, [fmpq(a) for a in gradient]))
        return [Fraction(int(v.p), int(v.q)) for v in y.entries()]
    # fewer than d: least-squares normal equations, then verify the exact identity
    G = fmpq_mat(len(basis), d, [fmpq(v) for row in rows for v in row])
    GT = G.transpose()
    y = (G * GT).solve(G * fmpq_mat(d, 1, [fmpq(a) for a in gradient]))
    values = [Fraction(int(v.p), int(v.q)) for v in y.entries()]
    for r in range(d):
        if sum(values[t] * rows[t][r] for t in range(len(basis))) != gradient[r]:
            return None
    return values


def farkas_basis(cell: Cell, form: tuple[int, ...]) -> list[int]:
    """Constraint indices whose unique nonnegative multipliers prove ``form >= 0`` on ``cell``."""
    gradient = form[1:]
    values = cell.vf @ (np.array([a / max(abs(b) for b in form) for a in form]))
    guess = int(np.argmin(values))
    basis = _basis_at(cell, guess, gradient)
    if basis is not None:
        return basis
    for v in _exact_minimisers(cell, form):  # the float guide picked a wrong vertex
        basis = _basis_at(cell, v, gradient)
        if basis is not None:
            return basis
    raise CertificateError("no Farkas basis found for a decided neuron")


def _exact_minimisers(cell: Cell, form) -> list[int]:
    """The vertices where ``form`` is smallest (homogeneous vertices divided by their ``w0``)."""
    values = [Fraction(exact_dot(form, v), v[0]) for v in cell.verts]
    low = min(values)
    return [i for i, v in enumerate(values) if v == low]


def _basis_at(cell: Cell, v: int, gradient) -> list[int] | None:
    tight = set_bits(cell.tight[v])
    d = cell.dim
    if len(tight) == d:
        subsets = [tight]
    else:  # degenerate vertex: Caratheodory gives an independent subset carrying the gradient
        subsets = (list(s) for r in range(1, d + 1) for s in combinations(tight, r))
    for basis in subsets:
        y = _solve_multipliers(cell, basis, gradient)
        if y is not None and all(t >= 0 for t in y):
            return basis
    return None


def vertex_bases(cell: Cell) -> list[list[int]]:
    """For every vertex, ``d`` tight constraints with independent gradients."""
    d = cell.dim
    out = []
    for t in cell.tight:
        tight = set_bits(t)
        if len(tight) == d:
            out.append(tight)
            continue
        chosen: list[int] = []
        for i in tight:
            trial = chosen + [i]
            if rank_of([cell.cons[c][1:] for c in trial]) == len(trial):
                chosen = trial
                if len(chosen) == d:
                    break
        out.append(chosen)
    return out


def bounded_multipliers(domain: Domain) -> list[list[Fraction]]:
    """For each ``+e_i`` and ``-e_i``, nonnegative ``y`` with ``y^T A = +-e_i``."""
    d, m = domain.dim, len(domain.A)
    cell = domain.cell()
    out = []
    for i in range(d):
        for sign in (1, -1):
            # prove (const - sign * x_i) >= 0: its gradient is -sign * e_i
            gradient = tuple(-sign if r == i else 0 for r in range(d))
            form = (0,) + gradient
            basis = None
            for v in _exact_minimisers(cell, form):
                basis = _basis_at(cell, v, gradient)
                if basis is not None:
                    break
            if basis is None:
                raise CertificateError("no boundedness multipliers found")
            y_cons = _solve_multipliers(cell, basis, gradient)
            # constraint t is primitive(b_t - A_t x) = (b_t - A_t x) * s_t; gradient -s_t A_t
            y = [Fraction(0)] * m
            for t, yt in zip(basis, y_cons):
                y[t] = yt * _row_scale(domain, t)
            out.append(y)
    return out


def _row_scale(domain: Domain, t: int) -> Fraction:
    """The positive factor turning ``b_t - A_t x`` into the cell's integer constraint ``t``."""
    row = domain.constraint_rows()[t]
    for coefficient, a in zip(row[1:], domain.A[t]):
        if a:
            return Fraction(-coefficient) / a
    raise CertificateError("zero domain row")



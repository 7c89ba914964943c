"""The constraint form of a certificate (docs/certificate.md, "form": "constraints"): any dimension.

No vertex is listed.  From the LP engine's run, every region gets its facets (each with a witness
point on the facet strictly inside every other constraint), a Farkas proof that each other
constraint is redundant, and every edge a proof that its two facets are equal; every decided
neuron gets a Farkas proof on its node's cell.  A proof is a list of multipliers ``[(t, y), ...]``
on constraints (and, for an edge, one free multiplier on its hyperplane); on a box domain the box
rows are left out, because the checker bounds the residual over the box itself.

Multipliers come from exact LP duality: HiGHS solves with the box as column bounds, its basis is
turned into exact duals by solving only the small system of its basic columns, and every proof is
verified here exactly as the checker will; when that fails an exact LP (:class:`LPSolver`) decides.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from flint import fmpq, fmpq_mat

from ..analysis.pieces import linear_pieces
from ..engines.recorder import Decision, Link
from ..engines.run import Progress, run
from ..errors import CertificateError, Interrupted, UnsupportedModel
from ..geometry.domain import Domain
from ..geometry.exact import box_range, dehomogenize, exact_dot, homogeneous, primitive
from ..geometry.lp import LPSolver, is_facet
from ..network import Network
from ..rational import format_rational
from .farkas import bounded_multipliers
from .model import Certificate, ConstraintRegion, Proof, TreeNode, network_json

__all__ = ["FarkasFinder", "ConstraintTreeBuilder", "constraint_certificate"]

Pairs = list[tuple[int, Fraction]]


class FarkasFinder:
    """Farkas proofs that a form is ``>= 0`` on a constraint list (optionally within a hyperplane)."""

    def __init__(self, domain: Domain, solver: LPSolver):
        self.box = domain.bounds
        self.m = len(domain.A)
        self.solver = solver
        self.fast = self.slow = 0

    def prove(
        self, target: Sequence[int], rows: Sequence[tuple[int, ...]], allowed=None, plane=None
    ) -> tuple[Pairs, Fraction]:
        """``(multipliers on rows, multiplier of plane)`` proving ``target >= 0`` on ``{rows >= 0,
        plane = 0}``, using only the rows in ``allowed`` (None: all)."""
        usable = list(range(len(rows))) if allowed is None else sorted(allowed)
        if self.box is not None:
            found = self._by_basis(target, rows, usable, plane)
            if found is not None and self.holds(target, rows, *found, allowed, plane):
                self.fast += 1
                return found
        self.slow += 1
        found = self._by_exact_lp(target, rows, usable, plane)
        if not self.holds(target, rows, *found, allowed, plane):
            raise CertificateError("no Farkas proof found for a certificate claim")
        return found

    def holds(self, target, rows, pairs: Pairs, lam: Fraction, allowed, plane) -> bool:
        """The checker's rule: the residual is a nonnegative constant, or its box minimum (over box
        rows in ``allowed``) is nonnegative."""
        if any(y < 0 for _, y in pairs):
            return False
        residual = [Fraction(a) for a in target]
        for t, y in pairs:
            residual = [a - y * c for a, c in zip(residual, rows[t])]
        if plane is not None:
            residual = [a - lam * c for a, c in zip(residual, plane)]
        if not any(residual[1:]):
            return residual[0] >= 0
        if self.box is None:
            return False
        for c, a in enumerate(residual[1:]):
            row = 2 * c + (a < 0)
            if a and allowed is not None and row not in allowed:
                return False
        return box_range(tuple(residual), self.box)[0] >= 0

    def _by_basis(self, target, rows, usable, plane) -> tuple[Pairs, Fraction] | None:
        """HiGHS with the usable box rows as column bounds; exact duals from its basis."""
        assert self.box is not None
        general = [t for t in usable if t >= self.m]
        bounds = set(t for t in usable if t < self.m)
        d = len(target) - 1
        hs, h = self.solver.api, self.solver.model
        lines = [rows[t] for t in general] + ([tuple(plane)] if plane is not None else [])
        lp = hs.HighsLp()
        lp.num_col_, lp.num_row_ = d, len(lines)
        top = max(abs(a) for a in target[1:]) or 1
        lp.col_cost_ = np.array([a / top for a in target[1:]], dtype=np.float64)
        lp.col_lower_ = np.array(
            [float(lo) if 2 * c in bounds else -hs.kHighsInf for c, (lo, _) in enumerate(self.box)]
        )
        lp.col_upper_ = np.array(
            [float(hi) if 2 * c + 1 in bounds else hs.kHighsInf for c, (_, hi) in enumerate(self.box)]
        )
        scale = [max(abs(a) for a in r[1:]) or 1 for r in lines]
        lower = np.array([-r[0] / s for r, s in zip(lines, scale)], dtype=np.float64)
        lp.row_lower_ = lower
        lp.row_upper_ = np.where(np.arange(len(lines)) < len(general), hs.kHighsInf, lower)  # the plane: equal
        A = np.array([[a / s for a in r[1:]] for r, s in zip(lines, scale)], dtype=np.float64).reshape(len(lines), d)
        lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.arange(d + 1, dtype=np.int32) * len(lines)
        lp.a_matrix_.index_ = np.tile(np.arange(len(lines), dtype=np.int32), d)
        lp.a_matrix_.value_ = np.ascontiguousarray(A.T).ravel()
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = d, len(lines)
        h.clearSolver()
        h.passModel(lp)
        h.run()
        if h.getModelStatus() != hs.HighsModelStatus.kOptimal:
            return None
        basis = h.getBasis()
        free = [c for c, s in enumerate(basis.col_status) if s == hs.HighsBasisStatus.kBasic]
        tight = [k for k, s in enumerate(basis.row_status) if s != hs.HighsBasisStatus.kBasic]
        if len(free) != len(tight):
            return None
        y: list = []
        if tight:
            M = fmpq_mat([[fmpq(lines[k][1 + c]) for k in tight] for c in free])
            try:
                sol = M.solve(fmpq_mat([[fmpq(target[1 + c])] for c in free]))
            except ZeroDivisionError:
                return None
            y = [Fraction(int(v.p), int(v.q)) for v in sol.entries()]
        pairs = [(general[k], v) for k, v in zip(tight, y) if k < len(general) and v]
        lam = next((v for k, v in zip(tight, y) if k >= len(general)), Fraction(0))
        return sorted(pairs), lam

    def _by_exact_lp(self, target, rows, usable, plane) -> tuple[Pairs, Fraction]:
        kept = usable
        optimum = self.solver.minimize([rows[t] for t in kept], target, [plane] if plane is not None else [])
        if optimum.value is None:
            raise CertificateError("an exact LP of a certificate proof has no optimum")
        pairs, lam = [], Fraction(0)
        for b, y in zip(optimum.basis, optimum.multipliers):
            if b >= len(kept):
                lam = y
            elif y and (self.box is None or kept[b] >= self.m):  # box rows: the checker's box bound
                pairs.append((kept[b], y))
        return sorted(pairs), lam


class ConstraintTreeBuilder:
    """Records the sign-split tree of the LP engine; decisions get ``"z"``, ``"b"`` or multipliers."""

    def __init__(self, domain: Domain, finder: FarkasFinder):
        self.nodes: list[TreeNode] = []
        self.box = domain.bounds
        self.finder = finder

    def open(self, link: Link | None, layer: int, cell: Any, decided: Sequence[Decision]) -> int:
        index = len(self.nodes)
        proofs = [(d.neuron, d.bit, self._prove(cell.rows, d.form, d.bit)) for d in decided]
        self.nodes.append(TreeNode(max(layer, 0), proofs))
        if link is not None:
            parent = self.nodes[link.parent]
            setattr(parent, {"p": "plus", "m": "minus"}.get(link.branch, "next"), index)
        return index

    def split(self, node: int, neuron: int) -> None:
        self.nodes[node].split = neuron

    def _prove(self, rows, form: tuple[int, ...], bit: int) -> Proof:
        if not any(form):
            return "z"
        signed = form if bit else tuple(-a for a in form)
        if self.box is not None and box_range(signed, self.box)[0] >= 0:
            return "b"
        pairs, _ = self.finder.prove(signed, rows)
        return _pairs_json(pairs)


def _pairs_json(pairs: Pairs) -> list:
    return [[t, format_rational(y)] for t, y in pairs]


def _witness(rows, t: int, point: tuple[int, ...], values: list[int], columns: dict, finder: FarkasFinder):
    """An axis ``c`` whose move from the region's point onto facet ``t`` stays strictly inside every
    other constraint (the checker's rule), else a point (the foot of the perpendicular, or an LP's)."""
    form = rows[t]
    axes = sorted((c for c in range(len(form) - 1) if form[c + 1]), key=lambda c: -abs(form[c + 1]))
    for c in axes[:16]:
        if c not in columns:
            columns[c] = [u for u, r in enumerate(rows) if r[c + 1]]
        a, vt = form[c + 1], values[t]
        s = 1 if a > 0 else -1
        moved = ((u, s * (a * values[u] - vt * rows[u][c + 1])) for u in columns[c])
        if all(v > 0 or (v == 0 and rows[u] == form) for u, v in moved):
            return c
    g = form[1:]
    norm = sum(a * a for a in g)
    foot = primitive((point[0] * norm,) + tuple(point[1 + i] * norm - values[t] * g[i] for i in range(len(g))))
    if all(exact_dot(r, foot) > 0 or r == form for r in rows):
        return [format_rational(v) for v in dehomogenize(foot)]
    found = is_facet(list(rows), t, finder.solver)
    if found is None:
        raise CertificateError("a facet of the LP engine has no relative-interior point")
    return [format_rational(v) for v in found]


def constraint_certificate(
    network: Network,
    domain: Domain,
    *,
    progress: Progress | None = None,
    source_path: str | Path | None = None,
    boundary: bool = False,
) -> Certificate:
    """Enumerate with the LP engine and return the constraint-form certificate."""
    if boundary:
        raise UnsupportedModel("the constraint form (engine 'lp') has no decision boundary; use engine 'dd'")
    source: dict = {"file": network.source, "reading": network.reading}
    path = source_path or (network.source if network.source and Path(network.source).is_file() else None)
    if path is not None:
        source["sha256"] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    domain_json = domain.to_json()
    return Certificate(
        network_json(network),
        source,
        {k: domain_json[k] for k in ("A", "b", "box") if k in domain_json},
        form="constraints",
        **_parts(network, domain, progress),
    )


def _parts(network: Network, domain: Domain, progress: Progress | None) -> dict[str, Any]:
    """``bounded``, ``tree``, ``regions``, ``edges`` and ``summary`` of the constraint form."""
    solver = LPSolver()
    finder = FarkasFinder(domain, solver)
    builder = ConstraintTreeBuilder(domain, finder)
    result = run(network, domain, "lp", progress=progress, recorder=builder, solver=solver)
    if not result.complete:
        raise Interrupted("interrupted: no certificate (a certificate needs the whole partition)")
    m = len(domain.A)
    cons, facets, regions = [], [], []
    for index, (raw, region) in enumerate(zip(result.raws, result.regions)):
        assert raw.leaf is not None
        builder.nodes[raw.leaf].region = index
        rows = [tuple(r) for r in raw.cell.rows]
        first = {}
        for t, r in enumerate(rows):
            first.setdefault(r, t)
        listed = sorted(first[f.row] for f in region.facets)
        point = homogeneous(region.point)
        values = [exact_dot(r, point) for r in rows]
        columns: dict = {}
        witnesses = [[t, _witness(rows, t, point, values, columns, finder)] for t in listed]
        forms = {rows[t] for t in listed}
        allowed = set(listed)
        redundant = [
            [u, _pairs_json(finder.prove(rows[u], rows, allowed)[0])] for u in range(len(rows)) if rows[u] not in forms
        ]
        cons.append(rows)
        facets.append({rows[t]: t for t in listed})
        regions.append(ConstraintRegion(region.pattern, region.point, region.weight, region.bias, witnesses, redundant))
    edges = []
    for i, j in sorted({(a.first, a.second) for a in result.adjacencies}):
        key = next(f for f, t in facets[i].items() if t >= m and tuple(-x for x in f) in facets[j])
        sides = []
        for own, other, plane in ((i, j, key), (j, i, tuple(-x for x in key))):
            mine = set(cons[own][m:])
            flip = tuple(-x for x in plane)
            proofs = []
            for f, t in sorted(facets[other].items(), key=lambda ft: ft[1]):
                if t >= m and f != flip and f not in mine:
                    pairs, lam = finder.prove(f, cons[own], None, plane)
                    proofs.append([t, format_rational(lam), _pairs_json(pairs)])
            sides.append(proofs)
        edges.append((i, j, sides[0], sides[1]))
    pairs_only = [(i, j) for i, j, _, _ in edges]
    return {
        "bounded": () if domain.bounds is not None else tuple(tuple(y) for y in bounded_multipliers(domain)),
        "tree": tuple(builder.nodes),
        "regions": tuple(regions),
        "edges": tuple(edges),
        "summary": {
            "regions": len(regions),
            "edges": len(edges),
            "linear_pieces": linear_pieces(result.regions, pairs_only),
        },
    }

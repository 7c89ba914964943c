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

from collections.abc import Sequence
from fractions import Fraction
from math import lcm
from pathlib import Path
from typing import Any

import numpy as np
from flint import fmpq, fmpq_mat

from ..engines.dd import DD_MAX_DIM
from ..engines.forms import IntegerNetwork
from ..engines.recorder import Decision, Link
from ..engines.run import Progress, make_engine
from ..engines.walk import RawRegion, walk
from ..errors import CertificateError, Interrupted, UnsupportedModel
from ..geometry.domain import Domain
from ..geometry.exact import IntegerBox, dehomogenize, exact_dot, homogeneous, hyperplane_key, is_multiple, primitive
from ..geometry.lp import LPSolver, Status, is_facet, short_point
from ..network import Network
from ..rational import format_rational
from .farkas import bounded_multipliers
from .model import Certificate, ConstraintRegion, Proof, TreeNode, domain_json, network_json, source_json

__all__ = ["FarkasFinder", "ConstraintTreeBuilder", "constraint_certificate"]

Pairs = list[tuple[int, Fraction]]


class FarkasFinder:
    """Farkas proofs that a form is ``>= 0`` on a constraint list (optionally within a hyperplane)."""

    def __init__(self, domain: Domain, solver: LPSolver):
        self.box = domain.bounds
        self.scaled_box = IntegerBox(domain.bounds) if domain.bounds is not None else None
        self.m = len(domain.A)
        self.solver = solver
        self.fast = self.slow = 0
        self.loaded: list = [None, None]  # (the last problem, its HiGHS model): see _highs

    def prove(
        self, target: Sequence[int], rows: Sequence[tuple[int, ...]], allowed=None, plane=None, exact: bool = True
    ) -> tuple[Pairs, Fraction] | None:
        """``(multipliers on rows, multiplier of plane)`` proving ``target >= 0`` on ``{rows >= 0,
        plane = 0}``, using only the rows in ``allowed`` (None: all); None if it is false there.
        ``exact=False``: only the quick way (None may then mean not found; the rows need not bound)."""
        usable = list(range(len(rows))) if allowed is None else sorted(allowed)
        if self.box is not None:
            found = self._by_basis(target, rows, usable, plane)
            if found is not None and self.holds(target, rows, *found, allowed, plane):
                self.fast += 1
                return found
        if not exact:
            return None
        self.slow += 1
        found = self._by_exact_lp(target, rows, usable, plane)
        if found is None:
            return None
        if not self.holds(target, rows, *found, allowed, plane):
            raise CertificateError("an exact LP's Farkas proof does not hold")
        return found

    def holds(self, target, rows, pairs: Pairs, lam: Fraction, allowed, plane) -> bool:
        """The checker's rule: the residual is a nonnegative constant, or its box minimum (over box
        rows in ``allowed``) is nonnegative."""
        if any(y < 0 for _, y in pairs):
            return False
        terms = [(y, rows[t]) for t, y in pairs] + ([(lam, plane)] if plane is not None else [])
        den = lcm(1, *(y.denominator for y, _ in terms))
        residual = [den * a for a in target]
        for y, row in terms:
            k = y.numerator * (den // y.denominator)
            residual = [a - k * c for a, c in zip(residual, row)]
        if not any(residual[1:]):
            return residual[0] >= 0
        if self.scaled_box is None:
            return False
        for c, a in enumerate(residual[1:]):
            row = 2 * c + (a < 0)
            if a and allowed is not None and row not in allowed:
                return False
        return self.scaled_box.scaled_range(residual)[0] >= 0

    def _by_basis(self, target, rows, usable, plane) -> tuple[Pairs, Fraction] | None:
        """HiGHS with the usable box rows as column bounds; exact duals from its basis."""
        assert self.box is not None
        general = [t for t in usable if t >= self.m]
        bounds = set(t for t in usable if t < self.m)
        lines = [rows[t] for t in general] + ([tuple(plane)] if plane is not None else [])
        top = max(abs(a) for a in target[1:]) or 1
        inf = float("inf")
        col_lower = [float(lo) if 2 * c in bounds else -inf for c, (lo, _) in enumerate(self.box)]
        col_upper = [float(hi) if 2 * c + 1 in bounds else inf for c, (_, hi) in enumerate(self.box)]
        h = _highs(self.solver, [a / top for a in target[1:]], lines, len(general), col_lower, col_upper, self.loaded)
        if h is None:
            return None
        hs = self.solver.api
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

    def _by_exact_lp(self, target, rows, usable, plane) -> tuple[Pairs, Fraction] | None:
        kept = usable
        optimum = self.solver.minimize([rows[t] for t in kept], target, [plane] if plane is not None else [])
        if optimum.status is not Status.OPTIMAL or optimum.value is None or optimum.value < 0:
            return None  # the claim is false (or the set is empty within the plane)
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
        signed = primitive(form if bit else tuple(-a for a in form))  # the checker's scale, so its multipliers
        box = self.finder.scaled_box
        if box is not None and box.scaled_range(signed)[0] >= 0:
            return "b"
        found = self.finder.prove(signed, rows)
        if found is None:
            raise CertificateError("a decided neuron's sign does not hold on its cell")
        return _pairs_json(found[0])


def _pairs_json(pairs: Pairs) -> list:
    return [[t, format_rational(y)] for t, y in pairs]


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
        remedy = (
            "use engine 'dd'"
            if domain.dim <= DD_MAX_DIM
            else f"the vertex form (engine 'dd') takes at most {DD_MAX_DIM} inputs and this domain has "
            f"{domain.dim}: certify without the boundary, or a 2-D slice with it"
        )
        raise UnsupportedModel(f"the constraint form (engine 'lp') has no decision boundary; {remedy}")
    return Certificate(
        network_json(network),
        source_json(network, source_path),
        domain_json(domain),
        form="constraints",
        **_parts(network, domain, progress),
    )


def _parts(network: Network, domain: Domain, progress: Progress | None) -> dict[str, Any]:
    """``bounded``, ``tree``, ``regions``, ``edges`` and ``summary`` of the constraint form: the LP
    engine's walk (its regions and sign-split tree), then facets and edges found as the certificate
    states them, each fact with its proof."""
    domain.check_inputs(network.n_inputs)
    solver = LPSolver()
    finder = FarkasFinder(domain, solver)
    builder = ConstraintTreeBuilder(domain, finder)
    found: list[RawRegion] = []
    try:
        for raw in walk(IntegerNetwork.of(network), make_engine(domain, "lp", solver), builder):
            found.append(raw)
            if progress is not None:
                progress("regions", len(found), None)
    except KeyboardInterrupt:
        raise Interrupted("interrupted: no certificate (a certificate needs the whole partition)") from None
    raws = sorted(found, key=lambda r: r.pattern)
    m = len(domain.A)
    rows_of, facets, regions = [], [], []
    for index, raw in enumerate(raws):
        assert raw.leaf is not None
        builder.nodes[raw.leaf].region = index
        rows = [tuple(r) for r in raw.cell.rows]
        centre = _central_point(rows, finder) or raw.cell.point
        witnesses, redundant = _facets(rows, centre, finder, m if domain.bounds is not None else 0)
        rows_of.append(rows)
        facets.append({rows[t]: t for t, _ in witnesses})
        out = raw.output
        weight = tuple(tuple(Fraction(a, out.den) for a in row[1:]) for row in out.rows)
        bias = tuple(Fraction(row[0], out.den) for row in out.rows)
        point = dehomogenize(centre)
        regions.append(ConstraintRegion(raw.pattern, point, weight, bias, witnesses, redundant))
        if progress is not None:
            progress("facets", index + 1, len(raws))
    edges = _edges(raws, rows_of, facets, finder, m)
    return {
        "bounded": () if domain.bounds is not None else tuple(tuple(y) for y in bounded_multipliers(domain)),
        "tree": tuple(builder.nodes),
        "regions": tuple(regions),
        "edges": tuple(edges),
        "summary": {"regions": len(regions), "edges": len(edges), "linear_pieces": _pieces(regions, edges)},
    }


def _facets(rows: list[tuple[int, ...]], point: tuple[int, ...], finder: FarkasFinder, m: int) -> tuple[list, list]:
    """``[[t, witness], ...]`` for the facets (first row of each) and ``[[u, multipliers], ...]`` for
    the other rows.  Cheap tests first: an axis witness proves a facet, a proof from the facets found
    so far proves redundancy; an exact LP decides the rest (a facet's point, or no facet)."""
    values = [exact_dot(r, point) for r in rows]
    columns: dict[int, list[int]] = {}
    first: dict[tuple, int] = {}
    for t, r in enumerate(rows):
        first.setdefault(r, t)
    witness: dict[int, Any] = {}
    for t in first.values():
        axis: int | list | None = _axis_witness(rows, t, values, columns)
        if axis is None and t < m:  # a box face in a thin cell: the axis projected onto what blocks it
            axis = _kept_witness(rows, t, values, columns)
        if axis is not None:
            witness[t] = axis
    proofs: dict[int, Pairs] = {}
    for t in first.values():
        if t not in witness:
            found = finder.prove(rows[t], rows, set(witness), exact=False)
            if found is not None:
                proofs[t] = found[0]
            elif (point_witness := _point_witness(rows, t, point, values, finder)) is not None:
                witness[t] = point_witness
    facet_forms = {rows[t] for t in witness}
    redundant = []
    for u, r in enumerate(rows):
        if r not in facet_forms:
            found = (proofs[u], Fraction(0)) if u in proofs else finder.prove(r, rows, set(witness))
            if found is None:
                raise CertificateError("a constraint is neither a facet nor redundant")
            redundant.append([u, _pairs_json(found[0])])
    return [[t, witness[t]] for t in sorted(witness)], redundant


def _axis_witness(rows, t: int, values: list[int], columns: dict) -> int | None:
    """An axis ``c`` whose move from the region's point onto row ``t`` stays strictly inside every
    other constraint (the checker's rule), or None."""
    form = rows[t]
    axes = sorted((c for c in range(len(form) - 1) if form[c + 1]), key=lambda c: -abs(form[c + 1]))
    for c in axes[:8]:
        if c not in columns:
            columns[c] = [u for u, r in enumerate(rows) if r[c + 1]]
        a, vt = form[c + 1], values[t]
        s = 1 if a > 0 else -1
        moved = ((u, s * (a * values[u] - vt * rows[u][c + 1])) for u in columns[c])
        if all(v > 0 or (v == 0 and rows[u] == form) for u, v in moved):
            return c
    return None


def _kept_witness(rows, t: int, values: list[int], columns: dict) -> list | None:
    """``[c, kept]``: the region's point moved along axis ``c`` projected onto the hyperplanes of the
    ``kept`` rows that block the plain axis move (the checker's rule), or None."""
    form = rows[t]
    c = next(i for i, a in enumerate(form[1:]) if a)
    a, vt = form[c + 1], values[t]
    sign = 1 if a > 0 else -1
    blocked = [u for u in columns[c] if rows[u] != form and sign * (a * values[u] - vt * rows[u][c + 1]) <= 0]
    kept = list(dict.fromkeys(rows[u] for u in blocked))
    if not kept or len(kept) >= len(form) - 1:
        return None
    G = fmpq_mat([[fmpq(x) for x in g[1:]] for g in kept])
    try:
        y = (G * G.transpose()).solve(fmpq_mat([[fmpq(g[1 + c])] for g in kept]))
    except ZeroDivisionError:
        return None
    w = [Fraction(int(i == c)) for i in range(len(form) - 1)]
    for yi, g in zip(y.entries(), kept):
        q = Fraction(int(yi.p), int(yi.q))
        w = [x - q * b for x, b in zip(w, g[1:])]
    den = lcm(*(x.denominator for x in w))
    wi = [int(x * den) for x in w]
    gw = sum(x * b for x, b in zip(wi, form[1:]))
    if not gw:
        return None
    s = 1 if gw > 0 else -1
    if -1 not in columns:  # every row's nonzero coefficients, once per region
        columns[-1] = [[(i, b) for i, b in enumerate(r[1:]) if b] for r in rows]  # type: ignore[misc]
    for u, (r, nz) in enumerate(zip(rows, columns[-1])):
        v = s * (gw * values[u] - vt * sum(wi[i] * b for i, b in nz))  # type: ignore[misc]
        if v < 0 or (v == 0 and r != form):
            return None
    first = {r: u for u, r in reversed(list(enumerate(rows)))}
    return [c, [first[r] for r in kept]]


def _point_witness(rows, t: int, point: tuple[int, ...], values: list[int], finder: FarkasFinder):
    """A point of row ``t``'s hyperplane strictly inside every other row (the foot of the perpendicular
    from the region's point, or an exact LP's), as rational strings; None if there is none."""
    form, g = rows[t], rows[t][1:]
    norm = sum(a * a for a in g)
    foot = primitive((point[0] * norm,) + tuple(point[1 + i] * norm - values[t] * g[i] for i in range(len(g))))
    if all(exact_dot(r, foot) > 0 or r == form for r in rows):
        return [format_rational(v) for v in dehomogenize(foot)]
    rounded = _rounded_witness(rows, t, finder)
    if rounded is not None:
        return [format_rational(v) for v in rounded]
    found = is_facet(list(rows), t, finder.solver)
    return None if found is None else [format_rational(v) for v in found]


def _rounded_witness(rows, t: int, finder: FarkasFinder) -> tuple[Fraction, ...] | None:
    """HiGHS's deepest point of row ``t``'s hyperplane (``max s``: every other row ``>= s`` times its
    largest coefficient), rounded to a short rational point put exactly on the hyperplane by its
    largest coefficient's coordinate, if it is then strictly inside every other row (checked exactly)."""
    form = rows[t]
    others = [r for r in rows if r != form]
    d = len(form) - 1
    inf = float("inf")
    h = _highs(
        finder.solver,
        [0.0] * d + [-1.0],
        [r + (None,) for r in others] + [form + (0,)],
        len(others),
        [-inf] * d + [-inf],
        [inf] * d + [1.0],
    )
    if h is None:
        return None
    x = list(h.getSolution().col_value)
    if x[d] <= 0:
        return None
    c = max(range(d), key=lambda i: abs(form[1 + i]))
    for bits in (16, 24, 32, 48):
        point = [Fraction(round(v * 2**bits), 2**bits) for v in x[:d]]
        point[c] = -(form[0] + sum(form[1 + i] * point[i] for i in range(d) if i != c)) / form[1 + c]
        den = lcm(*(v.denominator for v in point))
        hom = (den,) + tuple(int(v * den) for v in point)
        if all(exact_dot(r, hom) > 0 for r in others):
            return tuple(point)
    return None


def _may_share(R: RawRegion, S: RawRegion, key: tuple[int, ...]) -> bool:
    """False if the regions provably share no facet on hyperplane ``key``: where their bits differ,
    each region's form of that neuron is >= 0 on one side and <= 0 on the other, and the neuron is
    continuous, so on a shared facet both forms vanish (each is zero or a multiple of ``key``)."""
    pivot = next(i for i, a in enumerate(key) if i and a)
    for k, (a, b) in enumerate(zip(R.pattern, S.pattern)):
        for j, (x, y) in enumerate(zip(a, b)):
            if x != y:
                if not (is_multiple(R.forms[k].rows[j], key, pivot) and is_multiple(S.forms[k].rows[j], key, pivot)):
                    return False
    return True


def _edges(raws: list[RawRegion], rows_of: list, facets: list[dict], finder: FarkasFinder, m: int) -> list:
    """Every pair of regions whose facets on one hyperplane are equal, with the proofs: each facet of
    one region holds on the other's facet (it is one of its constraints, or a Farkas proof)."""
    sides: dict[tuple, tuple[list, list]] = {}
    for r, fs in enumerate(facets):
        for form, t in fs.items():
            if t >= m:
                key, side = hyperplane_key(form)
                sides.setdefault(key, ([], []))[side < 0].append(r)
    edges = []
    for key, (plus, minus) in sorted(sides.items()):
        for r in plus:
            for s in minus:
                if not _may_share(raws[r], raws[s], key):
                    continue
                i, j = min(r, s), max(r, s)
                plane = key if i == r else tuple(-x for x in key)
                proofs = []
                for own, other, h in ((i, j, plane), (j, i, tuple(-x for x in plane))):
                    proofs.append(_containment(rows_of[own], facets[other], h, finder, m))
                    if proofs[-1] is None:
                        break
                if proofs[-1] is not None:
                    edges.append((i, j, proofs[0], proofs[1]))
    return sorted(edges, key=lambda e: (e[0], e[1]))


def _containment(rows: list, other: dict, plane: tuple[int, ...], finder: FarkasFinder, m: int) -> list | None:
    """Proofs that every facet of ``other`` (but the one on ``plane``) holds on ``{rows >= 0, plane = 0}``,
    or None if one does not."""
    mine = set(rows[m:])
    flip = tuple(-x for x in plane)
    proofs = []
    for form, t in sorted(other.items(), key=lambda ft: ft[1]):
        if t >= m and form != flip and form not in mine:
            found = finder.prove(form, rows, None, plane)
            if found is None:
                return None
            proofs.append([t, format_rational(found[1]), _pairs_json(found[0])])
    return proofs


def _pieces(regions: list[ConstraintRegion], edges: list) -> int:
    """Facet-connected components of regions with one map."""
    parent = list(range(len(regions)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = a = parent[parent[a]]
        return a

    for i, j, _, _ in edges:
        if (regions[i].weight, regions[i].bias) == (regions[j].weight, regions[j].bias):
            parent[find(i)] = find(j)
    return sum(1 for a in range(len(regions)) if find(a) == a)


def _highs(solver: LPSolver, cost, lines, n_ineq: int, col_lower, col_upper, loaded: list | None = None):
    """HiGHS's model after minimising ``cost . x`` subject to ``lines[k] . (1, x) >= 0`` (``= 0`` from
    ``n_ineq`` on) and column bounds, or None unless optimal.  Each line is scaled by its largest
    coefficient; a last entry None in a line means ``- s * scale`` for the last column ``s`` (a
    Chebyshev-style margin), and floats only guide: callers check every answer exactly.
    ``loaded``: the caller's ``[problem, model]``; the same problem as last time (proofs of many
    forms on one cell) only changes the cost, and the simplex starts from the last basis."""
    hs, h = solver.api, solver.model
    if loaded is not None:
        problem = (lines, n_ineq, col_lower, col_upper)
        if loaded[1] is None:
            loaded[1] = solver.new_model()
        h = loaded[1]
        if loaded[0] == problem:
            h.changeColsCost(
                len(col_lower), np.arange(len(col_lower), dtype=np.int32), np.asarray(cost, dtype=np.float64)
            )
            h.run()
            return h if h.getModelStatus() == hs.HighsModelStatus.kOptimal else None
        loaded[0] = None  # until the new problem is in the model
    margin = bool(lines) and lines[0][-1] is None
    width = len(col_lower)
    n = len(lines)
    A = np.zeros((n, width))
    lower = np.zeros(n)
    for k, line in enumerate(lines):
        grad = line[1 : width + 1 - margin] if margin else line[1:]
        top = max((abs(a) for a in grad), default=0) or 1
        A[k, : len(grad)] = [a / top for a in grad]
        if margin and line[-1] is None:
            A[k, -1] = -1.0
        lower[k] = -line[0] / top
    lp = hs.HighsLp()
    lp.num_col_, lp.num_row_ = width, n
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    lp.col_lower_ = np.array([max(v, -hs.kHighsInf) for v in col_lower], dtype=np.float64)
    lp.col_upper_ = np.array([min(v, hs.kHighsInf) for v in col_upper], dtype=np.float64)
    lp.row_lower_ = lower
    lp.row_upper_ = np.where(np.arange(n) < n_ineq, hs.kHighsInf, lower)
    lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(width + 1, dtype=np.int32) * n
    lp.a_matrix_.index_ = np.tile(np.arange(n, dtype=np.int32), width)
    lp.a_matrix_.value_ = np.ascontiguousarray(A.T).ravel()
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = width, n
    h.clearSolver()
    h.passModel(lp)
    if loaded is not None:
        loaded[0] = problem
    h.run()
    return h if h.getModelStatus() == hs.HighsModelStatus.kOptimal else None


def _central_point(rows: list[tuple[int, ...]], finder: FarkasFinder) -> tuple[int, ...] | None:
    """A short rational point deep inside the cell (HiGHS's Chebyshev centre, rounded and checked
    exactly), homogeneous; None if none is found.  Axis witnesses need room around the point."""
    d = len(rows[0]) - 1
    inf = float("inf")
    h = _highs(
        finder.solver, [0.0] * d + [-1.0], [r + (None,) for r in rows], len(rows), [-inf] * (d + 1), [inf] * d + [1.0]
    )
    if h is None:
        return None
    x = list(h.getSolution().col_value)
    if x[d] <= 0:
        return None
    found = short_point(x[:d], rows, 2 * x[d])
    return None if found is None else homogeneous(found)

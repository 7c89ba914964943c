"""The certificate producer: a partition plus everything the independent checker needs.

The enumerator reports its sign-split tree to a :class:`TreeBuilder`; every neuron decided at a
node gets a proof that its sign holds on the node's whole cell (docs/certificate.md):

* ``"z"``: the zero form;
* ``"b"``: the exact interval bound over a box domain;
* a basis ``[i, ...]`` of cell constraints: at a vertex minimising the signed form, the form's
  gradient is a nonnegative combination of the tight constraints' gradients (LP optimality), so the
  checker can solve for the Farkas multipliers itself.  The float guide picks the vertex; the
  multipliers are solved exactly with flint and checked before anything is written.

Every region also lists its vertices as bases of tight constraints.
"""

from __future__ import annotations

import hashlib
from fractions import Fraction
from itertools import combinations
from math import lcm
from pathlib import Path

import numpy as np
from flint import fmpq, fmpq_mat

from .domain import Domain
from .network import Network
from .partition import Partition, partition
from .polytope import Cell, rank_of, set_bits
from .predicates import exact_dot
from .rational import format_rational

__all__ = ["certify", "TreeBuilder", "CERTIFICATE_FORMAT", "CERTIFICATE_VERSION"]

CERTIFICATE_FORMAT = "exactrelu-certificate"
CERTIFICATE_VERSION = 1


class CertificateError(RuntimeError):
    """The producer failed to find a proof it should always find (a bug, never a user error)."""


class TreeBuilder:
    """Records the sign-split tree as the flat node list of docs/certificate.md."""

    def __init__(self, domain: Domain):
        self.nodes: list[dict] = []
        self.vertex_bases: dict[int, list[list[int]]] = {}
        self._box = _box_units(domain)

    # -- the enumerator's hooks -------------------------------------------------------------
    def open(self, link, k, cell: Cell, decided):
        index = len(self.nodes)
        node = {"k": k, "d": [[j, bit, self._prove(cell, form, bit)] for j, bit, form in decided]}
        self.nodes.append(node)
        if link is not None:
            parent, key = link
            parent[key] = index
        node["_cell"] = cell
        return node

    def split(self, node, j):
        node["s"] = j
        return (node, "p"), (node, "m")

    def link(self, node, key):
        return (node, key)

    # -- after enumeration ------------------------------------------------------------------
    def finish(self, raws_in_order) -> None:
        """Name the leaves' regions by their final index and drop the working data."""
        for index, raw in enumerate(raws_in_order):
            leaf = raw.leaf
            leaf["r"] = index
            self.vertex_bases[index] = vertex_bases(leaf["_cell"])
        for node in self.nodes:
            node.pop("_cell", None)
            if node["k"] < 0:
                node["k"] = 0

    # -- proofs -----------------------------------------------------------------------------
    def _prove(self, cell: Cell, form: tuple[int, ...], bit: int):
        if not any(form):
            return "z"
        signed = form if bit else tuple(-a for a in form)
        if self._box is not None and _box_minimum(signed, self._box) >= 0:
            return "b"
        return farkas_basis(cell, signed)


def _box_units(domain: Domain):
    if not domain.is_box:
        return None
    den = lcm(*(v.denominator for pair in domain.bounds for v in pair))
    return den, [(int(lo * den), int(hi * den)) for lo, hi in domain.bounds]


def _box_minimum(form: tuple[int, ...], box) -> int:
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
    values = [exact_dot(form, v) for v in cell.verts]
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


def certify(network: Network, domain: Domain | None = None, *, on_region=None,
            source_path: str | Path | None = None) -> dict:
    """Enumerate the partition and return the certificate (a JSON-ready dict).

    >>> from exactrelu import EXAMPLE
    >>> cert = certify(EXAMPLE)
    >>> cert["summary"]
    {'regions': 4, 'edges': 4, 'linear_pieces': 4}
    """
    from .partition import default_domain

    if domain is None:
        domain = default_domain(network)
    builder = TreeBuilder(domain)
    result: Partition = partition(network, domain, on_region=on_region, recorder=builder)
    if not result.complete:
        raise KeyboardInterrupt
    nodes = builder.nodes
    data = result.to_json()
    regions = data["regions"]
    for index, region in enumerate(regions):
        region["vertices"] = builder.vertex_bases[index]
    source = {"file": network.source, "reading": network.reading}
    path = source_path or (network.source if network.source and Path(network.source).is_file() else None)
    if path is not None:
        source["sha256"] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    domain_json = {"A": data["domain"]["A"], "b": data["domain"]["b"]}
    if "box" in data["domain"]:
        domain_json["box"] = data["domain"]["box"]
    net_json = {"layers": network.to_json()["layers"]}
    if any(network.negative_slopes):
        net_json["negative_slopes"] = [format_rational(s) for s in network.negative_slopes]
    summary = data["summary"]
    return {
        "format": CERTIFICATE_FORMAT,
        "version": CERTIFICATE_VERSION,
        "network": net_json,
        "source": source,
        "domain": domain_json,
        "bounded": [[format_rational(v) for v in y] for y in bounded_multipliers(domain)],
        "tree": nodes,
        "regions": regions,
        "edges": data["edges"],
        "summary": {k: summary[k] for k in ("regions", "edges", "linear_pieces")},
    }

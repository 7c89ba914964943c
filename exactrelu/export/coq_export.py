"""A Coq development from a certificate: ``exactrelu coq CERT.json -o DIR`` (docs/coq.md).

The development is the generic checker ``coq/Checker.v`` (the same file for every certificate, with
its soundness theorem proved once), ``Network.v`` (the exact weights and the domain, over Coq's
rationals ``Q``), ``Certificate.v`` (the regions and edges the theorems are about, then integer hints
for the checker: every layer's rows over one denominator, every domain row as integers, the
sign-split tree with explicit Farkas multipliers) and ``Main.v`` (the theorems, each proved by
``check_sound`` and one ``vm_compute``).

The hints mirror exactly what ``Checker.v`` computes: the composed integer rows (no gcd reduction),
the cell's constraint list (splits prepended to the domain rows) and so the multipliers, which the
certificate gives only as bases and which are solved for here with exact rationals (the constraint
form gives multipliers of primitive rows: rescaled here to Checker.v's rows).  A compact certificate's
maps are recomputed from the patterns.  A wrong hint never proves anything: Coq recomputes and checks
every one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from fractions import Fraction
from math import gcd, lcm
from pathlib import Path
from typing import Any

from ..engines.forms import IntegerNetwork
from ..errors import CertificateError
from ..network import Network
from .coq_boundary import BoundaryData, BoundaryWriter, read_boundary
from .coq_forms import (
    HINT_HEX,
    compose,
    coq_bits,
    coq_list,
    frac,
    hint_text,
    nat_index,
    numeral,
    pad,
    q_text,
    solve,
    zlayer,
)
from .tables import pattern_map

__all__ = [
    "CHECKER_FILE",
    "coq_development",
    "write_development",
    "compile_development",
    "Compiled",
    "THEOREMS",
    "theorems",
]

CHECKER_FILE = Path(__file__).resolve().parent / "coq" / "Checker.v"
THEOREMS = ("partition_correct", "maps_correct", "continuity", "regions_disjoint", "patterns_distinct")


# -- reading the certificate's JSON (structure only: Coq checks everything) -------------------------------
@dataclass(frozen=True)
class _Node:
    layer: int
    decided: list
    split: int | None
    plus: int | None
    minus: int | None
    next: int | None
    region: int | None


@dataclass(frozen=True)
class _Multipliers:
    """A constraint-form decision proof: ``(t, y)`` pairs, ``y >= 0`` times the primitive row of
    constraint ``t``; what remains of the primitive form is a nonnegative constant or, on a box,
    has a nonnegative minimum over the box (docs/certificate.md)."""

    pairs: tuple[tuple[int, Fraction], ...]


@dataclass(frozen=True)
class _Region:
    pattern: tuple
    weight: list[list[Fraction]]
    bias: list[Fraction]
    point: list[Fraction]


@dataclass(frozen=True)
class _Cert:
    network: dict
    source: dict
    domain: dict
    tree: list[_Node]
    regions: list[_Region]
    edges: list[tuple[int, int]]
    summary: dict
    boundary: BoundaryData | None = None


def _bit(v: Any) -> int:
    if nat_index(v) > 1:
        raise ValueError(f"expected a bit, got {v!r}")
    return v


def _proof(v: Any, constraint_form: bool) -> Any:
    if v in ("z", "b"):
        return v
    if constraint_form:
        return _Multipliers(tuple((nat_index(t), frac(y)) for t, y in v))
    return [nat_index(t) for t in v]


def _regions(data: dict) -> list[_Region]:
    inet = None
    out = []
    for r in data["regions"]:
        pattern = tuple(tuple(_bit(v) for v in layer) for layer in r["pattern"])
        point = [frac(v) for v in r.get("point") or []]
        if "map" in r:
            weight = [[frac(v) for v in row] for row in r["map"]["weight"]]
            out.append(_Region(pattern, weight, [frac(v) for v in r["map"]["bias"]], point))
            continue
        # a compact certificate: the map is the pattern's, recomputed exactly
        inet = inet or IntegerNetwork.of(Network.from_json(data["network"]))
        rows, bias = pattern_map(inet, pattern)
        out.append(_Region(pattern, [list(row) for row in rows], list(bias), point))
    return out


def _edge(e: Any, constraint_form: bool) -> tuple[int, int]:
    """``[i, j]``; the constraint form adds the facets' proofs ``[i, j, P, Q]`` (not needed here)."""
    if len(e) != (4 if constraint_form else 2):
        raise ValueError(f"an edge of {len(e)} entries")
    return nat_index(e[0]), nat_index(e[1])


def _read(data: Any) -> _Cert:
    """The certificate's JSON (a dict, or an object with ``to_json()`` such as
    :class:`exactrelu.certificate.model.Certificate`) as plain values."""
    if isinstance(data, _Cert):
        return data
    if not isinstance(data, dict):
        data = data.to_json()
    try:
        constraint_form = data.get("form") == "constraints"
        tree = [
            _Node(
                nat_index(n["k"]),
                [(nat_index(j), _bit(bit), _proof(proof, constraint_form)) for j, bit, proof in n.get("d", [])],
                *(None if n.get(key) is None else nat_index(n[key]) for key in ("s", "p", "m", "n", "r")),
            )
            for n in data["tree"]
        ]
        regions = _regions(data)
        edges = [_edge(e, constraint_form) for e in data["edges"]]
        return _Cert(
            data["network"],
            data.get("source") or {},
            data["domain"],
            tree,
            regions,
            edges,
            dict(data.get("summary") or {}),
            None if data.get("boundary") is None else read_boundary(data["boundary"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CertificateError(f"not a readable exactrelu certificate ({type(exc).__name__}: {exc})") from None


# -- the development ----------------------------------------------------------------------------------
class _Builder:
    def __init__(self, cert: _Cert):
        self.cert = cert
        layers = cert.network["layers"]
        self.weights = [[[Fraction(frac(v)) for v in row] for row in layer["weight"]] for layer in layers]
        self.biases = [[Fraction(frac(v)) for v in layer["bias"]] for layer in layers]
        n_hidden = len(layers) - 1
        slopes = cert.network.get("negative_slopes") or ["0"] * n_hidden
        self.slopes = [Fraction(frac(s)) for s in slopes]
        if len(self.slopes) != n_hidden:
            raise CertificateError("the network's negative_slopes do not match its hidden layers")
        self.n_hidden = n_hidden
        self.d = len(self.weights[0][0])
        self.zlayers = [zlayer(w, b) for w, b in zip(self.weights, self.biases)]
        self.A = [[Fraction(frac(v)) for v in row] for row in cert.domain["A"]]
        self.b = [Fraction(frac(v)) for v in cert.domain["b"]]
        # each domain row b_i - A_i x as integers and its scale; a box's rows share one scale, so
        # that Checker.v's box_ys finds the multipliers of a box bound itself
        self.box_scale = None
        if self.cert.domain.get("box") is not None:
            self.box_scale = lcm(*(v.denominator for v in self.b), *(v.denominator for row in self.A for v in row))
        self.domain_rows = []
        for row, c in zip(self.A, self.b):
            scale = self.box_scale or lcm(c.denominator, *(v.denominator for v in row))
            self.domain_rows.append(([int(c * scale)] + [int(-v * scale) for v in row], scale))
        self.bits_by_region = [reg.pattern for reg in cert.regions]

    # Network.v ---------------------------------------------------------------------------------------
    def _layer_q(self, k: int) -> str:
        rows = ";\n     ".join(coq_list(q_text(v) for v in row) for row in self.weights[k])
        return f"mk_layer\n    [{rows}]\n    {coq_list(q_text(v) for v in self.biases[k])}"

    def network_v(self) -> str:
        out = [
            _HEADER,
            "From Coq Require Import QArith List.",
            "From ExactRelu Require Import Checker.",
            "Import ListNotations.",
            "Local Open Scope Q_scope.",
            "",
        ]
        src = self.cert.source or {}
        out.append(
            f"(** The network embedded in the certificate ({self.d} inputs, hidden widths "
            f"{[len(b) for b in self.biases[:-1]]}, {len(self.biases[-1])} outputs)"
            + (f"; the producer says it was read from {_comment(src.get('file'))}" if src.get("file") else "")
            + ". *)"
        )
        for k in range(len(self.weights)):
            what = "output layer" if k == self.n_hidden else f"hidden layer {k}"
            out.append(f"(** {what}: weight (rows = outputs), bias *)")
            out.append(f"Definition layer{k} : layer :=\n  {self._layer_q(k)}.\n")
        hidden = "; ".join(f"(layer{k}, {q_text(self.slopes[k])})" for k in range(self.n_hidden))
        out.append("(** Hidden layers with the negative slope of their activation (0: ReLU), then the output layer. *)")
        out.append(f"Definition net : network := mk_network [{hidden}] layer{self.n_hidden}.\n")
        out.append("(** The domain: A x <= b. *)")
        rows = ";\n   ".join(coq_list(q_text(v) for v in row) for row in self.A)
        out.append(f"Definition A : list (list Q) :=\n  [{rows}].\n")
        out.append(f"Definition b : list Q := {coq_list(q_text(v) for v in self.b)}.\n")
        out.append(f"Definition dim : nat := {self.d}.\n")
        return "\n".join(out)

    # Certificate.v -----------------------------------------------------------------------------------
    def certificate_v(self) -> str:
        cert = self.cert
        out = [
            _HEADER,
            "From Coq Require Import ZArith QArith List.",
            "From ExactRelu Require Import Checker Network.",
            "Import ListNotations.",
            "Local Open Scope Q_scope.",
            "",
            "(** The regions, in the certificate's order (region i is [nth i regions]): the activation",
            "    pattern (per hidden layer, bit true = pre-activation >= 0) and the affine output map",
            "    (weight rows = outputs, bias). *)",
            "Definition regions : list region := [",
        ]
        items = []
        for i, reg in enumerate(cert.regions):
            rows = "; ".join(coq_list(q_text(v) for v in row) for row in reg.weight)
            items.append(
                f"  (* {i} *) mk_region {coq_list(coq_bits(p) for p in reg.pattern)}\n"
                f"    (mk_layer [{rows}] {coq_list(q_text(v) for v in reg.bias)})"
            )
        out.append(";\n".join(items) + "].\n")
        out.append("(** The edges: regions i and j, the hyperplane [c; a_1; ...] (c + a . x = 0) of their shared")
        out.append("    facet, and per output the factor lambda with map_i - map_j = lambda * hyperplane. *)")
        out.append("Definition edges : list edge := [")
        out.append(
            ";\n".join(
                f"  mk_edge {i} {j} {coq_list(q_text(v) for v in h)} {coq_list(q_text(v) for v in lam)}"
                for i, j, h, lam in self.edges()
            )
            + "].\n"
        )
        out.append("(** Hints for the checker: integers only. *)")
        out.append("Local Open Scope Z_scope.\n")
        zl = []
        for layer in self.zlayers:
            rows = ";\n     ".join(coq_list(hint_text(v) for v in row) for row in layer.rows)
            zl.append(f"  mk_zlayer\n    [{rows}]\n    {numeral(layer.den, HINT_HEX)}")
        out.append("(** Each layer (hidden, then output) as integer rows [bias; weights] over one denominator. *)")
        out.append("Definition zlayers : list zlayer := [\n" + ";\n".join(zl) + "].\n")
        out.append("(** Each domain row b_i - A_i x as integers, times the positive scale given. *)")
        out.append(
            "Definition zdomain : list (list Z * positive) := [\n"
            + ";\n".join(
                f"  ({coq_list(hint_text(v) for v in row)}, {numeral(s, HINT_HEX)}%positive)"
                for row, s in self.domain_rows
            )
            + "].\n"
        )
        out.append("(** The sign-split tree, one definition per certificate node (children first). *)")
        out.extend(self.tree_definitions())
        return "\n".join(out)

    def tree_definitions(self) -> list[str]:
        tree = self.cert.tree
        defs: dict[int, str] = {}
        first = self.zlayers[0]
        # state: node, layer k, rows, den, bits (dict), done, cons (Coq order: newest first), splits
        stack: list[tuple[Any, ...]] = [(0, 0, first.rows, first.den, {}, (), [row for row, _ in self.domain_rows], 0)]
        while stack:
            idx, k, rows, den, bits, done, cons, splits = stack.pop()
            node = tree[idx]
            if node.layer != k:
                raise CertificateError(f"node {idx} says layer {node.layer}, its path is at layer {k}")
            bits = dict(bits)
            prefix = []
            for j, bit, proof in node.decided:
                mu, ys = self.farkas(idx, j, bit, proof, rows[j], cons, splits)
                ys_text = (
                    "None" if ys is None else "(Some " + coq_list(f"({t}%nat, {hint_text(y)})" for t, y in ys) + ")"
                )
                prefix.append(f"Decide {j} {'true' if bit else 'false'} {numeral(mu, HINT_HEX)} {ys_text} (")
                bits[j] = bit
            if node.split is not None:
                j = node.split
                row = rows[j]
                body = f"Split {j} n{node.plus} n{node.minus}"
                for child, bit, con in ((node.minus, 0, [-a for a in row]), (node.plus, 1, row)):
                    stack.append((child, k, rows, den, {**bits, j: bit}, done, [con] + cons, splits + 1))
            else:
                width = len(rows) if self.n_hidden else 0
                if self.n_hidden and sorted(bits) != list(range(width)):
                    raise CertificateError(f"node {idx} ends layer {k} with neurons lacking a bit")
                layer_bits = [bits[j] for j in range(width)]
                if node.next is not None:
                    nrows, nden = compose(self.slopes[k], layer_bits, rows, den, self.zlayers[k + 1])
                    body = f"Next {coq_bits(layer_bits)} n{node.next}"
                    stack.append((node.next, k + 1, nrows, nden, {}, done + (tuple(layer_bits),), cons, splits))
                else:
                    body = f"Leaf {coq_bits(layer_bits)} {node.region}"
            defs[idx] = "".join(prefix) + body + ")" * len(prefix)
        return [f"Definition n{i} : tree := {defs[i]}." for i in sorted(defs, reverse=True)]

    def farkas(self, idx: int, j: int, bit: int, proof, row: list[int], cons, splits: int):
        """``(mu, [(Coq constraint position, y)])`` proving ``sgn * row >= 0`` on the cell."""
        d = self.d
        f = row if bit else [-a for a in row]
        f = pad(f, d + 1)
        where = f"node {idx}: neuron {j} bit {bit}"
        if proof == "z":
            return 1, []
        m = len(self.domain_rows)
        if isinstance(proof, _Multipliers):
            return self._rescaled(where, f, proof, cons, splits)
        if proof == "b" and self.box_scale is not None:  # Checker.v's box_ys, mirrored
            raw = row if bit else [-a for a in row]
            base = len(cons) - 2 * (len(raw) - 1)
            ys = [(base + 2 * c + (a < 0), abs(a)) for c, a in enumerate(raw[1:]) if a]
            self._check_combination(where, f, self.box_scale, ys, cons)
            return self.box_scale, None
        if proof == "b":
            indices = [2 * c + (0 if f[c + 1] > 0 else 1) for c in range(d) if f[c + 1]]
        else:
            indices = [int(t) for t in proof]
        positions = [splits + t if t < m else splits - 1 - (t - m) for t in indices]
        if any(not 0 <= p < len(cons) for p in positions):
            raise CertificateError(f"{where}: the proof names a constraint outside the cell")
        gradients = [pad(cons[p], d + 1)[1:] for p in positions]
        y = solve(gradients, f[1:]) if positions else ([] if not any(f[1:]) else None)
        if y is None or any(v < 0 for v in y):
            raise CertificateError(f"{where}: no nonnegative Farkas multipliers on the proof's basis")
        mu = lcm(1, *(v.denominator for v in y))
        ys = [(p, int(v * mu)) for p, v in zip(positions, y) if v]
        self._check_combination(where, f, mu, ys, cons)
        return mu, ys

    def _rescaled(self, where: str, f: list[int], proof: _Multipliers, cons, splits: int):
        """A constraint-form proof on Checker.v's rows: ``f = g * (sum y_t prim_t + r)`` with ``g`` the gcd
        of ``f`` and ``cons_t = g_t * prim_t``, so ``cons_t`` takes ``g y_t / g_t``; a residual with a
        gradient is bounded on a box by its rows (``x_c - lo_c`` for a positive coefficient, ``hi_c - x_c``
        for a negative one), as the certificate's checker bounds it."""
        d = self.d
        m = len(self.domain_rows)
        g = gcd(*f) or 1
        ys: dict[int, Fraction] = {}
        for t, y in proof.pairs:
            p = splits + t if t < m else splits - 1 - (t - m)
            if y < 0 or not 0 <= p < len(cons):
                raise CertificateError(f"{where}: a multiplier is negative or names no constraint")
            scale = gcd(*cons[p])
            if scale:
                ys[p] = ys.get(p, Fraction(0)) + g * y / scale
        residual = [Fraction(a) for a in f]
        for p, y in ys.items():
            residual = [a - y * c for a, c in zip(residual, pad(cons[p], d + 1))]
        if any(residual[1:]):
            if self.box_scale is None:
                raise CertificateError(f"{where}: the multipliers leave a form with a gradient, on a domain not a box")
            for c, a in enumerate(residual[1:]):
                if a:
                    p = splits + 2 * c + (a < 0)
                    ys[p] = ys.get(p, Fraction(0)) + abs(a) / self.box_scale
        mu = lcm(1, *(v.denominator for v in ys.values()))
        hints = [(p, int(v * mu)) for p, v in ys.items() if v]
        self._check_combination(where, f, mu, hints, cons)
        return mu, hints

    def _check_combination(self, where: str, f: list[int], mu: int, ys, cons) -> None:
        """What Checker.v's farkas checks: ``mu * f - sum y_t cons_t`` is a nonnegative constant."""
        d = self.d
        comb = [0] * (d + 1)
        for p, v in ys:
            if not 0 <= p < len(cons) or v < 0:
                raise CertificateError(f"{where}: a multiplier is negative or names no constraint")
            comb = [a + v * b for a, b in zip(comb, pad(cons[p], d + 1))]
        diff = [mu * a - c for a, c in zip(f, comb)]
        if any(diff[1:]) or diff[0] < 0:
            raise CertificateError(f"{where}: the Farkas combination does not prove the sign")

    def layer_forms(self, pattern, k: int) -> tuple[list[list[int]], int]:
        key = (tuple(map(tuple, pattern[:k])), k)
        cached = self._forms.get(key)
        if cached is None:
            if k == 0:
                cached = (self.zlayers[0].rows, self.zlayers[0].den)
            else:
                rows, den = self.layer_forms(pattern, k - 1)
                cached = compose(self.slopes[k - 1], pattern[k - 1], rows, den, self.zlayers[k])
            self._forms[key] = cached
        return cached

    def edges(self):
        """``(i, j, hyperplane, lambdas)``: the hyperplane is the first neuron on which the patterns
        differ, under their common prefix (both cells lie on its two sides, so the shared facet is on it)."""
        self._forms: dict = {}
        regions = self.cert.regions
        out = []
        for i, j in self.cert.edges:
            pi, pj = regions[i].pattern, regions[j].pattern
            try:
                k, n = next(
                    (k, n) for k, (a, b) in enumerate(zip(pi, pj)) for n, (x, y) in enumerate(zip(a, b)) if x != y
                )
            except StopIteration:
                raise CertificateError(f"edge [{i}, {j}]: the two regions have the same pattern") from None
            rows, _ = self.layer_forms(pi, k)
            h = pad(rows[n], self.d + 1)
            g = gcd(*h)
            h = [a // g for a in h] if g else h
            pivot = next((c for c in range(1, len(h)) if h[c]), None)
            if pivot is None:
                raise CertificateError(f"edge [{i}, {j}]: the separating form has no gradient")
            lams = []
            for o, (wi, bi, wj, bj) in enumerate(
                zip(regions[i].weight, regions[i].bias, regions[j].weight, regions[j].bias)
            ):
                diff = [bi - bj] + [a - c for a, c in zip(wi, wj)]
                lam = diff[pivot] / h[pivot]
                if any(diff[c] != lam * h[c] for c in range(len(h))):
                    raise CertificateError(
                        f"edge [{i}, {j}]: output {o} differs by more than a multiple of the hyperplane"
                    )
                lams.append(lam)
            out.append((i, j, [Fraction(v) for v in h], lams))
        return out

    # Main.v ------------------------------------------------------------------------------------------
    def boundary_writer(self) -> BoundaryWriter | None:
        """The writer of Boundary.v, when the certificate has a ``boundary``."""
        if self.cert.boundary is None:
            return None
        return BoundaryWriter(
            self.cert.boundary,
            d=self.d,
            zlayers=self.zlayers,
            slopes=self.slopes,
            domain_rows=[row for row, _ in self.domain_rows],
            patterns=[reg.pattern for reg in self.cert.regions],
            maps=[(reg.weight, reg.bias) for reg in self.cert.regions],
            points=[reg.point for reg in self.cert.regions],
        )

    def main_v(self, boundary: BoundaryWriter | None = None) -> str:
        d = self.d
        imports = "Checker Network Certificate" + (" Boundary" if boundary else "")
        return f"""{_HEADER}
From Coq Require Import NArith QArith List.
From ExactRelu Require Import {imports}.
Import ListNotations.
Local Open Scope Q_scope.

(** The certificate: the network and domain of Network.v, the regions, edges and hints of Certificate.v. *)
Definition cert : certificate :=
  mk_certificate net A b dim regions edges zlayers zdomain n0.

(** The one computation: the checker accepts the certificate. *)
Lemma cert_checks : check cert = true.
Proof. vm_cast_no_check (eq_refl true). Qed.

(* For the conversions below: unfold [cert] first and compare the data by name, never by content
   (without this, each theorem took 10-17 s on a 3 MB Certificate.v). *)
Strategy expand [cert].
Strategy 1000 [regions edges net A b dim zlayers zdomain].

(** Every point x of the domain A x <= b lies in the cell of some region (every hidden pre-activation
    of [net] at x has the sign its bit says), and there the output of [net] equals that region's
    affine map. *)
Theorem partition_correct : forall x : list Q, length x = {d}%nat -> in_domain A b x ->
  exists r, In r regions /\\ in_cell net (pattern r) x /\\ Qlist_eq (eval net x) (affine (rmap r) x).
Proof. exact (proj1 (check_sound cert cert_checks)). Qed.

(** On the whole cell of each region's pattern, the output of [net] equals the region's map. *)
Theorem maps_correct : forall r, In r regions -> forall x : list Q,
  in_cell net (pattern r) x -> Qlist_eq (eval net x) (affine (rmap r) x).
Proof. exact (proj1 (proj2 (check_sound cert cert_checks))). Qed.

(** For every listed edge [i, j], the maps of regions i and j agree at every point of the hyperplane
    of their shared facet, which has a nonzero gradient. *)
Theorem continuity : forall e, In e edges ->
  exists ri rj, nth_error regions (N.to_nat (e_i e)) = Some ri /\\
    nth_error regions (N.to_nat (e_j e)) = Some rj /\\
    (exists a, In a (tl (e_hyperplane e)) /\\ ~ a == 0) /\\
    forall x : list Q, dotQ (e_hyperplane e) (1 :: x) == 0 ->
      Qlist_eq (affine (rmap ri) x) (affine (rmap rj) x).
Proof. exact (proj1 (proj2 (proj2 (check_sound cert cert_checks)))). Qed.

(** Two distinct regions meet only within a hyperplane (a nonzero gradient): their interiors are
    disjoint. *)
Theorem regions_disjoint : forall i j ri rj, i <> j ->
  nth_error regions i = Some ri -> nth_error regions j = Some rj ->
  exists h, (exists a, In a (tl h) /\\ ~ a == 0) /\\
    forall x : list Q, in_cell net (pattern ri) x -> in_cell net (pattern rj) x -> dotQ h (1 :: x) == 0.
Proof. exact (proj1 (proj2 (proj2 (proj2 (check_sound cert cert_checks))))). Qed.

(** No two regions have the same activation pattern. *)
Theorem patterns_distinct : NoDup (map pattern regions).
Proof. exact (proj2 (proj2 (proj2 (proj2 (check_sound cert cert_checks))))). Qed.

Print Assumptions partition_correct.
Print Assumptions maps_correct.
Print Assumptions continuity.
Print Assumptions regions_disjoint.
Print Assumptions patterns_distinct.
""" + (boundary.main_v() if boundary else "")


def _comment(text: Any) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-/ ]", "?", str(text))[:200]


_HEADER = "(* Generated by exactrelu coq: do not edit (a changed number makes the development fail to compile). *)"


def coq_development(certificate: Any) -> dict[str, str]:
    """The development's files as ``{name: text}`` (README.md excluded: see :func:`write_development`).
    Raises :class:`~exactrelu.errors.CertificateError` when a hint cannot be built (the certificate
    does not verify)."""
    cert = _read(certificate)
    builder = _Builder(cert)
    boundary = builder.boundary_writer()
    files = {
        "_CoqProject": "-Q . ExactRelu\nChecker.v\nNetwork.v\nCertificate.v\n"
        + ("Boundary.v\n" if boundary else "")
        + "Main.v\n",
        "Checker.v": CHECKER_FILE.read_text(encoding="utf-8"),
        "Network.v": builder.network_v(),
        "Certificate.v": builder.certificate_v(),
    }
    if boundary:
        files["Boundary.v"] = boundary.boundary_v(_HEADER)
    files["Main.v"] = builder.main_v(boundary)
    return files


def theorems(certificate: Any) -> tuple[str, ...]:
    """The theorems of the certificate's development, in the order of their ``Print Assumptions``:
    :data:`THEOREMS`, then with a ``boundary`` those of the decision boundary and regions."""
    cert = _read(certificate)
    if cert.boundary is None:
        return THEOREMS
    return THEOREMS + BoundaryWriter.theorem_names(cert.boundary)


@dataclass(frozen=True)
class Compiled:
    ok: bool
    seconds: float  # the whole make
    output: str  # make's stdout and stderr
    assumptions: str  # the Print Assumptions lines of Main.v
    coqc: str  # coqc --version, first line


def compile_development(directory: str | os.PathLike, timeout: float | None = None) -> Compiled:
    """``coq_makefile -f _CoqProject -o Makefile && make`` in ``directory``."""
    directory = Path(directory)
    coqc = shutil.which("coqc")
    if coqc is None or shutil.which("coq_makefile") is None:
        raise CertificateError("coqc / coq_makefile not found: install Coq (e.g. apt-get install coq)")
    version = subprocess.run([coqc, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    start = time.perf_counter()
    steps = [["coq_makefile", "-f", "_CoqProject", "-o", "Makefile"], ["make", "-s"]]
    output = []
    ok = True
    for step in steps:
        proc = subprocess.run(step, cwd=directory, capture_output=True, text=True, timeout=timeout)
        output.append(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            ok = False
            break
    text = "".join(output)
    return Compiled(ok, time.perf_counter() - start, text, _assumptions(text), version)


def _assumptions(text: str) -> str:
    """The output of the ``Print Assumptions`` commands (everything coqc printed for Main.v)."""
    keep = [line for line in text.splitlines() if not line.startswith(("COQ", "COQDEP", "COQC", "make"))]
    return "\n".join(keep).strip()


def write_development(
    certificate: Any, directory: str | os.PathLike, *, compile: bool = False, source: str = ""
) -> tuple[list[Path], Compiled | None]:
    """Write the development into ``directory`` (created; existing files of the same names are
    replaced); with ``compile`` also build it and record ``Print Assumptions`` in README.md."""
    cert = _read(certificate)
    files = coq_development(cert)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in files.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    compiled = compile_development(directory) if compile else None
    readme = directory / "README.md"
    readme.write_text(_readme(cert, source, compiled), encoding="utf-8")
    return paths + [readme], compiled


def _readme(cert: _Cert, source: str, compiled: Compiled | None) -> str:
    s = cert.summary
    names = theorems(cert)
    boundary = (
        [
            "* `Boundary.v`: the decision boundary's pieces and ties, each region's whole class, then integer "
            "hints for the checker."
        ]
        if cert.boundary is not None
        else []
    )
    lines = [
        "# Coq proof of an exactrelu certificate",
        "",
        f"Generated by `exactrelu coq` from {('`' + source + '`') if source else 'a certificate'}: "
        f"{s.get('regions')} regions, {s.get('edges')} edges. See docs/coq.md in exactrelu.",
        "",
        "Build: `coq_makefile -f _CoqProject -o Makefile && make`",
        "",
        "* `Checker.v`: the generic checker and its soundness theorem `check_sound` (the same file for every certificate).",
        "* `Network.v`: the network's exact weights and the domain `A x <= b`.",
        "* `Certificate.v`: the regions and edges the theorems are about, then integer hints for the checker.",
        *boundary,
        "* `Main.v`: the theorems `" + "`, `".join(names) + "`.",
        "",
        "## Print Assumptions",
        "",
    ]
    if compiled is None:
        lines += [
            "Not compiled when generated. After `make`, each `Print Assumptions` in Main.v prints "
            "`Closed under the global context` (no axioms)."
        ]
    elif compiled.ok:
        printed = [line for line in compiled.assumptions.splitlines() if line.strip()]
        if len(printed) == len(names):  # one line each: "Closed under the global context"
            shown = [f"Print Assumptions {name}.\n{line}" for name, line in zip(names, printed)]
        else:
            shown = [compiled.assumptions]
        lines += [
            f"Compiled with {compiled.coqc} in {compiled.seconds:.1f} s; `make` printed for Main.v:",
            "",
            "```",
            "\n".join(shown),
            "```",
        ]
    else:
        lines += ["Compilation FAILED: the theorems are not proved.", "", "```", compiled.output[-3000:], "```"]
    return "\n".join(lines) + "\n"

"""The decision boundary and decision regions of a certificate as Coq text: ``Boundary.v`` (the
certificate's ``boundary`` key, then integer hints) and the theorems of ``Main.v`` proved by
``boundary_sound`` of ``coq/Checker.v`` (docs/coq.md).

Coq has no vertices, so where the Python checker tests a region's vertices the development carries
hints that Checker.v verifies: for a region wholly in class k, per other class j Farkas multipliers
(from an exact LP: the minimum of ``score_k - score_j`` over the region and its dual) over the
region's constraints as ``check_boundary`` lists them (every hidden neuron's signed pre-activation
under the pattern, layer by layer, then the domain rows); for each lower class (every class when
the region is in none), a point of the region where another class scores more.  A wrong hint
never proves anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import lcm
from typing import Any

from ..errors import CertificateError
from ..geometry.lp import LPSolver, Status
from .coq_forms import HINT_HEX, ZLayer, compose, coq_list, frac, hint_text, nat_index, numeral, pad, q_text

__all__ = ["BoundaryData", "BoundaryWriter", "read_boundary"]


@dataclass(frozen=True)
class BoundaryData:
    """The certificate's ``boundary`` (structure only): pieces ``(region, classes, hyperplane,
    point)``, ties ``(region, classes)`` and one whole class (or None) per region."""

    pieces: list[tuple[int, tuple[int, ...], list[Fraction], list[Fraction]]]
    ties: list[tuple[int, tuple[int, ...]]]
    whole: list[int | None]


def read_boundary(data: Any) -> BoundaryData:
    """The ``boundary`` key as plain values; only numbers ever reach the Coq text."""

    def classes(v: Any) -> tuple[int, ...]:
        out = tuple(nat_index(c) for c in v)
        if len(out) not in (1, 2):
            raise ValueError(f"expected one or two classes, got {len(out)}")
        return out

    pieces = [
        (
            nat_index(p["region"]),
            classes(p["classes"]),
            [frac(v) for v in p["hyperplane"]],
            [frac(v) for v in p["point"]],
        )
        for p in data["pieces"]
    ]
    ties = [(nat_index(t["region"]), classes(t["classes"])) for t in data["ties"]]
    whole = [None if k is None else nat_index(k) for k in data["whole"]]
    return BoundaryData(pieces, ties, whole)


def _dot(row: Sequence, x: Sequence) -> Fraction:
    """``row . (1, x)`` (missing entries 0, as Checker.v's ``zdot``)."""
    return sum((Fraction(a) * v for a, v in zip(row, [1, *x])), Fraction(0))


def _sub(u: Sequence[int], w: Sequence[int], n: int) -> list[int]:
    return [a - b for a, b in zip(pad(list(u), n), pad(list(w), n))]


def _pair(classes: tuple[int, ...]) -> tuple[int, int]:
    """The certificate's classes as Checker.v's score indices: one output's pair ``[0]`` is the
    classes 1 (``f``) and 0 (the constant 0) of the scores ``(0, f)``."""
    return (1, 0) if len(classes) == 1 else (classes[0], classes[1])


@dataclass(frozen=True)
class RegionForms:
    """A region's constraints (each ``>= 0`` on it) and score rows, as Checker.v's ``pforms`` and
    ``score_rows`` compute them."""

    cons: list[list[int]]
    scores: list[list[int]]


class BoundaryWriter:
    """Boundary.v and the boundary theorems of Main.v for one certificate."""

    def __init__(
        self,
        data: BoundaryData,
        *,
        d: int,
        zlayers: Sequence[ZLayer],
        slopes: Sequence[Fraction],
        domain_rows: Sequence[list[int]],
        patterns: Sequence[tuple],
        maps: Sequence[tuple[list[list[Fraction]], list[Fraction]]],
        points: Sequence[list[Fraction]],
    ):
        self.data, self.d = data, d
        self.zlayers, self.slopes, self.domain_rows = zlayers, slopes, domain_rows
        self.patterns, self.maps, self.points = patterns, maps, points
        n_out = len(zlayers[-1].rows)
        self.classes = 2 if n_out == 1 else n_out
        if len(data.whole) != len(patterns):
            raise CertificateError("boundary.whole needs one entry per region")
        self.solver = LPSolver()

    # -- the region's forms, as Checker.v's pforms ----------------------------------------------------
    def forms(self, r: int) -> RegionForms:
        first = self.zlayers[0]
        rows, den, cons = first.rows, first.den, []
        for k, bits in enumerate(self.patterns[r]):
            if len(bits) != len(rows):
                raise CertificateError(f"region {r}: its pattern does not fit layer {k}")
            cons += [row if bit else [-a for a in row] for bit, row in zip(bits, rows)]
            rows, den = compose(self.slopes[k], bits, rows, den, self.zlayers[k + 1])
        cons += [list(row) for row in self.domain_rows]
        n = self.d + 1
        scores = [[0] * n, pad(rows[0], n)] if len(rows) == 1 else [pad(row, n) for row in rows]
        return RegionForms([pad(c, n) for c in cons], scores)

    # -- hints ----------------------------------------------------------------------------------------
    def farkas(self, r: int, forms: RegionForms, f: list[int]) -> tuple[int, list[tuple[int, int]]]:
        """``(mu, [(constraint index, y)])`` with ``mu * f - sum y c`` a nonnegative constant."""
        if not any(f):
            return 1, []
        live = [i for i, c in enumerate(forms.cons) if any(c[1:])]
        opt = self.solver.minimize([tuple(forms.cons[i]) for i in live], tuple(f))
        if opt.status is not Status.OPTIMAL or opt.value is None or opt.value < 0:
            raise CertificateError(f"region {r}: a whole-region class is not on top on the whole region")
        ys = [(live[b], y) for b, y in zip(opt.basis, opt.multipliers) if y]
        mu = lcm(1, *(y.denominator for _, y in ys))
        hint = [(i, int(y * mu)) for i, y in ys]
        comb = [mu * a for a in f]
        for i, y in hint:
            comb = [a - y * c for a, c in zip(comb, forms.cons[i])]
        if any(comb[1:]) or comb[0] < 0 or any(y < 0 for _, y in hint):
            raise CertificateError(f"region {r}: no Farkas multipliers for a whole-region class")
        return mu, hint

    def loser(self, r: int, forms: RegionForms, k: int) -> tuple[list[Fraction], int]:
        """A point of region r and a class scoring more than class k there."""
        sc = forms.scores
        point = self.points[r]  # the region's interior point, when the certificate gives one
        for j in range(len(sc) if point else 0):
            if _dot(sc[j], point) > _dot(sc[k], point):
                return list(point), j
        live = [tuple(c) for c in forms.cons if any(c[1:])]
        for j in (j for j in range(len(sc)) if j != k):
            opt = self.solver.minimize(live, tuple(_sub(sc[k], sc[j], self.d + 1)))
            if opt.status is Status.OPTIMAL and opt.value is not None and opt.value < 0 and opt.point:
                return list(opt.point), j
        raise CertificateError(f"region {r}: class {k} is on top on the whole region, below its whole class")

    def lam(self, r: int, k: int, other: int, h: list[Fraction]) -> Fraction:
        """``lam > 0`` with ``score row k - score row other = lam * h`` (the region's exact map)."""
        weight, bias = self.maps[r]
        rows = [[c, *w] for w, c in zip(weight, bias)]
        rows = [[Fraction(0)] * len(rows[0]), rows[0]] if len(rows) == 1 else rows
        diff = [a - b for a, b in zip(rows[k], rows[other])]
        p = next((i for i, a in enumerate(h) if a), None)
        lam = None if p is None or len(h) != len(diff) else diff[p] / h[p]
        if lam is None or lam <= 0 or any(a != lam * c for a, c in zip(diff, h)):
            raise CertificateError(f"region {r}: the piece's hyperplane is not the classes' difference")
        return lam

    # -- Boundary.v -----------------------------------------------------------------------------------
    def boundary_v(self, header: str) -> str:
        data = self.data
        out = [
            header,
            "From Coq Require Import ZArith QArith List.",
            "From ExactRelu Require Import Checker.",
            "Import ListNotations.",
            "Local Open Scope Q_scope.",
            "",
            "(** The decision boundary's pieces: region, classes k and l (one output's pair [0] is classes",
            "    1 and 0), the hyperplane [c; a_1; ...] (c + a . x = 0), a witness point, then a hint. *)",
            "Definition pieces : list piece := [",
        ]
        items = []
        for r, classes, h, point in data.pieces:
            k, other = _pair(classes)
            items.append(
                f"  mk_piece {r} {k} {other} {coq_list(q_text(v) for v in h)} {coq_list(q_text(v) for v in point)}"
                f" {q_text(self.lam(r, k, other, h))}"
            )
        out.append(";\n".join(items) + "].\n")
        out.append("(** The ties: region, classes k and l scoring the same on the whole region. *)")
        ties = "; ".join(f"mk_tie {r} {_pair(c)[0]} {_pair(c)[1]}" for r, c in data.ties)
        out.append(f"Definition ties : list tie := [{ties}].\n")
        out.append("(** Per region: the lowest class on top on the whole region, or None. *)")
        whole = "; ".join("None" if k is None else f"Some {k}%nat" for k in data.whole)
        out.append(f"Definition whole : list (option nat) := [{whole}].\n")
        out.append("(** Hints for the checker, per region: Farkas multipliers, points where lower classes lose. *)")
        out.append("Local Open Scope Z_scope.\n")
        out.append("Definition whints : list whint := [\n" + ";\n".join(self.hints()) + "].\n")
        return "\n".join(out)

    def hints(self) -> list[str]:
        out = []
        for r, claim in enumerate(self.data.whole):
            forms = self.forms(r)
            if claim is not None and claim >= self.classes:
                raise CertificateError(f"region {r}: whole class {claim} is not a class")
            farkas = []
            if claim is not None:
                for j in range(self.classes):
                    mu, ys = self.farkas(r, forms, _sub(forms.scores[claim], forms.scores[j], self.d + 1))
                    pairs = coq_list(f"({i}%nat, {hint_text(y)})" for i, y in ys)
                    farkas.append(f"({numeral(mu, HINT_HEX)}%positive, {pairs})")
            losers = []
            for k in range(self.classes if claim is None else claim):
                point, j = self.loser(r, forms, k)
                losers.append(f"({coq_list(q_text(v) for v in point)}, {j}%nat)")
            out.append(f"  (* {r} *) mk_whint {coq_list(farkas)} {coq_list(losers)}")
        return out

    # -- Main.v ---------------------------------------------------------------------------------------
    @staticmethod
    def whole_class_of(data: BoundaryData) -> int | None:
        """The class on top in every region, when there is one."""
        claims = set(data.whole)
        return next(iter(claims)) if len(claims) == 1 and None not in claims else None

    @staticmethod
    def theorem_names(data: BoundaryData) -> tuple[str, ...]:
        names = ("boundary_pieces_correct", "boundary_ties_correct", "decision_regions_correct")
        return names + (("class_wins_domain",) if BoundaryWriter.whole_class_of(data) is not None else ())

    def whole_class(self) -> int | None:
        return self.whole_class_of(self.data)

    def theorems(self) -> tuple[str, ...]:
        return self.theorem_names(self.data)

    def main_v(self) -> str:
        d = self.d
        text = f"""
(** The decision boundary and decision regions: the data of Boundary.v, checked by [check_boundary]. *)
Definition bcert : bcertificate := mk_bcertificate pieces ties whole whints.

Lemma boundary_checks : check_boundary cert bcert = true.
Proof. vm_cast_no_check (eq_refl true). Qed.

Strategy expand [bcert].
Strategy 1000 [pieces ties whole whints].

(** For every listed piece of the decision boundary (region r, classes k and l, hyperplane h): on
    the whole cell of r, score_k - score_l is a positive multiple of h (so score_k = score_l exactly
    on h, and k scores more on its positive side); the witness point lies in the domain, in the
    cell, on h, with class k (and so l) on top. *)
Theorem boundary_pieces_correct : forall pc, In pc pieces ->
  exists r, nth_error regions (N.to_nat (pc_region pc)) = Some r /\\
    (pc_k pc < classes net)%nat /\\ (pc_l pc < classes net)%nat /\\ pc_k pc <> pc_l pc /\\
    (exists a, In a (tl (pc_hyperplane pc)) /\\ ~ a == 0) /\\
    (exists lam, 0 < lam /\\ forall x : list Q, in_cell net (pattern r) x ->
       score net x (pc_k pc) - score net x (pc_l pc) == lam * dotQ (pc_hyperplane pc) (1 :: x)) /\\
    length (pc_point pc) = {d}%nat /\\ in_domain A b (pc_point pc) /\\ in_cell net (pattern r) (pc_point pc) /\\
    dotQ (pc_hyperplane pc) (1 :: pc_point pc) == 0 /\\ top net (pc_point pc) (pc_k pc).
Proof. exact (proj1 (boundary_sound cert bcert cert_checks boundary_checks)). Qed.

(** For every listed tie, the two classes score the same on the whole cell of the region. *)
Theorem boundary_ties_correct : forall t, In t ties ->
  exists r, nth_error regions (N.to_nat (t_region t)) = Some r /\\
    (t_k t < classes net)%nat /\\ (t_l t < classes net)%nat /\\ t_k t <> t_l t /\\
    forall x : list Q, in_cell net (pattern r) x -> score net x (t_k t) == score net x (t_l t).
Proof. exact (proj1 (proj2 (boundary_sound cert bcert cert_checks boundary_checks))). Qed.

(** Per region (its closed cell within the domain): [Some k]: class k is on top at every point, and
    each lower class is not on top at some point; [None]: each class is not on top at some point. *)
Theorem decision_regions_correct : length whole = length regions /\\
  forall i r w, nth_error regions i = Some r -> nth_error whole i = Some w ->
    (forall k, w = Some k -> (k < classes net)%nat /\\
       forall x : list Q, in_domain A b x -> in_cell net (pattern r) x -> top net x k) /\\
    (forall k', (k' < match w with Some k => k | None => classes net end)%nat ->
       exists x : list Q, length x = {d}%nat /\\ in_domain A b x /\\ in_cell net (pattern r) x /\\ ~ top net x k').
Proof. exact (proj2 (proj2 (boundary_sound cert bcert cert_checks boundary_checks))). Qed.
"""
        k = self.whole_class()
        if k is not None:
            text += f"""
(** Every region is wholly in class {k}: class {k} is on top at every point of the domain. *)
Lemma whole_is_{k} : all_whole {k} whole = true.
Proof. vm_cast_no_check (eq_refl true). Qed.

Theorem class_wins_domain : forall x : list Q, length x = {d}%nat -> in_domain A b x -> top net x {k}%nat.
Proof. exact (whole_domain_sound cert bcert {k}%nat cert_checks boundary_checks whole_is_{k}). Qed.
"""
        return text + "".join(f"\nPrint Assumptions {name}." for name in self.theorems()) + "\n"

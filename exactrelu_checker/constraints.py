"""The constraint form ("form": "constraints", docs/certificate.md): regions without vertex lists.

A region's cell is its leaf's constraint list.  The certificate names the cell's facets, each with a
witness: a point on the facet's hyperplane strictly inside every other constraint, so the facet is
(d-1)-dimensional and irredundant; every other constraint is proved redundant by a Farkas combination
of the facets, so the cell is exactly the intersection of the listed facets.  An edge proves its two
facets equal (each facet of one region holds on the other's facet), so a listed neighbour covers
every facet it crosses.  A combination ``[(t, y), ...]`` (``y >= 0``; an edge adds a free multiplier
on its hyperplane) leaves a residual form that must be a nonnegative constant, or, on a box domain,
have a nonnegative minimum over the box (the box rows so used are part of the combination).
"""

from __future__ import annotations

from math import lcm
from typing import NamedTuple

from .geometry import MAX_BITS, Refuted, Work
from .linalg import bits, dot, rref
from .parse import _dict, _int, _list, _rational, _rationals, _region_map

__all__ = ["Combination", "ConstraintRegion", "parse_region", "parse_combination", "parse_edge", "dominated",
           "region_facets", "equal_facets"]


class Combination(tuple):
    """Farkas multipliers ``((t, y), ...)`` on constraints of a list (a decision proof, or a redundancy
    or containment proof)."""


class ConstraintRegion(NamedTuple):
    pattern: tuple
    point: tuple
    weight: tuple
    bias: tuple
    facets: tuple  # of (t, witness): an axis c (int), an axis and kept constraints (c, (u, ...)), or a point
    redundant: tuple  # of (t, Combination)


# -- reading ----------------------------------------------------------------------------------------
def parse_combination(x, where: str, n_cons: int) -> Combination:
    pairs = []
    for i, pair in enumerate(_list(x, where, 0, n_cons)):
        t, y = _list(pair, f"{where}[{i}]", 2, 2)
        pairs.append((_int(t, f"{where}[{i}]", 0, n_cons - 1), _rational(y, f"{where}[{i}]")))
    return Combination(pairs)


def parse_region(x, where: str, d: int, widths: list, n_out: int, n_cons: int) -> ConstraintRegion:
    x = _dict(x, where, ("pattern", "point", "facets", "redundant"), ("map",))
    pattern, point, weight, bias = _region_map(x, where, d, widths, n_out)
    facets = []
    for i, entry in enumerate(_list(x["facets"], f"{where}.facets", 1, n_cons)):
        at = f"{where}.facets[{i}]"
        t, w = _list(entry, at, 2, 2)
        witness: object
        if type(w) is list and len(w) == 2 and type(w[0]) is int:  # an axis projected: [c, [kept constraints]]
            kept = _list(w[1], f"{at} kept", 1, d - 1)
            witness = (_int(w[0], f"{at} axis", 0, d - 1), tuple(_int(u, f"{at} kept", 0, n_cons - 1) for u in kept))
        else:
            witness = _int(w, f"{at} axis", 0, d - 1) if type(w) is int else _rationals(w, f"{at} point", d)
        facets.append((_int(t, at, 0, n_cons - 1), witness))
    redundant = []
    for i, entry in enumerate(_list(x["redundant"], f"{where}.redundant", 0, n_cons)):
        at = f"{where}.redundant[{i}]"
        t, proof = _list(entry, at, 2, 2)
        redundant.append((_int(t, at, 0, n_cons - 1), parse_combination(proof, f"{at} proof", n_cons)))
    return ConstraintRegion(pattern, point, weight, bias, tuple(facets), tuple(redundant))


def parse_edge(x, where: str, n_regions: int, n_cons: int) -> tuple:
    """``(i, j, proofs that j's facets hold on i's, proofs that i's hold on j's)``, each proof
    ``(facet constraint, multiplier of the shared hyperplane, Combination)``."""
    i, j, *sides = _list(x, where, 4, 4)
    out: list = [_int(i, where, 0, n_regions - 1), _int(j, where, 0, n_regions - 1)]
    for s, side in enumerate(sides):
        proofs = []
        for k, entry in enumerate(_list(side, f"{where}[{2 + s}]", 0, n_cons)):
            at = f"{where}[{2 + s}][{k}]"
            t, lam, proof = _list(entry, at, 3, 3)
            proofs.append((_int(t, at, 0, n_cons - 1), _rational(lam, at), parse_combination(proof, at, n_cons)))
        out.append(tuple(proofs))
    return tuple(out)


# -- checking ---------------------------------------------------------------------------------------
def dominated(target, proof: Combination, cons: list, box, work: Work, allowed=None, plane=None, lam=None) -> str:
    """"" if ``target >= 0`` follows from the combination (on the cell of ``cons``, within
    ``plane = 0`` when given), else the reason.  ``box``: ``(bounds lo_0, hi_0, lo_1, ..., den)``
    or None; ``allowed``: the box rows the residual may use (None: all)."""
    if any(y < 0 for _, y in proof):
        return "a Farkas multiplier is negative"
    if any(t >= len(cons) for t, _ in proof):
        return f"a multiplier names a constraint beyond the list of {len(cons)}"
    values = [y for _, y in proof] + ([lam] if plane is not None else [])
    den = lcm(1, *(q.denominator for q in values))
    Work.size(den.bit_length(), MAX_BITS, "a combination's common denominator")
    size = bits(target) + den.bit_length() + 64
    work.charge((len(values) + 1) * len(target), size)
    residual = [den * a for a in target]
    for (t, _), q in zip(proof, values):
        k = q.numerator * (den // q.denominator)
        residual = [a - k * c for a, c in zip(residual, cons[t])]
    if plane is not None:
        k = lam.numerator * (den // lam.denominator)
        residual = [a - k * c for a, c in zip(residual, plane)]
    if not any(residual[1:]):
        return "" if residual[0] >= 0 else "the Farkas combination leaves a negative constant"
    if box is None:
        return "the Farkas combination leaves a nonconstant form and the domain is no box"
    bounds, bden = box
    low = residual[0] * bden
    for c, a in enumerate(residual[1:]):
        if a:
            row = 2 * c + (a < 0)  # row 2c is x_c >= lo_c, row 2c + 1 is x_c <= hi_c
            if allowed is not None and row not in allowed:
                return f"the residual's box bound uses domain constraint {row}, which is no listed facet"
            low += a * bounds[row]
    work.charge(2 * len(residual), size + bden.bit_length())
    return "" if low >= 0 else "the Farkas combination leaves a form negative on the box"


def region_facets(where: str, cons: list, m: int, reg: ConstraintRegion, point: list, box, work: Work) -> dict:
    """Check the region's facets and redundancy proofs (its point already checked strictly inside);
    returns ``{facet form: (None, constraint index)}``."""
    n, d = len(cons), len(point) - 1
    work.charge(n * (d + 1), bits(point) + 64)
    values = [dot(form, point) for form in cons]
    if min(values) <= 0:
        raise Refuted(f"{where}: the point is not strictly inside constraint {values.index(min(values))}")
    if any(t >= n for t, _ in reg.facets + reg.redundant):
        raise Refuted(f"{where}: a facet or redundant constraint is beyond its list of {n} constraints")
    facets: dict = {}
    columns: dict = {}  # axis -> the constraints with a nonzero coefficient there
    for i, (t, witness) in enumerate(reg.facets):
        form = cons[t]
        if form in facets:
            raise Refuted(f"{where}: facet {i} repeats the hyperplane of constraint {facets[form][1]}")
        facets[form] = (None, t)
        if type(witness) is int:
            if witness not in columns:
                work.charge(n)
                columns[witness] = [u for u in range(n) if cons[u][witness + 1]]
            bad = _axis_witness(form, t, witness, cons, values, columns[witness], work)
        elif type(witness[0]) is int:
            if not columns.get("sparse"):
                work.charge(n * (d + 1))
                columns["sparse"] = [[(c, a) for c, a in enumerate(f[1:]) if a] for f in cons]
            bad = _kept_witness(form, t, witness, cons, values, columns["sparse"], work)
        else:
            den = lcm(1, *(q.denominator for q in witness))
            q = [den] + [v.numerator * (den // v.denominator) for v in witness]
            work.charge(n * (d + 1), bits(q) + 64)
            bad = "is not on its hyperplane" if dot(form, q) else next(
                (f"is not strictly inside constraint {u}" for u in range(n)
                 if (v := dot(cons[u], q)) < 0 or v == 0 and cons[u] != form), "")
        if bad:
            raise Refuted(f"{where}: the witness of facet {i} (constraint {t}) {bad}")
    listed = {t for _, (_, t) in facets.items()}
    allowed = {r for r in range(m) if cons[r] in facets}
    proved = set()
    for u, proof in reg.redundant:
        if cons[u] in facets or u in proved:
            raise Refuted(f"{where}: constraint {u} is a listed facet or proved redundant twice")
        if any(t not in listed for t, _ in proof):
            raise Refuted(f"{where}: the redundancy proof of constraint {u} uses a constraint that is no listed facet")
        reason = dominated(cons[u], proof, cons, box, work, allowed)
        if reason:
            raise Refuted(f"{where}: constraint {u} is not proved redundant: {reason}")
        proved.add(u)
    work.charge(n)
    missing = next((u for u in range(n) if u not in proved and cons[u] not in facets), None)
    if missing is not None:
        raise Refuted(f"{where}: constraint {missing} is neither a listed facet nor proved redundant (missing facet)")
    return facets


def _axis_witness(form, t: int, c: int, cons: list, values: list, column: list, work: Work) -> str:
    """The region's point moved along axis ``c`` onto ``form = 0``: ``q = |a| p - sgn(a) v_t e_c`` for
    ``a = form[c]``; a constraint zero in column ``c`` keeps the sign of its value at ``p``."""
    a = form[c + 1]
    if not a:
        return f"moves along axis {c}, parallel to its hyperplane"
    s, vt = (1 if a > 0 else -1), values[t]
    work.charge(3 * len(column), bits((a, vt)) + 64)
    for u in column:
        v = s * (a * values[u] - vt * cons[u][c + 1])
        if v < 0 or v == 0 and cons[u] != form:
            return f"is not strictly inside constraint {u}"
    return ""


def _kept_witness(form, t: int, witness: tuple, cons: list, values: list, sparse: list, work: Work) -> str:
    """The region's point moved along ``w``, axis ``c`` projected onto the hyperplanes of the kept
    constraints (``w = e_c - sum y_u g_u`` with ``g_u . w = 0``: they keep their values), onto
    ``form = 0``; every constraint is evaluated, each by its nonzero coefficients only."""
    c, kept = witness
    if max(kept) >= len(cons):
        return "keeps a constraint beyond its list"
    G = [cons[u][1:] for u in kept]
    k, d = len(G), len(form) - 1
    size = bits(x for g in G for x in g)
    work.charge(k * k * d + k * k * (k + 1) + k * d, 2 * k * size + 64)
    pivots, R, p = rref([[dot(a, b) for b in G] + [a[c]] for a in G], k)
    if len(pivots) < k:
        return "keeps constraints with dependent gradients"
    w = [p * (i == c) for i in range(d)]
    for row, g in zip(R, G):
        w = [a - row[k] * b for a, b in zip(w, g)]
    gw, vt = dot(form[1:], w), values[t]
    if not gw:
        return f"moves along axis {c} projected, parallel to its hyperplane"
    s = 1 if gw > 0 else -1
    work.charge(sum(map(len, sparse)) + 3 * len(cons), bits(w) + size + bits((gw, vt)) + 64)
    for u, nz in enumerate(sparse):
        v = s * (gw * values[u] - vt * sum(a * w[i] for i, a in nz))
        if v < 0 or v == 0 and cons[u] != form:
            return f"is not strictly inside constraint {u}"
    return ""


def equal_facets(i: int, j: int, proofs: tuple, facets: list, cons_of: list, m: int, box, work: Work) -> tuple:
    """The hyperplane form of ``i``'s facet shared with ``j``, after checking both containments: every
    facet of ``j`` holds on ``i``'s facet (it is a constraint of ``i``, or its proof in ``proofs[0]``)
    and the other way round (``proofs[1]``)."""
    fi, fj = facets[i], facets[j]
    key = next((f for f, (_, t) in fi.items() if t >= m and tuple(-x for x in f) in fj), None)
    if key is None:
        raise Refuted("the regions share no facet")
    for (a, b), side, plane in (((i, j), proofs[0], key), ((j, i), proofs[1], tuple(-x for x in key))):
        own = set(cons_of[a][m:])
        work.charge(len(own) + len(facets[b]))
        needed = {t for f, (_, t) in facets[b].items() if t >= m and f != tuple(-x for x in plane) and f not in own}
        given = {t: (lam, proof) for t, lam, proof in side}
        if set(given) != needed or len(given) != len(side):
            raise Refuted(f"region {b}'s facets on constraints {sorted(needed)} need one containment proof each, "
                          f"the edge gives {sorted(t for t, _, _ in side)}")
        for t, (lam, proof) in given.items():
            reason = dominated(cons_of[b][t], proof, cons_of[a], box, work, None, plane, lam)
            if reason:
                raise Refuted(f"region {b}'s facet on constraint {t} does not hold on region {a}'s facet: {reason}")
    return key

"""The checker's shortcuts change no verdict (issue 13 item 3).

Three shortcuts, each against an independent oracle: a vertex solved by fraction-free forward
elimination (smallest rows first) against Gaussian elimination over Fractions; a layer composed from
its sibling's composition plus the changed neurons against the forms recomputed with Fractions from
the weights; and the per-point memo of hyperplane signs (one evaluation per point and hyperplane,
shared by every region there) against tampering: a vertex of one sibling region listed in the other,
whose constraint list differs only in the orientation of the split, is refused whichever of the two
the checker reaches first.  Two more: the sign of a hyperplane at a large vertex, decided by a float
estimate with an error bound and else exactly, against exact integer dot products (estimates that
are wrong-signed or near zero must fall back), also inside a region's vertex check; and a node's
decisions by one Farkas basis solved together (linalg.solve: several right-hand sides, more rows than
unknowns), against Gaussian elimination over Fractions and against tampered proofs.
"""

from __future__ import annotations

import copy
import json
import random
from fractions import Fraction
from math import gcd, lcm
from pathlib import Path
from types import SimpleNamespace

import pytest

from exactrelu_checker import check_certificate
from exactrelu_checker.check import _Checker
from exactrelu_checker.geometry import Refuted, VertexTable, region_facets
from exactrelu_checker.linalg import approx, dot, sign, solve, solve_point

THREE_INPUTS = Path(__file__).resolve().parents[1] / "proofs" / "three_inputs.cert.json"


def fraction_point(forms) -> tuple | None:
    """Where the forms ``c + g . x`` vanish, by Gauss-Jordan over Fractions, as the primitive
    homogeneous integer point ``(w0 > 0, w0 x)``; None when the gradients are dependent."""
    d = len(forms)
    a = [[Fraction(v) for v in f[1:]] + [Fraction(-f[0])] for f in forms]
    for c in range(d):
        pivot = next((r for r in range(c, d) if a[r][c]), None)
        if pivot is None:
            return None
        a[c], a[pivot] = a[pivot], a[c]
        a[c] = [v / a[c][c] for v in a[c]]
        for r in range(d):
            if r != c and a[r][c]:
                a[r] = [v - a[r][c] * w for v, w in zip(a[r], a[c])]
    x = [row[d] for row in a]
    w0 = lcm(*(v.denominator for v in x))
    point = [w0] + [int(v * w0) for v in x]
    return tuple(v // gcd(*point) for v in point)


@pytest.mark.parametrize("seed", range(6))
def test_solve_point_matches_fractions(seed):
    rng = random.Random(seed)
    for _ in range(300):
        d = rng.randint(1, 6)
        forms = []
        for _ in range(d):
            if rng.random() < 0.4:  # a domain row: one coordinate, small
                i = rng.randrange(d)
                forms.append(tuple([rng.randint(-9, 9)] + [rng.choice([-1, 1]) * 100 * (c == i) for c in range(d)]))
            else:
                forms.append(tuple(rng.choice([0, rng.randint(-(10**40), 10**40)]) for _ in range(d + 1)))
        if d > 1 and rng.random() < 0.25:  # dependent gradients
            u, v = rng.sample(range(d), 2)
            forms[v] = tuple([forms[v][0]] + [3 * x for x in forms[u][1:]])
        assert solve_point(forms) == fraction_point(forms), forms


@pytest.mark.parametrize("seed", range(6))
def test_points_met_on_known_lines_match_fractions(seed):
    """VertexTable.vertex: a point on a line through two known points is ``h(q) p - h(p) q``. Against Gauss-Jordan
    over Fractions, on arrangements with forms that vanish on a known line or are parallel to it (dependent: None)."""
    rng = random.Random(seed)
    for _ in range(40):
        d = rng.randint(2, 5)
        forms = [tuple(rng.randint(-(10**rng.choice([1, 30])), 10**30) for _ in range(d + 1)) for _ in range(d + 3)]
        for _ in range(3):  # combinations of d - 1 forms: through their line, or parallel to it
            picked = rng.sample(forms[: d + 3], d - 1)
            combo = [sum(rng.randint(-3, 3) * f[c] for f in picked) for c in range(d + 1)]
            forms.append(tuple([combo[0] + rng.choice([0, 0, 7])] + combo[1:]))
        table, used = VertexTable(), 0
        for _ in range(60):
            key = rng.sample(range(len(forms)), d)
            planes = [(i, forms[i]) for i in key]
            met = table.vertex(planes)
            assert (met if met is None else table.coords[met]) == fraction_point([forms[i] for i in key]), (forms, key)
        used += sum(len(v) == 2 for v in table.lines.values())
        assert used, "no line had two known points: the shortcut went untested"


def fraction_forms(layers, slopes, patterns, k) -> list:
    """The pre-activation forms of layer k (the output map for k = len(patterns)) as Fraction rows
    (constant, coefficients), composed directly from the weights."""
    d = len(layers[0][0][0])
    forms = [[b] + list(w) for w, b in zip(*layers[0])]
    for layer in range(1, k + 1):
        weight, bias = layers[layer]
        h = [[v * (1 if bit else slopes[layer - 1]) for v in form] for form, bit in zip(forms, patterns[layer - 1])]
        forms = [
            [b + sum(w * f[0] for w, f in zip(row, h))]
            + [sum(w * f[c] for w, f in zip(row, h)) for c in range(1, d + 1)]
            for row, b in zip(weight, bias)
        ]
    return forms


@pytest.mark.parametrize("slope", [Fraction(0), Fraction(1, 10), Fraction(-3, 7)])
def test_sibling_compositions_match_fresh_forms(slope):
    rng = random.Random(str(slope))
    d, widths = 3, [4, 24, 24, 2]

    def q():
        return Fraction(rng.randint(-40, 40), rng.choice([1, 2, 3, 8, 25]))

    layers = [
        ([[q() for _ in range(n_in)] for _ in range(n_out)], [q() for _ in range(n_out)])
        for n_in, n_out in zip([d] + widths, widths)
    ]
    cert = SimpleNamespace(layers=layers, slopes=(slope,) * 3, A=[], b=[], regions=[])
    chk = _Checker(cert)
    first = [rng.randint(0, 1) for _ in range(widths[0])]
    forms1 = chk.compose(chk.compose(None, [], 0), first, 1)
    bits = [rng.randint(0, 1) for _ in range(widths[1])]
    for step in range(40):  # siblings: a few bits flipped at a time, sometimes many
        for j in rng.sample(range(widths[1]), rng.choice([1, 1, 2, 3, 20])):
            bits[j] = 1 - bits[j]
        rows, den, _ = chk.compose(forms1, bits, 2)
        oracle = fraction_forms(layers, cert.slopes, [first, bits], 2)
        assert [[Fraction(v, den) for v in row] for row in rows] == oracle, step
    assert chk.last[2][0] is forms1  # the sibling path was taken


def _sibling_leaves(cert) -> list:
    tree = cert["tree"]
    return [
        (tree[n["p"]]["r"], tree[n["m"]]["r"]) for n in tree if "s" in n and "r" in tree[n["p"]] and "r" in tree[n["m"]]
    ]


def test_a_vertex_of_the_other_sibling_is_refused_either_way():
    """Sibling leaves have the same constraint list up to the split's orientation, so a vertex of one
    named by the same indices in the other has the same hyperplanes: solved and signed once, then
    read from the memo by whichever sibling comes second.  Strictly across the split, it is refused."""
    cert = json.loads(THREE_INPUTS.read_text())
    assert check_certificate(cert).verified
    refused = {"p into m": 0, "m into p": 0}
    for p_region, m_region in _sibling_leaves(cert):
        for way, source, target in (("p into m", p_region, m_region), ("m into p", m_region, p_region)):
            listed = {tuple(b) for b in cert["regions"][target]["vertices"]}
            for basis in cert["regions"][source]["vertices"]:
                if tuple(basis) in listed:
                    continue
                bad = copy.deepcopy(cert)
                bad["regions"][target]["vertices"].append(basis)
                verdict = check_certificate(bad)
                if verdict.verified:  # its point is on the split hyperplane: a vertex of both, rightly
                    continue
                assert f"region {target} " in verdict.reason and "violates constraint" in verdict.reason, verdict.reason
                refused[way] += 1
    assert min(refused.values()) >= 4, refused


def _undecided(u, v) -> bool:
    """Whether the float estimate alone cannot decide the sign of dot(u, v) (the exact fallback runs)."""
    (fu, bu), (fv, bv) = approx(u), approx(v)
    return abs(sum(a * b for a, b in zip(fu, fv))) <= bu * bv


@pytest.mark.parametrize("seed", range(4))
def test_float_estimated_signs_match_exact_dot_products(seed):
    rng = random.Random(seed)
    fallbacks = 0
    for _ in range(400):
        n, size = rng.randint(2, 8), rng.choice([8, 60, 300, 1500, 5000])  # beyond 1,024 bits: no float holds it
        u = [rng.randint(-(2**size), 2**size) for _ in range(n)]
        v = [rng.randint(-(2**size), 2**size) for _ in range(n)]
        if rng.random() < 0.6:  # plant a dot product of -1, 0 or 1 through the last entries
            v[-1], target = 1, rng.choice([-1, 0, 1])
            u[-1] = target - dot(u[:-1], v[:-1])
        exact = dot(u, v)
        assert sign(u, v, (approx(u), approx(v))) == (exact > 0) - (exact < 0) == sign(u, v)
        fallbacks += _undecided(u, v)
    assert fallbacks > 50
    # the estimate is wrong-signed here (the shifts floor 3 and -2 away): exactly +1
    u, v = [2**70 + 3, -(2**70), -2], [1, 1, 1]
    (fu, _), (fv, _) = approx(u), approx(v)
    assert (
        sum(a * b for a, b in zip(fu, fv)) < 0 < dot(u, v)
        and _undecided(u, v)
        and sign(u, v, (approx(u), approx(v))) == 1
    )


def test_a_hyperplane_within_1e_minus_40_of_a_large_vertex():
    """The box [0, X]^2 with X = 10^90 and one more constraint K (2X - x1 - x2) + c >= 0, K = 10^10: at
    the corner (X, X) its value is c, about 10^-40 of its terms.  c = 1 keeps the corner, c = 0 makes
    the constraint tight there (one vertex: no facet), c = -1 cuts it off; the float estimate cannot
    tell these apart, the exact fallback does."""
    X, K = 10**90, 10**10
    box = [(0, 1, 0), (X, -1, 0), (0, 0, 1), (X, 0, -1)]
    corners = [(0, 2), (0, 3), (1, 2), (1, 3)]
    for c in (1, 0, -1):
        h = (2 * X * K + c, -K, -K)
        assert _undecided(h, (1, X, X))
        cons = box + [h]
        try:
            facets = region_facets("r", cons, cons, corners, 2, VertexTable(), 4)
        except Refuted as exc:
            assert c == -1 and "vertex 3 violates constraint 4" in str(exc), exc
            continue
        assert c >= 0 and sorted(t for _, t in facets.values()) == [0, 1, 2, 3]


def test_tampered_decisions_sharing_a_basis_are_refused():
    """Decisions of one node by one Farkas basis are solved in one elimination: flipping any one of
    them (its bit, so its form's sign) is refused, whatever the others are."""
    cert = json.loads(THREE_INPUTS.read_text())
    shared = [
        (n, i)
        for n, node in enumerate(cert["tree"])
        for i, (j, bit, proof) in enumerate(node.get("d", []))
        if isinstance(proof, list) and sum(p == proof for _, _, p in node["d"]) > 1
    ]
    assert len(shared) >= 4
    for n, i in shared[:: max(1, len(shared) // 12)]:
        bad = copy.deepcopy(cert)
        bad["tree"][n]["d"][i][1] = 1 - bad["tree"][n]["d"][i][1]
        verdict = check_certificate(bad)
        assert not verdict.verified and f"node {n}: decision" in verdict.reason, verdict.reason


def fraction_solve(rows, n: int):
    """Gauss-Jordan over Fractions: None if the first n columns have rank below n, else per right-hand
    side its solution as Fractions, or None when that side is inconsistent."""
    a = [[Fraction(v) for v in row] for row in rows]
    for c in range(n):
        pivot = next((r for r in range(c, len(a)) if a[r][c]), None)
        if pivot is None:
            return None
        a[c], a[pivot] = a[pivot], a[c]
        a[c] = [v / a[c][c] for v in a[c]]
        for r in range(len(a)):
            if r != c and a[r][c]:
                a[r] = [v - a[r][c] * w for v, w in zip(a[r], a[c])]
    sides = range(n, len(rows[0]))
    return [None if any(a[r][h] for r in range(n, len(a))) else [a[i][h] for i in range(n)] for h in sides]


@pytest.mark.parametrize("seed", range(4))
def test_solve_with_several_right_hand_sides_matches_fractions(seed):
    rng = random.Random(seed)
    for _ in range(300):
        n = rng.randint(1, 5)
        m, k = n + rng.choice([0, 0, 1, 2]), rng.randint(1, 3)  # more rows than unknowns: consistency rows
        base = [[rng.choice([0, rng.randint(-(10**30), 10**30)]) for _ in range(n)] for _ in range(n)]
        mix = [[rng.randint(-3, 3) for _ in range(n)] for _ in range(m - n)]
        unknowns = base + [[sum(c * row[j] for c, row in zip(coef, base)) for j in range(n)] for coef in mix]
        solution = [[rng.randint(-(10**20), 10**20) for _ in range(n)] for _ in range(k)]
        rows = [u + [dot(u, x) for x in solution] for u in unknowns]
        for row in rows[n:]:  # break consistency now and then
            if rng.random() < 0.3:
                row[n + rng.randrange(k)] += 1
        rng.shuffle(rows)
        oracle, out = fraction_solve(rows, n), solve(rows, n)
        assert (out is None) == (oracle is None), rows
        if out is not None:
            D, X = out
            assert [None if x is None else [Fraction(v, D) for v in x] for x in X] == oracle, rows


def counting_guesses(owner) -> list:
    """Record each of ``owner.guess``'s proposals (a table's, or VertexTable's for every table) in the returned list."""
    real, proposals = owner.guess, []

    def guess(*a):
        proposals.append(real(*a))
        return proposals[-1]

    owner.guess = guess
    return proposals


def test_a_guess_that_is_not_the_point_is_refused():
    """VertexTable.guess proposes the known point whose float32 coordinates match; a decoy 1e-15 away from the
    true intersection (the same float32 key) fails the exact test, and the point is solved as before."""
    table = VertexTable()
    axis, y_axis, x_one = (0, 0, 1), (0, 1, 0), (-1, 1, 0)
    assert table.coords[table.vertex([(0, axis), (1, y_axis)])] == (1, 0, 0)
    assert table.coords[table.vertex([(0, axis), (2, x_one)])] == (1, 1, 0)  # the line x2 = 0 has two known points
    decoy = table.id((3 * 10**15, 10**15 + 1, 0))  # x1 = 1/3 + 1/(3e15): the key of x1 = 1/3
    third = (-1, 3, 0)  # x1 = 1/3 on that line
    proposed = counting_guesses(table)
    met = table.vertex([(0, axis), (3, third)])
    assert proposed == [decoy] and met != decoy and table.coords[met] == (3, 1, 0)
    again = table.vertex([(0, axis), (4, (-2, 6, 0))])  # the same point on another form: now guessed rightly
    assert proposed[-1] == met and again == met


@pytest.mark.parametrize("seed", range(6))
def test_points_guessed_on_known_lines_match_fractions(seed):
    """Many hyperplanes through a few anchor points (concurrent: each anchor is met from many d-sets, along known
    lines), plus random ones: every point the table returns equals Gauss-Jordan over Fractions, and guesses are
    taken."""
    rng = random.Random(seed)
    taken = 0
    for _ in range(10):
        d = rng.randint(2, 4)
        anchors = [[Fraction(rng.randint(-(10**9), 10**9), rng.randint(1, 10**9)) for _ in range(d)] for _ in range(3)]
        forms = []
        for _ in range(4 * d):
            a = rng.choice(anchors)
            g = [rng.choice([0, rng.randint(-(10**30), 10**30)]) for _ in range(d)]
            c = -sum(x * y for x, y in zip(g, a))
            forms.append(tuple(int(v * c.denominator) for v in [c] + g))
        forms += [tuple(rng.randint(-(10**20), 10**20) for _ in range(d + 1)) for _ in range(d)]
        table = VertexTable()
        hits = counting_guesses(table)
        for _ in range(80):
            key = rng.sample(range(len(forms)), d)
            hits.clear()
            met = table.vertex([(i, forms[i]) for i in key])
            assert (met if met is None else table.coords[met]) == fraction_point([forms[i] for i in key]), (forms, key)
            taken += hits == [met] and met is not None  # the guess was the point
    assert taken >= 20, taken


def test_wrong_guesses_change_no_verdict():
    """A table whose guesses are arbitrary known points checks a certificate exactly as the real one does, and a
    tampered vertex list is still refused: a guess is only ever taken after the exact test."""
    cert = json.loads(THREE_INPUTS.read_text())
    honest = check_certificate(cert)
    rng = random.Random(5)
    real_guess = VertexTable.guess

    def arbitrary(self, *a):
        return rng.randrange(len(self.coords)) if self.coords and rng.random() < 0.9 else None

    try:
        hits = counting_guesses(VertexTable)
        assert check_certificate(cert) == honest and honest.verified
        assert sum(h is not None for h in hits) >= 5, hits
        VertexTable.guess = arbitrary
        assert check_certificate(cert) == honest
        bad = copy.deepcopy(cert)
        region = next(r for r in bad["regions"] if len(r["vertices"]) > 4)
        region["vertices"].pop()
        verdict = check_certificate(bad)
        assert not verdict.verified and "incomplete" in verdict.reason, verdict.reason
    finally:
        VertexTable.guess = real_guess

"""How the checker's work grows with a certificate, along each hostile axis (docs/certificate.md, "How
much work a check takes").

Work is measured by the checker's own meter (``Verdict.operations``: arithmetic operations, each
weighted by the size of its integers), never by wall time.  The certificates are hand-made and valid,
built here without the producer: a simplex (input dimension), a square with redundant rows through a
corner (domain rows, constraints tight at one vertex), a polygon (vertices per region), a fan of lines
through a corner (regions per vertex, fan size), a chain of one-neuron layers (layers, digits).
Doubling a size must multiply the work by at most the stated power of 2, with 25% slack.
"""

from __future__ import annotations

import json
import tracemalloc
from fractions import Fraction

import pytest

from exactrelu_checker import MalformedCertificate, check_certificate
from exactrelu_checker.check import WORK_BASE, WORK_PER_BYTE
from exactrelu_checker.parse import MAX_INPUTS

SLACK = 1.25


def q(v) -> str:
    return str(Fraction(v))


def certificate(layers, A, b, bounded, tree, regions, edges, pieces, box=None) -> dict:
    domain = {"A": [[q(a) for a in row] for row in A], "b": [q(v) for v in b]}
    if box is not None:
        domain["box"] = [[q(lo), q(hi)] for lo, hi in box]
    return {"format": "exactrelu-certificate", "version": 1,
            "network": {"layers": [{"weight": [[q(w) for w in row] for row in W], "bias": [q(v) for v in c]}
                                   for W, c in layers]},
            "source": {}, "domain": domain, "bounded": [[q(v) for v in y] for y in bounded], "tree": tree,
            "regions": [{"pattern": p, "point": [q(v) for v in x], "map": {"weight": [[q(w) for w in row] for row in W],
                                                                        "bias": [q(v) for v in c]}, "vertices": v}
                        for p, x, (W, c), v in regions],
            "edges": edges, "summary": {"regions": len(regions), "edges": len(edges), "linear_pieces": pieces}}


def simplex(d: int) -> dict:
    """No hidden layer on {x >= 0, sum x <= 1} in d dimensions: d + 1 vertices, a file of order d^2."""
    A = [[-int(c == i) for c in range(d)] for i in range(d)] + [[1] * d]
    bounded = []
    for i in range(d):
        bounded += [[int(j != i) for j in range(d)] + [1], [int(j == i) for j in range(d)] + [0]]
    W = ([list(range(1, d + 1))], [0])
    return certificate([W], A, [0] * d + [1], bounded, [{"k": 0, "r": 0}],
                       [([], [Fraction(1, d + 2)] * d, W, [[t for t in range(d + 1) if t != s] for s in range(d + 1)])],
                       [], 1)


SQUARE_A, SQUARE_BOUNDED = [[-1, 0], [1, 0], [0, -1], [0, 1]], [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]]


def redundant_rows(n: int) -> dict:
    """The unit square with n more rows -x - t y <= 0 through its corner (0, 0), which is then on n + 2
    domain rows; no hidden layer."""
    A = SQUARE_A + [[-1, -Fraction(i + 1, n)] for i in range(n)]
    W = ([[1, 2]], [0])
    return certificate([W], A, [0, 1, 0, 1] + [0] * n, [y + [0] * n for y in SQUARE_BOUNDED], [{"k": 0, "r": 0}],
                       [([], ["1/2", "1/2"], W, [[0, 2], [1, 2], [0, 3], [1, 3]])], [], 1)


def polygon(n: int) -> dict:
    """A convex polygon with n vertices on the unit circle (rational points ((1-t^2)/(1+t^2), 2t/(1+t^2))
    for t from -4 to 4, counter-clockwise) as the domain, no hidden layer: one region with n vertices
    and n rows."""
    pts = [((1 - t * t) / (1 + t * t), 2 * t / (1 + t * t)) for t in (Fraction(8 * i - 4 * (n - 1), n - 1)
                                                                        for i in range(n))]
    A = [[y1 - y0, x0 - x1] for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1])]  # outward normals
    b = [a * x + c * y for (a, c), (x, y) in zip(A, pts)]
    bounded = []  # y^T A = +-e_i from the two rows whose normals straddle the direction
    for target in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        for i in range(n):
            (a, c), (e, f) = A[i], A[(i + 1) % n]
            det = a * f - c * e
            yi, yj = (target[0] * f - target[1] * e) / det, (a * target[1] - c * target[0]) / det
            if yi >= 0 and yj >= 0:
                bounded.append([yi if k == i else yj if k == (i + 1) % n else 0 for k in range(n)])
                break
    W = ([[1, 2]], [0])
    return certificate([W], A, b, bounded, [{"k": 0, "r": 0}],
                       [([], [0, 0], W, [[(i - 1) % n, i] for i in range(n)])], [], 1)


def fan(n: int) -> dict:
    """n lines y = s_i x (s_i = (i+1)/(n+1)) through the corner (0, 0) of the unit square, one hidden
    layer f_i = (i+1) x - (n+1) y and the output sum of the neurons: n + 1 regions meeting at the
    corner, a caterpillar tree (node i splits neuron i; its p child is a leaf, its m child node i+1)."""
    m, s = 4, [Fraction(i + 1, n + 1) for i in range(n)]
    forms = [(i + 1, -(n + 1)) for i in range(n)]
    tree, regions = [{"k": 0, "s": i, "p": 0, "m": 0} for i in range(n)], []
    for j in range(n + 1):  # R_j: above lines 0..j-1, below lines j..n-1; path constraints m+0..m+j
        weight = [sum(f[0] for f in forms[j:]), sum(f[1] for f in forms[j:])]
        point = [Fraction(1, 2), ((s[j - 1] / 2 if j else 0) + (s[j] / 2 if j < n else 1)) / 2]
        vertices = [[0, 2]] + ([[1, m + j - 1]] if j else [[1, 2]]) + ([[1, m + j]] if j < n else [[1, 3], [0, 3]])
        regions.append(([[0] * j + [1] * (n - j)], point, ([weight], [0]), vertices))
        if j < n:
            tree[j]["p"] = len(tree)
            tree.append({"k": 0, "d": [[k, 1, [0, m + j]] for k in range(j + 1, n)], "r": j})
            tree[j]["m"] = j + 1 if j + 1 < n else len(tree)
    tree.append({"k": 0, "r": n})
    layers = [([list(f) for f in forms], [0] * n), ([[1] * n], [0])]
    return certificate(layers, SQUARE_A, [0, 1, 0, 1], SQUARE_BOUNDED, tree, regions,
                       [[j, j + 1] for j in range(n)], n + 1, box=[(0, 1), (0, 1)])


def chain(layers: int, digits: int = 1, cancel: bool = True) -> dict:
    """One input on [1, 2], ``layers`` hidden layers of one neuron, every neuron on (proof "b").  The
    weights have ``digits`` digits: with ``cancel`` they alternate a/b and b/a, so the map stays small
    and the certificate is valid; without, they are all different and the forms grow."""
    a, c = 10 ** digits - 3, 10 ** (digits - 1) + 7  # coprime-ish, with the digits asked for
    weights = [Fraction(a, c) if k % 2 == 0 else Fraction(c, a) for k in range(layers + 1)] if cancel else \
        [Fraction(10 ** digits - 1 - 2 * k, 10 ** (digits - 1) + k) for k in range(layers + 1)]
    product = Fraction(1)
    for w in weights:
        product *= w
    tree = [{"k": k, "d": [[0, 1, "b"]], "n": k + 1} for k in range(layers - 1)]
    tree.append({"k": layers - 1, "d": [[0, 1, "b"]], "r": 0})
    try:
        mp = ([[product]], [0])
        q(product)
    except ValueError:  # too long to write: the certificate is then false anyway
        mp = ([[1]], [0])
    return certificate([([[w]], [0]) for w in weights], [[-1], [1]], [-1, 2], [[0, 1], [1, 0]], tree,
                       [([[1]] * layers, [Fraction(3, 2)], mp, [[0], [1]])], [], 1, box=[(1, 2)])


def work(cert: dict, verified: bool = True) -> tuple[int, int]:
    """(operations, bytes) of checking ``cert`` as JSON text; it must verify (or not, as asked)."""
    text = json.dumps(cert)
    verdict = check_certificate(text)
    assert verdict.verified is verified, verdict.reason
    assert verdict.operations <= WORK_PER_BYTE * len(text) + WORK_BASE
    return verdict.operations, len(text)


def assert_growth(build, sizes, power: float, verified: bool = True) -> list:
    """Each doubling of the size multiplies the work by at most 2^power (with slack)."""
    counts = [work(build(n), verified) for n in sizes]
    for (small, _), (large, _) in zip(counts, counts[1:]):
        assert large <= SLACK * 2 ** power * small, (build.__name__, counts)
    return counts


# -- the builders are valid --------------------------------------------------------------------------------
@pytest.mark.parametrize("cert", [simplex(3), redundant_rows(5), polygon(7), fan(4), chain(3), chain(4, 30)],
                         ids=["simplex", "redundant_rows", "polygon", "fan", "chain", "chain_digits"])
def test_builders_make_valid_certificates(cert):
    verdict = check_certificate(cert)
    assert verdict.verified, verdict.reason


def test_fan_is_what_it_says():
    cert = fan(6)
    assert len(cert["regions"]) == 7 and all([0, 2] in r["vertices"] for r in cert["regions"])


@pytest.mark.parametrize("build, n", [(fan, 6), (redundant_rows, 6), (polygon, 7), (simplex, 4)],
                         ids=["fan", "redundant_rows", "polygon", "simplex"])
def test_a_missing_vertex_is_always_refused(build, n):
    """The cheaper closure at degenerate vertices (rays of the facets found through them) is still
    complete: dropping any one or two listed vertices of any region is refused."""
    from itertools import combinations

    cert = build(n)
    for r, region in enumerate(cert["regions"]):
        vertices = region["vertices"]
        for k in (1, 2):
            for gone in combinations(range(len(vertices)), k):
                region["vertices"] = [v for i, v in enumerate(vertices) if i not in gone]
                verdict = check_certificate(cert)
                assert not verdict.verified and "claim 4" in verdict.reason, (r, gone)
        region["vertices"] = vertices
    assert check_certificate(cert).verified


# -- input dimension ----------------------------------------------------------------------------------------
def test_dimension_work_grows_as_d_to_the_4_and_d_squared_per_byte():
    """A simplex in d dimensions: d + 1 vertices, each solved in O(d^3), evaluated on d + 1 rows; the
    file (the multipliers) is of order d^2, so the work per byte grows as d^2."""
    counts = assert_growth(simplex, [4, 8, 16, 32], 4)
    per_byte = [ops / size for ops, size in counts]
    for small, large in zip(per_byte, per_byte[1:]):
        assert large <= SLACK * 4 * small, per_byte


def test_dimension_beyond_the_limit_is_refused_before_any_work():
    limit = f"{MAX_INPUTS + 1} inputs exceed the checker's limit of {MAX_INPUTS}"
    with pytest.raises(MalformedCertificate, match=limit):
        check_certificate(json.dumps(simplex(MAX_INPUTS + 1)))
    assert check_certificate(simplex(MAX_INPUTS // 8)).verified


# -- domain rows, constraints tight at one vertex -----------------------------------------------------------------
def test_redundant_rows_through_a_corner_grow_linearly():
    """n domain rows through one vertex: the degenerate vertex's edges come from the facets found
    through it (two here), so the work is linear in n (it was quadratic, and more)."""
    counts = assert_growth(redundant_rows, [250, 500, 1000, 2000], 1)
    assert counts[-1][0] < 50 * counts[-1][1]


@pytest.mark.slow
def test_redundant_rows_large():
    assert_growth(redundant_rows, [4000, 8000, 16000], 1)


# -- vertices per region ----------------------------------------------------------------------------------------
def test_polygon_vertices_times_rows():
    """A region with n vertices and n constraints: every vertex is checked against every constraint,
    n^2 in all (the one super-linear axis, stated; the work budget bounds it)."""
    counts = assert_growth(polygon, [16, 32, 64, 128], 2)
    assert counts[-1][0] > 1.5 * counts[-2][0]  # it really is more than linear


# -- regions per vertex, fan size ------------------------------------------------------------------------------------
def test_fan_work_is_linear_in_the_file():
    """n + 1 regions at one vertex, each on up to n + 2 constraints tight there; each region's pattern
    and decisions already take n entries, so the file is of order n^2 and so is the work."""
    counts = assert_growth(fan, [10, 20, 40, 80], 2)
    per_byte = [ops / size for ops, size in counts]
    assert max(per_byte) <= SLACK * 1.5 * min(per_byte), per_byte


@pytest.mark.slow
def test_fan_large():
    assert_growth(fan, [160, 320], 2)


def test_producer_fan_through_a_corner():
    """The review's case: the producer's certificate of n hyperplanes through one edge of a box
    (a pencil), all tight at the box corners on that edge.  The per-vertex ray and facet checks were
    quadratic in the constraints tight there, for every region there (d = 4, n = 40: 11 s; d = 5 was
    refused as too degenerate); now each region costs about what it writes."""
    pytest.importorskip("exactrelu.certificate.producer")
    from exactrelu import Domain, Network, certify

    for d in (4, 5):
        counts = []
        for n in (10, 20, 40):
            net = Network.from_layers([([[i + 1, -(n - i)] + [0] * (d - 2) for i in range(n)], [0] * n),
                                       ([[1] * n], [0])])
            counts.append(work(certify(net, Domain.box([(0, 1)] * d))))
        for (small, small_size), (large, large_size) in zip(counts, counts[1:]):
            assert large / large_size <= SLACK * 2 * small / small_size, counts


# -- layers, digits -------------------------------------------------------------------------------------------------
def test_layers_grow_linearly():
    assert_growth(chain, [25, 50, 100, 200], 1)


def test_digits_grow_at_most_quadratically_and_per_byte_linearly():
    """Each operation weighs (1 + bits // 512)^2: work grows as the square of the digits, the file as
    the digits."""
    counts = assert_growth(lambda digits: chain(8, digits), [300, 600, 1200, 2400, 4300 // 2 * 2], 2)
    assert counts[0][0] < counts[-1][0]


def test_growing_forms_are_refused_at_the_size_limit_after_little_work():
    """Weights that do not cancel: the composed forms grow by the weights' size at each layer; they
    are refused once they pass the checker's limit, long before the work does."""
    counts = []
    for layers in (20, 40, 80):
        text = json.dumps(chain(layers, 4300, cancel=False))
        verdict = check_certificate(text)
        assert not verdict.verified and "exceeds the checker's limit of" in verdict.reason, verdict.reason
        assert verdict.reason.startswith("the pre-activation forms of layer ")
        counts.append(verdict.operations)
    assert counts[2] <= SLACK * counts[0]  # refused at the same layer: only reading the later layers adds work


# -- unknown and nested data -----------------------------------------------------------------------------------------
def test_unknown_keys_are_refused_before_decoding():
    """Megabytes of nested empty lists under an unknown key are refused before anything is built."""
    junk = "[" + ",".join(["[]"] * 1_000_000) + "]"
    for where in ('{"junk": %s}', '{"format": "exactrelu-certificate", "regions": [{"junk": %s}]}'):
        text = (where % junk).encode()
        tracemalloc.start()
        try:
            with pytest.raises(MalformedCertificate, match="unknown key 'junk'"):
                check_certificate(text)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 3 * len(text), peak


def test_work_budget_refuses_naming_the_limit(monkeypatch):
    import exactrelu_checker.check as check

    monkeypatch.setattr(check, "WORK_PER_BYTE", 1)
    monkeypatch.setattr(check, "WORK_BASE", 1000)
    verdict = check_certificate(json.dumps(fan(20)))
    assert not verdict.verified
    assert verdict.reason.startswith("the check needs more than the checker's limit of ")
    assert verdict.operations <= 1000 + len(json.dumps(fan(20))) + 10 ** 5  # stopped soon after the limit

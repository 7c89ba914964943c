"""A newcomer's and a hostile user's session: hostile networks built here (duplicated, negated and
dead neurons, a neuron zero on a whole region, hyperplanes along the box and through one point,
1, 3 and 11 inputs, a 1-neuron layer, an identity-like net, weights of 1e-30 and 1e30, LeakyReLU,
a polytope domain) compared with oracles written here from scratch, and bad input on the command
line refused in one line with exit code 2.

The oracles share no code with exactrelu: exact forward passes in Fractions, every activation
pattern's region by exact vertex enumeration (d <= 3) or by an exact two-phase simplex (any d),
canonical patterns by the semantics of docs/semantics.md, adjacency by the dimension of the common
face of two closed regions.
"""

from __future__ import annotations

import itertools
import json
from fractions import Fraction as F

import pytest
from oracles import affine_rank, solve_exactly

from exactrelu import Domain, InvalidNetwork, Network, UnsupportedModel, certify, partition
from exactrelu.cli import main
from exactrelu_checker import check_certificate

# -- exact arithmetic helpers (independent of exactrelu) ------------------------------------------

Form = tuple  # (c0, c1, ..., cd): c0 + c . x


def forward(layers, slopes, x):
    """Exact outputs and hidden pre-activations at ``x``."""
    h, pre = [F(v) for v in x], []
    for k, (W, b) in enumerate(layers):
        z = [sum((F(w) * v for w, v in zip(row, h)), F(0)) + F(c) for row, c in zip(W, b)]
        if k == len(layers) - 1:
            return z, pre
        pre.append(z)
        s = F(slopes[k]) if k < len(slopes) else F(0)
        h = [v if v > 0 else s * v for v in z]
    raise AssertionError("no layers")


def forms_for(layers, slopes, pattern, d):
    """The pre-activation forms of every hidden neuron and the output map when ``pattern`` holds."""
    h = [tuple(F(int(i == j)) for j in range(d + 1)) for i in range(1, d + 1)]  # x_i as a form
    neuron_forms = []
    for k, (W, b) in enumerate(layers):
        z = []
        for row, c in zip(W, b):
            form = [F(c)] + [F(0)] * d
            for w, hv in zip(row, h):
                for i in range(d + 1):
                    form[i] += F(w) * hv[i]
            z.append(tuple(form))
        if k == len(layers) - 1:
            return neuron_forms, z
        neuron_forms.append(z)
        s = F(slopes[k]) if k < len(slopes) else F(0)
        h = [f if bit else tuple(s * v for v in f) for f, bit in zip(z, pattern[k])]
    raise AssertionError("no layers")


def value(form, x):
    return form[0] + sum(c * v for c, v in zip(form[1:], x))


def vertices(constraints, d, on=None, within=None):
    """Every vertex of {x : f(x) >= 0 for f in constraints} (bounded), by all d-subsets; with ``on``,
    of its face where the form ``on`` vanishes (``on`` and d - 1 of the constraints).  ``within``:
    the constraints a vertex must satisfy, if not ``constraints``."""
    found = set()
    useful = [f for f in constraints if any(f[1:])]
    fixed = () if on is None else (on,)
    for subset in itertools.combinations(useful, d - len(fixed)):
        rows = (*fixed, *subset)
        x = solve_exactly([f[1:] for f in rows], [-f[0] for f in rows])
        if x is not None and all(value(f, x) >= 0 for f in (constraints if within is None else within)):
            found.add(x)
    return found


def simplex_max(A, b, c):
    """max c.z s.t. A z <= b, z >= 0, exactly (two phases, Bland's rule); None if infeasible."""
    m, n = len(A), len(c)
    # phase 1 on the auxiliary problem: max -z0 s.t. A z - z0 <= b (CLRS INITIALIZE-SIMPLEX)
    N = list(range(n + 1))  # variable n is z0
    B = list(range(n + 1, n + 1 + m))
    T = [[F(a) for a in row] + [F(-1)] for row in A]  # coefficients of N in each basic row
    rhs = [F(v) for v in b]

    def pivot(T, rhs, obj, obj_c, N, B, r, e):
        a = T[r][e]
        T[r] = [v / a for v in T[r]]
        T[r][e] = 1 / a
        rhs[r] = rhs[r] / a
        for i in range(len(T)):
            if i != r and T[i][e] != 0:
                f = T[i][e]
                T[i] = [v - f * w for v, w in zip(T[i], T[r])]
                T[i][e] = -f * T[r][e]
                rhs[i] -= f * rhs[r]
        f = obj[e]
        obj[:] = [v - f * w for v, w in zip(obj, T[r])]
        obj[e] = -f * T[r][e]
        obj_c[0] += f * rhs[r]
        N[e], B[r] = B[r], N[e]

    def run(T, rhs, obj, obj_c, N, B):
        while True:
            entering = [j for j in range(len(N)) if obj[j] > 0]
            if not entering:
                return True
            e = min(entering, key=lambda j: N[j])
            rows = [i for i in range(len(T)) if T[i][e] > 0]
            if not rows:
                return False  # unbounded
            best = min(rhs[i] / T[i][e] for i in rows)
            r = min((i for i in rows if rhs[i] / T[i][e] == best), key=lambda i: B[i])
            pivot(T, rhs, obj, obj_c, N, B, r, e)

    obj = [F(0)] * n + [F(-1)]
    obj_c = [F(0)]
    if rhs and min(rhs) < 0:
        r = min(range(m), key=lambda i: rhs[i])
        pivot(T, rhs, obj, obj_c, N, B, r, n)
        run(T, rhs, obj, obj_c, N, B)
        if obj_c[0] != 0:
            return None
        if n in B:  # z0 basic at zero: pivot it out on any nonzero entry
            r = B.index(n)
            e = next(j for j in range(len(N)) if T[r][j] != 0)
            pivot(T, rhs, obj, obj_c, N, B, r, e)
    col = N.index(n)
    for row in T:
        del row[col]
    del N[col]
    # phase 2: the objective in terms of the nonbasic variables
    obj = [F(0)] * len(N)
    obj_c = [F(0)]
    for j, v in enumerate(N):
        if v < n:
            obj[j] += F(c[v])
    for i, v in enumerate(B):
        if v < n and c[v] != 0:
            obj = [o - F(c[v]) * t for o, t in zip(obj, T[i])]
            obj_c[0] += F(c[v]) * rhs[i]
    assert run(T, rhs, obj, obj_c, N, B), "bounded by construction"
    return obj_c[0]


def has_interior_lp(constraints, box):
    """Whether {x in box : f(x) >= 0} has interior points: max t with f(x) >= t (t <= 1) is > 0.
    Variables y = x - lo >= 0 and t >= 0."""
    d = len(box)
    lo = [F(a) for a, _ in box]
    A, b = [], []
    for f in constraints:
        if not any(f[1:]):
            if f[0] < 0:  # a constant: 0 >= 0 (an identically zero neuron) holds everywhere
                return False
            continue
        shifted = value(f, lo)  # f(lo + y) = shifted + f[1:] . y
        A.append([-F(v) for v in f[1:]] + [F(1)])
        b.append(shifted)
    for i, (a, h) in enumerate(box):
        A.append([F(int(i == j)) for j in range(d)] + [F(0)])
        b.append(F(h) - F(a))
    A.append([F(0)] * d + [F(1)])
    b.append(F(1))
    best = simplex_max(A, b, [F(0)] * d + [F(1)])
    return best is not None and best > 0


# -- the oracle partition -------------------------------------------------------------------------


def domain_forms(box=None, polytope=None, d=None):
    if polytope is not None:
        A, b = polytope
        return [tuple([F(bi)] + [-F(a) for a in row]) for row, bi in zip(A, b)]
    out = []
    for i, (lo, hi) in enumerate(box):
        e = [F(int(i == j)) for j in range(len(box))]
        out.append(tuple([-F(lo)] + e))
        out.append(tuple([F(hi)] + [-v for v in e]))
    return out


def oracle_regions(layers, slopes, domain, d, full_dim):
    """{pattern: (constraints, output map)} for every canonical pattern with a full-dimensional region.

    Depth-first over the neurons in order; a partial pattern is dropped as soon as its constraints have
    no interior (the constraints of later neurons only shrink the set)."""
    widths = [len(b) for _, b in layers[:-1]]
    found = {}

    def grow(bits, cons):
        k, j = next(((k, j) for k, w in enumerate(widths) for j in range(w) if (k, j) not in bits), (None, None))
        pattern = [tuple(bits.get((kk, jj), 0) for jj in range(w)) for kk, w in enumerate(widths)]
        if k is None:
            forms, out = forms_for(layers, slopes, pattern, d)
            found[tuple(pattern)] = (cons, out)
            return
        forms, _ = forms_for(layers, slopes, pattern, d)  # layer k's forms depend on layers < k only
        f = forms[k][j]
        for bit in (0, 1):
            if bit == 1 and not any(f):
                continue  # identically zero: canonical bit 0
            g = f if bit else tuple(-v for v in f)
            new = cons + [g]
            if full_dim(new):
                grow({**bits, (k, j): bit}, new)

    if full_dim(domain):
        grow({}, list(domain))
    return found


def _primitive(form):
    scale = next(abs(v) for v in form if v != 0)
    return tuple(v / scale for v in form)


def oracle_edges(found, d):
    """Pairs of regions whose closures meet in a (d-1)-dimensional set.

    Such a set lies in a hyperplane h = 0 with h >= 0 on one region (one of its constraints) and
    h <= 0 at every vertex of the other; the common set is then enumerated on that hyperplane."""
    keys = sorted(found)
    verts = {p: vertices(found[p][0], d) for p in keys}
    edges = {}
    for a, b in itertools.combinations(keys, 2):
        cons = {_primitive(f) for f in found[a][0] + found[b][0] if any(f[1:])}
        for h in {_primitive(f) for f in found[a][0] if any(f[1:])}:
            if any(value(h, v) > 0 for v in verts[b]):
                continue
            on_a = [v for v in verts[a] if value(h, v) == 0]
            on_b = [v for v in verts[b] if value(h, v) == 0]
            if affine_rank(on_a) < d - 1 or affine_rank(on_b) < d - 1:
                continue
            others = [f for f in cons if f != h and f != tuple(-v for v in h)]
            inter = vertices(others, d, on=h)
            if affine_rank(inter) == d - 1:
                edges[(a, b)] = inter
                break
    return edges


def assert_matches_oracle(layers, slopes, box=None, polytope=None, *, engine="auto", jobs=1, adjacency=True):
    d = len(layers[0][0][0])
    net = Network.from_layers([(W, b) for W, b in layers], negative_slopes=list(slopes))
    domain = Domain.box(box) if box is not None else Domain.polytope(*polytope)
    dom = domain_forms(box, polytope)
    if d <= 3:

        def full_dim(cons):
            return affine_rank(vertices(cons, d)) == d

    else:
        bounds = box

        def full_dim(cons):
            return has_interior_lp(cons, bounds)

    found = oracle_regions(layers, slopes, dom, d, full_dim)
    p = partition(net, domain, engine=engine, jobs=jobs)
    got = {r.pattern: r for r in p.regions}
    assert set(got) == set(found), (sorted(set(got) - set(found)), sorted(set(found) - set(got)))
    for pattern, r in got.items():
        cons, out = found[pattern]
        assert all(value(f, r.point) > 0 for f in cons if any(f[1:])), "witness not strictly inside"
        outputs, pre = forward(layers, slopes, r.point)
        for o, (wrow, c) in enumerate(zip(r.weight, r.bias)):
            assert tuple([c, *wrow]) == out[o], "map differs from the oracle's composition"
            assert value(out[o], r.point) == outputs[o], "forward pass at the witness differs"
        bits = tuple(tuple(int(v > 0) for v in z) for z in pre)
        assert bits == pattern, "the witness's exact pattern is not the region's"
    if adjacency and d <= 3:
        index = {r.pattern: i for i, r in enumerate(p.regions)}
        shared = oracle_edges(found, d)
        expected = {tuple(sorted((index[a], index[b]))) for a, b in shared}
        assert {tuple(e) for e in p.edges} == expected
        assert p.dof().to_json()["continuous_dim"] == oracle_continuous_dim(found, shared, d)
    return p


def rank(rows) -> int:
    rows = [list(r) for r in rows]
    done = 0
    for col in range(len(rows[0]) if rows else 0):
        piv = next((r for r in range(done, len(rows)) if rows[r][col] != 0), None)
        if piv is None:
            continue
        rows[done], rows[piv] = rows[piv], rows[done]
        for r in range(len(rows)):
            if r != done and rows[r][col] != 0:
                f = rows[r][col] / rows[done][col]
                rows[r] = [a - f * b for a, b in zip(rows[r], rows[done])]
        done += 1
    return done


def oracle_continuous_dim(found, shared, d) -> int:
    """Dimension of the functions affine on every region and continuous across every shared facet:
    unknowns (c0, c) per region; across a facet the two agree at each vertex of the common set."""
    keys = sorted(found)
    column = {p: i * (d + 1) for i, p in enumerate(keys)}
    rows = []
    for (a, b), points in shared.items():
        for x in points:
            row = [F(0)] * (len(keys) * (d + 1))
            for region, sign in ((a, 1), (b, -1)):
                for i, v in enumerate((F(1), *x)):
                    row[column[region] + i] = sign * v
            rows.append(row)
    return len(keys) * (d + 1) - rank(rows)


# -- hostile networks ------------------------------------------------------------------------------

HOSTILE = {
    # x - y four times: twice, negated, doubled; and one more neuron
    "duplicates": (
        [
            ([[1, -1], [1, -1], [-1, 1], [2, -2], [0, 1]], [0, 0, 0, 0, "-1/3"]),
            ([[1, 2, 3, -1, 1], [-1, 0, 1, 1, 2]], [0, "1/4"]),
        ],
        [],
        [(0, 1), (0, 1)],
    ),
    # an all-zero row, a huge negative bias, a zero row with a positive bias
    "dead": (
        [([[0, 0], [1, 1], [1, 0], [0, 0]], [0, -1, -1000000, 5]), ([[1, 1, 1, 1], [3, -1, 2, 0]], [0, 0])],
        [],
        [(0, 1), (0, 1)],
    ),
    # a second-layer neuron fed only by a first-layer neuron that is off on half the square
    "zero_on_a_region": (
        [
            ([[1, -1], [0, 1]], [0, "-1/2"]),
            ([[1, 0], [1, 1], [-1, 0]], [0, "-1/4", 0]),
            ([[1, 1, 1], [1, -1, 0]], [0, 0]),
        ],
        [],
        [(0, 1), (0, 1)],
    ),
    # x = 0, x = 1, y = 0, y = 1 exactly along the box, and a line through a corner only
    "along_the_box": (
        [
            ([[1, 0], [1, 0], [0, 1], [0, -1], [1, 1]], [0, -1, 0, 1, -2]),
            ([[1, 1, 1, 1, 1], [1, -1, 1, -1, 0]], [0, 0]),
        ],
        [],
        [(0, 1), (0, 1)],
    ),
    # five lines through (1/2, 1/2), two elsewhere
    "concurrent": (
        [
            ([[1, -1], [1, 1], [1, 0], [0, 1], [2, -1], [1, 3], [-3, 1]], [0, -1, "-1/2", "-1/2", "-1/2", -2, 1]),
            ([[1, -1, 2, 1, 0, 1, -1], [0, 1, -1, 1, 1, -1, 1]], [0, 0]),
        ],
        [],
        [(0, 1), (0, 1)],
    ),
    "one_input": (
        [([[1], [-1], [2], [1]], ["-1/3", "1/2", -1, "-1/3"]), ([[1, 1, -1, 2], [1, -2, 0, 1]], [0, "1/5"])],
        [],
        [(0, 1)],
    ),
    "three_inputs": (
        [
            ([[1, -1, 0], [0, 1, -1], [1, 1, 1], [1, 0, 0], [-1, 2, 1]], [0, 0, "-3/2", "-1/2", "-1/2"]),
            ([[1, 0, 1, -1, 0], [0, 1, 1, 1, -1], [1, 1, 0, 0, 1]], [0, 0, 0]),
            ([[1, -1, 1], [0, 1, 2]], [0, 0]),
        ],
        [],
        [(0, 1)] * 3,
    ),
    "one_neuron_layer": (
        [([[1, -1], [1, 1], [-1, 2]], [0, -1, "-1/4"]), ([[1, -1, 1]], ["-1/10"]), ([[2], [-1]], [0, "1/2"])],
        [],
        [(0, 1), (0, 1)],
    ),
    "identity_like": (
        [([[1, 0], [-1, 0], [0, 1], [0, -1]], [0, 0, 0, 0]), ([[1, -1, 0, 0], [0, 0, 1, -1]], [0, 0])],
        [],
        [(-1, 1), (-1, 1)],
    ),
    "tiny_and_huge": (
        [
            ([["1e-30", "-1e-30"], ["1e30", "1e30"], [1, "1e-30"]], [0, "-1e30", "-1/2"]),
            ([["1e30", 1, "1e-30"], [1, "-1e30", 1]], [0, 0]),
        ],
        [],
        [(0, 1), (0, 1)],
    ),
    # a sliver 1e-30 wide along the box, and lines missing a common point by 1e-30
    "slivers": (
        [
            ([[1, 0], [1, -1], [1, 1], [0, 1], [1, 1]], ["-1e-30", 0, -1, "-1/2", "-1.000000000000000000000000000001"]),
            ([[1, -1, 1, 2, -1], [-1, 1, 2, 0, 1]], [0, "1e-30"]),
        ],
        [],
        [(0, 1), (0, 1)],
    ),
    "leaky_negative_slope": (
        [([[1, -1], [1, 1]], [0, -1]), ([[1, 2], [2, 1]], [0, 0])],
        ["-1/2"],
        [(0, 1), (0, 1)],
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_network_matches_the_brute_force_oracle(name):
    layers, slopes, box = HOSTILE[name]
    assert_matches_oracle(layers, slopes, box)


def test_the_oracle_finds_the_documented_example():  # the oracle itself, against the README's numbers
    layers = [([[-1, 1], [1, 1]], [0, -1]), ([[2, 1], [1, 2]], [0, "-1/4"])]
    d = 2
    dom = domain_forms([(0, 1), (0, 1)])

    def full_dim(cons):
        return affine_rank(vertices(cons, d)) == d

    found = oracle_regions(layers, [], dom, d, full_dim)
    assert sorted(found) == [((0, 0),), ((0, 1),), ((1, 0),), ((1, 1),)]
    assert len(oracle_edges(found, d)) == 4 and (((0, 0),), ((1, 1),)) not in oracle_edges(found, d)
    assert found[((1, 1),)][1][0] == (-1, -1, 3)  # P = -X + 3 Y - 1
    assert has_interior_lp([(F(-1), F(1), F(1))], [(0, 1), (0, 1)])  # x + y > 1 on the square
    assert not has_interior_lp([(F(-2), F(1), F(1))], [(0, 1), (0, 1)])  # x + y >= 2: one corner
    assert not has_interior_lp([(F(-3), F(1), F(1))], [(0, 1), (0, 1)])  # empty


def _random_layers(seed, widths, low=-3, high=3):
    import random  # deferred: only this helper draws numbers

    rng = random.Random(seed)
    return [
        (
            [[rng.randint(low, high) for _ in range(n_in)] for _ in range(n_out)],
            [rng.randint(-2, 2) for _ in range(n_out)],
        )
        for n_in, n_out in zip(widths, widths[1:])
    ]


def test_eleven_inputs_lp_engine_matches_the_exact_simplex_oracle():
    layers = _random_layers(8, [11, 6, 4, 2])  # a second-layer neuron with bias 0 is zero where layer 1 is off
    layers[0][0][1] = [v * 2 for v in layers[0][0][0]]  # neuron 1 parallel to neuron 0
    layers[0][0][2] = [-v for v in layers[0][0][0]]  # and a negated copy
    layers[0][1][1], layers[0][1][2] = 2 * layers[0][1][0], -layers[0][1][0]
    p = assert_matches_oracle(layers, [], [("-1/4", "1/4")] * 11)
    assert len(p.regions) > 20


def test_polytope_domain_matches_the_oracle():
    layers, slopes, _ = HOSTILE["concurrent"]
    assert_matches_oracle(layers, slopes, polytope=([[-1, 0], [0, -1], [1, 1], [1, -1]], [0, 0, 1, "1/2"]))


@pytest.mark.parametrize("name", ["three_inputs", "zero_on_a_region", "along_the_box"])
def test_lp_engine_and_two_jobs_match_the_oracle(name):
    layers, slopes, box = HOSTILE[name]
    assert_matches_oracle(layers, slopes, box, engine="lp", adjacency=name != "three_inputs")
    assert_matches_oracle(layers, slopes, box, jobs=2, adjacency=name != "three_inputs")


def _oracle_for(name):
    layers, slopes, box = HOSTILE[name]
    d = len(box)

    def full_dim(cons):
        return affine_rank(vertices(cons, d)) == d

    return oracle_regions(layers, slopes, domain_forms(box), d, full_dim)


def _write_net(path, layers, slopes):
    text = {"layers": [{"weight": W, "bias": b} for W, b in layers]}
    if slopes:
        text["negative_slopes"] = slopes
    path.write_text(json.dumps(text))


@pytest.mark.parametrize(
    "name", ["duplicates", "dead", "zero_on_a_region", "along_the_box", "tiny_and_huge", "one_input"]
)
def test_certificates_of_hostile_networks_verify_and_state_the_oracle_regions(tmp_path, capsys, name):
    layers, slopes, box = HOSTILE[name]
    found = _oracle_for(name)
    net = tmp_path / "net.json"
    _write_net(net, layers, slopes)
    box_text = "--box=" + ",".join(f"{lo}:{hi}" for lo, hi in box)
    for form in (["--compact"], ["--boundary"], []):
        cert = tmp_path / "cert.json"
        assert main(["certify", str(net), box_text, "-o", str(cert), "--jobs", "1", "--no-progress", *form]) == 0
        data = json.loads(cert.read_text())
        assert check_certificate(data).verified
        patterns = {tuple(tuple(bits) for bits in r["pattern"]) for r in data["regions"]}
        assert patterns == set(found)
        for r in data["regions"]:
            if "map" in r:
                out = found[tuple(tuple(bits) for bits in r["pattern"])][1]
                got = [tuple(F(v) for v in [c, *row]) for row, c in zip(r["map"]["weight"], r["map"]["bias"])]
                assert got == list(out)
        assert main(["check", str(cert), "--network", str(net), "--jobs", "2"]) == 0
    capsys.readouterr()
    cert_py = certify(Network.from_layers(layers, negative_slopes=slopes), Domain.box(box))
    assert cert_py["summary"]["regions"] == len(found)


def test_certify_boundary_above_ten_inputs_does_not_send_the_user_to_a_second_refusal(tmp_path, capsys):
    # it said "use engine 'dd'", and --engine dd then refused 11 inputs
    layers = _random_layers(7, [11, 3, 2])
    net = tmp_path / "net.json"
    _write_net(net, layers, [])
    box = "--box=" + ",".join(["-1/4:1/4"] * 11)
    assert main(["certify", str(net), box, "--boundary", "-o", str(tmp_path / "c.json")]) == 2
    message = capsys.readouterr().err
    assert message.count("\n") == 1 and "use engine 'dd'" not in message and "at most 10 inputs" in message
    with pytest.raises(UnsupportedModel, match="no decision boundary; use engine 'dd'"):  # where dd applies
        certify(Network.from_layers(HOSTILE["duplicates"][0]), Domain.box([(0, 1), (0, 1)]), engine="lp", boundary=True)


def test_a_one_input_network_is_counted_in_words(tmp_path, capsys):  # it printed "1 inputs"
    layers, slopes, box = HOSTILE["one_input"]
    net = tmp_path / "net.json"
    _write_net(net, layers, slopes)
    assert main(["regions", str(net), "--box=0:1", "--jobs", "1"]) == 0
    assert (
        capsys.readouterr()
        .out.splitlines()[0]
        .endswith("1 input, hidden widths [4], 2 outputs (numbers read as exact decimal text)")
    )
    assert main(["diff", str(net), str(net), "--box=0:1"]) == 0
    first, second = capsys.readouterr().out.splitlines()[:2]
    assert ": 1 input, hidden widths [4]" in first and ": 1 input, hidden widths [4]" in second


def oracle_boundary_pieces(found, d):
    """The decision boundary of one output (f = 0) or two (f0 = f1) as a set of pieces, each the
    vertex set of {x in R : g(x) = 0} for a region R where g is not identically zero and that set
    is (d-1)-dimensional; a piece on a facet between two such regions is one piece."""
    pieces = set()
    for cons, out in found.values():
        g = out[0] if len(out) == 1 else tuple(a - b for a, b in zip(out[0], out[1]))
        if not any(g[1:]):
            continue  # constant: a tie (zero) or nowhere zero
        others = [
            f
            for f in {_primitive(f) for f in cons if any(f[1:])}
            if f not in (_primitive(g), _primitive(tuple(-v for v in g)))
        ]
        points = vertices(others, d, on=g, within=cons)
        if affine_rank(points) == d - 1:
            pieces.add(frozenset(points))
    return pieces


@pytest.mark.parametrize(
    "name",
    [
        "duplicates",
        "zero_on_a_region",
        "concurrent",
        "along_the_box",
        "identity_like",
        "one_neuron_layer",
        "tiny_and_huge",
    ],
)
def test_decision_boundary_matches_the_oracle(name):
    layers, slopes, box = HOSTILE[name]
    p = partition(Network.from_layers(layers, negative_slopes=slopes), Domain.box(box))
    found = _oracle_for(name)
    expected = oracle_boundary_pieces(found, len(box))
    pieces = p.boundary().pieces
    got = {frozenset(tuple(F(a, v[0]) for a in v[1:]) for v in piece.vertices_h) for piece in pieces}
    assert got == expected and len(pieces) == len(expected)
    for piece in pieces:
        cons = found[p.regions[piece.region].pattern][0]
        assert all(value(f, piece.point) >= 0 for f in cons), "the witness is outside its region"
        outputs, _ = forward(layers, slopes, piece.point)
        assert (outputs[0] if len(outputs) == 1 else outputs[0] - outputs[1]) == 0


@pytest.mark.parametrize("command", ["regions", "plot", "report", "dof", "boundary"])
def test_a_certificate_or_partition_given_as_the_network_is_named_as_such(tmp_path, capsys, command):
    # it listed ten "unknown top-level keys" of the certificate
    layers, slopes, box = HOSTILE["duplicates"]
    net = tmp_path / "net.json"
    _write_net(net, layers, slopes)
    cert, part = tmp_path / "cert.json", tmp_path / "part.json"
    assert main(["certify", str(net), "--box=0:1,0:1", "-o", str(cert), "--jobs", "1"]) == 0
    assert main(["regions", str(net), "--box=0:1,0:1", "-o", str(part), "--jobs", "1"]) == 0
    capsys.readouterr()
    out = {"plot": ["-o", str(tmp_path / "f.png")], "report": ["-o", str(tmp_path / "r.html")]}.get(command, [])
    for given, says in (
        (cert, "is an exactrelu certificate, not a network"),
        (part, "('exactrelu-partition'), not a network"),
    ):
        assert main([command, str(given), *out]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and says in err and "unknown top-level" not in err


def _polygon_area(points):
    """Exact area of a convex polygon given by its vertices in any order."""
    cx = sum(p[0] for p in points) / len(points)
    cy = sum(p[1] for p in points) / len(points)

    def key(p):  # exact angular order: half-plane, then cross product sign via a comparison on slopes
        dx, dy = p[0] - cx, p[1] - cy
        half = 0 if (dy > 0 or (dy == 0 and dx > 0)) else 1
        return (half, F(-dx, 1) if dy == 0 else -dx / dy) if half == 0 else (half, -dx / dy if dy != 0 else dx)

    ring = sorted(points, key=key)
    twice = sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:] + ring[:1]))
    return abs(twice) / 2


def _hostile_wide_layers(seed):
    """Lines through few points with small integer slopes, duplicated, negated, dead, then a second layer."""
    import random  # deferred: only this builder draws numbers

    rng = random.Random(seed)
    first_w, first_b = [], []
    centres = [(F(1, 2), F(1, 2)), (F(1, 4), F(3, 4)), (0, 0), (1, F(1, 3)), (F(2, 3), F(1, 5)), (F(1, 7), F(2, 7))]
    for _ in range(40):
        a, b = rng.choice([(1, 0), (0, 1), (1, 1), (1, -1), (2, -1), (1, 3)])
        cx, cy = rng.choice(centres)
        row, bias = [a, b], -(a * cx + b * cy)
        first_w += [row, [-a, -b], [2 * a, 2 * b]]
        first_b += [bias, -bias, 2 * bias]
    first_w += [[0, 0], [1, 1]]
    first_b += [0, -(10**6)]
    n = len(first_b)
    second = (
        [[rng.choice([-1, 0, 0, 1]) for _ in range(n)] for _ in range(16)],
        [rng.choice([0, F(1, 3)]) for _ in range(16)],
    )
    last = ([[rng.randint(-2, 2) for _ in range(16)] for _ in range(2)], [0, 0])
    return [(first_w, first_b), second, last]


def test_a_wide_hostile_network_on_two_processes_tiles_the_square_exactly():
    """Helpers start after 0.05 s, so this network is large enough for --jobs 2 to split the walk.
    Every vertex satisfies its pattern's constraints (each polygon lies in its true region), patterns
    are distinct (disjoint interiors) and the areas sum to the square's: the polygons are the regions."""
    layers = _hostile_wide_layers(3)
    net = Network.from_layers(layers)
    p = partition(net, Domain.box([(0, 1), (0, 1)]), jobs=2)
    assert len(p.regions) > 100
    assert p == partition(net, Domain.box([(0, 1), (0, 1)]), jobs=1)
    assert len({r.pattern for r in p.regions}) == len(p.regions)
    total = F(0)
    for r in p.regions:
        forms, out = forms_for(layers, [], r.pattern, 2)
        cons = domain_forms([(0, 1), (0, 1)]) + [
            f if bit else tuple(-v for v in f) for layer, bits in zip(forms, r.pattern) for f, bit in zip(layer, bits)
        ]
        assert all(value(f, v) >= 0 for v in r.vertices for f in cons)
        assert all(value(f, r.point) > 0 for f in cons if any(f[1:]))
        assert [tuple([c, *w]) for w, c in zip(r.weight, r.bias)] == list(out)
        total += _polygon_area(r.vertices)
    assert total == 1


@pytest.mark.parametrize("name", ["concurrent", "duplicates", "zero_on_a_region", "along_the_box", "three_inputs"])
def test_locate_many_returns_the_first_region_whose_closure_holds_the_point(name):
    layers, slopes, box = HOSTILE[name]
    d = len(box)
    p = partition(Network.from_layers(layers, negative_slopes=slopes), Domain.box(box))
    cons = []  # each region's closure: its domain rows and its pattern's constraints
    for r in p.regions:
        forms, _ = forms_for(layers, slopes, r.pattern, d)
        own = [
            f if bit else tuple(-v for v in f) for layer, bits in zip(forms, r.pattern) for f, bit in zip(layer, bits)
        ]
        cons.append(domain_forms(box) + own)
    grid = [F(i, 8) for i in range(-1, 10)]  # on the lines, the concurrency points, the box and outside it
    points = list(itertools.product(grid, repeat=d)) if d <= 2 else list(itertools.product(grid[::2], repeat=d))
    located = p.locate_many(points)
    for x, index in zip(points, located):
        holding = [i for i, c in enumerate(cons) if all(value(f, x) >= 0 for f in c)]
        assert index == (holding[0] if holding else None), x


def test_diff_merged_duplicates_are_the_same_function_and_a_shift_changes_the_oracle_area(tmp_path, capsys):
    layers, _, _ = HOSTILE["duplicates"]
    merged = [
        ([[1, -1], [-1, 1], [0, 1]], [0, 0, "-1/3"]),
        ([[1, 3, 1], [1, 1, 2]], [0, "1/4"]),
    ]  # relu(2t) = 2 relu(t)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    _write_net(a, layers, [])
    _write_net(b, merged, [])
    assert main(["diff", str(a), str(b), "--box=0:1,0:1"]) == 0
    identity, _, box = HOSTILE["identity_like"]
    shifted = [identity[0], (identity[1][0], [0, "1/4"])]  # y2 + 1/4: class 1 now wins on a strip
    _write_net(a, identity, [])
    _write_net(b, shifted, [])
    out = tmp_path / "d.json"
    assert main(["diff", str(a), str(b), "--box=-1:1,-1:1", "-o", str(out)]) == 1
    capsys.readouterr()
    strip = vertices(domain_forms(box) + [(F(0), F(1), F(-1)), (F(1, 4), F(-1), F(1))], 2)  # x2 <= x1 <= x2 + 1/4
    data = json.loads(out.read_text())
    assert F(data["changed_volume"]) == _polygon_area(list(strip)) and F(data["domain_volume"]) == 4
    assert data["max_difference"] == ["0", "1/4"]


@pytest.mark.parametrize("names", ["$x$,\\y", "a#b,c&d", "y^,~z", 'a"b,`c', "a\\,{b}", "x_1,P(y)%"])
def test_plot_draws_any_axis_or_output_name(tmp_path, capsys, names):
    # a name with \ # & ^ ` " ended in a matplotlib mathtext traceback
    pytest.importorskip("matplotlib")
    layers, _, _ = HOSTILE["leaky_negative_slope"]
    first, second = names.split(",")
    net = tmp_path / "net.json"
    net.write_text(
        json.dumps(
            {
                "layers": [{"weight": W, "bias": b} for W, b in layers],
                "input_names": [first, second],
                "output_names": [second, first],
            }
        )
    )
    for extra in ([], ["--names", names], ["--color", "class", "--labels"]):
        assert main(["plot", str(net), "--box=0:1,0:1", "-o", str(tmp_path / "f.png"), *extra]) == 0
        assert (tmp_path / "f.png").stat().st_size > 0
    assert main(["plot", str(net), "--box=0:1,0:1", "-o", str(tmp_path / "f.svg"), "--surface"]) == 2  # two outputs
    capsys.readouterr()


@pytest.mark.parametrize("slopes, says", [("1/2", "a str"), (5, "an int"), (None, "a NoneType")])
def test_negative_slopes_of_the_wrong_kind_are_refused_in_one_line(slopes, says):
    # a string was read character by character ("negative slope 2 '/' ..."), a number was a bare TypeError
    with pytest.raises(InvalidNetwork, match=f"negative_slopes is {says}.*expected a list"):
        Network.from_layers([([[1, 1]], [0]), ([[1]], [0])], negative_slopes=slopes)
    assert Network.from_layers([([[1, 1]], [0]), ([[1]], [0])], negative_slopes=("1/2",)).negative_slopes == (F(1, 2),)


@pytest.mark.parametrize("command", ["regions", "certify", "boundary", "dof", "latex"])
def test_an_output_naming_an_input_file_is_refused_and_the_input_kept(tmp_path, capsys, command):
    # -o net.json replaced the network with the output
    layers, slopes, _ = HOSTILE["concurrent"]
    net, polytope = tmp_path / "net.json", tmp_path / "domain.json"
    _write_net(net, layers, slopes)
    polytope.write_text(json.dumps({"A": [[-1, 0], [0, -1], [1, 1]], "b": [0, 0, 1]}))
    before = net.read_bytes(), polytope.read_bytes()
    for domain, target, what in (
        (["--box=0:1,0:1"], net, "network"),
        (["--polytope", str(polytope)], polytope, "polytope"),
    ):
        assert main([command, str(net), *domain, "-o", str(target)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"it is the {what}" in err and "file read; the output would replace it" in err
    assert (net.read_bytes(), polytope.read_bytes()) == before
    assert main([command, str(net), "--box=0:1,0:1", "-o", str(tmp_path / "out.json")]) == 0


def test_latex_and_diff_refuse_an_output_naming_their_certificate_or_either_network(tmp_path, capsys):
    layers, slopes, _ = HOSTILE["concurrent"]
    net, other, cert = tmp_path / "net.json", tmp_path / "other.json", tmp_path / "cert.json"
    _write_net(net, layers, slopes)
    _write_net(other, layers, slopes)
    assert main(["certify", str(net), "--box=0:1,0:1", "-o", str(cert)]) == 0
    capsys.readouterr()
    before = {p: p.read_bytes() for p in (net, other, cert)}
    for argv, what in (
        (["latex", str(cert), "-o", str(cert)], "network or certificate"),
        (["diff", str(net), str(other), "--box=0:1,0:1", "-o", str(other)], "network b"),
        (["diff", str(net), str(other), "--box=0:1,0:1", "-o", str(net)], "network a"),
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"it is the {what} file read" in err, err
    assert {p: p.read_bytes() for p in before} == before

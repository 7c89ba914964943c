"""Hypothesis strategies for property-based tests of ReLU networks, exactly.

Import explicitly (it needs ``hypothesis``, in the ``testing`` extra)::

    from exactrelu.strategies import networks, boxes, polytopes, points_in, certificates

* :func:`networks` draws exact :class:`~exactrelu.network.Network` values (small integers, small
  rationals or exact float32/float64 weights), optionally with chosen degeneracies (duplicated,
  negated, dead, concurrent neurons, hyperplanes through the domain's corners or along its edges),
  and shrinks to small readable networks: fewer, narrower layers and weights near 0.
* :func:`boxes` and :func:`polytopes` draw input :class:`~exactrelu.geometry.domain.Domain` values,
  bounded and full-dimensional by construction (polytopes optionally with redundant rows).
* :func:`points_in` draws exact rational points strictly inside a region (or a partition's
  regions), so an assertion about "every point of the region" can be tested at points that shrink to
  the region's own witness.
* :func:`certificates` draws certificates (:func:`~exactrelu.partition.certify`) of drawn networks,
  optionally with one chosen kind of lie applied (:data:`MUTATIONS`); every mutation is built so
  that the mutated certificate's claims or evidence are false, so the checker must refuse it.

Everything drawn is exact: no float decides anything (float weights are read as their exact
binary values).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from functools import cached_property

from hypothesis import note, reject
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from .errors import InternalError, InvalidArgument, kind_of
from .geometry.domain import Domain
from .geometry.exact import dehomogenize, rank_of
from .network import Network
from .partition import Partition, certify, partition
from .rational import format_rational, to_rational
from .region import Region

__all__ = [
    "DEGENERACIES",
    "MUTATIONS",
    "WEIGHT_KINDS",
    "networks",
    "boxes",
    "polytopes",
    "points_in",
    "certificates",
]

WEIGHT_KINDS = ("small_int", "rational", "float32", "float64")
"""The ``weights`` accepted by :func:`networks`."""

DEGENERACIES = ("duplicated", "negated", "dead", "concurrent", "through_corners", "along_edges")
"""The ``degenerate`` kinds accepted by :func:`networks`."""

_FIRST_LAYER_ONLY = {"concurrent", "through_corners", "along_edges"}  # defined in input space

Count = int | tuple[int, int] | SearchStrategy[int]
Pair = tuple[object, object]


def _count(value: Count, name: str, minimum: int) -> SearchStrategy[int]:
    """An int, an inclusive ``(lo, hi)`` range or a strategy, as a strategy of ints."""
    if isinstance(value, SearchStrategy):
        return value
    if isinstance(value, bool):
        raise InvalidArgument(f"{name} is a bool; expected an int, a (lo, hi) range or a strategy")
    if isinstance(value, int):
        lo = hi = value
    elif isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        lo, hi = value
    else:
        raise InvalidArgument(f"{name} is {value!r}; expected an int, a (lo, hi) range or a strategy")
    if not minimum <= lo <= hi:
        raise InvalidArgument(f"{name} is {value!r}; expected {minimum} <= lo <= hi")
    return st.integers(lo, hi)


def _weights(kind: str) -> SearchStrategy[Fraction]:
    if kind == "small_int":
        return st.integers(-3, 3).map(Fraction)
    if kind == "rational":
        return st.builds(Fraction, st.integers(-6, 6), st.integers(1, 4))
    if kind in ("float32", "float64"):
        # Normal floats of magnitude 2^-24 .. 4 or 0: exact binary values without huge exponents.
        if kind == "float32":
            magnitude = st.floats(2.0**-24, 4.0, width=32, allow_nan=False, allow_infinity=False)
        else:
            magnitude = st.floats(2.0**-24, 4.0, allow_nan=False, allow_infinity=False)
        return st.one_of(st.just(0.0), magnitude, magnitude.map(lambda v: -v)).map(Fraction)
    raise InvalidArgument(f"weights is {kind!r}; expected one of {', '.join(map(repr, WEIGHT_KINDS))}")


def _kinds(degenerate: object) -> SearchStrategy[frozenset[str]]:
    if isinstance(degenerate, SearchStrategy):
        return degenerate.map(_checked_kinds)
    if degenerate == "any":
        return st.frozensets(st.sampled_from(DEGENERACIES))
    if isinstance(degenerate, str) or not isinstance(degenerate, Iterable):
        raise InvalidArgument(f"degenerate is {degenerate!r}; expected a set of kinds from {DEGENERACIES} or 'any'")
    return st.just(_checked_kinds(degenerate))


def _checked_kinds(kinds: Iterable[str]) -> frozenset[str]:
    found = frozenset(kinds)
    unknown = sorted(found - set(DEGENERACIES))
    if unknown:
        raise InvalidArgument(f"unknown degenerate kind {unknown[0]!r}; expected one of {', '.join(DEGENERACIES)}")
    return found


def _slopes(leaky: object) -> SearchStrategy[Fraction]:
    if isinstance(leaky, SearchStrategy):
        return leaky.flatmap(_slopes)
    if leaky is False:
        return st.just(Fraction(0))
    if leaky is True:
        return st.sampled_from(
            [Fraction(1, 10), Fraction(1, 100), Fraction(1, 4), Fraction(1, 2), Fraction(2), Fraction(-1, 2)]
        )
    return st.just(to_rational(leaky, "leaky"))


def _nonzero_vector(dim: int) -> SearchStrategy[tuple[int, ...]]:
    """Small integer vectors, never zero (an all-zero draw becomes ``e_1``, which shrinks well)."""
    return st.lists(st.integers(-3, 3), min_size=dim, max_size=dim).map(
        lambda v: tuple(v) if any(v) else (1,) + (0,) * (dim - 1)
    )


def _domain_shape(domain: Domain) -> tuple[list[tuple[Fraction, ...]], list[tuple[int, ...]]]:
    """The domain's vertices (exact) and constraint rows ``c . (1, x) >= 0``."""
    return [dehomogenize(v) for v in domain.cell().verts], domain.constraint_rows()


Row = tuple[tuple[Fraction, ...], Fraction]


@st.composite
def _special_rows(
    draw: DrawFn, kind: str, n_in: int, first: bool, domain: Domain, value: SearchStrategy[Fraction]
) -> list[Row]:
    """Rows of one hidden layer that realise degeneracy ``kind``."""
    if kind in ("duplicated", "negated"):
        drawn = draw(st.lists(value, min_size=n_in, max_size=n_in))
        base = tuple(drawn) if any(drawn) else (Fraction(1),) + tuple(drawn[1:])
        b = draw(value)
        scale = draw(st.integers(1, 3)) * (1 if kind == "duplicated" else -1)
        return [(base, b), (tuple(scale * a for a in base), scale * b)]
    if kind == "dead":
        variant = draw(st.integers(0, 2 if first else 1))
        if variant == 0:  # identically zero pre-activation
            return [((Fraction(0),) * n_in, Fraction(0))]
        if variant == 1:  # a negative constant
            return [((Fraction(0),) * n_in, -Fraction(draw(st.integers(1, 3))))]
        w = tuple(Fraction(a) for a in draw(_nonzero_vector(n_in)))
        verts, _ = _domain_shape(domain)  # negative on the whole domain: below its minimum there
        top = max(sum((a * v for a, v in zip(w, x)), Fraction(0)) for x in verts)
        return [(w, -top - draw(st.integers(0, 2)) - Fraction(1, 2))]
    verts, rows = _domain_shape(domain)
    if kind == "concurrent":  # n_in + 1 hyperplanes through one interior point
        weights = draw(st.lists(st.integers(1, 3), min_size=len(verts), max_size=len(verts)))
        point = tuple(sum((c * v[i] for c, v in zip(weights, verts)), Fraction(0)) / sum(weights) for i in range(n_in))
        # normals s_i e_i and one vector without zero entries (any n_in of them independent), mapped
        # by a drawn invertible integer matrix (the identity when the drawn one is singular)
        nonzero = st.integers(1, 3).flatmap(lambda v: st.sampled_from([v, -v]))
        normals = [tuple(draw(nonzero) if j == i else 0 for j in range(n_in)) for i in range(n_in)]
        normals.append(tuple(draw(nonzero) for _ in range(n_in)))
        mix = draw(st.lists(st.lists(st.integers(-2, 2), min_size=n_in, max_size=n_in), min_size=n_in, max_size=n_in))
        if rank_of(mix) == n_in:
            normals = [tuple(sum(m * a for m, a in zip(row, w)) for row in mix) for w in normals]
        out = []
        for normal in normals:
            out.append((tuple(map(Fraction, normal)), -sum((a * p for a, p in zip(normal, point)), Fraction(0))))
        return out
    if kind == "through_corners":
        corner = verts[draw(st.integers(0, len(verts) - 1))]
        w = tuple(Fraction(a) for a in draw(_nonzero_vector(n_in)))
        return [(w, -sum((a * p for a, p in zip(w, corner)), Fraction(0)))]
    if kind == "along_edges":  # the hyperplane of a domain facet, facing either way, scaled
        row = rows[draw(st.integers(0, len(rows) - 1))]
        scale = draw(st.sampled_from([1, -1, 2, -3]))
        return [(tuple(Fraction(scale * a) for a in row[1:]), Fraction(scale * row[0]))]
    raise InternalError(f"unhandled degeneracy {kind!r}")  # pragma: no cover - _checked_kinds guards


@st.composite
def _network(
    draw: DrawFn,
    n_inputs: SearchStrategy[int],
    n_outputs: SearchStrategy[int],
    depth: SearchStrategy[int],
    width: SearchStrategy[int],
    value: SearchStrategy[Fraction],
    kinds: SearchStrategy[frozenset[str]],
    slope: SearchStrategy[Fraction],
    domain: Domain | None,
) -> Network:
    d = domain.dim if domain is not None else draw(n_inputs)
    dom = domain if domain is not None else Domain.box([(0, 1)] * d)
    wanted = draw(kinds)
    hidden = draw(depth)
    if wanted and hidden == 0:
        hidden = 1
    plan: dict[int, list[str]] = {k: [] for k in range(hidden)}
    for kind in sorted(wanted):
        layer = 0 if kind in _FIRST_LAYER_ONLY else draw(st.integers(0, hidden - 1))
        plan[layer].append(kind)
    layers = []
    n_in = d
    for k in range(hidden):
        rows: list[Row] = []
        for kind in plan[k]:
            rows += draw(_special_rows(kind, n_in, k == 0, dom, value))
        target = draw(width)
        while len(rows) < target:
            rows.append((tuple(draw(st.lists(value, min_size=n_in, max_size=n_in))), draw(value)))
        if plan[k]:
            rows = draw(st.permutations(rows))
        layers.append(([list(w) for w, _ in rows], [b for _, b in rows]))
        n_in = len(rows)
    outs = draw(n_outputs)
    layers.append(
        (
            [draw(st.lists(value, min_size=n_in, max_size=n_in)) for _ in range(outs)],
            draw(st.lists(value, min_size=outs, max_size=outs)),
        )
    )
    return Network.from_layers(layers, negative_slopes=[draw(slope) for _ in range(hidden)])


def networks(
    n_inputs: Count | None = None,
    n_outputs: Count = (1, 2),
    depth: Count = (1, 2),
    width: Count = (1, 4),
    weights: str = "small_int",
    degenerate: Iterable[str] | str | SearchStrategy[frozenset[str]] = frozenset(),
    leaky: bool | object = False,
    domain: Domain | Sequence[Pair] | None = None,
) -> SearchStrategy[Network]:
    """Exact networks.

    ``n_inputs`` (default 2, or the domain's dimension), ``n_outputs``, ``depth`` (hidden layers, 0
    allowed) and ``width`` (neurons per hidden layer) each take an int, an inclusive ``(lo, hi)``
    range or a strategy of ints.
    ``weights`` (every weight and bias):

    * ``"small_int"``: integers in [-3, 3];
    * ``"rational"``: ``p/q`` with ``|p| <= 6``, ``1 <= q <= 4``;
    * ``"float32"`` / ``"float64"``: floats of that width, 0 or of magnitude ``2**-24`` to 4, read
      as their exact binary values.

    ``degenerate`` is a set of kinds from :data:`DEGENERACIES`, each realised at least once in
    every network drawn (``"any"``: a random subset; or a strategy of sets):

    * ``"duplicated"``: a neuron and a positive multiple of it in one hidden layer;
    * ``"negated"``: a neuron and a negative multiple of it;
    * ``"dead"``: a neuron whose pre-activation is identically zero, a negative constant, or (first
      layer) negative on the whole domain;
    * ``"concurrent"``: ``n_inputs + 1`` first-layer hyperplanes through one interior point, any
      ``n_inputs`` of them independent;
    * ``"through_corners"``: a first-layer hyperplane through a vertex of the domain;
    * ``"along_edges"``: a first-layer hyperplane containing a facet of the domain.

    The last three refer to ``domain`` (a :class:`Domain` or ``(lo, hi)`` pairs; default the unit
    box ``[0, 1]^n_inputs``; a given domain fixes ``n_inputs``).  A hidden layer is as wide as
    ``width`` draws or as its degenerate neurons need, whichever is more.  ``leaky``: ``False``
    (ReLU), ``True`` (a drawn LeakyReLU slope per hidden layer, e.g. 1/10, 2 or -1/2), a fixed
    slope, or a strategy of these (drawn per hidden layer).  Networks shrink towards fewer and narrower layers and weights near 0.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=10, database=None, deadline=None)
    ... @given(networks(n_inputs=2, depth=1, width=(1, 3), degenerate={"negated", "concurrent"}))
    ... def test(net):
    ...     assert net.n_inputs == 2 and net.hidden_widths[0] >= 5  # 2 negated + 3 concurrent rows
    >>> test()
    """
    dom: Domain | None = None
    if domain is not None:
        dom = domain if isinstance(domain, Domain) else Domain.box(domain)
        if n_inputs is not None and n_inputs != dom.dim:
            raise InvalidArgument(f"n_inputs is {n_inputs!r} but the domain has {dom.dim} dimensions")
    return _network(
        _count(2 if n_inputs is None else n_inputs, "n_inputs", 1),
        _count(n_outputs, "n_outputs", 1),
        _count(depth, "depth", 0),
        _count(width, "width", 1),
        _weights(weights),
        _kinds(degenerate),
        _slopes(leaky),
        dom,
    )


# --------------------------------------------------------------------------------------- domains
def _limit(value: object, name: str) -> Fraction:
    return to_rational(value, name)


@st.composite
def _box(draw: DrawFn, dim: SearchStrategy[int], low: Fraction, high: Fraction, max_den: int) -> Domain:
    bounds = []
    for _ in range(draw(dim)):
        den = draw(st.integers(1, max_den))
        lo_num = draw(st.integers(_ceil(low * den), _floor(high * den) - 1))
        width = draw(st.integers(1, _floor(high * den) - lo_num))
        bounds.append((Fraction(lo_num, den), Fraction(lo_num + width, den)))
    return Domain.box(bounds)


def _ceil(v: Fraction) -> int:
    return -((-v.numerator) // v.denominator)


def _floor(v: Fraction) -> int:
    return v.numerator // v.denominator


def boxes(dim: Count = 2, *, low: object = -4, high: object = 4, max_denominator: int = 4) -> SearchStrategy[Domain]:
    """Boxes ``[lo_1, hi_1] x ... x [lo_d, hi_d]`` inside ``[low, high]^d`` with bounds of
    denominator at most ``max_denominator``; ``dim`` as for :func:`networks`.  Boxes shrink
    towards ``[0, 1]^d``.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=20, database=None)
    ... @given(boxes(3, low=-1, high=1))
    ... def test(box):
    ...     assert box.dim == 3 and all(-1 <= lo < hi <= 1 for lo, hi in box.bounds)
    >>> test()
    """
    lo, hi = _limit(low, "low"), _limit(high, "high")
    if not lo < hi or max_denominator < 1 or (hi - lo) * max_denominator < 1:
        raise InvalidArgument(f"boxes needs low < high and max_denominator >= 1, got {low}, {high}, {max_denominator}")
    if _floor(hi) - _ceil(lo) < 1 and max_denominator == 1:
        raise InvalidArgument(f"no integer box fits in [{low}, {high}]")
    return _box(_count(dim, "dim", 1), lo, hi, max_denominator)


@st.composite
def _polytope(draw: DrawFn, dim: SearchStrategy[int], extra: SearchStrategy[int], redundant: bool | None) -> Domain:
    d = draw(dim)
    centre = [Fraction(draw(st.integers(-2, 2))) for _ in range(d)]
    radius = Fraction(draw(st.integers(1, 3)))
    signs = [draw(st.sampled_from([1, -1])) for _ in range(d)]
    rows: list[tuple[list[Fraction], Fraction]] = []
    # A simplex around the centre: -s_i x_i <= -s_i c_i + r and sum s_i x_i <= sum s_i c_i + d r;
    # its normals -s_i e_i and s sum to 0 with positive weights, so it is bounded.
    for i in range(d):
        a = [Fraction(0)] * d
        a[i] = Fraction(-signs[i])
        rows.append((a, -signs[i] * centre[i] + radius))
    s = [Fraction(v) for v in signs]
    rows.append((s, sum((v * c for v, c in zip(s, centre)), Fraction(0)) + d * radius))
    for _ in range(draw(extra)):  # cuts that keep the centre strictly inside
        a = [Fraction(v) for v in draw(_nonzero_vector(d))]
        margin = Fraction(draw(st.integers(1, 8)), draw(st.integers(1, 4)))
        rows.append((a, sum((v * c for v, c in zip(a, centre)), Fraction(0)) + margin))
    add = draw(st.integers(0, 2)) if redundant is None else (draw(st.integers(1, 2)) if redundant else 0)
    for _ in range(add):  # implied rows: a weakened multiple of a row, or the sum of two rows
        i = draw(st.integers(0, len(rows) - 1))
        j = draw(st.integers(0, len(rows) - 1))
        slack = Fraction(draw(st.integers(0, 2)))
        summed = [u + v for u, v in zip(rows[i][0], rows[j][0])]
        if i != j and any(summed):
            rows.append((summed, rows[i][1] + rows[j][1] + slack))
        else:
            t = draw(st.integers(1, 3))
            rows.append(([t * v for v in rows[i][0]], t * rows[i][1] + slack))
    rows = draw(st.permutations(rows))
    return Domain.polytope([a for a, _ in rows], [b for _, b in rows])


def polytopes(dim: Count = 2, *, extra_rows: Count = (0, 4), redundant: bool | None = None) -> SearchStrategy[Domain]:
    """Bounded full-dimensional polytopes ``{x : A x <= b}`` (not boxes), by construction: a simplex
    around a lattice point, cut by ``extra_rows`` further half-spaces that keep that point strictly
    inside.  ``redundant``: ``True`` adds one or two implied rows (a weakened multiple of a row, or
    the sum of two rows), ``False`` none on purpose, ``None`` sometimes.  Rows come in drawn order.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=10, database=None)
    ... @given(polytopes(2, redundant=True))
    ... def test(domain):
    ...     assert domain.dim == 2 and not domain.is_box and len(domain.A) >= 4
    >>> test()
    """
    if redundant not in (True, False, None):
        raise InvalidArgument(f"redundant is {redundant!r}; expected True, False or None")
    return _polytope(_count(dim, "dim", 1), _count(extra_rows, "extra_rows", 0), redundant)


# --------------------------------------------------------------------------------------- points
def _exit_step(region: Region, point: Sequence[Fraction], u: Sequence[int]) -> Fraction | None:
    """The largest ``t`` with ``point + t u`` in the region's closure (None for ``u = 0``)."""
    best = None
    for facet in region.facets:
        c = facet.row
        rate = sum(a * b for a, b in zip(c[1:], u))
        if rate < 0:
            slack = c[0] + sum((a * v for a, v in zip(c[1:], point)), Fraction(0))
            t = slack / -rate
            best = t if best is None or t < best else best
    return best


@st.composite
def _point_in(draw: DrawFn, region: Region) -> tuple[Fraction, ...]:
    p = region.point
    verts = region.vertices
    mix = draw(st.booleans()) if verts else False
    if mix:
        # a convex combination with positive weight on the interior witness is interior
        w0 = draw(st.integers(1, 8))
        ws = [draw(st.integers(0, 8)) for _ in verts]
        total = w0 + sum(ws)
        x = tuple((w0 * p[i] + sum((w * v[i] for w, v in zip(ws, verts)), Fraction(0))) / total for i in range(len(p)))
    else:
        # along a drawn direction, a fraction lambda < 1 of the way to the boundary
        u = draw(st.lists(st.integers(-4, 4), min_size=len(p), max_size=len(p)))
        den = draw(st.integers(1, 16))
        lam = Fraction(draw(st.integers(0, den - 1)), den)
        t = _exit_step(region, p, u)
        x = p if t is None else tuple(a + lam * t * b for a, b in zip(p, u))
    if not region.contains(x, strictly=True):
        raise InternalError(f"points_in drew {x}, not strictly inside the region")
    return x


def points_in(region: Region | Partition) -> SearchStrategy[tuple[Fraction, ...]]:
    """Exact rational points strictly inside ``region`` (or inside one of a partition's regions),
    each checked with ``region.contains(x, strictly=True)``.

    Points are the region's witness moved a fraction ``< 1`` of the way to the boundary along a
    drawn integer direction (any interior point is reachable), or, when the region has vertices
    (the ``dd`` engine; ``lp`` regions have none), convex combinations of the witness (positive
    weight) and the vertices.  They shrink to the witness point.

    >>> from hypothesis import given, settings
    >>> from exactrelu import EXAMPLE, partition
    >>> region = partition(EXAMPLE).regions[0]
    >>> @settings(max_examples=20, database=None)
    ... @given(points_in(region))
    ... def test(x):
    ...     assert region.contains(x, strictly=True) and region.output(x) == EXAMPLE.forward(x)
    >>> test()
    """
    if isinstance(region, Partition):
        if not region.regions:
            raise InvalidArgument("the partition has no regions")
        return st.sampled_from(region.regions).flatmap(_point_in)
    if not isinstance(region, Region):
        raise InvalidArgument(f"points_in takes a Region or a Partition, not {kind_of(region)}")
    return _point_in(region)


# --------------------------------------------------------------------------------------- certificates
MUTATIONS = (
    "drop a region",
    "drop a region consistently",
    "duplicate a region",
    "flip a pattern bit",
    "witness point in another region",
    "witness point on a boundary",
    "witness point outside the domain",
    "alter a map entry",
    "alter a map bias",
    "alter a network weight",
    "alter an output weight",
    "add an edge between non-adjacent regions",
    "drop an edge",
    "duplicate an edge",
    "edge not ordered",
    "widen the domain",
    "box inconsistent with A, b",
    "alter a bounded multiplier",
    "negative bounded multiplier",
    "wrong summary regions",
    "wrong summary linear pieces",
    "vertex missing",
    "vertex outside its region",
    "vertex with dependent constraints",
    "vertex index past the leaf's constraints",
    "leaf names the wrong region",
    "split children swapped",
    "a node with two parents",
    "child before parent",
    "split a neuron twice",
    "decision for a split neuron",
    "unproved decision instead of a split",
    "layer bookkeeping",
)
"""The kinds of lie :func:`certificates` can tell (those of the checker's own test table)."""


class _Mutable:
    """A certificate being mutated, with what the mutations need to know about it."""

    def __init__(self, cert: dict, network: Network, domain: Domain, draw: DrawFn):
        self.cert = cert
        self.network = network
        self.domain = domain
        self.draw = draw

    def pick(self, n: int) -> int:
        """A drawn index in ``range(n)``; rejects the example when there is none."""
        if n <= 0:
            reject()
        return self.draw(st.integers(0, n - 1))

    def delta(self) -> Fraction:
        return self.draw(st.sampled_from([Fraction(1), Fraction(-1), Fraction(1, 3), Fraction(-5, 2)]))

    @cached_property
    def partition(self) -> Partition:
        return partition(self.network, self.domain)

    def region(self, i: int) -> Region:
        pattern = tuple(tuple(layer) for layer in self.cert["regions"][i]["pattern"])
        for region in self.partition.regions:
            if region.pattern == pattern:
                return region
        raise InternalError(f"no region with pattern {pattern} in the partition")

    def point(self, i: int) -> tuple[Fraction, ...]:
        return tuple(Fraction(v) for v in self.cert["regions"][i]["point"])

    @property
    def tree(self) -> list[dict]:
        return self.cert["tree"]

    def parents(self) -> dict[int, int]:
        out = {}
        for n, node in enumerate(self.tree):
            for key in ("p", "m", "n"):
                if key in node:
                    out[node[key]] = n
        return out

    def path(self, n: int) -> list[int]:
        """Node indices from the root to ``n``, both included."""
        parents = self.parents()
        out = [n]
        while out[-1] in parents:
            out.append(parents[out[-1]])
        return out[::-1]

    def leaf(self, r: int) -> int:
        return next(n for n, node in enumerate(self.tree) if node.get("r") == r)

    def assigned_before(self, n: int, decisions: bool) -> list[tuple[int, int]]:
        """``(neuron, bit)`` of layer ``tree[n]["k"]`` fixed by splits on the path above node ``n``
        (and by decisions there and at ``n`` itself, if ``decisions``)."""
        path = self.path(n)
        k = self.tree[n]["k"]
        out = []
        for a, b in zip(path, path[1:]):
            node = self.tree[a]
            if node["k"] != k:
                continue
            if decisions:
                out += [(j, bit) for j, bit, _ in node.get("d", [])]
            if "s" in node:
                out.append((node["s"], 1 if node["p"] == b else 0))
        if decisions:
            out += [(j, bit) for j, bit, _ in self.tree[n].get("d", [])]
        return out

    def splits(self) -> list[int]:
        return [n for n, node in enumerate(self.tree) if "s" in node]

    def proof(self) -> object:
        return "b" if "box" in self.cert["domain"] else [0]


def _linear_pieces(regions: list[dict], edges: list[list[int]]) -> int:
    keys = [_map_key(r["map"]) for r in regions]
    root = list(range(len(regions)))

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    for i, j in edges:
        if keys[i] == keys[j]:
            root[find(i)] = find(j)
    return len({find(i) for i in range(len(regions))})


def _map_key(m: dict) -> tuple:
    return (tuple(tuple(Fraction(v) for v in row) for row in m["weight"]), tuple(Fraction(v) for v in m["bias"]))


def _activate(values: Sequence[Fraction], slope: Fraction) -> list[Fraction]:
    return [v if v > 0 else slope * v for v in values]


def _mutate(c: _Mutable, kind: str) -> str:  # noqa: C901 - one branch per kind, by design
    """Apply ``kind`` to ``c.cert`` in place; returns what was done, for Hypothesis's notes."""
    cert = c.cert
    regions, edges, summary = cert["regions"], cert["edges"], cert["summary"]
    R = len(regions)
    if kind == "drop a region":
        i = c.pick(R)
        regions.pop(i)
        return f"dropped region {i}"
    if kind == "drop a region consistently":
        i = c.pick(R) if R >= 2 else reject()
        leaf = c.leaf(i)
        regions.pop(i)
        renumber = {r: r - (r > i) for r in range(R) if r != i}
        cert["edges"] = [[renumber[a], renumber[b]] for a, b in edges if i not in (a, b)]
        for node in c.tree:
            if "r" in node and node["r"] != i:
                node["r"] = renumber[node["r"]]
        c.tree[leaf]["r"] = c.pick(R - 1)
        summary.update(regions=R - 1, edges=len(cert["edges"]), linear_pieces=_linear_pieces(regions, cert["edges"]))
        return f"dropped region {i}; its leaf {leaf} names region {c.tree[leaf]['r']}"
    if kind == "duplicate a region":
        i = c.pick(R)
        regions.append(copy.deepcopy(regions[i]))
        summary.update(regions=R + 1, linear_pieces=summary["linear_pieces"] + 1)
        return f"appended a copy of region {i}"
    if kind == "flip a pattern bit":
        i = c.pick(R)
        pattern = regions[i]["pattern"]
        k = c.pick(len(pattern))
        j = c.pick(len(pattern[k]))
        pattern[k][j] = 1 - pattern[k][j]
        return f"flipped bit {j} of layer {k} in region {i}"
    if kind == "witness point in another region":
        i = c.pick(R) if R >= 2 else reject()
        j = (i + 1 + c.pick(R - 1)) % R
        regions[i]["point"] = list(regions[j]["point"])
        return f"region {i} has region {j}'s point"
    if kind == "witness point on a boundary":
        i = c.pick(R)
        region = c.region(i)
        u = c.draw(st.lists(st.integers(-3, 3), min_size=region.dim, max_size=region.dim))
        t = _exit_step(region, region.point, u)
        if t is None:
            reject()
        point = [p + t * b for p, b in zip(region.point, u)]
        regions[i]["point"] = [format_rational(v) for v in point]
        return f"region {i}'s point moved to the boundary at {regions[i]['point']}"
    if kind == "witness point outside the domain":
        i = c.pick(R)
        rows = c.domain.constraint_rows()
        row = rows[c.pick(len(rows))]
        p = c.point(i)
        slack = row[0] + sum((a * v for a, v in zip(row[1:], p)), Fraction(0))
        norm = sum(a * a for a in row[1:])
        t = -(slack / norm) - Fraction(1, 2)  # row . (1, p + t grad) = slack + t |grad|^2 < 0
        regions[i]["point"] = [format_rational(v + t * a) for v, a in zip(p, row[1:])]
        return f"region {i}'s point moved outside the domain to {regions[i]['point']}"
    if kind in ("alter a map entry", "alter a map bias"):
        i = c.pick(R)
        m = regions[i]["map"]
        o = c.pick(len(m["bias"]))
        if kind == "alter a map bias":
            m["bias"][o] = format_rational(Fraction(m["bias"][o]) + c.delta())
            return f"region {i}, output {o}: bias altered"
        j = c.pick(len(m["weight"][o]))
        m["weight"][o][j] = format_rational(Fraction(m["weight"][o][j]) + c.delta())
        return f"region {i}, output {o}, input {j}: map weight altered"
    if kind in ("alter a network weight", "alter an output weight"):
        return _alter_network(c, kind)
    if kind == "add an edge between non-adjacent regions":
        present = {tuple(e) for e in edges}
        missing = [(a, b) for a in range(R) for b in range(a + 1, R) if (a, b) not in present]
        a, b = missing[c.pick(len(missing))]
        edges.append([a, b])
        summary["edges"] += 1
        return f"added the edge [{a}, {b}]"
    if kind == "drop an edge":
        e = edges.pop(c.pick(len(edges)))
        summary["edges"] -= 1
        return f"dropped the edge {e}"
    if kind == "duplicate an edge":
        e = edges[c.pick(len(edges))]
        edges.append(list(e))
        return f"listed the edge {e} twice"
    if kind == "edge not ordered":
        i = c.pick(len(edges))
        edges[i] = edges[i][::-1]
        return f"edge {i} written as {edges[i]}"
    if kind == "widen the domain":
        return _widen(c)
    if kind == "box inconsistent with A, b":
        box = cert["domain"].get("box") or reject()
        i, side = c.pick(len(box)), c.pick(2)
        box[i][side] = format_rational(Fraction(box[i][side]) + (-1 if side == 0 else 1))
        return f"box interval {i} changed to {box[i]}, A and b kept"
    if kind in ("alter a bounded multiplier", "negative bounded multiplier"):
        bounded = cert["bounded"]
        e = c.pick(len(bounded))
        i = c.pick(len(bounded[e]))
        if kind == "negative bounded multiplier":
            bounded[e][i] = format_rational(-Fraction(c.draw(st.integers(1, 3))))
        else:
            bounded[e][i] = format_rational(Fraction(bounded[e][i]) + c.delta())
        return f"bounded[{e}][{i}] = {bounded[e][i]}"
    if kind in ("wrong summary regions", "wrong summary linear pieces"):
        key = "regions" if kind == "wrong summary regions" else "linear_pieces"
        summary[key] += c.draw(st.sampled_from([1, -1, 2]))
        return f"summary {key} = {summary[key]}"
    if kind.startswith("vertex"):
        return _vertex(c, kind)
    return _tree(c, kind)


def _alter_network(c: _Mutable, kind: str) -> str:
    """Change one weight so that some region's claims become false: a hidden weight so that the
    neuron's sign flips at a region's witness point, or an output weight of a neuron that is not
    identically zero on a region (so that region's map changes)."""
    net = c.network
    layers = c.cert["network"]["layers"]
    i = c.pick(len(c.cert["regions"]))
    p = c.point(i)
    pre = net.pre_activations(p)
    inputs = [list(p)] + [_activate(v, s) for v, s in zip(pre, net.negative_slopes)]
    if kind == "alter an output weight":
        k = len(net.layers) - 1
        o = c.pick(net.n_outputs)
        columns = [j for j, v in enumerate(inputs[k]) if v != 0]
        j = columns[c.pick(len(columns))]
        delta = c.delta()
    else:
        k = c.pick(len(pre))
        o = c.pick(len(pre[k]))
        columns = [j for j, v in enumerate(inputs[k]) if v != 0]
        j = columns[c.pick(len(columns))]
        bit = c.cert["regions"][i]["pattern"][k][o]
        target = Fraction(-1) if bit == 1 else Fraction(1)  # the wrong sign for the claimed bit
        delta = (target - pre[k][o]) / inputs[k][j]
    entry = layers[k]["weight"][o]
    entry[j] = format_rational(Fraction(entry[j]) + delta)
    return f"layer {k} weight [{o}][{j}] = {entry[j]} (region {i})"


def _widen(c: _Mutable) -> str:
    """Move one domain constraint outwards far enough that a point with an activation pattern no
    region claims (all pre-activations nonzero there) enters the domain."""
    dom = c.cert["domain"]
    rows = c.domain.constraint_rows()
    r = c.pick(len(rows))
    p = c.point(c.pick(len(c.cert["regions"])))
    grad = rows[r][1:]
    claimed = {tuple(tuple(layer) for layer in reg["pattern"]) for reg in c.cert["regions"]}
    slack = rows[r][0] + sum((a * v for a, v in zip(grad, p)), Fraction(0))
    norm = sum(a * a for a in grad)
    for step in range(24):
        t = (slack / norm) * 2 + 2**step  # beyond the constraint: row(P) < 0
        point = [v - t * a for v, a in zip(p, grad)]
        others = [
            sum((a * v for a, v in zip(row[1:], point)), Fraction(row[0])) for n, row in enumerate(rows) if n != r
        ]
        if any(v <= 0 for v in others):
            continue
        pre = c.network.pre_activations(point)
        if any(v == 0 for layer in pre for v in layer):
            continue
        pattern = tuple(tuple(int(v > 0) for v in layer) for layer in pre)
        if pattern in claimed:
            continue
        # the constraint A_r x <= b_r becomes A_r x <= A_r . point + 1
        new_b = sum((Fraction(a) * v for a, v in zip(dom["A"][r], point)), Fraction(0)) + 1
        dom["b"][r] = format_rational(new_b)
        if "box" in dom:
            i, upper = divmod(r, 2)
            dom["box"][i][upper] = format_rational(new_b if upper else -new_b)
        return f"domain constraint {r} moved to take in {[format_rational(v) for v in point]} (pattern {pattern})"
    reject()


def _solve(rows: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction] | None:
    n = len(rows)
    m = [list(r) + [v] for r, v in zip(rows, rhs)]
    for col in range(n):
        piv = next((r for r in range(col, n) if m[r][col] != 0), None)
        if piv is None:
            return None
        m[col], m[piv] = m[piv], m[col]
        for r in range(n):
            if r != col and m[r][col] != 0:
                f = m[r][col] / m[col][col]
                m[r] = [u - f * v for u, v in zip(m[r], m[col])]
    return [m[i][n] / m[i][i] for i in range(n)]


def _vertex(c: _Mutable, kind: str) -> str:
    regions = c.cert["regions"]
    i = c.pick(len(regions))
    verts = regions[i]["vertices"]
    v = c.pick(len(verts))
    d = c.domain.dim
    if kind == "vertex missing":
        if len(verts) != len(c.region(i).vertices):  # a vertex named twice would still be listed
            reject()
        verts.pop(v)
        return f"region {i}: vertex {v} removed"
    if kind == "vertex outside its region":
        region = c.region(i)
        A, b = c.domain.A, c.domain.b
        combos = list(itertools.islice(itertools.combinations(range(len(A)), d), 500))
        start = c.pick(len(combos))
        for basis in combos[start:] + combos[:start]:
            x = _solve([list(A[k]) for k in basis], [b[k] for k in basis])
            if x is not None and not region.contains(x):
                verts[v] = list(basis)
                return f"region {i}: vertex {v} named by domain rows {list(basis)}, outside the region"
        reject()
    if kind == "vertex with dependent constraints":
        if d < 2:
            reject()
        verts[v] = [verts[v][0]] * 2 + verts[v][2:]
        return f"region {i}: vertex {v} named by {verts[v]}"
    if kind == "vertex index past the leaf's constraints":
        leaf = c.leaf(i)
        splits = sum(1 for n in c.path(leaf)[:-1] if "s" in c.tree[n])
        position = c.pick(d)
        verts[v][position] = len(c.cert["domain"]["A"]) + splits + c.draw(st.integers(0, 2))
        return f"region {i}: vertex {v} named by {verts[v]} (the leaf has {len(c.cert['domain']['A']) + splits})"
    raise InternalError(f"unhandled mutation {kind!r}")  # pragma: no cover


def _tree(c: _Mutable, kind: str) -> str:  # noqa: C901 - one branch per kind
    tree = c.tree
    splits = c.splits()
    if kind == "leaf names the wrong region":
        R = len(c.cert["regions"])
        a = c.pick(R) if R >= 2 else reject()
        b = (a + 1 + c.pick(R - 1)) % R
        la, lb = c.leaf(a), c.leaf(b)
        tree[la]["r"], tree[lb]["r"] = b, a
        return f"leaves {la} and {lb} swap regions {a} and {b}"
    if kind == "split children swapped":
        n = splits[c.pick(len(splits))]
        tree[n]["p"], tree[n]["m"] = tree[n]["m"], tree[n]["p"]
        return f"node {n}: children swapped"
    if kind == "a node with two parents":
        n = splits[c.pick(len(splits))]
        others = [x for x in range(1, len(tree)) if x not in (n, tree[n]["p"], tree[n]["m"])]
        target = others[c.pick(len(others))]
        key = "pm"[c.pick(2)]
        tree[n][key] = target
        return f"node {n}: child {key} is node {target}, which has a parent already"
    if kind == "child before parent":
        pairs = [
            (a, child)
            for a, node in enumerate(tree)
            if a != 0
            for child in (node.get("p"), node.get("m"), node.get("n"))
            if child is not None
        ]
        a, child = pairs[c.pick(len(pairs))]
        swap = {a: child, child: a}
        tree[a], tree[child] = tree[child], tree[a]
        for node in tree:
            for key in ("p", "m", "n"):
                if key in node:
                    node[key] = swap.get(node[key], node[key])
        return f"nodes {a} and {child} swapped: the child comes first"
    if kind == "split a neuron twice":
        options = [(n, j) for n in splits for j, _ in c.assigned_before(n, decisions=True) if j != tree[n]["s"]]
        n, j = options[c.pick(len(options))]
        tree[n]["s"] = j
        return f"node {n} splits neuron {j}, fixed already on its path"
    if kind == "decision for a split neuron":
        fixed = [(n, j, bit) for n in range(len(tree)) for j, bit in c.assigned_before(n, decisions=False)]
        n, j, bit = fixed[c.pick(len(fixed))]
        tree[n].setdefault("d", []).append([j, bit, c.proof()])
        return f"node {n} decides neuron {j}, fixed already on its path"
    if kind == "unproved decision instead of a split":
        n = splits[c.pick(len(splits))]
        tree[n].setdefault("d", []).append([tree[n]["s"], c.pick(2), c.proof()])
        return f"node {n} decides the neuron it splits"
    if kind == "layer bookkeeping":
        n = c.pick(len(tree))
        tree[n]["k"] += 1 if tree[n]["k"] == 0 or c.pick(2) else -1
        return f"node {n} works on layer {tree[n]['k']}"
    raise InternalError(f"unhandled mutation {kind!r}")  # pragma: no cover


def _mutation_kinds(mutation: object) -> SearchStrategy[str | None]:
    if mutation is None:
        return st.none()
    if mutation == "any":
        return st.sampled_from(MUTATIONS)
    if isinstance(mutation, SearchStrategy):
        return mutation
    if not isinstance(mutation, Iterable):
        raise InvalidArgument(f"mutation is {mutation!r}; expected a kind, kinds, 'any', None or a strategy")
    kinds = [mutation] if isinstance(mutation, str) else list(mutation)
    unknown = [k for k in kinds if k not in MUTATIONS]
    if unknown or not kinds:
        raise InvalidArgument(f"unknown mutation {unknown[0] if unknown else None!r}; expected one of MUTATIONS")
    return st.sampled_from(kinds)


@st.composite
def _certificate(
    draw: DrawFn,
    kinds: SearchStrategy[str | None],
    nets: SearchStrategy[Network],
    domains: Callable[[int], SearchStrategy[Domain]],
) -> dict:
    net = draw(nets)
    domain = draw(domains(net.n_inputs))
    cert = certify(net, domain)
    kind = draw(kinds)
    if kind is None:
        return cert
    done = _mutate(_Mutable(cert, net, domain, draw), kind)
    note(f"certificate mutation {kind!r}: {done}")
    return cert


def certificates(
    mutation: str | Iterable[str] | SearchStrategy[str] | None = None,
    *,
    networks: SearchStrategy[Network] | None = None,
    domains: Callable[[int], SearchStrategy[Domain]] = boxes,
) -> SearchStrategy[dict]:
    """Certificates (:func:`~exactrelu.partition.certify`, as JSON-ready dicts) of drawn networks
    on drawn domains, with one mutation applied.

    ``mutation``: ``None`` (a valid certificate), a kind from :data:`MUTATIONS`, several kinds (one
    is drawn per example), ``"any"``, or a strategy of kinds.  Each mutation is built to make a
    claim or a piece of evidence false, never a harmless edit: a changed network weight flips a
    neuron's sign at some region's witness point, a changed output weight multiplies a neuron that
    is nonzero on some region, a widened domain takes in a point whose activation pattern no region
    claims, a vertex named by domain rows lies outside its region, and so on.  A checker must
    therefore refuse every mutated certificate.  What was done is recorded with
    :func:`hypothesis.note`, so a failing example says which lie got through.  Draws where the
    mutation does not apply (an edge mutation on a one-region partition) are rejected.

    ``networks`` defaults to two-input networks with 1 or 2 hidden layers of 2 to 4 neurons;
    ``domains(n_inputs)`` gives the domain strategy (default :func:`boxes`; e.g. ``polytopes``).
    Certificates need the vertex engine: at most 10 inputs.

    >>> from hypothesis import HealthCheck, given, settings
    >>> from exactrelu_checker import MalformedCertificate, check_certificate
    >>> @settings(max_examples=5, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    ... @given(certificates(mutation="drop an edge"))
    ... def test(cert):
    ...     try:
    ...         assert not check_certificate(cert).verified
    ...     except MalformedCertificate:
    ...         pass
    >>> test()
    """
    nets = networks if networks is not None else _default_networks()
    return _certificate(_mutation_kinds(mutation), nets, domains)


def _default_networks() -> SearchStrategy[Network]:
    return networks(n_inputs=2, n_outputs=(1, 2), depth=(1, 2), width=(2, 4))

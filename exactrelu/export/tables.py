"""The exact content of a paper's tables, from a partition or from a certificate's JSON.

A :class:`Tables` value holds, exactly, what the LaTeX export prints: every region's pattern,
interior point and affine map (and, with two inputs, its polygon), and every edge's continuity
identity ``map_i - map_j = lambda_o * h`` where ``h`` is the shared facet's hyperplane
(``h . (1, x) >= 0`` on region ``i``).  From a partition the identities are its continuity proofs;
from a certificate they are derived here: the facet shared by adjacent regions lies on the
hyperplane of the first neuron (in layer order) whose bit differs between their patterns (its form
is the same under both patterns, since the layers before it agree, and it changes sign across the
facet), and the multipliers are then solved for and checked exactly.  A certificate's polygons are
the domain cut by its pattern's half-planes (:func:`~exactrelu.export.planar.pattern_rows`).  A compact
certificate leaves the maps out: they are recomputed from the pattern (:func:`pattern_map`); the
constraint form has no vertices, and none are needed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import gcd, lcm
from typing import Any

from ..engines.forms import IntegerNetwork
from ..errors import InternalError, InvalidArgument, InvalidNumber
from ..network import Network
from ..rational import parse_rational_text
from ..region import Region
from .planar import boundary_segments, clipped_polygon, pattern_rows, region_polygon, rows_polygon

__all__ = [
    "TableRegion",
    "TableEdge",
    "Tables",
    "tables_from_partition",
    "tables_from_certificate",
    "edge_identity",
    "pattern_map",
]


@dataclass(frozen=True, slots=True)
class TableRegion:
    """One region as tabulated: ``weight[o] . x + bias[o]`` is output ``o`` on it."""

    pattern: tuple[tuple[int, ...], ...]
    point: tuple[Fraction, ...]
    weight: tuple[tuple[Fraction, ...], ...]
    bias: tuple[Fraction, ...]
    polygon: tuple[tuple[Fraction, Fraction], ...] = ()


@dataclass(frozen=True, slots=True)
class TableEdge:
    """Regions ``first < second`` share a facet on ``hyperplane . (1, x) = 0`` (a primitive integer
    row, ``>= 0`` on ``first``), and ``map_first - map_second = lambdas[o] * hyperplane`` for every
    output ``o``."""

    first: int
    second: int
    hyperplane: tuple[int, ...]
    lambdas: tuple[Fraction, ...]


@dataclass(frozen=True, slots=True)
class Tables:
    """Everything the LaTeX export prints, exact.  ``boundary`` holds the decision boundary's
    segments ``(start, end)`` for pictures of 2-D partitions (empty in other dimensions)."""

    input_names: tuple[str, ...]
    output_names: tuple[str, ...]
    regions: tuple[TableRegion, ...]
    edges: tuple[TableEdge, ...]
    source: str
    boundary: tuple[tuple[tuple[Fraction, Fraction], tuple[Fraction, Fraction]], ...] = ()

    @property
    def dim(self) -> int:
        return len(self.input_names)


def tables_from_partition(part: Any, source: str = "") -> Tables:
    """:class:`Tables` of a :class:`~exactrelu.partition.Partition` (anything with ``network``,
    ``regions`` and ``continuity_proofs()``).

    >>> from exactrelu import EXAMPLE, partition
    >>> t = tables_from_partition(partition(EXAMPLE))
    >>> t.edges[0]
    TableEdge(first=0, second=1, hyperplane=(1, -1, -1), lambdas=(Fraction(1, 1), Fraction(2, 1)))
    """
    net = part.network
    regions: list[Region] = list(part.regions)
    planar = net.n_inputs == 2
    rows = tuple(
        TableRegion(r.pattern, r.point, r.weight, r.bias, tuple(region_polygon(r)) if planar else ()) for r in regions
    )
    edges = []
    seen = set()
    for proof in part.continuity_proofs():
        if (proof.first, proof.second) in seen:
            continue
        seen.add((proof.first, proof.second))
        edges.append(TableEdge(proof.first, proof.second, tuple(proof.hyperplane), tuple(proof.lambdas)))
    edges.sort(key=lambda e: (e.first, e.second))
    return Tables(
        tuple(net.input_names),
        tuple(net.output_names),
        rows,
        tuple(edges),
        source or net.source,
        _boundary(rows),
    )


def tables_from_certificate(cert: dict, *, source: str = "") -> Tables:
    """:class:`Tables` of a certificate's JSON (docs/certificate.md), in either form (vertices or
    constraints), default or compact: regions, maps and edges as the certificate states them, a
    left-out map recomputed from the pattern.  This reads, it does not verify: check the
    certificate first (``exactrelu latex`` does).

    >>> from exactrelu import EXAMPLE, certify
    >>> t = tables_from_certificate(certify(EXAMPLE))
    >>> len(t.regions), t.edges[0]
    (4, TableEdge(first=0, second=1, hyperplane=(1, -1, -1), lambdas=(Fraction(1, 1), Fraction(2, 1))))
    """
    if not isinstance(cert, dict) or cert.get("format") != "exactrelu-certificate":
        raise InvalidArgument("not an exactrelu certificate (its format is not exactrelu-certificate)")
    try:
        net = Network.from_json(cert["network"])
        inet = IntegerNetwork.of(net)
        regions = [_table_region(inet, r) for r in cert["regions"]]
        # the constraint form's edges also carry their facets' proofs: [i, j, P, Q]
        pairs = [(int(e[0]), int(e[1])) for e in cert["edges"]]
        domain = cert["domain"]
        domain_rows = [(_q(b),) + tuple(-_q(a) for a in row) for row, b in zip(domain["A"], domain["b"])]
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidArgument(f"certificate cannot be tabulated: {type(exc).__name__}: {exc}") from None
    rows_of = [pattern_rows(inet, r.pattern) for r in regions]
    if net.n_inputs == 2:
        domain_polygon = rows_polygon(domain_rows)
        regions = [
            TableRegion(r.pattern, r.point, r.weight, r.bias, tuple(_polygon(domain_polygon, domain_rows, rows)))
            for r, rows in zip(regions, rows_of)
        ]
    edges = [edge_identity(net, regions, i, j, rows_of[i]) for i, j in sorted(pairs)]
    return Tables(
        tuple(net.input_names), tuple(net.output_names), tuple(regions), tuple(edges), source, _boundary(regions)
    )


def _table_region(inet: IntegerNetwork, region: dict) -> TableRegion:
    """A certificate's region; a compact certificate's has no ``map``: recomputed from its pattern."""
    pattern = tuple(tuple(int(b) for b in layer) for layer in region["pattern"])
    point = tuple(_q(v) for v in region["point"])
    if "map" not in region:
        return TableRegion(pattern, point, *pattern_map(inet, pattern))
    weight = tuple(tuple(_q(v) for v in row) for row in region["map"]["weight"])
    return TableRegion(pattern, point, weight, tuple(_q(v) for v in region["map"]["bias"]))


def pattern_map(
    net: Network | IntegerNetwork, pattern: Sequence[Sequence[int]]
) -> tuple[tuple[tuple[Fraction, ...], ...], tuple[Fraction, ...]]:
    """The exact output map ``(weight, bias)`` of ``net`` on the cell of an activation ``pattern``:
    the engines' composition of the integer layers (:class:`~exactrelu.engines.forms.IntegerNetwork`;
    pass one to map many patterns), layer by layer under the pattern's bits.

    >>> from exactrelu import EXAMPLE
    >>> weight, bias = pattern_map(EXAMPLE, [[1, 1]])
    >>> [[str(w) for w in row] for row in weight], [str(b) for b in bias]
    ([['-1', '3'], ['1', '3']], ['-1', '-9/4'])
    """
    inet = net if isinstance(net, IntegerNetwork) else IntegerNetwork.of(net)
    if len(pattern) != len(inet.layers) - 1:
        raise ValueError(f"a pattern of {len(pattern)} layers for {len(inet.layers) - 1} hidden layers")
    forms = inet.first_forms()
    for k, bits in enumerate(pattern):
        if len(bits) != len(forms.rows):
            raise ValueError(f"layer {k} of a pattern has {len(bits)} bits for {len(forms.rows)} neurons")
        forms = inet.next_forms_of_leaves(k, forms, [bits])[0]
    weight = tuple(tuple(Fraction(a, forms.den) for a in row[1:]) for row in forms.rows)
    return weight, tuple(Fraction(row[0], forms.den) for row in forms.rows)


def _boundary(regions: Sequence[TableRegion]) -> tuple:
    """The decision boundary's exact segments over the regions' polygons (2 inputs)."""
    return tuple(
        (a, b) for r in regions if r.polygon for _, a, b in boundary_segments(r.weight, r.bias, list(r.polygon))
    )


def _polygon(domain_polygon: list, domain_rows: list, rows: list) -> list:
    """A region's polygon: the domain's cut by the region's rows (its degenerate cases, which a
    verified certificate has not, by all rows together as before)."""
    return clipped_polygon(domain_polygon, rows) or rows_polygon(domain_rows + rows)


def edge_identity(
    net: Network, regions: Sequence[TableRegion], i: int, j: int, rows: Sequence[tuple[Fraction, ...]] | None = None
) -> TableEdge:
    """The continuity identity of adjacent regions ``i``, ``j`` (see the module docstring),
    checked exactly; ``rows``: region ``i``'s :func:`~exactrelu.export.planar.pattern_rows`, if known."""
    first, second = regions[i], regions[j]
    bits_i = [b for layer in first.pattern for b in layer]
    bits_j = [b for layer in second.pattern for b in layer]
    differ = next((n for n, (a, b) in enumerate(zip(bits_i, bits_j)) if a != b), None)
    if differ is None:
        raise InvalidArgument(f"regions {i} and {j} have one pattern, so they cannot be an edge")
    row = _primitive((rows if rows is not None else pattern_rows(net, first.pattern))[differ])
    pivot = next((k for k in range(1, len(row)) if row[k]), None)
    if pivot is None:
        raise InvalidArgument(f"edge {i}-{j}: the neuron that changes between them has a constant form")
    lambdas = []
    for o in range(len(first.bias)):
        diff = (first.bias[o] - second.bias[o],) + tuple(a - b for a, b in zip(first.weight[o], second.weight[o]))
        lam = diff[pivot] / row[pivot]
        if any(diff[k] != lam * row[k] for k in range(len(row))):
            raise InternalError(f"edge {i}-{j}: output {o} is not continuous across the shared facet")
        lambdas.append(lam)
    return TableEdge(i, j, row, tuple(lambdas))


def _primitive(row: Sequence[Fraction]) -> tuple[int, ...]:
    scale = lcm(*(q.denominator for q in row))
    ints = [int(q * scale) for q in row]
    g = gcd(*ints) or 1
    return tuple(a // g for a in ints)


def _q(text: object) -> Fraction:
    if not isinstance(text, str):
        raise InvalidArgument(f"certificate number {text!r} is not a string")
    try:
        return parse_rational_text(text, "certificate number")
    except InvalidNumber as exc:
        raise InvalidArgument(str(exc)) from None

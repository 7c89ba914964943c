"""The public entry point: :func:`partition` and the :class:`Partition` it returns.

It runs the enumerator, derives facets, witnesses and adjacency, and packages the result as
immutable :class:`~exactrelu.region.Region` objects, a networkx graph, the linear-piece count and
the partition JSON of DESIGN.md.  An interrupted run (Ctrl-C) keeps every region found so far and
says the partition is incomplete.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property
from fractions import Fraction
from math import gcd
from typing import Callable, Sequence

import networkx as nx

from .adjacency import Adjacency, find_adjacencies
from .continuity import ContinuityProof, continuity_proof
from .domain import Domain
from .enumerate import RawRegion, enumerate_regions
from .errors import InvalidArgument, InvalidDomain, UnsupportedModel
from .facets import FacetData, region_facets, witness_point
from .network import Network
from .rational import format_rational, to_rational
from .region import Facet, Region

__all__ = ["Partition", "partition", "default_domain", "DD_MAX_DIM"]

# Above this input dimension the vertex (double-description) engine is out of reach (a box has
# 2**d vertices) and "auto" picks the LP engine.
DD_MAX_DIM = 10
_ENGINES = ("auto", "dd", "lp")


@dataclass(frozen=True)
class Partition:
    """Every activation region of a network on a domain, with the adjacency between them."""

    network: Network
    domain: Domain
    regions: tuple[Region, ...]
    adjacencies: tuple[Adjacency, ...]
    complete: bool = True
    seconds: float = 0.0

    @property
    def edges(self) -> tuple[tuple[int, int], ...]:
        """Adjacent pairs ``(i, j)``, ``i < j``, each once."""
        return tuple(sorted({(a.first, a.second) for a in self.adjacencies}))

    @cached_property
    def graph(self) -> nx.Graph:
        """Regions as nodes (attribute ``region``), adjacent pairs as edges with attributes
        ``facets`` (the shared facets as ``(facet index in i, facet index in j)``) and
        ``continuity`` (a :class:`~exactrelu.continuity.ContinuityProof` per shared facet)."""
        g = nx.Graph()
        for i, region in enumerate(self.regions):
            g.add_node(i, region=region)
        for a, proof in zip(self.adjacencies, self.continuity_proofs()):
            if not g.has_edge(a.first, a.second):
                g.add_edge(a.first, a.second, facets=[], continuity=[])
            data = g.edges[a.first, a.second]
            data["facets"].append((a.first_facet, a.second_facet))
            data["continuity"].append(proof)
        return g

    def continuity_proofs(self) -> list[ContinuityProof]:
        """One exact continuity proof per shared facet, in the order of ``adjacencies``."""
        proofs = []
        for a in self.adjacencies:
            r, s = self.regions[a.first], self.regions[a.second]
            point = tuple(Fraction(v, a.point[0]) for v in a.point[1:])
            proofs.append(continuity_proof(a.first, a.second, r, s, r.facets[a.first_facet].row, point))
        return proofs

    @property
    def linear_pieces(self) -> int:
        """Number of maximal facet-connected sets of regions sharing one affine map."""
        parent = list(range(len(self.regions)))

        def find(i):
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        keys = [_map_key(r) for r in self.regions]
        for i, j in self.edges:
            if keys[i] == keys[j]:
                parent[find(i)] = find(j)
        return len({find(i) for i in range(len(self.regions))})

    def locate(self, x: Sequence[object]) -> int | None:
        """Index of a region whose closure contains ``x`` (exact), or None outside the domain."""
        point = [to_rational(v, f"coordinate {i + 1}") for i, v in enumerate(x)]
        if len(point) != self.domain.dim:
            raise InvalidDomain(f"point has {len(point)} coordinates, expected {self.domain.dim}")
        for i, region in enumerate(self.regions):
            if region.contains(point):
                return i
        return None

    def summary(self) -> dict:
        return {
            "regions": len(self.regions),
            "edges": len(self.edges),
            "linear_pieces": self.linear_pieces,
            "complete": self.complete,
        }

    def to_json(self) -> dict:
        """The partition JSON of DESIGN.md (every rational a string)."""
        net = self.network
        return {
            "format": "exactrelu-partition",
            "version": 1,
            "reading": net.reading,
            "domain": self.domain.to_json(),
            "input_names": list(net.input_names),
            "output_names": list(net.output_names),
            "regions": [_region_json(r) for r in self.regions],
            "edges": [list(e) for e in self.edges],
            "summary": self.summary(),
        }


def _region_json(region: Region) -> dict:
    return {
        "pattern": [list(layer) for layer in region.pattern],
        "point": [format_rational(v) for v in region.point],
        "map": {
            "weight": [[format_rational(v) for v in row] for row in region.weight],
            "bias": [format_rational(v) for v in region.bias],
        },
    }


def _map_key(region: Region) -> tuple:
    g = gcd(region.map_den, *(a for row in region.map_rows for a in row))
    return (region.map_den // g,) + tuple(a // g for row in region.map_rows for a in row)


def default_domain(network: Network) -> Domain:
    box = network.metadata.get("default_box")
    if box is None:
        raise InvalidDomain("no domain given: pass --box or --polytope (this network has no default domain)")
    return Domain.box(box)


def partition(
    network: Network,
    domain: Domain | None = None,
    *,
    on_region: Callable[[int], None] | None = None,
    recorder=None,
    engine: str = "auto",
) -> Partition:
    """Enumerate every activation region of ``network`` on ``domain`` exactly.

    Parameters: ``network`` an exact :class:`Network` (see :func:`exactrelu.load`); ``domain`` a
    :class:`Domain` (default: the network's own default box, if it has one); ``on_region`` called
    with the running count after each region is found (progress bars); ``recorder`` receives the
    sign-split tree (see :mod:`exactrelu.certify`) and, at the end, the regions in final order
    (vertex engine only); ``engine`` is ``"dd"`` (vertex enumeration, fast in low dimension),
    ``"lp"`` (exact LPs, any dimension, see :mod:`exactrelu.lp_engine`) or ``"auto"`` (``"lp"``
    when the domain has more than ``DD_MAX_DIM`` dimensions).

    Returns a :class:`Partition`.  Ctrl-C stops the work early: the regions found so far are kept
    and ``complete`` is False (interrupted while matching facets, the edges are left out).

    >>> from exactrelu.example import EXAMPLE
    >>> p = partition(EXAMPLE)
    >>> len(p.regions), len(p.edges), p.linear_pieces
    (4, 4, 4)
    """
    if domain is None:
        domain = default_domain(network)
    if domain.dim != network.n_inputs:
        raise InvalidDomain(f"domain has {domain.dim} dimensions, network has {network.n_inputs} inputs")
    if engine not in _ENGINES:
        raise InvalidArgument(f"engine is {engine!r}, expected one of 'auto', 'dd', 'lp'")
    start = time.perf_counter()
    if engine == "lp" or (engine == "auto" and domain.dim > DD_MAX_DIM):
        if recorder is not None:
            raise UnsupportedModel(f"certificates need the vertex engine (engine='dd', at most {DD_MAX_DIM} "
                                   f"input dimensions); this run uses the LP engine in {domain.dim} dimensions")
        from .lp_engine import lp_partition

        regions, adjacencies, complete = lp_partition(network, domain, on_region)
        return Partition(network, domain, regions, adjacencies, complete, time.perf_counter() - start)
    raws, complete = collect_regions(enumerate_regions(network, domain, recorder=recorder), on_region)
    if recorder is not None and complete:
        recorder.finish(raws)
    raws, facets, adjacencies, finished = facets_and_adjacency(raws, region_facets, find_adjacencies)
    complete = complete and finished
    neighbours = neighbour_lists(adjacencies)
    regions = tuple(_build_region(i, raw, fs, neighbours) for i, (raw, fs) in enumerate(zip(raws, facets)))
    return Partition(network, domain, regions, tuple(adjacencies), complete, time.perf_counter() - start)


def collect_regions(found, on_region) -> tuple[list, bool]:
    """Every region an engine yields, sorted by pattern, and whether it finished: Ctrl-C stops the
    enumeration and keeps what was found."""
    raws: list = []
    complete = True
    try:
        for raw in found:
            raws.append(raw)
            if on_region is not None:
                on_region(len(raws))
    except KeyboardInterrupt:
        complete = False
    raws.sort(key=lambda r: r.pattern)
    return raws, complete


def facets_and_adjacency(raws: list, facets_of, adjacencies_of) -> tuple[list, list, list, bool]:
    """Facets of every region, then adjacency; a Ctrl-C keeps the regions finished so far (and no
    edges if it comes during adjacency).  Returns ``(raws, facets, adjacencies, finished)``."""
    facets: list = []
    try:
        for raw in raws:
            facets.append(facets_of(raw))
    except KeyboardInterrupt:
        return raws[: len(facets)], facets, [], False
    try:
        return raws, facets, adjacencies_of(raws, facets), True
    except KeyboardInterrupt:
        return raws, facets, [], False


def neighbour_lists(adjacencies) -> dict[tuple[int, int], list[int]]:
    """``(region, facet index) -> regions across that facet``."""
    neighbours: dict[tuple[int, int], list[int]] = {}
    for a in adjacencies:
        neighbours.setdefault((a.first, a.first_facet), []).append(a.second)
        neighbours.setdefault((a.second, a.second_facet), []).append(a.first)
    return neighbours


def _build_region(i: int, raw: RawRegion, facets: list[FacetData], neighbours: dict) -> Region:
    public = tuple(
        Facet(f.row, tuple(f.carriers), tuple(sorted(neighbours.get((i, fi), ()))), tuple(f.vertices))
        for fi, f in enumerate(facets)
    )
    return Region(
        pattern=raw.pattern,
        point=witness_point(raw, facets),
        facets=public,
        vertices_h=tuple(raw.cell.verts),
        map_rows=raw.output.rows,
        map_den=raw.output.den,
    )

"""The public entry points: :func:`partition` (and the :class:`Partition` it returns) and
:func:`certify`.

Both take what users have: any network :func:`~exactrelu.loaders.load` reads (a path, a
:class:`~exactrelu.network.Network`, an ONNX model, a torch module) and a domain as a
:class:`~exactrelu.geometry.domain.Domain` or a box as ``(lo, hi)`` pairs.  The work is done by
the engines (:mod:`exactrelu.engines.run`), the graph, pieces and continuity by
:mod:`exactrelu.analysis`, the certificate by :mod:`exactrelu.certificate`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .analysis.boundary import Boundary, decision_boundary
from .analysis.continuity import ContinuityProof, continuity_proofs
from .analysis.decisions import Decisions, decision_regions
from .analysis.dof import DegreesOfFreedom, degrees_of_freedom
from .analysis.graph import adjacency_graph
from .analysis.pieces import pieces_of_maps
from .certificate.producer import produce_certificate
from .engines.dd import DD_MAX_DIM
from .engines.parallel import run_parallel
from .engines.run import EngineResult, Progress, run
from .errors import InvalidArgument, InvalidDomain, kind_of
from .export.geometry_json import region_geometry_json, slice_json
from .export.json_stream import Items, write_document
from .geometry.domain import Domain
from .loaders import load
from .location import PointLocator
from .network import Network
from .rational import listlike
from .region import Adjacency, Region

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Partition", "partition", "certify", "default_domain", "as_domain", "DD_MAX_DIM"]


@dataclass(frozen=True, eq=False)
class Partition:
    """Every activation region of a network on a domain, with the adjacency between them.

    Equal partitions compare equal (``seconds`` takes no part).  The public regions are made when
    first asked for: writing the partition JSON or its summary does not need them."""

    network: Network
    domain: Domain
    found: EngineResult = field(repr=False)
    seconds: float = 0.0

    @property
    def regions(self) -> tuple[Region, ...]:
        return self.found.regions

    @property
    def adjacencies(self) -> tuple[Adjacency, ...]:
        return self.found.adjacencies

    @property
    def complete(self) -> bool:
        """False if Ctrl-C cut the run short (the regions found so far are kept)."""
        return self.found.complete

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Partition):
            return NotImplemented
        # by content: what the partition JSON says, and the regions' facets (not their vertices, nor
        # the points on shared facets: derived geometry, which not every run keeps)
        return (self.network, self.domain, self.complete, self.regions, self.edges) == (
            other.network,
            other.domain,
            other.complete,
            other.regions,
            other.edges,
        )

    __hash__ = None  # type: ignore[assignment]  # equal partitions, like their regions, are values

    @cached_property
    def edges(self) -> tuple[tuple[int, int], ...]:
        """Adjacent pairs ``(i, j)``, ``i < j``, each once."""
        return tuple(sorted({(a.first, a.second) for a in self.adjacencies}))

    @cached_property
    def graph(self) -> nx.Graph:
        """See :func:`~exactrelu.analysis.graph.adjacency_graph`."""
        return adjacency_graph(self.regions, self.adjacencies)

    def continuity_proofs(self) -> list[ContinuityProof]:
        """One exact continuity proof per shared facet, in the order of ``adjacencies``."""
        return continuity_proofs(self.regions, self.adjacencies)

    @cached_property
    def linear_pieces(self) -> int:
        """Number of maximal facet-connected sets of regions sharing one affine map."""
        return len(pieces_of_maps(self.found.map_keys(), self.edges))

    def boundary(self) -> Boundary:
        """The exact decision boundary (see :func:`~exactrelu.analysis.boundary.decision_boundary`).

        >>> from exactrelu import EXAMPLE
        >>> [(p.region, p.hyperplane) for p in partition(EXAMPLE).boundary().pieces]
        [(1, (5, -4, -4)), (3, (5, -8, 0))]
        """
        return decision_boundary(self.regions, self.adjacencies)

    def decisions(self) -> Decisions:
        """Where each class wins (see :func:`~exactrelu.analysis.decisions.decision_regions`)."""
        return decision_regions(self.regions, self.adjacencies)

    def dof(self) -> DegreesOfFreedom:
        """The dimension of the continuous piecewise-affine functions on this partition, beside
        ``regions x (d + 1)`` and the network's parameter count (one number for every output).

        >>> from exactrelu import EXAMPLE
        >>> partition(EXAMPLE).dof().to_json()
        {'continuous_dim': 5, 'free_dim': 12, 'parameters': 12}
        """
        return degrees_of_freedom(self.regions, self.adjacencies, self.network)

    @cached_property
    def _locator(self) -> PointLocator:
        return PointLocator(self.network, self.domain, [r.pattern for r in self.regions])

    def locate(self, x: Sequence[object]) -> int | None:
        """The lowest index of a region whose closure contains ``x`` (exact), or None outside the domain."""
        return self._locator.locate_many([x])[0]

    def locate_many(self, points: Sequence[Sequence[object]]) -> list[int | None]:
        """:meth:`locate` for a batch, by one exact forward pass (:mod:`exactrelu.location`): the lowest
        index of a region whose closure contains each point, or None outside the domain."""
        return self._locator.locate_many(points)

    def summary(self) -> dict:
        return {
            "regions": len(self.found.raws),
            "edges": len(self.edges),
            "linear_pieces": self.linear_pieces,
            "complete": self.complete,
        }

    def to_json(self, geometry: bool = False) -> dict:
        """The partition JSON of docs/formats.md (every rational a string); ``geometry`` adds each
        region's ``vertices`` and ``facets``.  A sliced network's plane is recorded as ``"slice"``."""
        return {
            key: list(value.values()) if isinstance(value, Items) else value for key, value in self._fields(geometry)
        }

    def write_json(self, stream: IO[str] | str | os.PathLike, geometry: bool = False) -> None:
        """Write :meth:`to_json`'s document to ``stream`` (a text stream, or a file's path) one region
        per line, without holding it in memory."""
        if isinstance(stream, (str, os.PathLike)):
            with open(stream, "w", encoding="utf-8") as file:
                write_document(file, self._fields(geometry))
            return
        if not hasattr(stream, "write"):
            raise InvalidArgument(f"write_json takes a text stream or a path, not {kind_of(stream)}")
        write_document(stream, self._fields(geometry))

    def _fields(self, geometry: bool) -> Iterator[tuple[str, Any]]:
        net = self.network
        yield from (
            ("format", "exactrelu-partition"),
            ("version", 1),
            ("reading", net.reading),
            ("domain", self.domain.to_json()),
            ("input_names", list(net.input_names)),
            ("output_names", list(net.output_names)),
        )
        yield from slice_json(net.metadata).items()
        if not geometry:
            yield "regions", Items(self.found.iter_lines(), encoded=True)
        else:
            regions = (r.to_json() | region_geometry_json(r) if geometry else r.to_json() for r in self.regions)
            yield "regions", Items(regions)
        yield "edges", Items((f"[{a}, {b}]" for a, b in self.edges), encoded=True)
        yield "summary", self.summary()


def default_domain(network: Network) -> Domain:
    """The network's own input box (``.nnet`` files carry one), else a one-line refusal."""
    box = network.metadata.get("default_box")
    if box is None:
        raise InvalidDomain(
            "no domain given (this network has no default domain): a box or polytope, with --box or --polytope on the command line"
        )
    return Domain.box(box)


def check_run_options(jobs: object, progress: object, checkpoint: object, dask: object) -> None:
    """Refuse, before any work, options of :func:`partition` and :func:`certify` of the wrong kind."""
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise InvalidArgument(f"jobs is {jobs!r}, expected an integer of at least 1")
    if progress is not None and not callable(progress):
        raise InvalidArgument(f"progress is {kind_of(progress)}, expected a function progress(phase, done, total)")
    if checkpoint is not None and not isinstance(checkpoint, (str, os.PathLike)):
        raise InvalidArgument(f"checkpoint is {kind_of(checkpoint)}, expected a folder's path")
    if dask is not None and not isinstance(dask, str):
        raise InvalidArgument(f"dask is {kind_of(dask)}, expected 'local' or a scheduler address tcp://HOST:PORT")


def as_domain(domain: Domain | Sequence[tuple[object, object]] | None, network: Network) -> Domain:
    """A :class:`Domain` from a Domain, a box as ``(lo, hi)`` pairs, or None (the network's own)."""
    if domain is None:
        domain = default_domain(network)
    elif not isinstance(domain, Domain):
        if not listlike(domain):
            raise InvalidDomain(f"domain is {kind_of(domain)}; expected a Domain or a box as (lo, hi) pairs")
        domain = Domain.box(domain)
    domain.check_inputs(network.n_inputs)
    return domain


def partition(
    network: Any,
    domain: Domain | Sequence[tuple[object, object]] | None = None,
    *,
    engine: str = "auto",
    progress: Progress | None = None,
    jobs: int = 1,
    checkpoint: str | Path | None = None,
    dask: str | None = None,
    keep_vertices: bool = True,
) -> Partition:
    """Enumerate every activation region of ``network`` on ``domain`` exactly.

    Parameters: ``network`` anything :func:`~exactrelu.loaders.load` reads (a path, a
    :class:`Network`, an ONNX model, a torch module); ``domain`` a :class:`Domain`, a box as
    ``(lo, hi)`` pairs, or None for the network's own default box; ``engine`` ``"dd"`` (vertex
    enumeration, fast in low dimension), ``"lp"`` (exact LPs, any dimension) or ``"auto"``
    (``"lp"`` above ``DD_MAX_DIM`` input dimensions); ``progress(phase, done, total)`` is told
    how the run goes (phases ``"regions"``, each region's facets found as it finishes, then ``"adjacency"``); ``jobs`` processes
    share the walk (the result is identical for any number); ``checkpoint`` names a folder where
    finished parts are kept, so a run killed and started again resumes (it implies the split of
    :mod:`exactrelu.engines.parallel`, also with one job); ``dask`` walks the sub-trees on a Dask
    cluster instead of local processes: ``"local"`` starts one on this machine with ``jobs``
    workers, ``"tcp://HOST:PORT"`` uses a running scheduler (the ``dask`` extra).
    ``keep_vertices=False`` saves memory (about half on ACAS Xu): the vertex engine forgets a
    region's vertices as soon as all its facets are matched, so its ``Region.vertices`` and its
    facets' ``vertex_indices`` are empty and its shared facets have no points; the partition JSON,
    the summary and every other value are unchanged (a checkpointed run keeps them).

    Returns a :class:`Partition`.  Ctrl-C stops the work early: the regions found so far are kept
    and ``complete`` is False (interrupted while matching facets, the edges are left out).

    >>> from exactrelu import EXAMPLE
    >>> p = partition(EXAMPLE)
    >>> len(p.regions), len(p.edges), p.linear_pieces
    (4, 4, 4)
    >>> partition(EXAMPLE, [(0, 1), ("1/2", 1)]).summary()["regions"]
    3
    """
    check_run_options(jobs, progress, checkpoint, dask)
    net = load(network)
    dom = as_domain(domain, net)
    started = time.perf_counter()
    if jobs > 1 or checkpoint is not None or dask is not None:
        result = run_parallel(
            net,
            dom,
            engine,
            jobs=jobs,
            progress=progress,
            checkpoint=checkpoint,
            dask=dask,
            keep_vertices=keep_vertices,
        )
    else:
        result = run(net, dom, engine, progress=progress, keep_vertices=keep_vertices)
    seconds = time.perf_counter() - started
    return Partition(net, dom, result, seconds)


def certify(
    network: Any,
    domain: Domain | Sequence[tuple[object, object]] | None = None,
    *,
    progress: Progress | None = None,
    source_path: str | Path | None = None,
    boundary: bool = False,
    jobs: int = 1,
    checkpoint: str | Path | None = None,
    dask: str | None = None,
    engine: str = "auto",
) -> dict:
    """Enumerate the partition and return its certificate as a JSON-ready dict (docs/certificate.md).

    Takes the same ``network`` and ``domain`` as :func:`partition`.  ``source_path`` names the
    network file whose SHA-256 the certificate records (default: the file it was loaded from).
    ``boundary=True`` adds the exact decision boundary (the optional key ``boundary``).
    ``jobs``, ``checkpoint`` and ``dask`` split the work as for :func:`partition`; the certificate
    is byte-identical for any split.  ``engine``: ``"dd"`` the vertex form (at most ``DD_MAX_DIM``
    inputs), ``"lp"`` the constraint form (any dimension, one process, no boundary), ``"auto"``
    ``"lp"`` above ``DD_MAX_DIM`` inputs.
    Raises :class:`~exactrelu.errors.Interrupted` when interrupted: a certificate needs every region.

    >>> from exactrelu import EXAMPLE
    >>> certify(EXAMPLE)["summary"]
    {'regions': 4, 'edges': 4, 'linear_pieces': 4}
    """
    check_run_options(jobs, progress, checkpoint, dask)
    net = load(network)
    return produce_certificate(
        net,
        as_domain(domain, net),
        progress=progress,
        source_path=source_path,
        boundary=boundary,
        jobs=jobs,
        checkpoint=checkpoint,
        dask=dask,
        engine=engine,
    ).to_json()

"""One enumeration from start to finish, for either engine: walk, facets, adjacency, regions.

The steps around the walk are the same for both engines and written once here: each region's
facets are found as soon as the walk finishes it (then the forms it no longer needs are dropped,
which keeps memory small), the regions are sorted by pattern (so the result does not depend on the
walk's order), then adjacency, then the public :class:`~exactrelu.region.Region` values are
assembled.  Ctrl-C at any point keeps every region finished so far and marks the result incomplete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidArgument, InvalidDomain
from ..geometry.domain import Domain
from ..geometry.lp import LPSolver
from ..network import Network
from ..region import Adjacency, Facet, Region
from .collector import paused_gc
from .dd import DD_MAX_DIM, VertexEngine
from .facets import FacetData
from .forms import IntegerNetwork
from .lp import ConstraintEngine
from .recorder import TreeRecorder
from .walk import RawRegion, walk

__all__ = [
    "ENGINES",
    "Engine",
    "Found",
    "assemble",
    "with_facets",
    "EngineResult",
    "Progress",
    "choose_engine",
    "enumerate_regions",
    "make_engine",
    "run",
]

ENGINES = ("auto", "dd", "lp")

# progress(phase, done, total): phase "regions" (total None), "adjacency" (done, total 0/1)
Progress = Callable[[str, int, "int | None"], None]


@dataclass(frozen=True, slots=True)
class EngineResult:
    """What one run found: the engine's own regions (in final order), the public regions, the
    adjacencies between them, and whether the run finished."""

    raws: list[RawRegion[Any]]
    regions: tuple[Region, ...]
    adjacencies: tuple[Adjacency, ...]
    complete: bool
    lines: tuple[str, ...] | None = None  # each region's partition JSON entry as text, when made already


def choose_engine(engine: str, dim: int) -> str:
    """``"dd"`` or ``"lp"`` for the requested ``engine`` in ``dim`` input dimensions."""
    if engine not in ENGINES:
        raise InvalidArgument(f"engine is {engine!r}, expected one of 'auto', 'dd', 'lp'")
    if engine == "auto":
        return "lp" if dim > DD_MAX_DIM else "dd"
    return engine


Engine = VertexEngine | ConstraintEngine


def make_engine(domain: Domain, engine: str, solver: LPSolver | None = None) -> Engine:
    if choose_engine(engine, domain.dim) == "dd":
        return VertexEngine(domain)
    return ConstraintEngine(domain, solver or LPSolver())


def enumerate_regions(
    network: Network, domain: Domain, engine: str = "auto", solver: LPSolver | None = None
) -> Iterator[RawRegion[Any]]:
    """Every activation region as the engine finds it (the walk alone: no facets, no adjacency)."""
    return walk(IntegerNetwork.of(network), make_engine(domain, engine, solver))


def run(
    network: Network,
    domain: Domain,
    engine: str = "auto",
    *,
    progress: Progress | None = None,
    recorder: TreeRecorder | None = None,
    solver: LPSolver | None = None,
) -> EngineResult:
    """Enumerate every activation region of ``network`` on ``domain`` with the chosen engine."""
    if domain.dim != network.n_inputs:
        raise InvalidDomain(f"domain has {domain.dim} dimensions, network has {network.n_inputs} inputs")
    strategy = make_engine(domain, engine, solver)
    with paused_gc():
        found, complete = collect_regions(walk(IntegerNetwork.of(network), strategy, recorder), strategy, progress)
        result = assemble(found, strategy, progress)
    return EngineResult(result.raws, result.regions, result.adjacencies, complete and result.complete)


Found = tuple[RawRegion[Any], list[FacetData]]


def with_facets(raw: RawRegion[Any], strategy: Engine) -> Found:
    """A region the walk just finished, with its facets; its layers' forms are dropped (the
    largest part of a region) unless the engine's adjacency needs them."""
    facets = strategy.facets(raw)
    if not strategy.adjacency_uses_forms:
        raw.forms = ()
    return raw, facets


def assemble(found: list[Found], strategy: Engine, progress: Progress | None = None) -> EngineResult:
    """Adjacency and public regions of the regions an engine found, sorted by pattern (so the
    result does not depend on the walk's order); ``complete`` is False if Ctrl-C cut this short."""
    found = sorted(found, key=lambda pair: pair[0].pattern)
    raws = [raw for raw, _ in found]
    facets = [fs for _, fs in found]
    adjacencies, finished = find_adjacencies(raws, facets, strategy, progress)
    return EngineResult(raws, build_regions(raws, facets, adjacencies, strategy), tuple(adjacencies), finished)


def collect_regions(
    found: Iterable[RawRegion], strategy: Engine, progress: Progress | None
) -> tuple[list[Found], bool]:
    """Every region an engine yields, with its facets found at once, and whether the walk
    finished: Ctrl-C stops it and keeps what was found."""
    regions: list[Found] = []
    complete = True
    try:
        for raw in found:
            regions.append(with_facets(raw, strategy))
            if progress is not None:
                progress("regions", len(regions), None)
    except KeyboardInterrupt:
        complete = False
    return regions, complete


def find_adjacencies(
    raws: list[RawRegion],
    facets: list[list[FacetData]],
    strategy: Engine,
    progress: Progress | None,
    known: list[tuple[int, int, int, int]] | None = None,
) -> tuple[list[Adjacency], bool]:
    """Adjacency of all regions, and whether it finished (Ctrl-C: no edges); ``known``: shared
    facets the vertex engine's workers already matched (``VertexEngine.identical_pairs``)."""
    try:
        if progress is not None:
            progress("adjacency", 0, 1)
        if known:
            assert isinstance(strategy, VertexEngine), "only the vertex engine matches facets in workers"
            adjacencies = strategy.adjacencies(raws, facets, known)
        else:
            adjacencies = strategy.adjacencies(raws, facets)
        if progress is not None:
            progress("adjacency", 1, 1)
        return adjacencies, True
    except KeyboardInterrupt:
        return [], False


def neighbour_lists(adjacencies: Iterable[Adjacency]) -> dict[tuple[int, int], list[int]]:
    """``(region, facet index) -> regions across that facet``."""
    neighbours: dict[tuple[int, int], list[int]] = {}
    for a in adjacencies:
        neighbours.setdefault((a.first, a.first_facet), []).append(a.second)
        neighbours.setdefault((a.second, a.second_facet), []).append(a.first)
    return neighbours


def build_regions(
    raws: list[RawRegion], facets: list[list[FacetData]], adjacencies: list[Adjacency], strategy: Engine
) -> tuple[Region, ...]:
    """The public regions, with their facets' carriers and neighbours and a witness point."""
    neighbours = neighbour_lists(adjacencies)
    regions = []
    for i, (raw, fs) in enumerate(zip(raws, facets)):
        public = tuple(
            Facet(f.row, tuple(f.carriers), tuple(sorted(neighbours.get((i, fi), ()))), tuple(f.vertices))
            for fi, f in enumerate(fs)
        )
        regions.append(
            Region(
                pattern=raw.pattern,
                point=strategy.witness(raw, fs),
                facets=public,
                vertices_h=strategy.vertices(raw.cell),
                map_rows=raw.output.rows,
                map_den=raw.output.den,
            )
        )
    return tuple(regions)

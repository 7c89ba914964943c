"""One enumeration from start to finish, for either engine: walk, facets, adjacency, regions.

The steps around the walk are the same for both engines and written once here: each region's
facets are found as soon as the walk finishes it (then the forms it no longer needs are dropped,
which keeps memory small), the regions are sorted by pattern (so the result does not depend on the
walk's order), then adjacency, then the public :class:`~exactrelu.region.Region` values are
assembled.  Ctrl-C at any point keeps every region finished so far and marks the result incomplete.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import Any

from ..errors import InvalidArgument
from ..geometry.domain import Domain
from ..geometry.lp import LPSolver
from ..interrupts import atomic
from ..network import Network
from ..region import Adjacency, Facet, Region, map_key_of, region_line
from .collector import paused_gc
from .dd import DD_MAX_DIM, VertexEngine
from .dd_adjacency import Matched
from .facets import FacetData
from .forms import IntegerNetwork
from .lp import ConstraintEngine
from .packed import PackedMap, Point, packed_point, point_of
from .recorder import TreeRecorder
from .settling import Settling
from .spooled import SpooledLines
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


class EngineResult:
    """What one run found, in final (pattern) order: the engine's own regions with their facets and
    witness points, the adjacencies between them, and whether the run finished.  The public
    :class:`~exactrelu.region.Region` values and the regions' partition JSON text are made on first
    use (writing a partition needs only the text, which workers may have made already)."""

    __slots__ = ("raws", "facets", "points", "adjacencies", "complete", "_strategy", "_lines", "_spooled", "_regions")

    def __init__(
        self,
        raws: list[RawRegion[Any]],
        facets: list[list[FacetData]],
        points: Sequence[Point],
        adjacencies: tuple[Adjacency, ...],
        complete: bool,
        strategy: Engine,
        lines: Sequence[str | int | None] | None = None,
        spooled: SpooledLines | None = None,
    ):
        self.raws = raws
        self.facets = facets
        self.points = points
        self.adjacencies = adjacencies
        self.complete = complete
        self._strategy = strategy
        self._lines = lines  # each region's text, or its number in ``spooled``, or None: not made yet
        self._spooled = spooled
        self._regions: tuple[Region, ...] | None = None

    @property
    def regions(self) -> tuple[Region, ...]:
        """The public regions, with their facets' carriers and neighbours and their witness points."""
        if self._regions is None:
            self._regions = build_regions(self.raws, self.facets, self.adjacencies, self.points, self._strategy)
        return self._regions

    @property
    def lines(self) -> tuple[str, ...]:
        """Each region's partition JSON entry as text (what :meth:`Region.to_json` gives)."""
        lines = tuple(self.iter_lines())
        self._lines = lines
        return lines

    def iter_lines(self) -> Iterator[str]:
        """:attr:`lines` one by one, each made when needed and not kept (ACAS Xu's are ~9 kB each)."""
        given = self._lines if self._lines is not None else [None] * len(self.raws)
        for line, raw, point in zip(given, self.raws, self.points):
            if line is None:
                yield region_line(raw.pattern, point_of(point), raw.output.rows, raw.output.den)
            elif isinstance(line, int):
                assert self._spooled is not None, "a line's number needs the file it is in"
                yield self._spooled.text(line)
            else:
                yield line

    def map_keys(self) -> list[Hashable]:
        """Each region's exact output map in a form where equal keys mean equal maps."""
        if len({raw.output.den for raw in self.raws}) <= 1:  # one denominator (the composition's): rows decide
            if any(isinstance(raw.output, PackedMap) for raw in self.raws):  # (equal bytes: equal rows)
                return [PackedMap(raw.output).data for raw in self.raws]
            return [raw.output.rows for raw in self.raws]
        return [map_key_of(raw.output.rows, raw.output.den) for raw in self.raws]


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
    keep_vertices: bool = True,
) -> EngineResult:
    """Enumerate every activation region of ``network`` on ``domain`` with the chosen engine.
    ``keep_vertices=False``: the vertex engine drops a region's vertices once all its facets are
    matched (see :class:`FoundRegions`)."""
    domain.check_inputs(network.n_inputs)
    strategy = make_engine(domain, engine, solver)
    with paused_gc():
        walked = walk(IntegerNetwork.of(network), strategy, recorder)
        regions, complete = collect_regions(walked, strategy, progress, keep_vertices)
        result = assemble(regions.found, strategy, progress, regions.points, matched=regions.matched())
    result.complete = complete and result.complete
    return result


Found = tuple[RawRegion[Any], list[FacetData]]


def with_facets(raw: RawRegion[Any], strategy: Engine) -> Found:
    """A region the walk just finished, with its facets; its layers' forms are dropped (the
    largest part of a region) unless the engine's adjacency needs them."""
    facets = strategy.facets(raw)
    if not strategy.adjacency_uses_forms:
        raw.forms = ()
    return raw, facets


def assemble(
    found: list[Found],
    strategy: Engine,
    progress: Progress | None = None,
    points: Sequence[Point | None] | None = None,
    lines: Sequence[str | int | None] | None = None,
    matched: Matched | None = None,
    spooled: SpooledLines | None = None,
) -> EngineResult:
    """Adjacency and witness points of the regions an engine found, sorted by pattern (so the
    result does not depend on the walk's order); ``complete`` is False if Ctrl-C cut this short.
    ``points`` and ``lines``: the regions' witness points and JSON text (or its number in
    ``spooled``) where made already (None: not yet); ``matched``: the shared facets matched already
    and the facets left open (by position in ``found``), else every facet is matched here."""
    order = sorted(range(len(found)), key=lambda k: found[k][0].pattern)
    raws = [found[k][0] for k in order]
    facets = [found[k][1] for k in order]
    if matched is None:
        adjacencies, finished = find_adjacencies(raws, facets, strategy, progress)
    else:
        position = [0] * len(order)
        for new, old in enumerate(order):
            position[old] = new
        known = [(position[r], fi, position[s], fj) for r, fi, s, fj in matched.pairs]
        unmatched = [(position[r], fi) for r, fi in matched.unmatched]
        adjacencies, finished = find_adjacencies(raws, facets, strategy, progress, known, unmatched)
    given = [points[k] for k in order] if points is not None else [None] * len(order)
    witnesses = [p if p is not None else strategy.witness(raw, fs) for p, raw, fs in zip(given, raws, facets)]
    ordered_lines = [lines[k] for k in order] if lines is not None else None
    return EngineResult(raws, facets, witnesses, tuple(adjacencies), finished, strategy, ordered_lines, spooled)


class FoundRegions:
    """The regions an engine finishes, each with its facets and witness point found at once; the
    vertex engine's facets are matched as regions arrive (:class:`Settling`).  Without
    ``keep_vertices`` a region keeps only what the partition JSON needs, packed, once its facets
    have all met.  ``drop_guides``: as :class:`Settling` (a worker keeps them: the regions still
    waiting at the end of its task travel with them, and the main process needs them)."""

    def __init__(self, strategy: Engine, keep_vertices: bool = True, drop_guides: bool = True):
        self.strategy = strategy
        self.keep_vertices = keep_vertices
        self.found: list[Found] = []
        self.points: list[Point] = []  # packed without keep_vertices
        vertex_engine = isinstance(strategy, VertexEngine)
        self.settling = Settling(self.found, keep_vertices, drop_guides) if vertex_engine else None
        # one object per distinct layer pattern: ACAS Xu's 3,675 regions on c +- 0.02 have 17 last layers
        self.layer_patterns: dict[tuple[int, ...], tuple[int, ...]] = {}

    @atomic  # a Ctrl-C waits for the region: its facets, point and matches stay in step
    def add(self, raw: RawRegion[Any]) -> None:
        layers = self.layer_patterns
        raw.pattern = tuple([layers.setdefault(bits, bits) for bits in raw.pattern])
        raw, facets = with_facets(raw, self.strategy)
        point = self.strategy.witness(raw, facets)
        if not self.keep_vertices:  # until it is written a region needs neither in full
            raw.output, point = PackedMap(raw.output), packed_point(point)
        self.found.append((raw, facets))
        self.points.append(point)
        if self.settling is not None:
            self.settling.add(len(self.found) - 1)

    def matched(self) -> Matched | None:
        """The facets matched so far and those left open (None for the LP engine: nothing matched)."""
        return self.settling.matched() if self.settling is not None else None


def collect_regions(
    found: Iterable[RawRegion], strategy: Engine, progress: Progress | None, keep_vertices: bool = True
) -> tuple[FoundRegions, bool]:
    """Every region an engine yields (:class:`FoundRegions`), and whether the walk finished: Ctrl-C
    stops it and keeps what was found."""
    regions = FoundRegions(strategy, keep_vertices)
    complete = True
    try:
        for raw in found:
            regions.add(raw)
            if progress is not None:
                progress("regions", len(regions.found), None)
    except KeyboardInterrupt:
        complete = False
    return regions, complete


def find_adjacencies(
    raws: list[RawRegion],
    facets: list[list[FacetData]],
    strategy: Engine,
    progress: Progress | None,
    known: list[tuple[int, int, int, int]] | None = None,
    unmatched: list[tuple[int, int]] | None = None,
) -> tuple[list[Adjacency], bool]:
    """Adjacency of all regions, and whether it finished (Ctrl-C: no edges); ``known``: shared
    facets the vertex engine's workers already matched and ``unmatched`` the facets they left open
    (``VertexEngine.identical_pairs``)."""
    try:
        if progress is not None:
            progress("adjacency", 0, 1)
        if known is not None:
            assert isinstance(strategy, VertexEngine), "only the vertex engine matches facets in workers"
            adjacencies = strategy.adjacencies(raws, facets, known, unmatched)
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
    raws: list[RawRegion],
    facets: list[list[FacetData]],
    adjacencies: Sequence[Adjacency],
    points: Sequence[Point],
    strategy: Engine,
) -> tuple[Region, ...]:
    """The public regions, with their facets' carriers and neighbours and their witness points."""
    neighbours = neighbour_lists(adjacencies)
    regions = []
    for i, (raw, fs, packed) in enumerate(zip(raws, facets, points)):
        point = point_of(packed)
        vertices = strategy.vertices(raw.cell)  # none from the LP engine: nor are its facets' indices given
        public = tuple(
            Facet(
                f.row,
                tuple(f.carriers),
                tuple(sorted(neighbours.get((i, fi), ()))),
                tuple(f.vertices) if vertices else (),
            )
            for fi, f in enumerate(fs)
        )
        regions.append(
            Region(
                pattern=raw.pattern,
                point=point,
                facets=public,
                vertices_h=vertices,
                map_rows=raw.output.rows,
                map_den=raw.output.den,
            )
        )
    return tuple(regions)

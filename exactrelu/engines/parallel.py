"""Many cores or a cluster: the walk split into independent sub-trees, each walked by a worker.

The walk is grown breadth-first in this process until its frontier holds enough tasks (cells with
their paths: plain picklable values), then every task is walked by a worker (this process, a local
helper process or a Dask worker: :mod:`exactrelu.engines.executors`), which also finds the facets,
the witness point and the JSON text of the regions it reaches and the facets they share with each
other (all per-region work).  Each region's cell depends only on its path, never on which worker
walked it or when, so merging by canonical pattern gives the identical partition for any number of
workers; the facets shared across tasks are then matched here.

A run may also record its sign-split tree (certificates do): every worker records its sub-tree,
this process the frontier, and the pieces are numbered as the sequential depth-first walk numbers
them.  That walk finishes a task's whole sub-tree before it takes the next task from its stack, so
every sub-tree is one contiguous block of its numbering, and replaying the stack over the frontier
gives the blocks' order (:class:`SplitTree`).

Locally, this process walks sub-trees too and helper processes join it (:func:`_share_work`): the
frontier goes out as a few tasks of neighbouring cells, and a task hands back what is left of it as
soon as another process runs out of work.  With a checkpoint folder
(:mod:`exactrelu.engines.checkpoints`) every finished task is kept at once, and a run started again
with the same arguments walks only what is missing.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import queue
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from ..errors import InvalidArgument
from ..geometry.domain import Domain
from ..interrupts import SHIELD, atomic, release
from ..network import Network
from ..region import region_line
from .checkpoints import Checkpoint
from .collector import paused_gc
from .dd import VertexEngine
from .dd_adjacency import FacetRef, Pair
from .executors import Executor, open_executor, worker_state
from .facets import FacetData
from .forms import IntegerNetwork
from .packed import Point, point_of
from .recorder import Decision, Link, TreeRecorder
from .run import Engine, EngineResult, FoundRegions, Progress, assemble, make_engine, with_facets
from .settling import Settling
from .spooled import SpooledLines
from .walk import RawRegion, Task, WalkState, start, step

__all__ = ["run_parallel", "run_parallel_recorded", "frontier", "Split", "SplitTree", "TASKS_PER_JOB"]

TASKS_PER_JOB = 8  # enough sub-trees per worker to even out their sizes

R = TypeVar("R", bound=TreeRecorder)


# ---------------------------------------------------------------------- the frontier
class _Opened:
    """A recorder that also lists the nodes opened, in order, since it was last asked."""

    def __init__(self, recorder: TreeRecorder):
        self.recorder = recorder
        self.ids: list[int] = []

    def open(self, link: Link | None, layer: int, cell: object, decided: Sequence[Decision]) -> int:
        node = self.recorder.open(link, layer, cell, decided)
        self.ids.append(node)
        return node

    def split(self, node: int, neuron: int) -> None:
        self.recorder.split(node, neuron)

    def take(self) -> tuple[int, ...]:
        ids, self.ids = tuple(self.ids), []
        return ids


@dataclass(slots=True)
class Split:
    """The frontier: ``tasks`` for the workers, the regions ``found`` on the way, and ``order``: the
    sequential walk's order of the nodes opened here (a tuple of node ids) and of the tasks' sub-trees
    (a task index)."""

    tasks: list[Task[Any]]
    found: list[RawRegion[Any]]
    order: list[int | tuple[int, ...]] = field(default_factory=list)


def frontier(inet: IntegerNetwork, strategy: Engine, target: int, recorder: TreeRecorder | None = None) -> Split:
    """Grow the walk breadth-first until ``target`` tasks wait (or none is left).  Deterministic: the
    same input gives the same tasks in order."""
    log = _Opened(recorder) if recorder is not None else None
    state, found = start(inet, strategy, log)
    opened_first = log.take() if log is not None else ()
    queue = list(state.tasks)
    stepped: dict[int, tuple[Task[Any], tuple[int, ...], list[Task[Any]]]] = {}
    while queue and len(queue) < target:
        task = queue.pop(0)
        one = WalkState([task])
        found.extend(step(one, inet, strategy, log))
        stepped[id(task)] = (task, log.take() if log is not None else (), list(one.tasks))
        queue.extend(reversed(one.tasks))
    # replay the sequential walk's stack: a stepped task opens its nodes and pushes its children
    index = {id(task): i for i, task in enumerate(queue)}
    order: list[int | tuple[int, ...]] = [opened_first] if opened_first else []
    stack = list(state.tasks)
    while stack:
        task = stack.pop()
        if id(task) in index:
            order.append(index[id(task)])
        else:
            _, opened, pushed = stepped[id(task)]
            order.append(opened)
            stack.extend(pushed)
    return Split(queue, found, order)


# ---------------------------------------------------------------------- the workers
@functools.cache
def code_fingerprint() -> str:
    """SHA-256 of exactrelu's sources: a worker must run the very code the client runs (tasks and
    results are pickles of its classes, and a worker started before an upgrade keeps the old code)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class _Setup:
    """What every worker needs, sent once per worker, with the fingerprint of the sending code."""

    network: Network
    domain: Domain
    engine: str
    recorder: Callable[[Domain], TreeRecorder] | None
    code: str  # code_fingerprint() of the client
    keep_vertices: bool = True


@dataclass(frozen=True, slots=True)
class _WorkerState:
    inet: IntegerNetwork
    strategy: Engine
    recorder: Callable[[Domain], TreeRecorder] | None
    domain: Domain
    keep_vertices: bool = True  # False: a region's vertices are dropped once its facets are matched


def _start_worker(setup: _Setup) -> _WorkerState:
    if setup.code != code_fingerprint():
        raise InvalidArgument(
            f"a worker on {socket.gethostname()} runs other exactrelu code than this client (at {__file__}): "
            "install the same version on every worker and restart the workers"
        )
    strategy = make_engine(setup.domain, setup.engine)  # a fresh LP solver per worker
    return _WorkerState(IntegerNetwork.of(setup.network), strategy, setup.recorder, setup.domain, setup.keep_vertices)


@dataclass(slots=True)
class TaskResult:
    """What a worker sends back for one task: its regions (each with its facets and witness
    point) and, for a recorded run, its sub-tree's recorder with the nodes it opened in order."""

    index: int
    regions: list[tuple[RawRegion[Any], list[FacetData], Point]]
    recorder: Any = None
    opened: tuple[int, ...] = ()
    pairs: list[Pair] = field(default_factory=list)  # shared facets among these regions (vertex engine)
    unmatched: list[FacetRef] = field(default_factory=list)  # facets left open by them (vertex engine)
    # each region's partition JSON entry, as text (in this process: its number in a SpooledLines)
    lines: Sequence[str | int] = field(default_factory=list)
    rest: list[list[Task[Any]]] = field(default_factory=list)  # what is left when its time ran out, as tasks


def _walk_task(index: int, task: Sequence[Task[Any]], budget: float | None = None, spool: str | None = None):
    """The task's :class:`TaskResult`, pickled here: one message whatever the transport (Dask would
    otherwise send every region's arrays as a frame of its own), and the very bytes a checkpoint
    keeps.  With a ``spool`` folder the bytes go to a file there and its path comes back: a result of
    a few MB sent through the pool's pipe would keep this helper waiting until the busy client has
    read it, 64 kB at a time.  A sliced task (``budget``) also stops early when the client, out of
    work, leaves a file named :data:`HUNGRY` in the spool folder."""
    flag = os.path.join(spool, HUNGRY) if spool is not None and budget is not None else None
    wanted = functools.partial(os.path.exists, flag) if flag is not None else None
    with paused_gc():
        data = pickle.dumps(_walk(index, task, budget=budget, wanted=wanted), protocol=5)
    if spool is None:
        return data
    path = os.path.join(spool, f"{os.getpid()}-{index}")
    with open(path, "wb") as file:
        file.write(data)
    return path


def _unspool(path: str) -> bytes:
    with open(path, "rb") as file:
        data = file.read()
    os.unlink(path)
    return data


def _walk(
    index: int,
    task: Sequence[Task[Any]],
    work: _WorkerState | None = None,
    budget: float | None = None,
    wanted: Callable[[], bool] | None = None,
) -> TaskResult:
    """Walk one task (a few cells, each with its path: one for a recorded run) with ``work``
    (default: this worker's state) to the end, or for about ``budget`` seconds, or until ``wanted()``
    says another worker waits for work: what is left then comes back as two tasks (``rest``)."""
    if work is None:
        work = worker_state()
    deadline = time.monotonic() + budget if budget is not None else None
    strategy = work.strategy
    log = _Opened(work.recorder(work.domain)) if work.recorder is not None else None
    # the sub-tree's root hangs under a node of the frontier: the merge links it (SplitTree.grafts)
    state = WalkState([Task(t.cell, t.layer, t.forms, t.history, None) for t in task])
    # most shared facets join two regions of one sub-tree: matched here, in parallel (then, without
    # keep_vertices, their vertices need not travel); so is the JSON text
    found = FoundRegions(strategy, work.keep_vertices, drop_guides=False)
    while not state.done:
        for raw in step(state, work.inet, strategy, log):
            found.add(raw)
        if deadline is not None and time.monotonic() > deadline or wanted is not None and wanted():
            break
    left, state.tasks = state.tasks, []
    rest = [part for part in (left[: len(left) // 2], left[len(left) // 2 :]) if part]
    regions = [(raw, facets, point) for (raw, facets), point in zip(found.found, found.points)]
    matched = found.matched()
    pairs, unmatched = (matched.pairs, matched.unmatched) if matched is not None else ([], [])
    lines = [region_line(raw.pattern, point_of(point), raw.output.rows, raw.output.den) for raw, _, point in regions]
    if log is None:
        return TaskResult(index, regions, pairs=pairs, unmatched=unmatched, lines=lines, rest=rest)
    assert not rest, "a recorded walk keeps its tasks whole (the tree is numbered by them)"
    return TaskResult(index, regions, log.recorder, log.take(), pairs, unmatched, lines)


# ---------------------------------------------------------------------- the run
@dataclass(slots=True)
class SplitTree(Generic[R]):
    """A recorded parallel run's sign-split tree in pieces: the frontier's recorder (``None`` in
    ``parts``) and one per task, ``numbering[part][node]`` the node's number in the sequential
    walk, and ``grafts``: each task's root node (sequential number) and the link it hangs by."""

    parts: dict[int | None, R]
    numbering: dict[int | None, dict[int, int]]
    grafts: list[tuple[Link, int]]
    size: int


def run_parallel(
    network: Network,
    domain: Domain,
    engine: str = "auto",
    *,
    jobs: int,
    progress: Progress | None = None,
    checkpoint: str | Path | None = None,
    dask: str | None = None,
    keep_vertices: bool = True,
) -> EngineResult:
    """Enumerate with ``jobs`` local processes, or on Dask (``dask``: ``"local"`` for a local
    cluster of ``jobs`` workers, else a scheduler address); the result equals
    :func:`~exactrelu.engines.run.run`'s (``keep_vertices`` as there; a checkpoint keeps them)."""
    result, _ = run_parallel_recorded(
        network,
        domain,
        engine,
        jobs=jobs,
        progress=progress,
        checkpoint=checkpoint,
        dask=dask,
        keep_vertices=keep_vertices or checkpoint is not None,
    )
    return result


def run_parallel_recorded(
    network: Network,
    domain: Domain,
    engine: str = "auto",
    *,
    jobs: int,
    progress: Progress | None = None,
    checkpoint: str | Path | None = None,
    dask: str | None = None,
    recorder: Callable[[Domain], R] | None = None,
    keep_vertices: bool = True,
) -> tuple[EngineResult, SplitTree[R] | None]:
    """:func:`run_parallel`, also recording the sign-split tree with ``recorder(domain)`` recorders
    when given (the tree is None for an unfinished run).  Raw regions' ``leaf`` are sequential
    node numbers."""
    if jobs < 1:
        raise InvalidArgument(f"jobs is {jobs}, expected at least 1")
    domain.check_inputs(network.n_inputs)
    inet = IntegerNetwork.of(network)
    strategy = make_engine(domain, engine)
    store = None
    if checkpoint is not None:
        store = Checkpoint(checkpoint, network, domain, strategy.name, recorder is not None)
    setup = _Setup(network, domain, strategy.name, recorder, code_fingerprint(), keep_vertices)
    executor: Executor | None = None
    complete = True
    try:
        target = store.target() if store is not None else None
        if target is None:
            if dask is not None:
                executor = open_executor(jobs, dask, _start_worker, setup)  # before any work: a bad address fails now
            target = TASKS_PER_JOB * (executor.workers if executor is not None else jobs)
        parent = recorder(domain) if recorder is not None else None
        split = frontier(inet, strategy, target, parent)
        results = store.load(target, len(split.tasks)) if store is not None else {}
        # a sliced run (no tree to number, no checkpoint) walks the frontier in a few large tasks
        sliced = recorder is None and store is None and dask is None
        tasks = _chunks(split.tasks, target) if sliced else [[task] for task in split.tasks]
        todo = [i for i in range(len(tasks)) if i not in results]
        merged = _Merged(split, strategy, keep_vertices, SpooledLines())
        tally = _Tally(split, len(tasks), results, store, progress, merged)
        if todo:
            try:
                if dask is not None:
                    if executor is None:
                        executor = open_executor(jobs, dask, _start_worker, setup)
                    futures = [executor.submit(_walk_task, i, tasks[i]) for i in todo]
                    for future in executor.as_completed(futures):
                        tally.take(future.result())
                else:
                    here = _WorkerState(inet, strategy, recorder, domain, keep_vertices)
                    _share_work(todo, tasks, here, jobs, setup, tally, sliced)
            except KeyboardInterrupt:
                complete = False
    finally:
        SHIELD[0] += 1  # first (see exactrelu.interrupts): a Ctrl-C waits until the workers are closed
        try:
            if executor is not None:
                executor.close(cancel=not complete or sys.exc_info()[0] is not None)
        finally:
            release()
    tree = _tree(split, results, parent) if parent is not None and complete else None
    result = merged.result(progress)
    result.complete = complete and result.complete
    return result, tree


class _Merged:
    """The frontier's regions and the tasks' as they are taken, in one list: what workers made
    (witness points, JSON text, matched facets) is kept, and the facets they left open are matched
    across tasks at once, so a region whose facets have all met forgets its vertices while the walk
    goes on (without ``keep_vertices``).  The result is sorted by pattern at the end, so the order in
    which tasks arrive does not matter."""

    def __init__(self, split: Split, strategy: Engine, keep_vertices: bool, spooled: SpooledLines):
        self.strategy = strategy
        vertex_engine = isinstance(strategy, VertexEngine)
        self.spooled = spooled  # where the text of the tasks walked in this run is
        self.found = [with_facets(raw, strategy) for raw in split.found]
        self.points: list[Point | None] = [strategy.witness(raw, facets) for raw, facets in self.found]
        self.lines: list[str | int | None] = [None] * len(self.found)
        # the facets tasks left open, matched here (vertex numbers are this process's own)
        self.settling = Settling(self.found, keep_vertices, drop_guides=True) if vertex_engine else None
        if self.settling is not None:
            for r in range(len(self.found)):
                self.settling.add(r)

    def add(self, result: TaskResult) -> None:
        start = len(self.found)
        self.found.extend((raw, facets) for raw, facets, _ in result.regions)
        self.points.extend(point for _, _, point in result.regions)
        self.lines.extend(result.lines)
        if self.settling is None:
            return
        self.settling.matcher.pairs.extend((start + r, fi, start + s, fj) for r, fi, s, fj in result.pairs)
        waiting: dict[int, list[int]] = {}  # a region of the task -> its facets the task left open
        for r, fi in result.unmatched:
            waiting.setdefault(start + r, []).append(fi)
        for r, open_facets in waiting.items():
            self.settling.add(r, open_facets)

    def result(self, progress: Progress | None) -> EngineResult:
        """Adjacency (the facets still open) and the regions sorted by pattern."""
        matched = self.settling.matched() if self.settling is not None else None
        return assemble(self.found, self.strategy, progress, self.points, self.lines, matched, self.spooled)


def _chunks(tasks: list[Task[Any]], count: int) -> list[list[Task[Any]]]:
    """``tasks`` in at most ``count`` consecutive runs of near-equal length (neighbouring cells stay
    together, so most facets they share are matched by the worker that walks them)."""
    count = min(count, len(tasks))
    return [tasks[len(tasks) * i // count : len(tasks) * (i + 1) // count] for i in range(count)]


HELPERS_AFTER = 0.05  # seconds this process walks alone before it starts helper processes
SLICE = 0.25  # seconds of walking after which a task hands back what is left of it (see _share_work)
# While this process walks, its threads take the helpers' results (a few MB each, read from a pipe
# 64 kB at a time, each read waiting for the GIL) and hand out tasks: the GIL changes hands often.
GIL_SWITCH = 0.0005
HUNGRY = "hungry"  # the file by which this process, out of work, asks the helpers for some


class _Tally:
    """Takes finished tasks: keeps them (and in the checkpoint), counts them for the progress bar."""

    def __init__(
        self,
        split: Split,
        tasks: int,
        results: dict[int, TaskResult],
        store: Checkpoint | None,
        progress,
        merged: _Merged,
    ):
        self.results = results
        self.store = store
        self.merged = merged
        for index in sorted(results):  # from a checkpoint
            merged.add(results[index])
        self.progress = progress
        self.tasks = tasks
        self.count = len(split.found) + sum(len(r.regions) for r in results.values())
        if progress is not None and tasks:
            progress("sub-trees", len(results), self.tasks)
            progress("regions", self.count, None)

    @atomic  # a Ctrl-C waits for the task's regions, matches and checkpoint to be taken whole
    def take(self, data: bytes | None, result: TaskResult | None = None) -> TaskResult:
        """A task's pickled result (from a worker), or the ``result`` walked in this process."""
        if result is None:
            assert data is not None
            result = pickle.loads(data)
        elif self.store is not None:
            data = pickle.dumps(result, protocol=5)
        self.results[result.index] = result
        if self.store is not None:
            self.store.save(result.index, data)  # type: ignore[arg-type]
        result.lines = self.merged.spooled.add(result.lines)  # type: ignore[arg-type]  # text from a worker
        self.merged.add(result)
        self.count += len(result.regions)
        self.tasks += len(result.rest)
        if self.progress is not None:
            self.progress("regions", self.count, None)
            self.progress("sub-trees", len(self.results), self.tasks)
        return result


def _share_work(
    todo: list[int],
    tasks: list[list[Task[Any]]],
    here: _WorkerState,
    jobs: int,
    setup: _Setup,
    tally: _Tally,
    sliced: bool,
) -> None:
    """Walk the ``todo`` tasks in this process and, with more than one job, in ``jobs - 1`` helper
    processes started once this process has walked alone for :data:`HELPERS_AFTER` seconds (small
    runs end first and start none).  This process takes tasks from the end of the list; a helper
    that finishes one is handed the next from the start at once (from the pool's callback thread), so
    no helper waits for this process and no task waits in a helper's queue while this process is
    idle.  Its own results need no pickling.  ``sliced``: a task walked for :data:`SLICE` seconds
    hands back what is left as new tasks (appended to ``tasks``), so one large sub-tree does not keep
    the others waiting (regions merge by pattern: the output is the same).  The helpers are stopped
    before this returns (or is interrupted)."""
    budget = SLICE if sliced else None
    spool = tempfile.mkdtemp(prefix="exactrelu-")  # where helpers leave their results
    flag, flagged = os.path.join(spool, HUNGRY), False
    pending = deque(todo)
    lock = threading.RLock()  # guards pending and running, shared with the pool's callback thread
    finished: queue.SimpleQueue = queue.SimpleQueue()
    running = 0
    executor: Executor | None = None

    # Shielded: the first call forks the helpers and starts the pool's thread, and a Ctrl-C there
    # would either be lost (raised in an at-fork callback, where Python drops it) or break the pool.
    @atomic
    def feed() -> None:  # with the lock held
        nonlocal running
        while executor is not None and pending and running < 2 * executor.workers:  # the next one waits there
            i = pending.popleft()
            running += 1
            executor.submit(_walk_task, i, tasks[i], budget, spool).add_done_callback(done)

    def done(future) -> None:
        nonlocal running
        finished.put(future)
        with lock:
            running -= 1
            feed()

    def hungry() -> bool:  # a helper waits for a task: this process hands back what is left of its own
        return executor is not None and not pending and running < 2 * executor.workers

    def take(data: bytes | None, result: TaskResult | None = None) -> None:
        rest = tally.take(data, result).rest
        nonlocal flagged
        if rest and flagged:  # work again: the helpers keep theirs
            os.unlink(flag)
            flagged = False
        with lock:
            for task in rest:
                tasks.append(task)
                pending.append(len(tasks) - 1)
            feed()

    started = time.monotonic()
    switch = sys.getswitchinterval()
    sys.setswitchinterval(GIL_SWITCH)
    try:
        while True:
            while not finished.empty():
                take(_unspool(finished.get().result()))
            if executor is None and jobs > 1 and pending and time.monotonic() - started >= HELPERS_AFTER:
                try:
                    executor = open_executor(jobs - 1, None, _start_worker, setup)
                except (OSError, NotImplementedError):  # no processes here (no /dev/shm, a sandbox): walk alone
                    jobs = 1
                with lock:
                    feed()
            with lock:
                i = pending.pop() if pending else None
                idle = i is None and running == 0
            if i is not None:
                alone = executor is None and jobs > 1  # helpers start after HELPERS_AFTER: come back then
                with paused_gc():
                    take(
                        None,
                        _walk(
                            i, tasks[i], here, HELPERS_AFTER if alone and sliced else budget, hungry if sliced else None
                        ),
                    )
            elif idle and finished.empty():
                return
            else:
                if sliced and not flagged:  # out of work: the helpers hand back what is left of theirs
                    open(flag, "wb").close()
                    flagged = True
                try:
                    take(_unspool(finished.get(timeout=0.05).result()))  # a short wait: Ctrl-C stays responsive
                except queue.Empty:
                    pass
    finally:  # finished or interrupted: the callback thread starts nothing more, the helpers stop
        SHIELD[0] += 1  # first (see exactrelu.interrupts): a Ctrl-C waits until they have stopped
        try:
            cancel = sys.exc_info()[0] is not None
            sys.setswitchinterval(switch)
            with lock:
                pending.clear()
            if executor is not None:
                executor.close(cancel=cancel)
            shutil.rmtree(spool, ignore_errors=True)
        finally:
            release()


def _tree(split: Split, results: dict[int, TaskResult], parent: Any) -> SplitTree:
    """Number every node as the sequential walk does, and point the regions' leaves there."""
    numbering: dict[int | None, dict[int, int]] = {None: {}}
    size = 0
    for block in split.order:
        part: int | None = None if isinstance(block, tuple) else block
        ids = block if isinstance(block, tuple) else results[block].opened
        numbers = numbering.setdefault(part, {})
        for node in ids:
            numbers[node] = size
            size += 1
    grafts = []
    for i, task in enumerate(split.tasks):
        if task.link is not None:
            link = Link(numbering[None][task.link.parent], task.link.branch)
            grafts.append((link, numbering[i][results[i].opened[0]]))
    for raw in split.found:
        raw.leaf = numbering[None][raw.leaf] if raw.leaf is not None else None
    for i, result in results.items():
        for raw, _, _ in result.regions:
            raw.leaf = numbering[i][raw.leaf] if raw.leaf is not None else None
    parts: dict[int | None, Any] = {i: r.recorder for i, r in results.items()}
    parts[None] = parent
    return SplitTree(parts, numbering, grafts, size)

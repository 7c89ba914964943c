"""Many cores: the walk split into independent sub-trees, each walked in its own process.

The walk is grown breadth-first in this process until its frontier holds enough tasks (cells with
their paths: plain picklable values), then every task is walked to the end in a worker process,
which also finds the facets of the regions it reaches (both are per-region work).  Each region's
cell depends only on its path, never on which process walked it or when, so merging by canonical
pattern gives the identical partition for any number of jobs; adjacency is then found here, over
all regions at once.

With a checkpoint folder, every finished task is written there at once (to a temporary name, then
renamed, so a killed run never leaves half a file), and a run started again with the same
arguments reads them back and walks only what is missing.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import pickle
import signal
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InvalidArgument
from ..geometry.domain import Domain
from ..network import Network
from .facets import FacetData
from .forms import IntegerNetwork
from .run import Engine, EngineResult, Progress, build_regions, find_adjacencies, make_engine
from .walk import RawRegion, Task, WalkState, start, step

__all__ = ["run_parallel", "frontier", "TASKS_PER_JOB"]

TASKS_PER_JOB = 8  # enough sub-trees per process to even out their sizes
CHECKPOINT_FORMAT = "exactrelu-checkpoint-1"


@dataclass(frozen=True, slots=True)
class TaskResult:
    """What a worker sends back for one task: its regions, each with its facets."""

    index: int
    regions: list[tuple[RawRegion[Any], list[FacetData]]]


def frontier(inet: IntegerNetwork, strategy: Engine, target: int) -> tuple[list[Task[Any]], list[RawRegion[Any]]]:
    """Grow the walk breadth-first until ``target`` tasks wait (or none is left): the tasks, and the
    regions finished on the way.  Deterministic: the same input gives the same tasks in order."""
    state, found = start(inet, strategy)
    tasks = list(state.tasks)
    while tasks and len(tasks) < target:
        one = WalkState([tasks.pop(0)])
        found.extend(step(one, inet, strategy))
        tasks.extend(reversed(one.tasks))
    return tasks, found


def run_parallel(
    network: Network,
    domain: Domain,
    engine: str = "auto",
    *,
    jobs: int,
    progress: Progress | None = None,
    checkpoint: str | Path | None = None,
) -> EngineResult:
    """Enumerate with ``jobs`` processes; the result equals :func:`~exactrelu.engines.run.run`'s."""
    if jobs < 1:
        raise InvalidArgument(f"jobs is {jobs}, expected at least 1")
    inet = IntegerNetwork.of(network)
    strategy = make_engine(domain, engine)
    tasks, early = frontier(inet, strategy, TASKS_PER_JOB * jobs)
    store = _Checkpoint(checkpoint, network, domain, strategy.name, len(tasks)) if checkpoint is not None else None
    results: dict[int, TaskResult] = store.load() if store is not None else {}
    found = [(raw, strategy.facets(raw)) for raw in early]
    count = len(found) + sum(len(r.regions) for r in results.values())
    complete = True
    todo = [i for i in range(len(tasks)) if i not in results]
    if todo:
        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        pool = ProcessPoolExecutor(
            min(jobs, len(todo)),
            mp_context=context,
            initializer=_start_worker,
            initargs=(network, domain, strategy.name),
        )
        pending: set[Future[TaskResult]] = {pool.submit(_walk_task, i, tasks[i]) for i in todo}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    result = future.result()
                    results[result.index] = result
                    if store is not None:
                        store.save(result)
                    count += len(result.regions)
                    if progress is not None:
                        progress("regions", count, None)
        except KeyboardInterrupt:
            complete = False
        finally:
            pool.shutdown(wait=complete, cancel_futures=True)
    for index in sorted(results):
        found.extend(results[index].regions)
    found.sort(key=lambda pair: pair[0].pattern)
    raws = [raw for raw, _ in found]
    facets = [fs for _, fs in found]
    adjacencies, finished = find_adjacencies(raws, facets, strategy, progress)
    complete = complete and finished
    return EngineResult(raws, build_regions(raws, facets, adjacencies, strategy), tuple(adjacencies), complete)


# ---------------------------------------------------------------------- worker processes
_WORKER: dict[str, Any] = {}


def _start_worker(network: Network, domain: Domain, engine: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _WORKER["inet"] = IntegerNetwork.of(network)
    _WORKER["strategy"] = make_engine(domain, engine)  # a fresh LP solver per process


def _walk_task(index: int, task: Task[Any]) -> TaskResult:
    inet, strategy = _WORKER["inet"], _WORKER["strategy"]
    state = WalkState([task])
    regions = []
    while not state.done:
        for raw in step(state, inet, strategy):
            facets = strategy.facets(raw)
            if not strategy.adjacency_uses_forms:
                raw.forms = ()  # the largest part of a region, needed no more: do not ship it back
            regions.append((raw, facets))
    return TaskResult(index, regions)


# ---------------------------------------------------------------------- checkpoints
class _Checkpoint:
    """Finished tasks in a folder, tied to the exact network, domain, engine and split."""

    def __init__(self, folder: str | Path, network: Network, domain: Domain, engine: str, n_tasks: int):
        self.folder = Path(folder)
        identity = json.dumps(
            {
                "network": network.to_json(),
                "domain": domain.to_json(),
                "engine": engine,
                "tasks": n_tasks,
                "format": CHECKPOINT_FORMAT,
            },
            sort_keys=True,
        )
        self.fingerprint = hashlib.sha256(identity.encode()).hexdigest()
        self.manifest = self.folder / "checkpoint.json"

    def load(self) -> dict[int, TaskResult]:
        if self.folder.exists() and not self.folder.is_dir():
            raise InvalidArgument(f"checkpoint {self.folder} is not a folder")
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.manifest.exists():
            try:
                recorded = json.loads(self.manifest.read_text(encoding="utf-8")).get("fingerprint")
            except (OSError, ValueError, AttributeError):
                recorded = None
            if recorded != self.fingerprint:
                raise InvalidArgument(
                    f"checkpoint {self.folder} belongs to another network, domain or engine "
                    "(use another folder, or empty this one)"
                )
        else:
            _atomic_write(
                self.manifest, json.dumps({"format": CHECKPOINT_FORMAT, "fingerprint": self.fingerprint}).encode()
            )
        results = {}
        for path in sorted(self.folder.glob("task-*.pickle")):
            with open(path, "rb") as f:
                result = pickle.load(f)
            results[result.index] = result
        return results

    def save(self, result: TaskResult) -> None:
        _atomic_write(self.folder / f"task-{result.index:06d}.pickle", pickle.dumps(result, protocol=5))


def _atomic_write(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)

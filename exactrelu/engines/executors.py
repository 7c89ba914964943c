"""Where sub-trees are walked: local worker processes or a Dask cluster, behind one small interface.

The parallel run (:mod:`exactrelu.engines.parallel`) only submits tasks and takes their results as
they complete, so one code path serves both.  What every task needs (the network, the domain, the
engine) is built once per worker by an ``initializer`` from a ``setup`` value that travels once per
worker: as the process pool's initializer arguments, or as one Dask object broadcast to every worker
(``client.scatter(..., broadcast=True)``) and turned into the worker's state on its first task.
Tasks read that state with :func:`worker_state`.

Dask is optional (the ``dask`` extra) and imported only when asked for.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Protocol

from ..errors import InvalidArgument

__all__ = ["Executor", "ProcessExecutor", "DaskExecutor", "open_executor", "worker_state", "CONNECT_TIMEOUT"]

CONNECT_TIMEOUT = 10  # seconds to reach a Dask scheduler before giving up
WORKERS_TIMEOUT = 60  # seconds to wait for a scheduler without workers to get one


class Executor(Protocol):
    """Runs ``fn(*args)`` on workers whose state the executor's initializer has built."""

    workers: int  # how many tasks run at once

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Start ``fn(*args)``; returns a future (``.result()``)."""
        ...

    def as_completed(self, futures: Iterable[Any]) -> Iterator[Any]:
        """The ``futures`` in the order they finish."""
        ...

    def close(self, cancel: bool) -> None:
        """Stop the workers (``cancel``: drop the tasks not finished)."""
        ...


# ---------------------------------------------------------------------- the worker side
_LOCAL = threading.local()  # per worker thread: (token, state); a Dask worker may run several threads


def worker_state() -> Any:
    """The state the initializer built on this worker for the current run."""
    return _LOCAL.state


def _install(token: str, initializer: Callable[[Any], Any], setup: Any) -> None:
    if getattr(_LOCAL, "token", None) != token:
        _LOCAL.state = initializer(setup)
        _LOCAL.token = token


def _start_process(token: str, initializer: Callable[[Any], Any], setup: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _install(token, initializer, setup)


def _call_with_setup(token: str, initializer: Callable[[Any], Any], setup: Any, fn: Callable[..., Any], *args: Any):
    _install(token, initializer, setup)
    return fn(*args)


# ---------------------------------------------------------------------- local processes
class ProcessExecutor:
    """``jobs`` local processes (fork where available: the parent's imports come for free)."""

    def __init__(self, jobs: int, initializer: Callable[[Any], Any], setup: Any):
        self.workers = jobs
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        self._pool = ProcessPoolExecutor(
            jobs,
            mp_context=multiprocessing.get_context(method),
            initializer=_start_process,
            initargs=(uuid.uuid4().hex, initializer, setup),
        )

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._pool.submit(fn, *args)

    def as_completed(self, futures: Iterable[Any]) -> Iterator[Any]:
        return as_completed(list(futures))

    def close(self, cancel: bool) -> None:
        """Stop the workers; ``cancel`` (an interrupted run): at once, killing those still walking
        (their work is dropped anyway, and waiting for them would keep the exit waiting: a second
        Ctrl-C there left the process hanging).  A Ctrl-C during these few milliseconds is ignored."""
        if not cancel:
            self._pool.shutdown(wait=True, cancel_futures=True)
            return
        with _sigint_ignored():
            for process in list((self._pool._processes or {}).values()):
                process.kill()
            self._pool.shutdown(wait=True, cancel_futures=True)


# ---------------------------------------------------------------------- Dask
class DaskExecutor:
    """A Dask ``Client`` of the scheduler at ``address`` (``tcp://HOST:PORT``), or of a new
    ``LocalCluster`` on loopback with ``jobs`` single-threaded worker processes (``"local"``)."""

    def __init__(self, address: str, jobs: int, initializer: Callable[[Any], Any], setup: Any):
        distributed = _import_distributed()
        self._cluster = None
        if address == "local":
            with _sigint_ignored():  # the workers inherit it: Ctrl-C stops the run here, which closes them
                self._cluster = distributed.LocalCluster(
                    n_workers=jobs,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address="127.0.0.1:0",  # loopback, any free port (None still takes 8787)
                    silence_logs=logging.CRITICAL + 1,  # its scheduler runs here: no log lines on stderr
                )
            self._client = distributed.Client(self._cluster)
        else:
            self._client = _connect(distributed, address)
        try:
            if address != "local":
                self._client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
            self.workers = max(1, sum(self._client.nthreads().values()))
            self._setup = self._client.scatter(setup, broadcast=True, hash=False)
        except Exception as exc:
            self.close(cancel=True)
            raise InvalidArgument(f"Dask scheduler {address}: {_first_line(exc)}") from None
        self._token = uuid.uuid4().hex
        self._initializer = initializer
        self._as_completed = distributed.as_completed

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._client.submit(_call_with_setup, self._token, self._initializer, self._setup, fn, *args, pure=False)

    def as_completed(self, futures: Iterable[Any]) -> Iterator[Any]:
        for future in self._as_completed(list(futures)):
            yield future
            future.release()  # its result is taken: the worker may forget it (memory stays flat)

    def close(self, cancel: bool) -> None:
        client, cluster = self._client, self._cluster
        if client is not None:  # closing releases every future: the scheduler drops what is unfinished
            client.close()
            self._client = None
        if cluster is not None:
            cluster.close()
            self._cluster = None


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """SIGINT ignored while worker processes start (only the main thread may change it)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _import_distributed():
    try:
        import distributed  # deferred: Dask is optional (the 'dask' extra)
    except ImportError:
        raise InvalidArgument(
            "--dask needs Dask distributed: pip install 'exactrelu[dask]' (or dask[distributed])"
        ) from None
    return distributed


def _connect(distributed, address: str):
    if "://" not in address:
        raise InvalidArgument(f"--dask {address!r}: expected 'local' or a scheduler address tcp://HOST:PORT")
    try:
        return distributed.Client(address, timeout=CONNECT_TIMEOUT)
    except Exception as exc:  # an address refused, unreachable, or answered by something that is not Dask
        raise InvalidArgument(f"cannot reach the Dask scheduler at {address}: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def open_executor(jobs: int, dask: str | None, initializer: Callable[[Any], Any], setup: Any) -> Executor:
    """Local processes, or Dask when ``dask`` names a scheduler (or ``"local"``)."""
    if dask is None:
        return ProcessExecutor(jobs, initializer, setup)
    return DaskExecutor(dask, jobs, initializer, setup)

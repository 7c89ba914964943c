"""Tasks on forked worker processes, their results taken in task order (``check --jobs``).

Fork lets every worker inherit the parsed certificate and the walked top of the tree, so a task is
only its number; a result comes back pickled through the worker's pipe.  Results are taken in task
order, so the first failure in that order decides, whatever the timing.  A worker that dies refuses
the check; on any exit (a failure, Ctrl-C) every worker is killed and reaped.
"""

from __future__ import annotations

import multiprocessing.connection
import os
import signal

__all__ = ["FORK", "MIN_REGIONS", "SUBTREES_PER_JOB", "run"]

FORK = "fork" in multiprocessing.get_all_start_methods()  # elsewhere (no fork): one process
MIN_REGIONS = 300  # fewer regions: one process (starting processes costs 50 to 100 ms)
SUBTREES_PER_JOB = 16  # the top of the tree is walked until this many subtrees per process wait


def run(task, order: list, jobs: int, take) -> None:
    """``take(task(i))`` for i = 0, 1, ..., len(order) - 1, the tasks started in ``order`` on ``jobs``
    forked processes; ``task`` must not raise (it returns a refusal as a result)."""
    ctx = multiprocessing.get_context("fork")
    next_task = ctx.Value("i", 0)
    workers: dict = {}  # the read end of a worker's pipe -> the worker
    try:
        for _ in range(min(jobs, len(order))):
            receive, send = ctx.Pipe(duplex=False)
            workers[receive] = ctx.Process(target=_serve, args=(task, order, next_task, send), daemon=True)
            workers[receive].start()
            send.close()
        results: dict = {}
        for i in range(len(order)):
            while i not in results:
                if not workers:
                    raise ChildProcessError("the worker processes ended with tasks left")
                ready = multiprocessing.connection.wait(list(workers))
                for receive in [c for c in list(workers) if c in ready]:
                    try:
                        n, results[n] = receive.recv()
                    except EOFError:  # the worker is gone: done, or dead
                        worker = workers.pop(receive)
                        worker.join()
                        if worker.exitcode:
                            raise ChildProcessError(f"a worker process ended with exit code {worker.exitcode}") from None
            take(results.pop(i))
    finally:
        for receive, worker in workers.items():
            worker.kill()
            worker.join()
            receive.close()


def _serve(task, order: list, next_task, send) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's: it kills the workers
    try:  # os._exit: nothing inherited from the main process (buffered output, exit handlers) runs here
        while True:
            with next_task.get_lock():
                n, next_task.value = next_task.value, next_task.value + 1
            if n >= len(order):
                os._exit(0)
            send.send((order[n], task(order[n])))
    except BaseException:
        os._exit(1)

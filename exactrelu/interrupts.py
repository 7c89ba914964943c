"""Ctrl-C that cannot cut a bookkeeping step or a cleanup in half.

Python raises KeyboardInterrupt between almost any two bytecodes.  A step that changes several
things together (a region's facets, point and matches added to a merge) or a cleanup (stopping
helper processes, removing a half-written file) must not stop halfway: what is written afterwards
would be inconsistent, or helpers and files would be left behind.  Such code runs *shielded*: the
``exactrelu`` command's Ctrl-C handler asks :func:`may_raise_now`, which notes a Ctrl-C that lands
there, and the shielded code raises it once it is done.

Python runs a signal handler only at certain bytecodes (calls, backward jumps, function entry),
never inside the statement ``SHIELD[0] += 1`` on a list of ints, so a ``finally:`` whose first
statement it is cannot be cut before its shield is up; :func:`atomic` wraps a function the same
way.  (Without the command's handler, e.g. in a notebook, Python's own one raises as usual.)

A step that hangs (a Dask scheduler that no longer answers while it is closed) must still yield:
a Ctrl-C pressed :data:`PATIENCE` seconds or more after the first one noted there raises at once.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

__all__ = ["SHIELD", "PATIENCE", "release", "atomic", "may_raise_now"]

SHIELD = [0]  # shielded steps running in this process: ``SHIELD[0] += 1``, then release() in a finally
PATIENCE = 2.0  # seconds a shielded step may keep a Ctrl-C waiting before another one breaks through
_noted: list[float | None] = [None]  # when the first Ctrl-C waiting for a shielded step landed
_MAIN = threading.main_thread().ident  # Python runs signal handlers in the main thread only

P = ParamSpec("P")
R = TypeVar("R")


def release() -> None:
    """End a shielded step; a Ctrl-C that landed during it is raised now (when no other is running)."""
    SHIELD[0] -= 1
    if SHIELD[0] == 0 and _noted[0] is not None:
        _noted[0] = None
        raise KeyboardInterrupt


def atomic(step: Callable[P, R]) -> Callable[P, R]:
    """``step`` shielded: a Ctrl-C waits until it has returned (or raised).  In another thread than
    the main one (a process pool's callback thread) no Ctrl-C can land: it runs as it is."""

    @functools.wraps(step)
    def shielded(*args: P.args, **kwargs: P.kwargs) -> R:
        if threading.get_ident() != _MAIN:
            return step(*args, **kwargs)
        SHIELD[0] += 1
        try:
            return step(*args, **kwargs)
        finally:
            release()

    return shielded


def may_raise_now() -> bool:
    """For a SIGINT handler: whether to raise KeyboardInterrupt now (False while a shielded step
    runs: the Ctrl-C is noted and raised at its end, unless one noted :data:`PATIENCE` seconds ago
    still waits)."""
    if not SHIELD[0]:
        return True
    now = time.monotonic()
    if _noted[0] is None:
        _noted[0] = now
        return False
    if now - _noted[0] < PATIENCE:
        return False
    _noted[0] = None
    return True

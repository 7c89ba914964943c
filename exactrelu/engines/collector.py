"""Python's cyclic garbage collector paused while an enumeration runs.

A run builds millions of small tuples and lists (vertices, forms, facets) and no reference cycles,
yet every few thousand allocations the collector rescans all of them: a fifth of the whole run on
bunny_3 (22,713 regions: 12.2-13.0 s CPU with it, 9.7-10.4 s without, the same peak memory).
Reference counting still frees everything as usual; the collector runs again when the pause ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc"]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic collector inside the block (nested blocks are fine), then restore it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

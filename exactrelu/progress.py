"""A progress bar on stderr for long enumerations (tqdm), silent for short ones."""

from __future__ import annotations

import contextlib
import sys
from typing import Callable, Iterator

__all__ = ["region_progress"]


@contextlib.contextmanager
def region_progress(enabled: bool | None) -> Iterator[Callable[[str, int, int | None], None] | None]:
    """Yield a callback taking the running region count; ``enabled=None`` means "if a terminal"."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(desc="regions", unit=" regions", file=sys.stderr, delay=0.5, mininterval=0.25)
    last = [0]

    def update(phase: str, count: int, total: int | None) -> None:
        if phase != "regions":
            return
        bar.update(count - last[0])
        last[0] = count

    try:
        yield update
    finally:
        bar.close()

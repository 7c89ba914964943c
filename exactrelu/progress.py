"""A progress bar on stderr for long enumerations (tqdm), silent for short ones.

The partition calls ``progress(phase, done, total)`` with the phases ``"regions"`` (running count,
no total; each region's facets are found as it is counted) and ``"adjacency"`` (0 of 1, then 1 of
1); a constraint-form certificate also reports ``"facets"`` (regions done out of all).  Each phase
gets its own bar line, so that the final stages of a long run do not look like a stall.

A run split into sub-trees (``--jobs``, ``--dask``) also reports ``"sub-trees"`` (done out of all)
before each region count: one bar then shows the sub-trees done, the regions found so far, and an
estimate of the time left, the sub-trees still to do times the mean wall time per finished one
(which already divides by the workers running at once).
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator

__all__ = ["region_progress", "DELAY"]

DELAY = 0.5  # seconds before anything is shown: short runs stay silent
_UNITS = {"regions": " regions", "facets": " regions", "adjacency": "", "sub-trees": " sub-trees"}
_FORMATS = {"adjacency": "{desc}: {n_fmt}/{total_fmt} [{elapsed}]"}  # one step: no rate, no bar


@contextlib.contextmanager
def region_progress(
    enabled: bool | None, *, delay: float = DELAY
) -> Iterator[Callable[[str, int, int | None], None] | None]:
    """Yield a ``progress(phase, done, total)`` callback drawing one bar per phase on stderr.

    ``enabled=None`` means "if stderr is a terminal"; ``delay`` seconds from the start pass before
    the first bar is drawn, across phases, so that a run shorter than that prints nothing.
    """
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield None
        return
    from tqdm import tqdm  # deferred: tqdm is only needed when a bar is shown

    started = time.monotonic()
    state: dict = {"phase": None, "bar": None}

    def update(phase: str, done: int, total: int | None) -> None:
        bar = state["bar"]
        if phase == "regions" and state["phase"] == "sub-trees":
            bar.set_postfix_str(f"{done:,} regions", refresh=False)  # drawn with the next sub-tree
            return
        if phase != state["phase"]:
            if bar is not None:
                bar.close()  # a bar never drawn (short phase) prints nothing
            remaining = max(0.0, delay - (time.monotonic() - started))
            bar = tqdm(
                desc=phase,
                total=total,
                unit=_UNITS.get(phase, ""),
                bar_format=_FORMATS.get(phase),
                file=sys.stderr,
                delay=remaining,
                mininterval=0.25,
                initial=done if phase == "sub-trees" else 0,  # a resumed run's sub-trees take no time
                smoothing=0 if phase == "sub-trees" else 0.3,  # the mean over every finished sub-tree
            )
            state["phase"], state["bar"] = phase, bar
        elif total is not None and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        if state["bar"] is not None:
            state["bar"].close()

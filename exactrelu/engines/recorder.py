"""The interface through which an engine reports its sign-split tree (certificates listen here).

The tree has one node per cell the walk looks at.  A node belongs to one hidden layer, lists the
neurons of that layer decided on its cell, and either splits on one neuron (children ``"p"``: the
neuron >= 0, ``"m"``: <= 0), or ends the layer (child ``"n"``: the same cell at the next layer),
or is a region.  Nodes are named by integers and links are plain values, so a recorded run can be
pickled and continued elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Branch", "Decision", "Link", "TreeRecorder"]

Branch = str  # "p" (the split neuron >= 0), "m" (<= 0) or "n" (next layer)


@dataclass(frozen=True, slots=True)
class Link:
    """Where a new node hangs: under ``parent`` on ``branch``."""

    parent: int
    branch: Branch


@dataclass(frozen=True, slots=True)
class Decision:
    """Neuron ``neuron`` of the node's layer has bit ``bit`` on the whole cell; ``form`` is its
    exact pre-activation there (integer row on ``(1, x)``)."""

    neuron: int
    bit: int
    form: tuple[int, ...]


class TreeRecorder(Protocol):
    """Receives the sign-split tree as the walk builds it, parents before children."""

    def open(self, link: Link | None, layer: int, cell: object, decided: Sequence[Decision]) -> int:
        """A new node for ``cell`` at hidden layer ``layer`` (``-1``: a network without hidden
        layers); returns its id."""
        ...

    def split(self, node: int, neuron: int) -> None:
        """Node ``node`` splits on ``neuron``; its children follow on branches ``"p"`` and ``"m"``."""
        ...

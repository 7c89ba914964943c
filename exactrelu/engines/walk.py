"""Layer-by-layer exact subdivision of the domain into activation regions: one walk, two engines.

Within a cell on which the patterns of layers ``1..k-1`` are fixed, every neuron of layer ``k`` has
an affine pre-activation, so it either keeps one sign on the cell (its bit is decided; a form that
vanishes on the whole cell is the zero form and gets bit 0, the canonical rule) or its hyperplane
cuts the cell's interior.  Cutting cells until no neuron of the layer cuts yields the cells of
layer ``k``; their maps are composed exactly and the next layer starts.  Every split produces two
full-dimensional cells, so the work is proportional to the number of regions found, and the split
history is the sign-split tree that certificates replay.

How a cell is stored and how a neuron is decided on it is a :class:`CellStrategy`: vertices and
exact signs (``dd``) or constraints and exact LPs (``lp``).  The walk's state is a plain picklable
:class:`WalkState` (the cells still to split, each with its path), advanced one cell-layer at a
time by :func:`step`, so work can be checkpointed or shipped to another process.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from .forms import IntegerNetwork, LayerForms
from .packed import PackedMap
from .recorder import Decision, Link, TreeRecorder

__all__ = ["CellStrategy", "RawRegion", "Task", "WalkState", "start", "step", "walk"]

C = TypeVar("C")


class CellStrategy(Protocol[C]):
    """How cells are kept and split: the one thing the two engines do differently."""

    def root(self) -> C:
        """The domain as a cell."""
        ...

    def start_layer(self, cell: C, forms: LayerForms) -> Any:
        """Data the strategy carries along while one layer splits ``cell`` (may be None)."""
        ...

    def classify(
        self, cell: C, layer: int, forms: LayerForms, active: list[int], data: Any
    ) -> tuple[list[tuple[int, int]], list[int], Any]:
        """Split ``active`` neurons into decided ``(neuron, bit)`` pairs (exact) and the rest; the
        first of the rest must cut the cell's interior, later ones may be undecided.  Returns the
        decided pairs in ``active`` order, the rest, and the data for the rest."""
        ...

    def split(
        self, cell: C, layer: int, forms: LayerForms, neuron: int, rest: list[int], data: Any
    ) -> tuple[C, Any, C, Any]:
        """Cut ``cell`` by ``neuron``'s hyperplane: ``(plus, plus data, minus, minus data)`` for the
        ``rest`` of the neurons."""
        ...


@dataclass(slots=True)
class RawRegion(Generic[C]):
    """A region as an engine finds it (the public :class:`~exactrelu.region.Region` is built from
    it after adjacency)."""

    cell: C
    pattern: tuple[tuple[int, ...], ...]
    forms: tuple[LayerForms, ...]  # pre-activations of every hidden layer on this region
    output: LayerForms | PackedMap  # the exact output map (packed once the region is final)
    leaf: int | None = None  # the recorder's node for this region


@dataclass(slots=True)
class Task(Generic[C]):
    """A cell whose layers before ``layer`` are decided: ``history`` holds their bits and forms,
    ``forms`` are the pre-activations of ``layer``, ``link`` where its tree node hangs."""

    cell: C
    layer: int
    forms: LayerForms
    history: tuple[tuple[tuple[int, ...], LayerForms], ...]
    link: Link | None


@dataclass(slots=True)
class WalkState(Generic[C]):
    """Everything a walk still has to do: a stack of tasks (plain data, picklable)."""

    tasks: list[Task[C]] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return not self.tasks


def start(
    inet: IntegerNetwork, strategy: CellStrategy[C], recorder: TreeRecorder | None = None
) -> tuple[WalkState[C], list[RawRegion[C]]]:
    """The initial state, and the one region of a network without hidden layers."""
    root = strategy.root()
    first = inet.first_forms()
    if len(inet.layers) == 1:
        leaf = recorder.open(None, -1, root, []) if recorder is not None else None
        return WalkState(), [RawRegion(root, (), (), first, leaf)]
    return WalkState([Task(root, 0, first, (), None)]), []


def step(
    state: WalkState[C],
    inet: IntegerNetwork,
    strategy: CellStrategy[C],
    recorder: TreeRecorder | None = None,
) -> list[RawRegion[C]]:
    """Split the next task's cell by its layer; push the cells of the next layer, return the regions
    finished (depth-first and deterministic: the same state always gives the same results)."""
    task = state.tasks.pop()
    n_hidden = len(inet.layers) - 1
    regions = []
    children = []
    leaves = split_layer(strategy, task.cell, task.layer, task.forms, recorder, task.link)
    composed = inet.next_forms_of_leaves(task.layer, task.forms, [bits for _, bits, _ in leaves])
    for (cell, bits, node), following in zip(leaves, composed):
        history = task.history + ((tuple(bits), task.forms),)
        if task.layer + 1 == n_hidden:
            regions.append(RawRegion(cell, tuple(b for b, _ in history), tuple(f for _, f in history), following, node))
        else:
            link = Link(node, "n") if node is not None else None
            children.append(Task(cell, task.layer + 1, following, history, link))
    state.tasks.extend(reversed(children))
    return regions


def walk(
    inet: IntegerNetwork, strategy: CellStrategy[C], recorder: TreeRecorder | None = None
) -> Iterator[RawRegion[C]]:
    """Yield every activation region (depth-first, deterministic)."""
    state, regions = start(inet, strategy, recorder)
    yield from regions
    while not state.done:
        yield from step(state, inet, strategy, recorder)


def split_layer(
    strategy: CellStrategy[C],
    cell: C,
    layer: int,
    forms: LayerForms,
    recorder: TreeRecorder | None = None,
    link: Link | None = None,
) -> list[tuple[C, list[int], int | None]]:
    """Cut ``cell`` by ``layer``'s hyperplanes until none cuts: ``(leaf cell, bits, tree node)``
    for every leaf."""
    n = len(forms.rows)
    work = [(cell, list(range(n)), [-1] * n, link, strategy.start_layer(cell, forms))]
    leaves = []
    while work:
        c, active, bits, link, data = work.pop()
        decided, rest, data = strategy.classify(c, layer, forms, active, data)
        for j, bit in decided:
            bits[j] = bit
        node = None
        if recorder is not None:
            node = recorder.open(link, layer, c, [Decision(j, bit, forms.rows[j]) for j, bit in decided])
        if not rest:
            leaves.append((c, bits, node))
            continue
        j0 = rest[0]
        plus, plus_data, minus, minus_data = strategy.split(c, layer, forms, j0, rest[1:], data)
        bits_minus = list(bits)
        bits[j0] = 1
        bits_minus[j0] = 0
        if node is not None:
            recorder.split(node, j0)  # type: ignore[union-attr]
        work.append((minus, rest[1:], bits_minus, Link(node, "m") if node is not None else None, minus_data))
        work.append((plus, rest[1:], bits, Link(node, "p") if node is not None else None, plus_data))
    leaves.reverse()
    return leaves

"""The vertex engine: cells in double description, decisions by exact signs at vertices.

A neuron's hyperplane cuts a cell iff its form is strictly positive at one vertex and strictly
negative at another, and cutting creates the new vertices on crossing edges exactly (see
:class:`~exactrelu.geometry.cell.Cell`): no linear program at all.  Signs come in whole matrices
from the filtered predicate, and the sign matrix of the neurons still to decide travels with each
cell, so a split only evaluates forms at its new vertices.  A box in ``d`` dimensions has ``2**d``
vertices, so this engine serves low input dimensions (see ``DD_MAX_DIM``).
"""

from __future__ import annotations

from typing import cast

import numpy as np

from ..geometry.cell import Cell
from ..geometry.crossings import KnownCrossings
from ..geometry.domain import Domain
from ..geometry.predicates import filtered_signs, sign_matrix
from .dd_adjacency import FacetRef, Pair, find_adjacencies, identical_pairs
from .facets import FacetData, assign_carriers, group_facets, new_facet, vertex_witness
from .forms import LayerForms
from .packed import PackedMap
from .walk import RawRegion

__all__ = ["VertexEngine", "DD_MAX_DIM", "drop_vertices"]

# Above this input dimension a box has too many vertices for this engine.
DD_MAX_DIM = 10


class VertexEngine:
    """The :class:`~exactrelu.engines.walk.CellStrategy` of double-description cells, with the
    facets, witnesses and adjacency of the regions it finds."""

    name = "dd"
    adjacency_uses_forms = False  # facets and carriers are found before adjacency

    def __init__(self, domain: Domain):
        self.domain = domain
        self.known = KnownCrossings()  # crossing points met in earlier cells of this walk

    # ------------------------------------------------------------------ the walk
    def root(self) -> Cell:
        return self.domain.cell()

    def start_layer(self, cell: Cell, forms: LayerForms) -> np.ndarray:
        return sign_matrix(list(forms.rows), forms.floats, cell.verts, cell.vf)

    def classify(self, cell: Cell, layer: int, forms: LayerForms, active: list[int], signs: np.ndarray):
        """Decided neurons (a neuron with a zero at a vertex is noted as touching the cell: only such
        a neuron can carry a facet of a region inside it) and the rest."""
        if not active:
            return [], [], signs
        top = cast(list[int], signs.max(axis=1).tolist())  # a cell has vertices: no empty row
        bottom = cast(list[int], signs.min(axis=1).tolist())
        decided, cutting, touching = [], [], []
        for r, j in enumerate(active):
            if top[r] > 0 and bottom[r] < 0:
                cutting.append(r)
            elif top[r] > 0:
                decided.append((j, 1))
                if bottom[r] == 0:
                    touching.append((layer, j))
            else:
                decided.append((j, 0))
                if top[r] == 0:
                    touching.append((layer, j))
        if touching:
            cell.touching = cell.touching + tuple(touching)
        return decided, [active[r] for r in cutting], signs[cutting]

    def split(self, cell: Cell, layer: int, forms: LayerForms, neuron: int, rest: list[int], signs: np.ndarray):
        plus, minus, keep_p, keep_m, n_new = cell.split(
            forms.rows[neuron],
            signs[0],
            ("neuron", layer, neuron, 1),
            ("neuron", layer, neuron, -1),
            self.known,
            forms.floats[neuron],
        )
        if not rest:
            empty = np.zeros((0, 0), dtype=np.int8)
            return plus, empty, minus, empty
        if n_new:
            new_signs = sign_matrix(
                [forms.rows[j] for j in rest], forms.floats[rest], plus.verts[len(keep_p) :], plus.vf[len(keep_p) :]
            )
        else:
            new_signs = np.zeros((len(rest), 0), dtype=np.int8)
        others = signs[1:]
        return (
            plus,
            np.concatenate([others[:, keep_p], new_signs], axis=1),
            minus,
            np.concatenate([others[:, keep_m], new_signs], axis=1),
        )

    # ------------------------------------------------------------------ the regions
    def facets(self, raw: RawRegion[Cell]) -> list[FacetData]:
        """Irredundant facets: constraints whose tight vertices span a hyperplane, merged per
        hyperplane, with their carriers."""
        cell = raw.cell
        facets = []
        for key, (side, members) in group_facets(cell.cons, cell.facet_indices()).items():
            vertices = cell.vertices_on(members[0])
            facets.append(new_facet(key, side, members, vertices=vertices, cell_vertices=cell.verts))
        assign_carriers(facets, cell.labels, raw.forms, _carrier_candidates(raw, facets))
        return facets

    def adjacencies(self, raws, facets, known=None, unmatched=None):
        return find_adjacencies(raws, facets, known, unmatched)

    def identical_pairs(self, facets: list[list[FacetData]]) -> tuple[list[Pair], list[FacetRef]]:
        """Shared facets among these regions found by hashing alone, and the facets left open (see
        :func:`~exactrelu.engines.dd_adjacency.identical_pairs`): workers find them for their regions."""
        return identical_pairs(facets)

    def witness(self, raw: RawRegion[Cell], facets: list[FacetData]):
        """See :func:`~exactrelu.engines.facets.vertex_witness`."""
        return vertex_witness(raw.cell.verts, raw.cell.vf, facets)

    def vertices(self, cell: Cell | None) -> tuple[tuple[int, ...], ...]:
        return tuple(cell.verts) if cell is not None else ()  # None: dropped (drop_vertices)


def drop_vertices(raw: RawRegion, facets: list[FacetData]) -> None:
    """Forget a region's cell (its vertices and constraints) once its facets are matched and its
    witness point found: its pattern, map (packed) and facet rows stay.  Its public region then has no
    vertices, and its shared facets no points (only runs that never ask for them drop them)."""
    raw.cell = None
    raw.output = PackedMap(raw.output)
    for f in facets:
        f.drop_vertices()


def _carrier_candidates(raw: RawRegion[Cell], facets: list[FacetData]) -> list[tuple[int, int, int]]:
    """``(facet, layer, neuron)`` whose form the float filter cannot prove nonzero at some vertex of
    the facet (it is then nonzero somewhere on the facet, so no carrier), among the neurons decided
    with a zero at a vertex (``Cell.touching``: every other decided form is nonzero on the whole
    region).  Left out: the neurons whose own constraints make a facet: they carry that one by
    construction, and vanish on no other (distinct facets lie on distinct hyperplanes, and a form
    that makes a constraint is not zero)."""
    cell = raw.cell
    if not raw.forms or not cell.touching:
        return []
    own = set()
    for f in facets:
        for c in f.constraints:
            label = cell.labels[c]
            if label[0] == "neuron":
                own.add((label[1], label[2]))
    neurons = [n for n in dict.fromkeys(cell.touching) if n not in own]
    if not neurons:
        return []
    floats = np.array([raw.forms[k].floats[j] for k, j in neurons])
    _, unsure = filtered_signs(floats, cell.vf)
    found = []
    for i in np.nonzero(unsure.any(axis=1))[0].tolist():
        undecided = set(unsure[i].nonzero()[0].tolist())
        k, j = neurons[i]
        for fi, f in enumerate(facets):
            if undecided.issuperset(f.vertices):
                found.append((fi, k, j))
    return found

"""The graph of adjacent regions (networkx), with shared facets and continuity proofs on its edges."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..region import Adjacency, Region
from .continuity import continuity_proofs

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["adjacency_graph"]


def adjacency_graph(regions: Sequence[Region], adjacencies: Sequence[Adjacency]) -> nx.Graph:
    """Regions as nodes (attribute ``region``), adjacent pairs as edges with attributes ``facets``
    (the shared facets as ``(facet index in i, facet index in j)``) and ``continuity`` (a
    :class:`~exactrelu.analysis.continuity.ContinuityProof` per shared facet)."""
    import networkx as nx  # deferred: networkx takes 0.09 s to import and most runs never use it

    g = nx.Graph()
    for i, region in enumerate(regions):
        g.add_node(i, region=region)
    for a, proof in zip(adjacencies, continuity_proofs(regions, adjacencies)):
        if not g.has_edge(a.first, a.second):
            g.add_edge(a.first, a.second, facets=[], continuity=[])
        data = g.edges[a.first, a.second]
        data["facets"].append((a.first_facet, a.second_facet))
        data["continuity"].append(proof)
    return g

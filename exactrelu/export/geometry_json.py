"""Vertices and facets of regions in the partition JSON (``exactrelu regions --geometry``).

Kept out of the default partition JSON because they are most of its size; with ``geometry=True``
each region gains ``"vertices"`` (exact coordinates as strings; empty for the LP engine, which
computes none) and ``"facets"`` (the primitive integer row, its carriers, the regions across it
and which vertices lie on it).  Format: docs/formats.md.
"""

from __future__ import annotations

from ..rational import format_rational
from ..region import Facet, Region

__all__ = ["facet_json", "carrier_json", "region_geometry_json", "slice_json"]


def carrier_json(carrier: tuple) -> list:
    """``("domain", i)`` or ``("neuron", k, j)`` as a JSON list (0-based indices).

    >>> carrier_json(("neuron", 0, 1))
    ['neuron', 0, 1]
    """
    return [carrier[0], *(int(i) for i in carrier[1:])]


def facet_json(facet: Facet) -> dict:
    """One facet: ``row`` (integers as strings: ``row . (1, x) >= 0`` on the region, ``= 0`` on the
    facet), ``carriers``, ``neighbours`` (region indices) and ``vertices`` (indices into the
    region's ``vertices``)."""
    return {
        "row": [str(a) for a in facet.row],
        "carriers": [carrier_json(c) for c in facet.carriers],
        "neighbours": list(facet.neighbours),
        "vertices": list(facet.vertex_indices),
    }


def region_geometry_json(region: Region) -> dict:
    """The ``vertices`` and ``facets`` keys a region gains with ``geometry=True``.

    >>> from exactrelu import EXAMPLE, partition
    >>> g = region_geometry_json(partition(EXAMPLE).regions[0])
    >>> g["vertices"]
    [['0', '0'], ['1', '0'], ['1/2', '1/2']]
    >>> g["facets"][0]
    {'row': ['0', '0', '1'], 'carriers': [['domain', 2]], 'neighbours': [], 'vertices': [0, 1]}
    """
    return {
        "vertices": [[format_rational(c) for c in v] for v in region.vertices],
        "facets": [facet_json(f) for f in region.facets],
    }


def slice_json(metadata: dict) -> dict:
    """``{"slice": ...}`` when the network was sliced (see :mod:`exactrelu.slices`), else ``{}``."""
    found = metadata.get("slice")
    return {} if found is None else {"slice": found.to_json()}

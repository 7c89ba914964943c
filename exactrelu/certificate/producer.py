"""The certificate producer: a partition plus everything the independent checker needs.

The vertex engine reports its sign-split tree to a :class:`TreeBuilder` (the engines'
:class:`~exactrelu.engines.recorder.TreeRecorder` interface); every neuron decided at a node gets a
proof that its sign holds on the node's whole cell (docs/certificate.md):

* ``"z"``: the zero form;
* ``"b"``: the exact interval bound over a box domain;
* a basis ``[i, ...]`` of cell constraints carrying Farkas multipliers
  (:func:`~exactrelu.certificate.farkas.farkas_basis`).

Every region also lists its vertices as bases of tight constraints.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..analysis.pieces import linear_pieces
from ..engines.dd import DD_MAX_DIM
from ..engines.parallel import SplitTree, run_parallel_recorded
from ..engines.recorder import Decision, Link
from ..engines.run import Progress, choose_engine, run
from ..errors import Interrupted, InvalidArgument, UnsupportedModel
from ..geometry.cell import Cell
from ..geometry.domain import Domain
from ..geometry.exact import IntegerBox
from ..network import Network
from .boundary import boundary_json
from .constraint_form import constraint_certificate
from .farkas import bounded_multipliers, farkas_basis, vertex_bases
from .model import Certificate, CertifiedRegion, Proof, TreeNode, domain_json, network_json, source_json

__all__ = ["TreeBuilder", "produce_certificate", "compact"]


class TreeBuilder:
    """Records the sign-split tree as the flat node list of docs/certificate.md."""

    def __init__(self, domain: Domain):
        self.nodes: list[TreeNode] = []
        self._box = IntegerBox(domain.bounds) if domain.bounds is not None else None

    def open(self, link: Link | None, layer: int, cell: object, decided: Sequence[Decision]) -> int:
        assert isinstance(cell, Cell), "the vertex form needs the vertex engine's cells"
        index = len(self.nodes)
        proofs = [(d.neuron, d.bit, self._prove(cell, d.form, d.bit)) for d in decided]
        self.nodes.append(TreeNode(max(layer, 0), proofs))
        if link is not None:
            parent = self.nodes[link.parent]
            if link.branch == "p":
                parent.plus = index
            elif link.branch == "m":
                parent.minus = index
            else:
                parent.next = index
        return index

    def split(self, node: int, neuron: int) -> None:
        self.nodes[node].split = neuron

    def _prove(self, cell: Cell, form: tuple[int, ...], bit: int) -> Proof:
        if not any(form):
            return "z"
        signed = form if bit else tuple(-a for a in form)
        if self._box is not None and self._box.scaled_least(signed) >= 0:
            return "b"
        return farkas_basis(cell, signed)


def produce_certificate(
    network: Network,
    domain: Domain,
    *,
    progress: Progress | None = None,
    source_path: str | Path | None = None,
    boundary: bool = False,
    jobs: int = 1,
    checkpoint: str | Path | None = None,
    dask: str | None = None,
    engine: str = "auto",
) -> Certificate:
    """Enumerate the partition with the vertex engine and return its certificate.

    Raises :class:`~exactrelu.errors.Interrupted` if the run is interrupted (a certificate needs
    every region),
    and :class:`~exactrelu.errors.UnsupportedModel` above the vertex engine's dimension limit.
    With ``boundary`` the certificate also carries the exact decision boundary (its key ``boundary``).
    ``jobs``, ``checkpoint`` and ``dask`` split the walk (:mod:`exactrelu.engines.parallel`): every
    worker records its sub-tree and the pieces are merged in the sequential numbering, so the
    certificate is byte-identical.  ``engine``: ``"dd"`` the vertex form, ``"lp"`` the constraint form
    (docs/certificate.md: any dimension, no boundary, one process); ``"auto"`` is ``"lp"`` above
    ``DD_MAX_DIM`` inputs.
    """
    if choose_engine(engine, domain.dim) == "lp":
        if jobs > 1 or checkpoint is not None or dask is not None:
            raise InvalidArgument(
                "jobs, checkpoint and dask split the vertex form only: the constraint form (engine 'lp', "
                f"automatic above {DD_MAX_DIM} inputs) runs in one process"
            )
        return constraint_certificate(network, domain, progress=progress, source_path=source_path, boundary=boundary)
    if domain.dim > DD_MAX_DIM:
        raise UnsupportedModel(
            f"certificates need the vertex engine (engine='dd', at most {DD_MAX_DIM} "
            f"input dimensions); this domain has {domain.dim} dimensions"
        )
    if jobs > 1 or checkpoint is not None or dask is not None:
        result, tree = run_parallel_recorded(
            network, domain, "dd", jobs=jobs, progress=progress, checkpoint=checkpoint, dask=dask, recorder=TreeBuilder
        )
        nodes = _merged_nodes(tree) if tree is not None else []
    else:
        builder = TreeBuilder(domain)
        result = run(network, domain, "dd", progress=progress, recorder=builder)
        nodes = builder.nodes
    if not result.complete:
        raise Interrupted("interrupted: no certificate (a certificate needs the whole partition)")
    for index, raw in enumerate(result.raws):
        assert raw.leaf is not None
        nodes[raw.leaf].region = index
    regions = tuple(
        CertifiedRegion(r.pattern, r.point, r.weight, r.bias, tuple(tuple(b) for b in vertex_bases(raw.cell)))
        for r, raw in zip(result.regions, result.raws)
    )
    edges = tuple(sorted({(a.first, a.second) for a in result.adjacencies}))
    return Certificate(
        network=network_json(network),
        source=source_json(network, source_path),
        domain=domain_json(domain),
        bounded=tuple(tuple(y) for y in bounded_multipliers(domain)),
        tree=tuple(nodes),
        regions=regions,
        edges=edges,
        summary={"regions": len(regions), "edges": len(edges), "linear_pieces": linear_pieces(result.regions, edges)},
        boundary=boundary_json(result.regions, result.adjacencies) if boundary else None,
    )


def _merged_nodes(tree: SplitTree[TreeBuilder]) -> list[TreeNode]:
    """The nodes of a parallel run's sub-trees, renumbered as the sequential walk numbers them."""
    nodes: list[TreeNode | None] = [None] * tree.size
    for part, builder in tree.parts.items():
        number = tree.numbering[part]
        for local, node in enumerate(builder.nodes):
            for name in ("plus", "minus", "next"):
                child = getattr(node, name)
                if child is not None:
                    setattr(node, name, number[child])
            nodes[number[local]] = node
    for link, child in tree.grafts:
        parent = nodes[link.parent]
        assert parent is not None
        setattr(parent, {"p": "plus", "m": "minus", "n": "next"}[link.branch], child)
    assert all(node is not None for node in nodes)
    return nodes  # type: ignore[return-value]


def compact(certificate: dict) -> dict:
    """The certificate's JSON without what the checker recomputes anyway: each region's ``map`` (its exact
    output map, recomputed from the pattern and the embedded network; most of the file).  Every witness
    and hint stays; the checker accepts both forms (docs/certificate.md, "Compact certificates")."""
    return certificate | {"regions": [{k: v for k, v in r.items() if k != "map"} for r in certificate["regions"]]}

"""The certificate as typed values, with the exact JSON of docs/certificate.md both ways.

``Certificate.to_json()`` writes every key in the documented order (so certificates are
byte-for-byte reproducible) and ``Certificate.from_json()`` reads one back.  The producer builds
these values; nothing here decides anything (the independent checker does).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import InvalidArgument
from ..geometry.domain import Domain
from ..network import Network
from ..rational import format_rational, parse_rational_text
from ..region import region_json

__all__ = [
    "source_json",
    "domain_json",
    "CERTIFICATE_FORMAT",
    "CERTIFICATE_VERSION",
    "Proof",
    "TreeNode",
    "CertifiedRegion",
    "ConstraintRegion",
    "Certificate",
    "network_json",
]

CERTIFICATE_FORMAT = "exactrelu-certificate"
CERTIFICATE_VERSION = 1

# How a decided neuron's sign is proved on its node's cell: "z" the zero form, "b" the interval
# bound over a box domain, a basis of the cell's constraints carrying Farkas multipliers, or (the
# constraint form) the multipliers themselves as [[t, y], ...].
Proof = str | list[int] | list[list[Any]]


@dataclass(slots=True)
class TreeNode:
    """One node of the sign-split tree (see docs/certificate.md: keys k, d, s, p, m, n, r)."""

    layer: int
    decided: list[tuple[int, int, Proof]]
    split: int | None = None
    plus: int | None = None
    minus: int | None = None
    next: int | None = None
    region: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"k": self.layer, "d": [[j, bit, proof] for j, bit, proof in self.decided]}
        for key, value in (
            ("s", self.split),
            ("p", self.plus),
            ("m", self.minus),
            ("n", self.next),
            ("r", self.region),
        ):
            if value is not None:
                out[key] = value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TreeNode:
        decided = [(int(j), int(bit), proof) for j, bit, proof in data["d"]]
        return cls(data["k"], decided, data.get("s"), data.get("p"), data.get("m"), data.get("n"), data.get("r"))


@dataclass(frozen=True, slots=True)
class CertifiedRegion:
    """A region as the certificate states it; ``vertices`` lists each vertex as a basis of ``d``
    tight constraints of the region's cell."""

    pattern: tuple[tuple[int, ...], ...]
    point: tuple[Fraction, ...]
    weight: tuple[tuple[Fraction, ...], ...]
    bias: tuple[Fraction, ...]
    vertices: tuple[tuple[int, ...], ...]

    def to_json(self) -> dict[str, Any]:
        return region_json(self.pattern, self.point, self.weight, self.bias) | {
            "vertices": [list(v) for v in self.vertices]
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CertifiedRegion:
        return cls(
            tuple(tuple(layer) for layer in data["pattern"]),
            tuple(_q(v) for v in data["point"]),
            tuple(tuple(_q(v) for v in row) for row in data["map"]["weight"]),
            tuple(_q(v) for v in data["map"]["bias"]),
            tuple(tuple(v) for v in data["vertices"]),
        )


@dataclass(frozen=True, slots=True)
class ConstraintRegion:
    """A region in the constraint form: ``facets`` as ``[constraint, witness]`` (an axis or a point
    as rational strings) and ``redundant`` as ``[constraint, [[t, y], ...]]``, both JSON-ready."""

    pattern: tuple[tuple[int, ...], ...]
    point: tuple[Fraction, ...]
    weight: tuple[tuple[Fraction, ...], ...]
    bias: tuple[Fraction, ...]
    facets: list[list[Any]]
    redundant: list[list[Any]]

    def to_json(self) -> dict[str, Any]:
        return region_json(self.pattern, self.point, self.weight, self.bias) | {
            "facets": self.facets,
            "redundant": self.redundant,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConstraintRegion:
        base = CertifiedRegion.from_json(data | {"vertices": []})
        return cls(base.pattern, base.point, base.weight, base.bias, data["facets"], data["redundant"])


@dataclass(frozen=True, slots=True)
class Certificate:
    """Everything the checker needs: the exact network and domain (as their JSON), where they came
    from, the evidence (boundedness multipliers, the sign-split tree, vertex bases) and the claims
    (regions with maps, edges, summary), and optionally the decision boundary."""

    network: dict[str, Any]
    source: dict[str, Any]
    domain: dict[str, Any]
    bounded: tuple[tuple[Fraction, ...], ...]
    tree: tuple[TreeNode, ...]
    regions: tuple[CertifiedRegion, ...] | tuple[ConstraintRegion, ...]
    edges: tuple[tuple, ...]  # (i, j), or in the constraint form (i, j, proofs, proofs)
    summary: dict[str, int] = field(default_factory=dict)
    boundary: dict[str, Any] | None = None  # the optional decision boundary, as its JSON (docs/certificate.md)
    form: str = "vertices"  # or "constraints" (no vertex lists: any dimension)

    def to_json(self) -> dict[str, Any]:
        out = {
            "format": CERTIFICATE_FORMAT,
            "version": CERTIFICATE_VERSION,
            **({"form": self.form} if self.form != "vertices" else {}),
            "network": self.network,
            "source": self.source,
            "domain": self.domain,
            "bounded": [[format_rational(v) for v in y] for y in self.bounded],
            "tree": [node.to_json() for node in self.tree],
            "regions": [r.to_json() for r in self.regions],
            "edges": [list(e) for e in self.edges],
            "summary": dict(self.summary),
        }
        if self.boundary is not None:
            out["boundary"] = self.boundary
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Certificate:
        """Read a certificate's JSON (structure only; the checker is what verifies it)."""
        if data.get("format") != CERTIFICATE_FORMAT or data.get("version") != CERTIFICATE_VERSION:
            raise InvalidArgument(f"not an {CERTIFICATE_FORMAT} of version {CERTIFICATE_VERSION}")
        form = data.get("form", "vertices")
        return cls(
            data["network"],
            data["source"],
            data["domain"],
            tuple(tuple(_q(v) for v in y) for y in data["bounded"]),
            tuple(TreeNode.from_json(n) for n in data["tree"]),
            tuple(ConstraintRegion.from_json(r) for r in data["regions"])
            if form == "constraints"
            else tuple(CertifiedRegion.from_json(r) for r in data["regions"]),
            tuple(tuple(e) for e in data["edges"]),
            dict(data["summary"]),
            data.get("boundary"),
            form,
        )


def network_json(network: Network) -> dict[str, Any]:
    """The network as a certificate embeds it: the layers (every rational a string) and
    ``negative_slopes`` when any slope is nonzero; no names."""
    data: dict[str, Any] = {"layers": network.to_json()["layers"]}
    if any(network.negative_slopes):
        data["negative_slopes"] = [format_rational(s) for s in network.negative_slopes]
    return data


def source_json(network: Network, source_path: str | Path | None) -> dict[str, Any]:
    """Where the network came from: its file and reading, and the SHA-256 of ``source_path`` (default:
    the file it was loaded from, when that is a file)."""
    source: dict[str, Any] = {"file": network.source, "reading": network.reading}
    path = source_path or (network.source if network.source and Path(network.source).is_file() else None)
    if path is not None:
        source["sha256"] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return source


def domain_json(domain: Domain) -> dict[str, Any]:
    """The domain as a certificate states it: ``A``, ``b`` and, for a box, ``box``."""
    data = domain.to_json()
    return {k: data[k] for k in ("A", "b", "box") if k in data}


def _q(text: str) -> Fraction:
    return parse_rational_text(text, "certificate number")

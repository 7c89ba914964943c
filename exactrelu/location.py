"""Exact point location: which region's closure holds a point, for a whole batch of points at once.

Scanning every region's facets costs time in proportion to the number of regions; the network
itself says where a point is in depth-many steps.  The batch is one exact forward pass in integer
arithmetic: each point in homogeneous integer form (over its own denominator), each layer an
integer matrix over one denominator, multiplied by python-flint (:class:`flint.fmpz_mat`).  The
signs of the pre-activations give each point's pattern.

Why the pattern decides everything (docs/semantics.md, canonical patterns): the network agrees at
``x`` with its linearisation for any pattern ``s`` that matches the signs at ``x`` (a neuron at 0
contributes 0 whichever bit it has), and each region is the closed set where its pattern's
linearised pre-activations have the signs its bits say.  So a point ``x`` of the domain lies in
the closure of a region **iff the region's pattern agrees with the signs at x on every neuron
whose pre-activation at x is not zero**.  No facet is tested: when no pre-activation vanishes the
pattern itself is the key of one region (a dictionary look-up); when some vanish (a boundary
point, or a neuron identically zero, such as a dead one) the regions matching on the other
neurons are exactly the ones whose closure holds ``x``, and the lowest index among them is
returned, as the scan did.  Outside the domain (exact test of ``A x <= b``) the answer is None.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import lcm

import numpy as np
from flint import fmpz_mat

from .errors import InvalidDomain, counted
from .geometry.domain import Domain
from .network import Network
from .rational import point_values, to_rational

__all__ = ["PointLocator", "sign_patterns", "integer_layers"]

Pattern = tuple[tuple[int, ...], ...]


IntegerLayer = tuple[fmpz_mat, fmpz_mat, int, Fraction]


def integer_layers(network: Network) -> list[IntegerLayer]:
    """Each hidden layer as ``(W^T, b as one row, q, slope)``: ``W = W^T.T / q`` and ``b`` over the
    same positive denominator ``q``, with the layer's activation slope."""
    layers = []
    for layer, slope in zip(network.layers, network.negative_slopes):
        q = lcm(*(v.denominator for row in layer.weight for v in row), *(v.denominator for v in layer.bias))
        weight = fmpz_mat([[int(w * q) for w in row] for row in layer.weight]).transpose()
        bias = fmpz_mat([[int(v * q) for v in layer.bias]])
        layers.append((weight, bias, q, slope))
    return layers


def _points(points: Sequence[Sequence[object]], dim: int) -> tuple[list[int], list[int]]:
    """Exact points in homogeneous integer form: the numerators ``w0 x`` of all points, flat, and
    each point's ``w0 > 0``, the least common denominator of its own coordinates (one for the whole
    batch could grow without bound)."""
    numerators: list[int] = []
    dens: list[int] = []
    points = point_values(points, "points")
    for p, x in enumerate(points):
        what = "point" if len(points) == 1 else f"point {p + 1}"
        point = [
            v if type(v) is Fraction else to_rational(v, f"coordinate {i + 1}")
            for i, v in enumerate(point_values(x, what))
        ]
        if len(point) != dim:
            raise InvalidDomain(f"{what} has {counted(len(point), 'coordinate')}, expected {dim}")
        den = lcm(*(v.denominator for v in point))
        numerators += [v.numerator * (den // v.denominator) for v in point]
        dens.append(den)
    return numerators, dens


def sign_patterns(
    network: Network, numerators: list[int], dens: list[int], layers: list[IntegerLayer] | None = None
) -> tuple[np.ndarray, list[list[int]]]:
    """Each point's pattern as one row of bits (uint8), flattened over the hidden layers (1 iff
    the pre-activation is > 0), and the neurons (flat indices) whose pre-activation is exactly 0
    there, by one exact integer forward pass of the batch: point ``i`` is
    ``numerators[i d : (i + 1) d] / dens[i]``.
    ``layers``: :func:`integer_layers` of the network, when already at hand.

    >>> from exactrelu import EXAMPLE
    >>> bits, zeros = sign_patterns(EXAMPLE, [1, 3, 1, 0], [4, 4])  # (1/4, 3/4) and (1/4, 0)
    >>> bits.tolist(), zeros   # L1 > 0 and L2 = 0 at the first point; both < 0 at the second
    ([[1, 0], [0, 0]], [[1], []])
    """
    n = len(dens)
    zeros: list[list[int]] = [[] for _ in range(n)]
    if n == 0 or network.n_hidden == 0:
        return np.zeros((n, network.n_hidden), dtype=np.uint8), zeros
    # invariant: row i of ``values`` is the previous layer's activations times ``scale[i]`` > 0
    values = fmpz_mat(n, network.n_inputs, numerators)
    scale = fmpz_mat(n, 1, dens)
    bits: list[np.ndarray] = []
    offset = 0
    for weight, bias, q, slope in integer_layers(network) if layers is None else layers:
        width = weight.ncols()
        flat = (values * weight + scale * bias).entries()  # pre-activations times scale q
        positive = [v > 0 for v in flat]
        bits.append(np.array(positive, dtype=np.uint8).reshape(n, width))
        if 0 in flat:
            for k, v in enumerate(flat):
                if v == 0:
                    zeros[k // width].append(offset + k % width)
        if slope == 0:
            values = fmpz_mat(n, width, [v if up else 0 for v, up in zip(flat, positive)])
            scale = scale * q
        else:
            keep, times = slope.denominator, slope.numerator
            values = fmpz_mat(n, width, [v * keep if up else v * times for v, up in zip(flat, positive)])
            scale = scale * (q * keep)
        offset += width
    return np.hstack(bits), zeros


class PointLocator:
    """Locates batches of points among a partition's regions (given by their canonical patterns).

    >>> from exactrelu import EXAMPLE, partition
    >>> p = partition(EXAMPLE)
    >>> PointLocator(p.network, p.domain, [r.pattern for r in p.regions]).locate_many(
    ...     [["1/2", "1/6"], ["1/2", "1/2"], [2, 0]])
    [0, 0, None]
    """

    def __init__(self, network: Network, domain: Domain, patterns: Sequence[Pattern]):
        self.network = network
        self.domain = domain
        self.patterns = tuple(patterns)
        flat = np.array([[b for layer in p for b in layer] for p in patterns], dtype=np.uint8)
        flat = flat.reshape(len(patterns), network.n_hidden)
        self.index: dict[bytes, int] = {}  # flattened pattern -> lowest region index
        for i, row in enumerate(flat):
            self.index.setdefault(row.tobytes(), i)
        self.packed = np.packbits(flat, axis=1)
        self.layers = integer_layers(network)
        rows = domain.constraint_rows()  # c . (1, x) >= 0
        self.normals = fmpz_mat([list(r[1:]) for r in rows]).transpose()
        self.offsets = fmpz_mat([[r[0] for r in rows]])

    def __reduce__(self) -> tuple:  # flint matrices do not pickle: rebuild them
        return PointLocator, (self.network, self.domain, self.patterns)

    def _inside(self, numerators: list[int], dens: list[int]) -> list[bool]:
        """Exact ``A x <= b`` for each point."""
        n, m = len(dens), self.offsets.ncols()
        if n == 0:
            return []
        values = (
            fmpz_mat(n, self.domain.dim, numerators) * self.normals + fmpz_mat(n, 1, dens) * self.offsets
        ).entries()
        return [min(values[i * m : (i + 1) * m]) >= 0 for i in range(n)]

    def _lowest_match(self, pattern: np.ndarray, zeros: list[int]) -> int | None:
        """The lowest index whose pattern agrees with ``pattern`` on every neuron not in ``zeros``."""
        known = np.ones(self.network.n_hidden, dtype=bool)
        known[zeros] = False
        differ = (self.packed ^ np.packbits(pattern)) & np.packbits(known)
        hits = np.flatnonzero(~differ.any(axis=1))
        return int(hits[0]) if len(hits) else None

    def locate_many(self, points: Sequence[Sequence[object]]) -> list[int | None]:
        """For each point (a sequence of exact numbers: ints, Fractions, ``"p/q"`` or decimal text,
        floats by their binary value), the lowest index of a region whose closure contains it;
        None outside the domain, or where no listed region holds it (an incomplete partition)."""
        numerators, dens = _points(points, self.domain.dim)
        inside = self._inside(numerators, dens)
        patterns, zeros = sign_patterns(self.network, numerators, dens, self.layers)
        found: list[int | None] = []
        for pattern, vanishing, ok in zip(patterns, zeros, inside):
            if not ok:
                found.append(None)
            elif not vanishing:
                found.append(self.index.get(pattern.tobytes()))
            else:
                found.append(self._lowest_match(pattern, vanishing))
        return found

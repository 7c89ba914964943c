"""A network's layers as exact integer matrices, and the pre-activation forms they give on a cell.

Once the patterns of layers ``1..k`` are fixed on a cell, every neuron of layer ``k + 1`` has an
affine pre-activation there.  Forms are integer rows acting on homogeneous points ``(w0, w0 x)``
with one common denominator per layer: ``pre(x) = row . (1, x) / den``.  Composing them with
integer matrices (exact Python integers in NumPy object arrays) keeps every map exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import lcm

import numpy as np

from ..geometry.predicates import float_rows, packed, unpacked
from ..network import Network

__all__ = ["IntegerNetwork", "IntegerLayer", "LayerForms"]


@dataclass(frozen=True, slots=True)
class IntegerLayer:
    # (out, in + 1): the layer's weights times ``den``, then the biases times ``den``, as a NumPy
    # array of Python integers (dtype object: exact, no overflow)
    grid: np.ndarray
    bias: tuple[int, ...]  # the biases times ``den``
    den: int
    slope: tuple[int, int]  # LeakyReLU slope p/q after this layer ((0, 1) for ReLU)


def object_array(rows: Sequence[Sequence[int]]) -> np.ndarray:
    """A 2-D NumPy array of the Python integers ``rows`` (dtype object: exact, no overflow)."""
    out = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=object)
    out[:] = rows
    return out


@dataclass(frozen=True, slots=True)
class IntegerNetwork:
    """The network's layers as integer matrices with one common denominator each."""

    layers: tuple[IntegerLayer, ...]
    n_inputs: int

    @classmethod
    def of(cls, net: Network) -> IntegerNetwork:
        layers = []
        slopes = list(net.negative_slopes) + [Fraction(0)]
        for layer, slope in zip(net.layers, slopes):
            den = lcm(*(w.denominator for row in layer.weight for w in row), *(b.denominator for b in layer.bias))
            rows = [[int(w * den) for w in row] + [int(b * den)] for row, b in zip(layer.weight, layer.bias)]
            bias = tuple(int(b * den) for b in layer.bias)
            layers.append(IntegerLayer(object_array(rows), bias, den, (slope.numerator, slope.denominator)))
        return cls(tuple(layers), net.n_inputs)

    def first_forms(self) -> LayerForms:
        layer = self.layers[0]
        rows = [tuple([b] + row[:-1]) for b, row in zip(layer.bias, layer.grid.tolist())]
        return LayerForms.of(rows, layer.den)

    def next_forms_of_leaves(self, k: int, forms: LayerForms, patterns: Sequence[Sequence[int]]) -> list[LayerForms]:
        """Pre-activations of layer ``k + 1`` for every pattern (of layer ``k``) of the leaves of one
        cell, given layer ``k``'s ``forms`` there: sibling leaves differ in a few bits, so each
        composition but the first is the previous one plus the weight columns of the neurons that
        changed times their change of post-activation (exact Python integers in NumPy object arrays)."""
        p, q = self.layers[k].slope
        nxt = self.layers[k + 1]
        post_den = forms.den * q
        rows = object_array(forms.rows)
        out: list[LayerForms] = []
        guides = k + 2 < len(self.layers)  # the output layer's forms are the map: never a sign decided
        composed = None
        previous: Sequence[int] = ()
        for bits in patterns:
            changed = [i for i, (a, b) in enumerate(zip(previous, bits)) if a != b]
            if composed is None or len(changed) > _MAX_CHANGED:
                composed = _compose(nxt.grid, rows, bits, p, q, post_den)
            else:
                for i in changed:
                    step = q - p if bits[i] else p - q
                    composed = composed + np.multiply.outer(nxt.grid[:, i] * step, rows[i])
            previous = bits
            out.append(LayerForms.of([tuple(r) for r in composed.tolist()], nxt.den * post_den, guides))
        return out


NO_GUIDES = np.empty((0, 0))
_MAX_CHANGED = 8  # above this many changed neurons a leaf's forms are composed afresh


def _compose(grid: np.ndarray, rows: np.ndarray, bits: Sequence[int], p: int, q: int, post_den: int) -> np.ndarray:
    """``grid`` times the post-activation rows (``q row`` where the bit is 1, ``p row`` where 0),
    plus the bias column times ``post_den``: only the neurons with a nonzero coefficient count."""
    coefficients = [q if bit else p for bit in bits]
    used = [i for i, c in enumerate(coefficients) if c]
    if used:
        post = rows[used] if (p, q) == (0, 1) else rows[used] * object_array([[coefficients[i]] for i in used])
        composed = grid[:, used] @ post
    else:
        composed = np.zeros((grid.shape[0], rows.shape[1]), dtype=object)
    composed[:, 0] += grid[:, -1] * post_den
    return composed


@dataclass(frozen=True, slots=True)
class LayerForms:
    """Affine forms ``rows[j] . (1, x) / den`` of one layer on a cell, with their float guides."""

    rows: tuple[tuple[int, ...], ...]
    den: int
    floats: np.ndarray

    @classmethod
    def of(cls, rows: list[tuple[int, ...]], den: int, guides: bool = True) -> LayerForms:
        """``guides=False``: no float guides (the output map's: no sign of it is ever decided)."""
        return cls(tuple(rows), den, float_rows(rows) if guides else NO_GUIDES)

    def __reduce__(self):  # plain values: pickled fast
        return _unpickled_forms, (self.rows, self.den, *packed(self.floats))


def _unpickled_forms(rows: tuple[tuple[int, ...], ...], den: int, floats: bytes, shape: tuple[int, ...]) -> LayerForms:
    return LayerForms(rows, den, unpacked(floats, shape))

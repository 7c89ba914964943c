"""A network's layers as exact integer matrices, and the pre-activation forms they give on a cell.

Once the patterns of layers ``1..k`` are fixed on a cell, every neuron of layer ``k + 1`` has an
affine pre-activation there.  Forms are integer rows acting on homogeneous points ``(w0, w0 x)``
with one common denominator per layer: ``pre(x) = row . (1, x) / den``.  Composing them with
integer matrices (python-flint) keeps every map exact and cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import lcm

import numpy as np
from flint import fmpz_mat

from ..geometry.predicates import float_rows
from ..network import Network

__all__ = ["IntegerNetwork", "IntegerLayer", "LayerForms"]


@dataclass(frozen=True, slots=True)
class IntegerLayer:
    weight: fmpz_mat  # (out, in + 1): the layer's weights times ``den``, then the biases times ``den``
    bias: tuple[int, ...]  # the biases times ``den``
    den: int
    slope: tuple[int, int]  # LeakyReLU slope p/q after this layer ((0, 1) for ReLU)

    def __reduce__(self):  # flint matrices do not pickle: travel as lists of Python integers
        rows = [[int(v) for v in row] for row in self.weight.tolist()]
        return _integer_layer, (rows, self.bias, self.den, self.slope)


def _integer_layer(rows: list[list[int]], bias: tuple[int, ...], den: int, slope: tuple[int, int]) -> IntegerLayer:
    return IntegerLayer(fmpz_mat(rows), bias, den, slope)


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
            weight = fmpz_mat(
                [[int(w * den) for w in row] + [int(b * den)] for row, b in zip(layer.weight, layer.bias)]
            )
            bias = tuple(int(b * den) for b in layer.bias)
            layers.append(IntegerLayer(weight, bias, den, (slope.numerator, slope.denominator)))
        return cls(tuple(layers), net.n_inputs)

    def first_forms(self) -> LayerForms:
        layer = self.layers[0]
        rows = [tuple([b] + [int(w) for w in row[:-1]]) for b, row in zip(layer.bias, layer.weight.tolist())]
        return LayerForms.of(rows, layer.den)

    def next_forms(self, k: int, forms: LayerForms, bits: list[int]) -> LayerForms:
        """Pre-activations of layer ``k + 1`` given layer ``k``'s forms and pattern."""
        p, q = self.layers[k].slope
        width = len(forms.rows[0])
        if (p, q) == (0, 1):
            post = [row if bit else (0,) * width for row, bit in zip(forms.rows, bits)]
            post_den = forms.den
        else:
            post = [
                tuple(q * a for a in row) if bit else tuple(p * a for a in row) for row, bit in zip(forms.rows, bits)
            ]
            post_den = forms.den * q
        post.append((post_den,) + (0,) * (width - 1))  # the bias column meets the constant 1
        nxt = self.layers[k + 1]
        product = (nxt.weight * fmpz_mat(post)).tolist()
        return LayerForms.of([tuple(int(v) for v in r) for r in product], nxt.den * post_den)


@dataclass(frozen=True, slots=True)
class LayerForms:
    """Affine forms ``rows[j] . (1, x) / den`` of one layer on a cell, with their float guides."""

    rows: tuple[tuple[int, ...], ...]
    den: int
    floats: np.ndarray

    @classmethod
    def of(cls, rows: list[tuple[int, ...]], den: int) -> LayerForms:
        return cls(tuple(rows), den, float_rows(rows))

"""Layer-by-layer exact subdivision of the domain into activation regions.

Within a cell on which the patterns of layers ``1..k-1`` are fixed, every neuron of layer ``k`` has
an affine pre-activation, so it either keeps one sign on the cell (its bit is decided; a form that
vanishes on the whole cell is the zero form and gets bit 0, the canonical rule) or its hyperplane
cuts the cell's interior, which the vertex signs show exactly.  Cutting cells until no neuron of
the layer cuts yields the cells of layer ``k``; their maps are composed exactly and the next layer
starts.  Every split produces two full-dimensional cells, so the work is proportional to the
number of regions found, and the split history is the sign-split tree that certificates replay.

Maps are integer matrices ``Z`` acting on homogeneous points ``(w0, w0 x)`` with one common
denominator ``E`` per layer: ``pre_k(x) = Z (1, x) / E``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import lcm
from typing import Iterator, Protocol

import numpy as np
from flint import fmpz_mat

from .domain import Domain
from .network import Network
from .polytope import Cell
from .predicates import float_rows, sign_matrix, float_points

__all__ = ["IntegerNetwork", "LayerForms", "RawRegion", "enumerate_regions"]


@dataclass(frozen=True, slots=True)
class IntegerLayer:
    weight: fmpz_mat  # (out, in + 1): the layer's weights times ``den``, then the biases times ``den``
    bias: tuple[int, ...]  # the biases times ``den``
    den: int
    slope: tuple[int, int]  # LeakyReLU slope p/q after this layer ((0, 1) for ReLU)


@dataclass(frozen=True, slots=True)
class IntegerNetwork:
    """The network's layers as integer matrices with one common denominator each."""

    layers: tuple[IntegerLayer, ...]
    n_inputs: int

    @classmethod
    def of(cls, net: Network) -> "IntegerNetwork":
        layers = []
        slopes = list(net.negative_slopes) + [Fraction(0)]
        for layer, slope in zip(net.layers, slopes):
            den = lcm(*(w.denominator for row in layer.weight for w in row), *(b.denominator for b in layer.bias))
            weight = fmpz_mat([[int(w * den) for w in row] + [int(b * den)] for row, b in zip(layer.weight, layer.bias)])
            bias = tuple(int(b * den) for b in layer.bias)
            layers.append(IntegerLayer(weight, bias, den, (slope.numerator, slope.denominator)))
        return cls(tuple(layers), net.n_inputs)

    def first_forms(self) -> "LayerForms":
        layer = self.layers[0]
        rows = [tuple([b] + [int(w) for w in row[:-1]]) for b, row in zip(layer.bias, layer.weight.tolist())]
        return LayerForms.of(rows, layer.den)

    def next_forms(self, k: int, forms: "LayerForms", bits: list[int]) -> "LayerForms":
        """Pre-activations of layer ``k + 1`` given layer ``k``'s forms and pattern."""
        p, q = self.layers[k].slope
        width = len(forms.rows[0])
        if (p, q) == (0, 1):
            post = [row if bit else (0,) * width for row, bit in zip(forms.rows, bits)]
            post_den = forms.den
        else:
            post = [tuple(q * a for a in row) if bit else tuple(p * a for a in row) for row, bit in zip(forms.rows, bits)]
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
    def of(cls, rows: list[tuple[int, ...]], den: int) -> "LayerForms":
        return cls(tuple(rows), den, float_rows(rows))


@dataclass(slots=True)
class RawRegion:
    """A region as the enumerator finds it (the public :class:`~exactrelu.region.Region` is built
    from it after adjacency)."""

    cell: Cell
    pattern: tuple[tuple[int, ...], ...]
    forms: tuple[LayerForms, ...]  # pre-activations of every hidden layer on this region
    output: LayerForms  # the exact output map
    leaf: object = None  # the recorder's leaf node, when a sign-split tree is recorded


class TreeRecorder(Protocol):
    """Receives the sign-split tree as it is built (see :mod:`exactrelu.certify`)."""

    def open(self, link, k: int, cell: Cell, decided: list[tuple[int, int, tuple[int, ...]]]): ...

    def split(self, node, j: int) -> tuple[object, object]: ...

    def link(self, node, key: str) -> object: ...


def enumerate_regions(
    net: Network,
    domain: Domain,
    recorder: TreeRecorder | None = None,
) -> Iterator[RawRegion]:
    """Yield every activation region of ``net`` on ``domain`` (depth-first, deterministic).

    With a ``recorder``, every node of the sign-split tree is reported to it, with the neurons
    decided there (and their forms), so that certificates can prove each decision."""
    inet = IntegerNetwork.of(net)
    n_hidden_layers = len(inet.layers) - 1
    root = domain.cell()
    first = inet.first_forms()
    if n_hidden_layers == 0:
        leaf = recorder.open(None, -1, root, []) if recorder is not None else None
        yield RawRegion(root, (), (), first, leaf)
        return
    stack: list[tuple[Cell, int, LayerForms, tuple, object]] = [(root, 0, first, (), None)]
    while stack:
        cell, k, forms, history, link = stack.pop()
        leaves = _split_layer(cell, k, forms, recorder, link)
        children = []
        for leaf, bits, node in leaves:
            pattern_so_far = history + ((tuple(bits), forms),)
            if k + 1 == n_hidden_layers:
                output = inet.next_forms(k, forms, bits)
                region = RawRegion(
                    leaf,
                    tuple(b for b, _ in pattern_so_far),
                    tuple(f for _, f in pattern_so_far),
                    output,
                    node,
                )
                yield region
            else:
                next_link = recorder.link(node, "n") if recorder is not None else None
                children.append((leaf, k + 1, inet.next_forms(k, forms, bits), pattern_so_far, next_link))
        stack.extend(reversed(children))


def _split_layer(cell: Cell, k: int, forms: LayerForms, recorder=None, link=None):
    """Cut ``cell`` by layer ``k``'s hyperplanes until none cuts.

    Returns ``(leaf cell, layer-k bits, recorder node)`` for every leaf."""
    n = len(forms.rows)
    signs = sign_matrix(list(forms.rows), forms.floats, cell.verts, cell.vf)
    bits = [-1] * n
    work = [(cell, signs, list(range(n)), bits, link)]
    leaves = []
    while work:
        c, S, active, bits, link = work.pop()
        has_pos = (S > 0).any(axis=1)
        has_neg = (S < 0).any(axis=1)
        cutting = []
        decided = []
        for r, j in enumerate(active):
            if has_pos[r] and has_neg[r]:
                cutting.append(r)
            else:
                bits[j] = 1 if has_pos[r] else 0
                decided.append((j, bits[j], forms.rows[j]))
        node = recorder.open(link, k, c, decided) if recorder is not None else None
        if not cutting:
            leaves.append((c, bits, node))
            continue
        r0 = cutting[0]
        j0 = active[r0]
        form = forms.rows[j0]
        plus, minus, keep_p, keep_m, n_new = c.split(
            form, S[r0], ("neuron", k, j0, 1), ("neuron", k, j0, -1)
        )
        rest = cutting[1:]
        rest_neurons = [active[r] for r in rest]
        if rest:
            if n_new:
                new_signs = sign_matrix(
                    [forms.rows[j] for j in rest_neurons],
                    forms.floats[rest_neurons],
                    plus.verts[len(keep_p):],
                    plus.vf[len(keep_p):],
                )
            else:
                new_signs = np.zeros((len(rest), 0), dtype=np.int8)
            S_rest = S[rest]
            S_plus = np.concatenate([S_rest[:, keep_p], new_signs], axis=1)
            S_minus = np.concatenate([S_rest[:, keep_m], new_signs], axis=1)
        else:
            S_plus = S_minus = np.zeros((0, 0), dtype=np.int8)
        bits_minus = list(bits)
        bits[j0] = 1
        bits_minus[j0] = 0
        link_plus, link_minus = recorder.split(node, j0) if recorder is not None else (None, None)
        work.append((minus, S_minus, rest_neurons, bits_minus, link_minus))
        work.append((plus, S_plus, rest_neurons, bits, link_plus))
    leaves.reverse()
    return leaves

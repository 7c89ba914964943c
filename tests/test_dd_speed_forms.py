"""Composing the forms of sibling leaves incrementally gives the same exact maps as composing each
afresh, and both agree with a forward pass in Fractions under the same activation pattern."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from example_nets import random_net
from flint import fmpz_mat

from exactrelu.engines.forms import IntegerNetwork, LayerForms
from exactrelu.network import Network


def pattern_forward(net: Network, patterns: list[list[int]], x: list[Fraction]) -> list[list[Fraction]]:
    """Pre-activations of every layer at ``x`` when hidden layer ``k`` follows ``patterns[k]`` (bit 1:
    identity, bit 0: the negative slope), whatever the signs: the oracle of the composed forms."""
    slopes = list(net.negative_slopes) or [Fraction(0)] * (len(net.layers) - 1)
    values, h = [], list(x)
    for k, layer in enumerate(net.layers):
        z = [sum((w * v for w, v in zip(row, h)), Fraction(0)) + b for row, b in zip(layer.weight, layer.bias)]
        values.append(z)
        if k < len(patterns):
            h = [v if bit else slopes[k] * v for v, bit in zip(z, patterns[k])]
    return values


def leaky(net: Network, slope: Fraction) -> Network:
    layers = [(layer.weight, layer.bias) for layer in net.layers]
    return Network.from_layers(layers, negative_slopes=[slope] * (len(layers) - 1))


def sibling_patterns(rng: random.Random, width: int, count: int) -> list[list[int]]:
    """Patterns that mostly differ from the previous one in a bit or two, sometimes in many."""
    out = [[rng.randint(0, 1) for _ in range(width)]]
    for _ in range(count - 1):
        bits = list(out[-1])
        for i in rng.sample(range(width), rng.choice([1, 1, 2, 3, width])):
            bits[i] ^= 1
        out.append(bits)
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("slope", [None, Fraction(1, 10), Fraction(-2, 3)])
def test_sibling_forms_match_fresh_composition_and_a_fraction_forward_pass(seed, slope):
    rng = random.Random(seed)
    net = random_net(seed, 3, (12, 12, 10), rational=True)
    if slope is not None:
        net = leaky(net, slope)
    inet = IntegerNetwork.of(net)
    forms = inet.first_forms()
    history: list[list[int]] = []
    for k in range(len(inet.layers) - 1):
        patterns = sibling_patterns(rng, len(forms.rows), 7)
        siblings = inet.next_forms_of_leaves(k, forms, patterns)
        for bits, got in zip(patterns, siblings):
            fresh = flint_composition(inet, k, forms, bits)
            assert got.rows == fresh.rows and got.den == fresh.den
            assert all(type(v) is int for row in got.rows for v in row)
            if k + 2 < len(inet.layers):  # hidden layers carry float guides; the output map none (never signed)
                assert (got.floats == fresh.floats).all()
            else:
                assert got.floats.size == 0
            x = [Fraction(rng.randint(-50, 50), rng.randint(1, 9)) for _ in range(net.n_inputs)]
            expected = pattern_forward(net, history + [bits], x)[k + 1]
            assert [(row[0] + sum(a * v for a, v in zip(row[1:], x))) / got.den for row in got.rows] == expected
        history.append(patterns[-1])
        forms = siblings[-1]


def test_a_leaf_without_any_active_neuron_keeps_only_the_biases():
    net = random_net(3, 2, (5,), rational=True)
    inet = IntegerNetwork.of(net)
    forms = inet.first_forms()
    (got,) = inet.next_forms_of_leaves(0, forms, [[0] * 5])
    assert [Fraction(row[0], got.den) for row in got.rows] == list(net.layers[1].bias)
    assert all(v == 0 for row in got.rows for v in row[1:])


def flint_composition(inet, k, forms, bits):
    """The oracle: layer ``k + 1``'s forms composed afresh in one python-flint integer matrix product
    (post-activations ``q row`` for bit 1, ``p row`` for bit 0, the bias column on the constant)."""
    p, q = inet.layers[k].slope
    width = len(forms.rows[0])
    post = [tuple((q if bit else p) * a for a in row) for row, bit in zip(forms.rows, bits)]
    post_den = forms.den * q
    post.append((post_den,) + (0,) * (width - 1))
    nxt = inet.layers[k + 1]
    product = (fmpz_mat(nxt.grid.tolist()) * fmpz_mat(post)).tolist()
    return LayerForms.of([tuple(int(v) for v in r) for r in product], nxt.den * post_den)

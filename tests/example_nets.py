"""One shared table of example networks, run through every implementation that must agree.

Each entry is ``Example(name, net, box)`` with ``box`` a list of ``(lo, hi)``; every network is
small enough for the brute-force oracle (at most 10 hidden neurons).  ``POLYTOPE_EXAMPLES`` holds
networks on non-box domains, given as ``{"A": ..., "b": ...}`` meaning ``A x <= b``.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import NamedTuple

from exactrelu.network import Network

__all__ = ["Example", "EXAMPLES", "POLYTOPE_EXAMPLES", "random_net", "by_name", "BUILTIN"]


class Example(NamedTuple):
    name: str
    net: Network
    box: object  # list of (lo, hi), or {"A": ..., "b": ...} in POLYTOPE_EXAMPLES


def _net(*layers, slopes=()):
    return Network.from_layers(list(layers), negative_slopes=list(slopes))


UNIT = [(0, 1), (0, 1)]

# The built-in example: L1 = -X + Y, L2 = X + Y - 1 on [0,1]^2; P = 2 h1 + h2, Q = h1 + 2 h2 - 1/4.
BUILTIN = Example(
    "builtin",
    Network.from_layers(
        [([[-1, 1], [1, 1]], [0, -1]), ([[2, 1], [1, 2]], [0, "-1/4"])],
        input_names=("X", "Y"),
        output_names=("P", "Q"),
    ),
    UNIT,
)


def random_net(seed: int, n_inputs: int, hidden: tuple[int, ...], n_outputs: int = 2,
               rational: bool = False) -> Network:
    """Seeded small network: integer weights in [-3, 3], or small rationals p/q with q <= 3."""
    rng = random.Random(seed)

    def value():
        if rational:
            return Fraction(rng.randint(-6, 6), rng.choice([1, 2, 3]))
        return rng.randint(-3, 3)

    widths = (n_inputs,) + tuple(hidden) + (n_outputs,)
    layers = []
    for n_in, n_out in zip(widths, widths[1:]):
        layers.append(([[value() for _ in range(n_in)] for _ in range(n_out)], [value() for _ in range(n_out)]))
    return Network.from_layers(layers)


EXAMPLES: list[Example] = [
    BUILTIN,
    # Three lines through (1/2, 1/2): x = 1/2, y = 1/2, x = y.
    Example("concurrent3", _net(([[2, 0], [0, 2], [1, -1]], [-1, -1, 0]), ([[1, 1, 1]], [0])), UNIT),
    # Four lines through (1/2, 1/2), including the two diagonals through the box corners.
    Example("concurrent4", _net(([[2, 0], [0, 2], [1, -1], [1, 1]], [-1, -1, 0, -1]), ([[1, -1, 2, 1]], [0])), UNIT),
    # The same neuron twice (x = 1/2), plus y = 1/3.
    Example("duplicated", _net(([[2, 0], [2, 0], [0, 3]], [-1, -1, -1]), ([[1, 1, 1], [1, -1, 0]], [0, 0])), UNIT),
    # (w, b) and (-w, -b): out = h1 - h2 = x + y - 1 is affine everywhere (one linear piece).
    Example("negated", _net(([[1, 1], [-1, -1]], [-1, 1]), ([[1, -1]], [0])), UNIT),
    # The same negated pair with an output that bends: two linear pieces.
    Example("negated_bent", _net(([[1, 1], [-1, -1]], [-1, 1]), ([[1, 1]], [0])), UNIT),
    # An all-zero row (weights and bias): its pre-activation is identically 0, canonically off.
    Example("zero_row", _net(([[1, -1], [0, 0]], [0, 0]), ([[1, 5]], [0])), UNIT),
    # Dead neurons: zero weights with bias -1, and a neuron negative on the whole box; plus one
    # neuron positive on the whole box.
    Example("dead", _net(([[1, -1], [0, 0], [1, 1], [1, 1]], [0, -1, -5, 5]), ([[1, 1, 1, 1]], [0])), UNIT),
    # A second-layer neuron identically zero on half the domain (g1 = h1 vanishes where x < 1/2),
    # and g2 = h2 - h1 which is 0 on the quadrant x < 1/2, y < 1/2.
    Example("zero_on_half", _net(([[2, 0], [0, 2]], [-1, -1]), ([[1, 0], [-1, 1]], [0, 0]), ([[1, 1]], [0])),
            UNIT),
    # Lines along the box's edges (x1 = 0, x2 = 1, x1 = 1 reversed) and one diagonal.
    Example("box_edges", _net(([[1, 0], [0, -1], [-1, 0], [1, -1]], [0, 1, 1, 0]), ([[1, 2, 3, 4]], [0])), UNIT),
    # Lines along a box edge that are off on the whole box: -x1 <= 0 and x2 - 1 <= 0.
    Example("box_edges_off", _net(([[-1, 0], [0, 1], [1, 1]], [0, -1, -1]), ([[1, 1, 1]], [0])), UNIT),
    # Lines through box corners only: x + y = 2 touches (1, 1); x + y = 0 touches (0, 0); and the
    # diagonal x = y through two corners.
    Example("corners", _net(([[1, 1], [1, 1], [1, -1]], [-2, 0, 0]), ([[1, 1, 1]], [0])), UNIT),
    # Parallel lines x = 1/4, 1/2, 3/4 and, reversed, x = 1/3.
    Example("parallel", _net(([[4, 0], [2, 0], [4, 0], [-3, 0]], [-1, -1, -3, 1]), ([[1, -1, 1, 2]], [0])), UNIT),
    # One input: breakpoints 0, 1/2 and 1 on [-1, 2].
    Example("one_input", _net(([[1], [1], [-2]], [0, -1, 1]), ([[1, -2, 1], [0, 1, 1]], [0, 0])), [(-1, 2)]),
    # One input, two hidden layers, second layer zero on part of the line.
    Example("one_input_deep", _net(([[1], [-1]], [0, 0]), ([[1, 1], [1, -1]], ["-1/2", 0]), ([[1, 1]], [0])),
            [(-1, 1)]),
    # Three inputs: one plane three times (scaled and negated) and a plane x = 1/2.
    Example("coincident3d",
            _net(([[1, 1, 1], [2, 2, 2], [-1, -1, -1], [2, 0, 0]], [-1, -2, 1, -1]), ([[1, 1, 1, 1]], [0])),
            [(0, 1), (0, 1), (0, 1)]),
    # LeakyReLU with negative slope 1/10, two hidden layers.
    Example("leaky", _net(([[-1, 1], [1, 1]], [0, -1]), ([[1, -1], [1, 1]], ["1/4", "-1/2"]), ([[1, 2]], [0]),
                          slopes=["1/10", "1/10"]), UNIT),
    # LeakyReLU whose neurons are on the whole box or identically zero.
    Example("leaky_degenerate", _net(([[0, 0], [1, 0], [1, -1]], [0, 3, 0]), ([[1, 1, 1]], [0]),
                                     slopes=["1/10"]), [(-1, 1), (-1, 1)]),
    # Two layers in which the second layer repeats a first-layer line.
    Example("repeat_deep", _net(([[1, -1], [1, 1]], [0, -1]), ([[1, 0], [0, 1], [1, 1]], [0, 0, "-1/2"]),
                                ([[1, 1, 1]], [0])), UNIT),
    Example("builtin_shifted_box", BUILTIN.net, [("-1/2", "3/2"), (-1, "1/3")]),
]

_RANDOM_SPECS = [
    (2, (3,), False), (2, (4,), True), (2, (2, 2), False), (2, (3, 3), False), (2, (4, 3), True),
    (2, (2, 2, 2), False), (2, (3, 3, 3), False), (2, (4, 4), False), (3, (3,), False),
    (3, (3, 2), True), (3, (2, 2, 2), False), (3, (4, 3), False),
]

for _seed, (_d, _hidden, _rational) in enumerate(_RANDOM_SPECS):
    _box = [(-3, 3)] * _d if _seed % 2 == 0 else [("-5/2", 3)] + [(-3, 2)] * (_d - 1)
    EXAMPLES.append(Example(f"random{_seed}_{_d}d_{'x'.join(map(str, _hidden))}",
                            random_net(1000 + _seed, _d, _hidden, rational=_rational), _box))

TRIANGLE = {"A": [[-1, 0], [0, -1], [1, 1]], "b": [0, 0, 2]}  # x >= 0, y >= 0, x + y <= 2

POLYTOPE_EXAMPLES: list[Example] = [
    # The built-in net on a triangle: the line x + y = 1 cuts it, the line y = x cuts it.
    Example("builtin_triangle", BUILTIN.net, TRIANGLE),
    # A line along the triangle's hypotenuse and a line through its corner (2, 0).
    Example("triangle_edges", _net(([[1, 1], [1, 2], [0, 1]], [-2, -2, "-1/2"]), ([[1, 1, 1]], [0])), TRIANGLE),
    Example("triangle_random", random_net(77, 2, (3, 2)),
            {"A": [[-1, -2], [3, -1], [-1, 3]], "b": [2, 3, 4]}),
]


def dense_net(d, hidden, seed, central=False, n_out=2):
    """Seeded dense network with integer weights in [-3, 3]; ``central``: first-layer biases 0 (all
    first-layer hyperplanes through the origin)."""
    rng = random.Random(seed)
    widths = (d,) + tuple(hidden) + (n_out,)
    layers = []
    for k, (a, b) in enumerate(zip(widths, widths[1:])):
        bias = [0 if central and k == 0 else rng.randint(-3, 3) for _ in range(b)]
        layers.append(([[rng.randint(-3, 3) for _ in range(a)] for _ in range(b)], bias))
    return Network.from_layers(layers)


def box_rows(d: int):
    """``A, b`` of the box [-1, 1]^d as a polytope (rows x_i <= 1, -x_i <= 1)."""
    A, b = [], []
    for i in range(d):
        for sign in (1, -1):
            row = [0] * d
            row[i] = sign
            A.append(row)
            b.append(1)
    return A, b


def by_name(name: str) -> Example:
    for ex in EXAMPLES + POLYTOPE_EXAMPLES:
        if ex.name == name:
            return ex
    raise KeyError(name)


ALL = EXAMPLES + POLYTOPE_EXAMPLES
TWO_D = [ex for ex in ALL if ex.net.n_inputs == 2]

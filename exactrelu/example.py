"""The built-in example, the founding example of this project.

Inputs X, Y on the unit square; hidden pre-activations ``L1 = -X + Y`` and ``L2 = X + Y - 1``;
outputs ``P = 2 h1 + h2`` and ``Q = h1 + 2 h2 - 1/4``.  Four regions meet at (1/2, 1/2).
"""

from fractions import Fraction

from .network import Network

__all__ = ["EXAMPLE", "EXAMPLE_BOX"]

EXAMPLE_BOX = ((Fraction(0), Fraction(1)), (Fraction(0), Fraction(1)))

EXAMPLE = Network.from_layers(
    [([[-1, 1], [1, 1]], [0, -1]), ([[2, 1], [1, 2]], [0, "-1/4"])],
    input_names=("X", "Y"),
    output_names=("P", "Q"),
    source="built-in example",
    metadata={"default_box": EXAMPLE_BOX, "hidden_names": (("L1", "L2"),)},
)

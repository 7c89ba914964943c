"""One table of invalid inputs driving one test: each must raise the matching
:mod:`exactrelu.errors` exception, with a message that names the offending argument."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exactrelu.errors import (
    EmptyDomain,
    ExactReluError,
    InvalidDomain,
    InvalidNetwork,
    InvalidNumber,
    LowerDimensionalDomain,
    UnboundedDomain,
)
from exactrelu.geometry.domain import Domain
from exactrelu.network import Network
from exactrelu.rational import format_ratio, json_integer, parse_rational_text, to_rational

NAN, INF = float("nan"), float("inf")
OK_OUT = ([[1]], [0])  # a valid 1 -> 1 output layer


def net(*layers, **kwargs):
    return lambda: Network.from_layers(list(layers), **kwargs)


def box(bounds):
    return lambda: Domain.box(bounds)


def polytope(A, b):
    return lambda: Domain.polytope(A, b)


# (id, thunk, exception, substrings the message must contain)
INVALID = [
    # ---- networks
    ("layer shapes disagree", net(([[1, 2]], [0]), ([[1, 2]], [0])), InvalidNetwork,
     ["weight of layer 2", "(1, 2)", "expected (1, 1)"]),
    ("three layers, middle mismatch", net(([[1, 2], [3, 4]], [0, 0]), ([[1, 2, 3]], [0]), OK_OUT),
     InvalidNetwork, ["weight of layer 2", "expected (1, 2)"]),
    ("NaN weight", net(([[NAN, 2]], [0]), OK_OUT), InvalidNetwork, ["weight of layer 1", "(1, 1)", "nan"]),
    ("NaN text weight", net(([[1, "nan"]], [0]), OK_OUT), InvalidNetwork, ["weight of layer 1", "(1, 2)"]),
    ("infinite bias", net(([[1, 2]], [INF]), OK_OUT), InvalidNetwork, ["bias of layer 1", "inf"]),
    ("infinite weight, layer 2", net(([[1, 2]], [0]), ([[-INF]], [0])), InvalidNetwork, ["weight of layer 2"]),
    ("no layers", net(), InvalidNetwork, ["no layers"]),
    ("empty weight", net(([], []),), InvalidNetwork, ["weight of layer 1", "empty"]),
    ("empty rows", net(([[]], [0]),), InvalidNetwork, ["weight of layer 1", "empty"]),
    ("ragged rows", net(([[1, 2], [3]], [0, 0]), ([[1, 1]], [0])), InvalidNetwork,
     ["weight of layer 1", "ragged", "row 2"]),
    ("text weight", net(([["abc", 2]], [0]), OK_OUT), InvalidNetwork, ["weight of layer 1", "'abc'"]),
    ("text bias", net(([[1, 2]], ["1/2x"]), OK_OUT), InvalidNetwork, ["bias of layer 1", "'1/2x'"]),
    ("division by zero", net(([["1/0", 2]], [0]), OK_OUT), InvalidNetwork, ["weight of layer 1", "'1/0'"]),
    ("boolean weight", net(([[True, 2]], [0]), OK_OUT), InvalidNetwork, ["weight of layer 1", "boolean"]),
    ("None weight", net(([[None, 2]], [0]), OK_OUT), InvalidNetwork, ["weight of layer 1", "NoneType"]),
    ("bias too long", net(([[1, 2]], [0, 1]), OK_OUT), InvalidNetwork, ["bias of layer 1", "2 entries", "expected 1"]),
    ("bias too short, layer 2", net(([[1, 2], [3, 4]], [0, 0]), ([[1, 1], [1, 1]], [0])), InvalidNetwork,
     ["bias of layer 2", "1 entries", "expected 2"]),
    ("bias not a list", net(([[1, 2]], 0), OK_OUT), InvalidNetwork, ["bias of layer 1", "expected a list"]),
    ("weight row not a list", net(([1, 2], [0, 0]), OK_OUT), InvalidNetwork, ["weight of layer 1", "row 1"]),
    ("too many slopes", net(([[1, 2]], [0]), OK_OUT, negative_slopes=["1/10", "1/10"]), InvalidNetwork,
     ["slopes", "1 hidden layer"]),
    ("slope not a number", net(([[1, 2]], [0]), OK_OUT, negative_slopes=["x"]), InvalidNumber,
     ["negative slope 1", "'x'"]),
    ("JSON without layers", lambda: Network.from_json({"weights": []}), InvalidNetwork, ['"layers"']),
    ("JSON layer without bias", lambda: Network.from_json({"layers": [{"weight": [[1]]}]}), InvalidNetwork,
     ["layer 1", '"bias"']),
    # ---- numbers: ASCII digits only; no exponent that would expand into a huge integer
    ("Arabic-Indic digit", lambda: parse_rational_text("\u0663"), InvalidNumber, ["'\u0663'", "not an integer"]),
    ("full-width digit", lambda: parse_rational_text("\uff11/2"), InvalidNumber, ["not an integer"]),
    ("full-width exponent", lambda: parse_rational_text("1e\uff15"), InvalidNumber, ["not an integer"]),
    ("huge exponent", lambda: parse_rational_text("1e99999999"), InvalidNumber,
     ["'1e99999999'", "exponent 99999999", "10,000"]),
    ("huge negative exponent", lambda: parse_rational_text("-2.5E-10001"), InvalidNumber, ["exponent -10002"]),
    ("huge Decimal", lambda: to_rational(Decimal("1e99999999"), "entry"), InvalidNumber,
     ["entry 1E+99999999", "exponent 99999999"]),
    ("Decimal with many digits", lambda: to_rational(Decimal("1." + "1" * 10_000)), InvalidNumber,
     ["10,001 significant digits"]),
    ("huge JSON integer", lambda: json_integer("9" * 10_001), InvalidNumber, ["10,001 digits"]),
    # ---- boxes
    ("box lo == hi", box([(0, 1), (1, 1)]), LowerDimensionalDomain, ["interval 2", "[1, 1]", "lower < upper"]),
    ("box lo > hi", box([("1/2", "-1/2")]), LowerDimensionalDomain, ["interval 1", "[1/2, -1/2]"]),
    ("box empty list", box([]), InvalidDomain, ["box has no intervals"]),
    ("box text bound", box([(0, 1), ("a", 1)]), InvalidDomain, ["interval 2", "'a'"]),
    ("box NaN bound", box([(0, NAN)]), InvalidDomain, ["interval 1", "nan"]),
    ("box None bound", box([(None, 1)]), InvalidDomain, ["interval 1", "NoneType"]),
    ("box three bounds", box([(0, 1, 2)]), InvalidDomain, ["interval 1", "3 bounds", "expected 2"]),
    # ---- polytopes
    ("polytope no constraints", polytope([], []), InvalidDomain, ["no constraints"]),
    ("polytope A and b lengths", polytope([[1, 0]], [1, 2]), InvalidDomain, ["1 rows in A", "2 entries in b"]),
    ("polytope ragged A", polytope([[1, 0], [1]], [1, 2]), InvalidDomain, ["row 2 of A", "expected 2"]),
    ("polytope text entry", polytope([[1, "x"]], [1]), InvalidDomain, ["A[1][2]", "'x'"]),
    ("polytope text rhs", polytope([[1], [-1]], [1, "y"]), InvalidDomain, ["b[2]", "'y'"]),
    ("polytope empty 1-D", polytope([[1], [-1]], [0, -1]), EmptyDomain, ["empty"]),
    ("polytope empty 2-D", polytope([[1, 0], [-1, 0], [0, 1], [0, -1]], [0, -1, 1, 1]), EmptyDomain, ["empty"]),
    ("polytope 0 <= -1", polytope([[0, 0], [1, 0]], [-1, 1]), EmptyDomain, ["constraint 1", "never satisfied"]),
    ("polytope unbounded quadrant", polytope([[1, 0], [0, 1]], [1, 1]), UnboundedDomain, ["unbounded"]),
    ("polytope unbounded wedge", polytope([[-1, 0], [0, -1], [1, -1]], [0, 0, 0]), UnboundedDomain, ["unbounded"]),
    ("polytope segment", polytope([[1, 0], [-1, 0], [0, 1], [0, -1]], [0, 0, 1, 1]), LowerDimensionalDomain,
     ["dimension 1", "expected 2"]),
    ("polytope point", polytope([[1, 0], [-1, 0], [0, 1], [0, -1]], [0, 0, 0, 0]), LowerDimensionalDomain,
     ["dimension 0", "expected 2"]),
    ("polytope triangle edge", polytope([[-1, 0], [0, -1], [1, 1], [-1, -1]], [0, 0, 2, -2]),
     LowerDimensionalDomain, ["dimension 1"]),
]


@pytest.mark.parametrize("thunk,exception,substrings", [case[1:] for case in INVALID],
                         ids=[case[0] for case in INVALID])
def test_invalid_input_raises(thunk, exception, substrings):
    with pytest.raises(exception) as info:
        thunk()
    assert isinstance(info.value, ExactReluError)
    assert isinstance(info.value, ValueError)  # argument errors also derive from the built-in
    message = str(info.value)
    for part in substrings:
        assert part in message, f"{part!r} not in {message!r}"


@given(
    st.integers(min_value=-(2**3000), max_value=2**3000),
    st.integers(min_value=1, max_value=2**3000),
    st.sampled_from([1, 2**200, 3**150]),
)
def test_ratios_are_written_in_lowest_terms_whatever_their_size(numerator, denominator, factor):
    """``format_ratio`` (GMP above 128-bit denominators) writes what Fraction's exact text says."""
    numerator, denominator = numerator * factor, denominator * factor
    expected = Fraction(numerator, denominator)
    text = format_ratio(numerator, denominator)
    assert text == (str(expected.numerator) if expected.denominator == 1 else f"{expected.numerator}/{expected.denominator}")
    assert Fraction(text) == expected

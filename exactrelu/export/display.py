"""Human-readable output: affine maps as the expressions a paper would print (via sympy)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from ..rational import format_rational

__all__ = ["affine_expression", "region_lines", "latex_affine"]


def _expr(weights: Sequence[Fraction], bias: Fraction, names: Sequence[str]):
    import sympy  # deferred: sympy takes a second to import and only formulas need it

    symbols = [sympy.Symbol(name, real=True) for name in names]
    total = sympy.Rational(bias.numerator, bias.denominator)
    for w, s in zip(weights, symbols):
        total += sympy.Rational(w.numerator, w.denominator) * s
    return total


def affine_expression(weights: Sequence[Fraction], bias: Fraction, names: Sequence[str]) -> str:
    """``-X + 3*Y - 1`` style text for ``w . x + b``.

    >>> affine_expression([Fraction(-1), Fraction(3)], Fraction(-1), ["X", "Y"])
    '-X + 3*Y - 1'
    """
    return str(_expr(weights, bias, names))


def latex_affine(weights: Sequence[Fraction], bias: Fraction, names: Sequence[str]) -> str:
    """LaTeX for ``w . x + b``.

    >>> latex_affine([Fraction(1, 2)], Fraction(0), ["X"])
    '\\\\frac{X}{2}'
    """
    import sympy  # deferred: sympy takes a second to import and only formulas need it

    return sympy.latex(_expr(weights, bias, names))


def region_lines(index: int, region, input_names, output_names, hidden_names=None) -> list[str]:
    """The region as a paper writes it: pattern, witness point, one line per output."""
    if hidden_names:
        pattern = ", ".join(
            f"{name}={bit}" for names, bits in zip(hidden_names, region.pattern) for name, bit in zip(names, bits)
        )
    else:
        pattern = " | ".join("".join(str(b) for b in layer) for layer in region.pattern)
    point = ", ".join(f"{n}={format_rational(v)}" for n, v in zip(input_names, region.point))
    lines = [f"region {index}: pattern {pattern}; interior point ({point})"]
    for name, w, b in zip(output_names, region.weight, region.bias):
        lines.append(f"    {name} = {affine_expression(w, b, input_names)}")
    return lines

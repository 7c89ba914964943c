"""Exact reading and writing of rational numbers.

The semantics are fixed by DESIGN.md: a binary float means its exact binary value, text means
the exact decimal or fraction it spells.  Everything here returns :class:`fractions.Fraction`;
the enumerator converts to integer matrices itself.
"""

from __future__ import annotations

import math
import numbers
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from .errors import InvalidNumber

__all__ = ["to_rational", "format_rational", "parse_rational_text", "MAX_TEXT_DIGITS"]

# Refuse absurd text before handing it to Decimal: "1e999999999" would allocate gigabytes.
MAX_TEXT_DIGITS = 10_000
_DECIMAL_TEXT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_FRACTION_TEXT = re.compile(r"[+-]?\d+\s*/\s*[+-]?\d+")


def parse_rational_text(text: str, what: str = "value") -> Fraction:
    """Read an integer, decimal (optionally with exponent) or ``p/q`` exactly.

    >>> parse_rational_text("-7/12")
    Fraction(-7, 12)
    >>> parse_rational_text("0.1")
    Fraction(1, 10)
    """
    s = text.strip()
    if len(s) > MAX_TEXT_DIGITS:
        raise InvalidNumber(f"{what} is text of {len(s)} characters, longer than {MAX_TEXT_DIGITS}")
    if _FRACTION_TEXT.fullmatch(s):
        num, den = (int(part) for part in s.split("/"))
        if den == 0:
            raise InvalidNumber(f"{what} {text!r} divides by zero")
        return Fraction(num, den)
    if _DECIMAL_TEXT.fullmatch(s):
        exponent = re.search(r"[eE]([+-]?\d+)$", s)
        if exponent and abs(int(exponent.group(1))) > MAX_TEXT_DIGITS:
            raise InvalidNumber(f"{what} {text!r} has an exponent beyond {MAX_TEXT_DIGITS}")
        try:
            return Fraction(Decimal(s))
        except (InvalidOperation, ValueError) as exc:  # pragma: no cover - regex guards
            raise InvalidNumber(f"{what} {text!r} is not a number") from exc
    raise InvalidNumber(f"{what} {text!r} is not an integer, decimal or p/q")


def to_rational(value: object, what: str = "value") -> Fraction:
    """Convert ``value`` to the exact rational it denotes.

    Floats (Python or NumPy) give their exact binary value; strings their exact decimal or
    fraction; ``Decimal`` its exact value; python-flint ``fmpz``/``fmpq`` their value.

    >>> to_rational(0.5), to_rational("3"), to_rational(Fraction(1, 3))
    (Fraction(1, 2), Fraction(3, 1), Fraction(1, 3))
    """
    if isinstance(value, bool):
        raise InvalidNumber(f"{what} is a boolean {value!r}, expected a number")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, str):
        return parse_rational_text(value, what)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidNumber(f"{what} is {value}, expected a finite number")
        return Fraction(value)
    if isinstance(value, float) or _is_numpy_float(value):
        f = float(value)
        if not math.isfinite(f):
            raise InvalidNumber(f"{what} is {f}, expected a finite number")
        return Fraction(f)
    if isinstance(value, numbers.Integral):
        return Fraction(int(value))
    if type(value).__name__ == "fmpq":
        return Fraction(int(value.p), int(value.q))
    if type(value).__name__ == "fmpz":
        return Fraction(int(value))
    if isinstance(value, numbers.Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    raise InvalidNumber(f"{what} is a {type(value).__name__} ({value!r:.60}), expected a number")


def _is_numpy_float(value: object) -> bool:
    module = type(value).__module__
    return module == "numpy" and type(value).__name__.startswith("float")


def format_rational(value: Fraction | int) -> str:
    """Write a rational as ``"n"`` or ``"p/q"``.

    >>> format_rational(Fraction(-3, 4)), format_rational(Fraction(5))
    ('-3/4', '5')
    """
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"

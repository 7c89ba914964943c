"""Exact reading and writing of rational numbers.

The semantics are fixed by DESIGN.md: a binary float means its exact binary value, text means
the exact decimal or fraction it spells.  Everything here returns :class:`fractions.Fraction`;
the enumerator converts to integer matrices itself.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, cast

from . import gmp
from .errors import InvalidNumber, kind_of

__all__ = [
    "listlike",
    "point_values",
    "to_rational",
    "format_rational",
    "format_ratio",
    "parse_rational_text",
    "json_integer",
    "MAX_TEXT_DIGITS",
    "MAX_EXPONENT",
]

# Refuse absurd numbers before they are expanded: "1e999999999" would allocate gigabytes (or hang).
MAX_TEXT_DIGITS = 10_000  # characters of number text, and digits of a decimal's significand
MAX_EXPONENT = 10_000  # |e| for a decimal m * 10**e with integer m (the exponent of its last digit)
# ASCII digits only: \d would also admit "٣" or a full-width "１", which int() and Decimal() accept.
_DECIMAL_TEXT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_FRACTION_TEXT = re.compile(r"[+-]?[0-9]+\s*/\s*[+-]?[0-9]+", re.ASCII)
_INTEGER_TEXT = re.compile(r"-?[0-9]+")


def parse_rational_text(text: str, what: str = "value") -> Fraction:
    """Read an integer, decimal (optionally with exponent) or ``p/q`` exactly.

    Digits are ASCII only; text longer than :data:`MAX_TEXT_DIGITS` and decimals whose exponent
    (as ``m * 10**e`` with integer ``m``) exceeds :data:`MAX_EXPONENT` are refused.

    >>> parse_rational_text("-7/12")
    Fraction(-7, 12)
    >>> parse_rational_text("0.1")
    Fraction(1, 10)
    >>> parse_rational_text("1e99999999")
    Traceback (most recent call last):
    exactrelu.errors.InvalidNumber: value '1e99999999' has exponent 99999999, beyond the limit of 10,000 in absolute value
    """
    s = text.strip()
    if len(s) > MAX_TEXT_DIGITS:
        raise InvalidNumber(f"{what} is text of {len(s)} characters, longer than {MAX_TEXT_DIGITS:,}")
    if _FRACTION_TEXT.fullmatch(s):
        num, den = (int(Decimal(part.strip())) for part in s.split("/"))  # int(): at most 4,300 digits
        if den == 0:
            raise InvalidNumber(f"{what} {text!r} divides by zero")
        return Fraction(num, den)
    if _DECIMAL_TEXT.fullmatch(s):
        try:
            value = Decimal(s)
        except (InvalidOperation, ValueError) as exc:  # pragma: no cover - regex guards
            raise InvalidNumber(f"{what} {text!r} is not a number") from exc
        return _decimal_fraction(value, what, repr(text))
    raise InvalidNumber(f"{what} {text!r} is not an integer, decimal or p/q")


def listlike(x: object) -> bool:
    """Whether ``x`` can stand for a list of values: a sequence or an array, not a string."""
    return not isinstance(x, (str, bytes)) and hasattr(x, "__len__") and hasattr(x, "__iter__")


def point_values(x: object, what: str = "point") -> Sequence[Any]:
    """``x`` itself if it can be a point (a sequence or array of numbers), else a one-line refusal
    (``None``, a number or a string would otherwise fail inside with a bare ``TypeError``)."""
    if not listlike(x):
        raise InvalidNumber(f"{what} is {kind_of(x)}, expected a sequence of numbers")
    return cast(Sequence[Any], x)


def unique_keys(error: Callable[[str], Exception]) -> Callable[[list], dict]:
    """A ``json.loads`` ``object_pairs_hook`` that refuses a key given twice in one object (JSON
    allows it, and the last one would silently win), raising ``error(message)``."""

    def hook(pairs: list) -> dict:
        data = dict(pairs)
        if len(data) < len(pairs):
            keys = [k for k, _ in pairs]
            key = next(k for i, k in enumerate(keys) if k in keys[:i])
            raise error(f"key {key!r} appears twice in one object")
        return data

    return hook


def json_integer(text: str) -> int | Fraction:
    """The ``parse_int`` hook for :func:`json.loads`: a JSON integer, refused beyond
    :data:`MAX_TEXT_DIGITS` digits with :class:`InvalidNumber` (Python's own ``int()`` stops at
    4,300 digits with a bare ``ValueError``).  Long integers come back as Fractions.

    >>> json_integer("-12")
    -12
    """
    if len(text) > MAX_TEXT_DIGITS:
        raise InvalidNumber(f"number {text[:20]}... has {len(text):,} digits, more than {MAX_TEXT_DIGITS:,}")
    if not _INTEGER_TEXT.fullmatch(text):  # pragma: no cover - json only passes ASCII integers
        raise InvalidNumber(f"number {text!r} is not an integer")
    if len(text) <= 4000:
        return int(text)
    return _decimal_fraction(Decimal(text), "number", text[:20] + "...")


def _decimal_fraction(value: Decimal, what: str, shown: str) -> Fraction:
    """``value`` as a Fraction, after refusing what would expand into a huge integer."""
    if not value.is_finite():
        raise InvalidNumber(f"{what} is {value}, expected a finite number")
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite: never 'n', 'N' or 'F'
    if len(digits) > MAX_TEXT_DIGITS:
        raise InvalidNumber(f"{what} has {len(digits):,} significant digits, more than {MAX_TEXT_DIGITS:,}")
    if abs(exponent) > MAX_EXPONENT:
        raise InvalidNumber(
            f"{what} {shown} has exponent {exponent}, beyond the limit of {MAX_EXPONENT:,} in absolute value"
        )
    return Fraction(value)


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
        return _decimal_fraction(value, what, str(value))
    if isinstance(value, float) or _is_numpy_float(value):
        f = float(value)  # type: ignore[arg-type]  # a NumPy float
        if not math.isfinite(f):
            raise InvalidNumber(f"{what} is {f}, expected a finite number")
        return Fraction(f)
    if isinstance(value, numbers.Integral):
        return Fraction(int(value))
    if type(value).__name__ == "fmpq":
        return Fraction(int(value.p), int(value.q))  # type: ignore[attr-defined]  # python-flint
    if type(value).__name__ == "fmpz":
        return Fraction(int(value))  # type: ignore[call-overload]  # python-flint
    if isinstance(value, numbers.Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    raise InvalidNumber(f"{what} is {kind_of(value)} ({value!r:.60}), expected a number")


def _is_numpy_float(value: object) -> bool:
    module = type(value).__module__
    return module == "numpy" and type(value).__name__.startswith("float")


def format_rational(value: Fraction | int) -> str:
    """Write a rational as ``"n"`` or ``"p/q"``.

    >>> format_rational(Fraction(-3, 4)), format_rational(Fraction(5))
    ('-3/4', '5')
    """
    if type(value) is not Fraction:
        value = Fraction(value)
    if value.denominator == 1:
        return _integer_text(value.numerator)
    return f"{_integer_text(value.numerator)}/{_integer_text(value.denominator)}"


GMP_BITS = 128  # denominators above this many bits are reduced and written by GMP


def format_ratio(numerator: int, denominator: int) -> str:
    """:func:`format_rational` of ``numerator / denominator`` (``denominator > 0``), from integers.

    >>> format_ratio(6, 8), format_ratio(-4, 2)
    ('3/4', '-2')
    """
    if denominator.bit_length() > GMP_BITS:
        return str(gmp.mpq(numerator, denominator))  # the same text, 2.7x faster at 400 bits (ACAS Xu's maps)
    g = math.gcd(numerator, denominator)
    if g == denominator:
        return _integer_text(numerator // g)
    return f"{_integer_text(numerator // g)}/{_integer_text(denominator // g)}"


def _integer_text(n: int) -> str:
    """``str(n)``, also beyond the 4,300 digits at which ``str()`` of an int raises ValueError."""
    try:
        return str(n)
    except ValueError:
        return format(Decimal(n), "f")  # Decimal converts without that limit

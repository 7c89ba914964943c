"""Numbers as Coq text and integer forms exactly as ``coq/Checker.v`` computes them, shared by the
writers of the development (:mod:`.coq_export`) and of its decision boundary (:mod:`.coq_boundary`)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import lcm
from typing import Any

from ..rational import format_rational, parse_rational_text

__all__ = [
    "HEX_FROM",
    "HINT_HEX",
    "numeral",
    "z_text",
    "hint_text",
    "q_text",
    "coq_list",
    "coq_bits",
    "nat_index",
    "frac",
    "vadd",
    "vscale",
    "lincomb",
    "ZLayer",
    "zlayer",
    "compose",
    "solve",
    "pad",
]


# -- numbers as Coq text ------------------------------------------------------------------------------
HEX_FROM = 10**40  # integers this large are written in hexadecimal: Coq reads a decimal numeral in
# time quadratic in its length (a 300-digit Z took 0.11 s, its hexadecimal form 0.009 s)


HINT_HEX = 2**40  # the same, for the integer hints of Certificate.v (no referee reads them)


def numeral(n: int, hex_from: int = HEX_FROM) -> str:
    """``n`` as a Coq numeral: decimal, or hexadecimal (``0x...``) from ``hex_from`` on."""
    if abs(n) >= hex_from:
        return f"-0x{-n:x}" if n < 0 else f"0x{n:x}"
    return format_rational(n)  # str() refuses past 4,300 digits


def z_text(n: int) -> str:
    text = numeral(n)
    return f"({text})" if n < 0 else text


def hint_text(n: int) -> str:
    """A hint integer (hexadecimal from :data:`HINT_HEX` on)."""
    text = numeral(n, HINT_HEX)
    return f"({text})" if n < 0 else text


def q_text(v: Fraction) -> str:
    v = Fraction(v)
    return f"({numeral(v.numerator)} # {numeral(v.denominator)})"


def coq_list(items, sep: str = "; ") -> str:
    return "[" + sep.join(items) + "]"


def coq_bits(bits) -> str:
    return coq_list("true" if b else "false" for b in bits)


def nat_index(v: Any) -> int:
    """A JSON index: an int >= 0 (what goes into the Coq text is only ever a number)."""
    if type(v) is not int or v < 0:
        raise ValueError(f"expected an index, got {v!r:.40}")
    return v


def frac(v: Any) -> Fraction:
    return v if isinstance(v, Fraction) else parse_rational_text(str(v), "certificate number")


# -- integer forms, exactly as Checker.v computes them --------------------------------------------------
def vadd(u: list[int], w: list[int]) -> list[int]:
    if len(u) < len(w):
        u, w = w, u
    return [a + b for a, b in zip(u, w)] + u[len(w) :]


def vscale(c: int, u: list[int]) -> list[int]:
    return [] if c == 0 else [c * a for a in u]


def lincomb(ws: list[int], rs: list[list[int]]) -> list[int]:
    out: list[int] = []
    for w, r in zip(ws, rs):
        if w and r:
            out = vadd(out, vscale(w, r))
    return out


@dataclass(frozen=True)
class ZLayer:
    rows: list[list[int]]  # [bias, w_1, ..., w_n] * den
    den: int


def zlayer(weight, bias) -> ZLayer:
    den = lcm(*(Fraction(q).denominator for q in list(bias) + [v for row in weight for v in row]))
    rows = [[int(Fraction(c) * den)] + [int(Fraction(v) * den) for v in row] for row, c in zip(weight, bias)]
    return ZLayer(rows, den)


def compose(slope: Fraction, bits, rows, den: int, layer: ZLayer) -> tuple[list[list[int]], int]:
    sp, sq = slope.numerator, slope.denominator
    srows = [vscale(sq if b else sp, r) for b, r in zip(bits, rows)]
    scale = den * sq
    out = [vadd([zr[0] * scale], lincomb(zr[1:], srows)) for zr in layer.rows]
    return out, layer.den * scale


def solve(gradients: list[list[int]], target: list[int]) -> list[Fraction] | None:
    """The unique ``y`` with ``sum_t y_t gradients[t] = target`` (gradients independent), or None."""
    d, r = len(target), len(gradients)
    m = [[Fraction(gradients[t][c]) for t in range(r)] + [Fraction(target[c])] for c in range(d)]
    pivots, row = [], 0
    for col in range(r):
        p = next((i for i in range(row, d) if m[i][col] != 0), None)
        if p is None:
            return None
        m[row], m[p] = m[p], m[row]
        pv = m[row][col]
        m[row] = [a / pv for a in m[row]]
        for i in range(d):
            if i != row and m[i][col] != 0:
                f = m[i][col]
                m[i] = [a - f * b for a, b in zip(m[i], m[row])]
        pivots.append(col)
        row += 1
    if any(m[i][r] != 0 for i in range(row, d)):
        return None
    return [m[i][r] for i in range(r)]


def pad(u: list[int], n: int) -> list[int]:
    return u + [0] * (n - len(u))

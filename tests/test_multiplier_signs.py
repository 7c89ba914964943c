"""The producer's Farkas test (certificate/farkas.py) asks only for the signs of a square system's
solution; ``multiplier_signs`` finds them fraction-free in GMP integers.  Compared here with
Gauss-Jordan elimination over Fractions, on systems with zero pivots (row swaps), dependent
columns, zero multipliers and entries from 1 to 1,500 bits."""

from __future__ import annotations

import random

import pytest
from oracles import solve_exactly

from exactrelu.certificate.farkas import multiplier_signs


def random_system(rng: random.Random, bits: int):
    d = rng.randint(1, 6)
    span = 2**bits

    def entry():
        return 0 if rng.random() < 0.3 else rng.randint(-span, span)  # zeros force row swaps

    columns = [tuple(entry() for _ in range(d)) for _ in range(d)]
    kind = rng.randrange(4)
    if kind == 0 and d > 1:  # a dependent column
        a, b = rng.randint(-3, 3), rng.randint(-3, 3)
        columns[-1] = tuple(a * x + b * y for x, y in zip(columns[0], columns[1 % d]))
    if kind == 1:  # a target in the span of some columns: zero multipliers
        chosen = rng.sample(range(d), rng.randint(1, d))
        target = tuple(sum(rng.randint(-2, 2) * columns[t][r] for t in chosen) for r in range(d))
    else:
        target = tuple(entry() for _ in range(d))
    return columns, target


@pytest.mark.parametrize("bits", [1, 8, 64, 450, 1500])
def test_signs_agree_with_fractions(bits):
    rng = random.Random(bits)
    singular = zeros = swaps = 0
    for _ in range(300):
        columns, target = random_system(rng, bits)
        expected = solve_exactly([[c[r] for c in columns] for r in range(len(target))], target)
        got = multiplier_signs(columns, target)
        if expected is None:
            assert got is None
            singular += 1
            continue
        assert got == [(y > 0) - (y < 0) for y in expected]
        zeros += 0 in got
        swaps += columns[0][0] == 0
    assert singular > 10 and zeros > 10 and swaps > 10  # every kind was met

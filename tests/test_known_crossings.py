"""Crossing points met before (geometry/crossings.py) are taken only where they are exactly the new
point: a cut with the shortcut gives the same cells as one without, a forged remembered point is
refused, and the exact test refuses every other primitive point."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import numpy as np
import pytest

from exactrelu.geometry.cell import Cell, _crosses_at, _crossing_point, _value, box_cell
from exactrelu.geometry.crossings import KnownCrossings
from exactrelu.geometry.exact import exact_dot, primitive


def big_box(rng: random.Random, d: int) -> Cell:
    """A box whose vertices have a few hundred bits (above the shortcut's threshold)."""
    lower, upper = [], []
    for _ in range(d):
        q = rng.randint(2**250, 2**260)
        a = rng.randint(-q, 0)
        lower.append((a, q))
        upper.append((a + rng.randint(q // 2, q), q))
    return box_cell(lower, upper, [("domain", i) for i in range(2 * d)])


def cutting_form(rng: random.Random, cell: Cell, bits: int = 120) -> tuple[int, ...] | None:
    """A form through a random interior point of the cell (so it cuts it), with large entries."""
    weights = [rng.randint(1, 10) for _ in cell.verts]
    centre = [Fraction(sum(w * v[i] for w, v in zip(weights, cell.verts)), 1) for i in range(cell.dim + 1)]
    x = [c / centre[0] for c in centre[1:]]
    g = [rng.randint(-(2**bits), 2**bits) for _ in range(cell.dim)]
    c0 = -sum(Fraction(a) * b for a, b in zip(g, x))
    den = c0.denominator
    form = primitive([int(c0 * den)] + [a * den for a in g])
    return form if any(form[1:]) else None


def exact_signs(cell: Cell, form) -> np.ndarray:
    return np.array([(v > 0) - (v < 0) for v in (exact_dot(form, p) for p in cell.verts)], dtype=np.int8)


def same_cells(a: Cell, b: Cell) -> None:
    assert a.verts == b.verts and a.tight == b.tight and a.cons == b.cons
    assert np.array_equal(a.vf, b.vf)


@pytest.mark.parametrize("seed", range(6))
def test_cuts_with_remembered_points_equal_cuts_without(seed):
    """Siblings cut by forms that agree on their shared facet (a bent hyperplane's two pieces) meet
    the same crossing points there: the second takes them from memory, and every cell is as made
    without memory."""
    rng = random.Random(seed)
    d = rng.randint(2, 4)
    known = KnownCrossings()
    taken = 0
    box = big_box(rng, d)
    cells = [(box, box)]  # (cut with memory, cut without): a cut changes no cell
    for _ in range(6):
        with_memory, without = cells.pop(rng.randrange(len(cells)))
        form = cutting_form(rng, without)
        if form is None:
            continue
        signs = exact_signs(without, form)
        if not ((signs > 0).any() and (signs < 0).any()):
            continue
        got = with_memory.split(form, signs, "+", "-", known)
        expected = without.split(form, signs, "+", "-")
        for a, b in zip(got[:2], expected[:2]):
            same_cells(a, b)
        # the two sides cut by two pieces of one bent form: equal on the shared facet
        bend = cutting_form(rng, expected[0])
        if bend is None:
            continue
        pieces = [bend, tuple(b + 3 * f for b, f in zip(bend, form))]
        for side in (0, 1):
            piece = pieces[side]
            signs = exact_signs(expected[side], piece)
            if not ((signs > 0).any() and (signs < 0).any()):
                continue
            before = {id(p) for p in _remembered(known)}
            made = got[side].split(piece, signs, "+", "-", known)
            plain = expected[side].split(piece, signs, "+", "-")
            for a, b in zip(made[:2], plain[:2]):
                same_cells(a, b)
            taken += sum(id(p) in before for p in made[0].verts[len(made[2]) :])
            cells += [(made[0], plain[0]), (made[1], plain[1])]
    assert taken > 0  # the memory was used, not only filled


def _remembered(known: KnownCrossings):
    return [point for point, _ in known.by_place.values()]


@pytest.mark.parametrize("seed", range(4))
def test_a_forged_remembered_point_is_refused(seed):
    """Every place holds a wrong point (the true one moved by one unit, or another point of the same
    edge): the cut makes the true points anyway."""
    rng = random.Random(seed)
    d = rng.randint(2, 4)
    cell = big_box(rng, d)
    form = cutting_form(rng, cell)
    assert form is not None
    signs = exact_signs(cell, form)
    expected = cell.split(form, signs, "+", "-")
    n_old = len(expected[2])
    known = _CountingKnown()
    for k, point in enumerate(expected[0].verts[n_old:]):
        if k % 2:
            forged = primitive([point[0]] + [a + (i == 1) for i, a in enumerate(point[1:], 1)])
        else:
            forged = primitive([a + 2 * b for a, b in zip(point, expected[0].verts[0])])
        guide = expected[0].vf[n_old + k]
        known.by_place[guide[1:].astype(np.float32).tobytes()] = (forged, guide)
    got = cell.split(form, signs, "+", "-", known)
    for a, b in zip(got[:2], expected[:2]):
        same_cells(a, b)
    assert known.proposed > 0  # the forgeries were looked at


class _CountingKnown(KnownCrossings):
    __slots__ = ("proposed",)

    def __init__(self):
        super().__init__()
        self.proposed = 0

    def get(self, place):
        found = super().get(place)
        self.proposed += found is not None  # every remembered point here is forged
        return found


@pytest.mark.parametrize("bits", [8, 300, 1500])
def test_the_exact_test_takes_the_crossing_point_and_no_other(bits):
    rng = random.Random(bits)
    tried = 0
    for _ in range(60):
        d = rng.randint(1, 6)
        common = rng.randint(1, 2**bits)
        u = primitive(
            (common * rng.randint(1, 2**bits),) + tuple(common * rng.randint(-(2**bits), 2**bits) for _ in range(d))
        )
        w = primitive((rng.randint(1, 2**bits),) + tuple(rng.randint(-(2**bits), 2**bits) for _ in range(d)))
        form = tuple(rng.randint(-(2**bits), 2**bits) for _ in range(d + 1))
        hu, hw = exact_dot(form, u), exact_dot(form, w)
        if hu <= 0 or hw >= 0:
            u, w, hu, hw = w, u, hw, hu
        if hu <= 0 or hw >= 0:
            continue
        hu, hw = _value(form, u), _value(form, w)
        point = _crossing_point(hu, hw, u, w)
        assert _crosses_at(hu, hw, u, w, point)
        others = [
            u,
            w,
            primitive([a + b for a, b in zip(u, w)]),  # on the edge, not on the hyperplane
            primitive([point[0]] + [a + 1 for a in point[1:]]),
            primitive([2 * point[0]] + list(point[1:])),
        ]
        other_form = tuple(a + 1 for a in form)
        gu, gw = exact_dot(other_form, u), exact_dot(other_form, w)
        if gu > 0 > gw:
            others.append(_crossing_point(gu, gw, u, w))  # the edge's point on another hyperplane
        for other in others:
            if other != point:
                assert math.gcd(*other) == 1
                assert not _crosses_at(hu, hw, u, w, other)
                tried += 1
    assert tried > 100


def test_a_point_that_differs_only_in_its_first_entry_is_refused():
    """With ``hu w - hw u`` already primitive (``g = 1``), the point with its first entry lowered by
    one agrees on every other entry: only the exact division of the first entries tells them apart."""
    for hu, hw, u, w in [(1, -1, (3, 1, 2), (4, 0, 5)), (2, -1, (5, 1, 2), (4, -1, 7))]:
        p = [hu * b - hw * a for a, b in zip(u, w)]
        assert math.gcd(*p) == 1
        assert _crosses_at(hu, hw, u, w, tuple(p))
        lowered = (p[0] - 1,) + tuple(p[1:])
        assert math.gcd(*lowered) == 1
        assert not _crosses_at(hu, hw, u, w, lowered)

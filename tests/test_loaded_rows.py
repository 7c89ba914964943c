"""The side HiGHS model that keeps a constraint list loaded and changes only the differing tail
(:class:`~exactrelu.geometry.loaded_rows.LoadedRows`): after any sequence of loads it holds exactly
the last list (checked against the model's own matrix), and its optima match a fresh model's."""

from __future__ import annotations

import random

import highspy
import numpy as np

from exactrelu.geometry.loaded_rows import LoadedRows
from exactrelu.geometry.lp import LPSolver
from exactrelu.geometry.predicates import float_rows


def dense_rows(h) -> np.ndarray:
    """The model's constraint rows as ``(lower bound, coefficients)``, dense."""
    lp = h.getLp()
    m, n = lp.num_row_, lp.num_col_
    A = np.zeros((m, n))
    start, index, value = list(lp.a_matrix_.start_), list(lp.a_matrix_.index_), list(lp.a_matrix_.value_)
    if lp.a_matrix_.format_ == highspy.MatrixFormat.kRowwise:
        for i in range(m):
            for k in range(start[i], start[i + 1]):
                A[i, index[k]] = value[k]
    else:
        for j in range(n):
            for k in range(start[j], start[j + 1]):
                A[index[k], j] = value[k]
    return np.column_stack([np.asarray(lp.row_lower_), A])


def walk_like_lists(rng: random.Random, n: int, steps: int):
    """Constraint lists as a depth-first walk makes them: a box, then rows appended and dropped."""
    box = [(3,) + tuple(s * int(i == j) for j in range(n)) for i in range(n) for s in (1, -1)]
    rows = list(box)
    for _ in range(steps):
        if len(rows) > len(box) and rng.random() < 0.4:
            del rows[rng.randint(len(box), len(rows) - 1) :]
        for _ in range(rng.randint(0, 3)):
            g = tuple(rng.randint(-9, 9) for _ in range(n))
            rows.append((rng.randint(1, 9),) + g if any(g) else (1,) + (1,) + (0,) * (n - 1))
        yield list(rows)


def test_the_model_holds_exactly_the_last_list_after_any_loads():
    solver = LPSolver()
    loaded: LoadedRows = solver.side_model()
    rng = random.Random(5)
    for n in (2, 3, 5):
        for rows in walk_like_lists(rng, n, 60):
            owner = object()
            rows_f = loaded.load(rows, owner)
            expected = float_rows(rows, by_gradient=True)
            assert np.array_equal(rows_f, expected)
            held = dense_rows(loaded.h)
            assert held.shape == (len(rows), n + 1)
            assert np.allclose(held[:, 0], -expected[:, 0]) and np.allclose(held[:, 1:], expected[:, 1:])
            assert loaded.load(rows, owner) is rows_f  # the same owner again: nothing to do


def test_optima_match_a_freshly_loaded_model():
    solver = LPSolver()
    loaded = solver.side_model()
    rng = random.Random(11)
    hs = solver.api
    for rows in walk_like_lists(rng, 4, 40):
        loaded.load(rows, object())
        fresh = LoadedRows(hs, hs.Highs())
        fresh.h.silent()
        fresh.load(rows, object())
        cost = np.array([rng.uniform(-1, 1) for _ in range(4)])
        values = []
        for model in (loaded.h, fresh.h):
            model.changeColsCost(4, np.arange(4, dtype=np.int32), cost)
            model.run()
            assert model.getModelStatus() == hs.HighsModelStatus.kOptimal
            values.append(model.getInfo().objective_function_value)
        assert abs(values[0] - values[1]) <= 1e-9 * max(1.0, abs(values[1]))

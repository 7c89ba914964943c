"""The LP engine's shortcuts against independent oracles: one-sided sign certificates over a cell
(:class:`~exactrelu.geometry.cell_signs.CellSigns`) against brute-force vertex enumeration with
Fractions, on random and degenerate cells and forms (minimum exactly 0, forms parallel to a row)."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest
from oracles import solve_exactly

from exactrelu import Domain
from exactrelu.certificate.constraint_form import FarkasFinder
from exactrelu.geometry.cell_signs import CellSigns
from exactrelu.geometry.farkas_basis import FarkasBasis
from exactrelu.geometry.lp import LPSolver


def brute_vertices(rows):
    n = len(rows[0]) - 1
    out = []
    for subset in itertools.combinations(rows, n):
        x = solve_exactly([r[1:] for r in subset], [-r[0] for r in subset])
        if x is not None and all(r[0] + sum(a * v for a, v in zip(r[1:], x)) >= 0 for r in rows):
            out.append(x)
    return out


def random_cell(rng, n, m):
    """The box [-4, 4]^n cut by random half-spaces through points near the origin (nonempty)."""
    rows = []
    for i in range(n):
        for s in (1, -1):
            rows.append((4,) + tuple(s * int(i == j) for j in range(n)))
    for _ in range(m):
        g = tuple(rng.randint(-5, 5) for _ in range(n))
        if any(g):
            rows.append((rng.randint(1, 6),) + g)  # holds strictly at the origin
    return rows


def value(form, x):
    return form[0] + sum(a * v for a, v in zip(form[1:], x))


@pytest.mark.parametrize("n", [2, 3, 4])
def test_cell_signs_agree_with_vertex_enumeration(n):
    rng = random.Random(n)
    solver = LPSolver()
    proved = at_minimum = pivoted = 0
    for _ in range(12):
        rows = random_cell(rng, n, rng.randint(0, 5))
        verts = brute_vertices(rows)
        signs = CellSigns(solver, rows)
        forms = [tuple(rng.randint(-9, 9) for _ in range(n + 1)) for _ in range(8)]
        # degenerate: forms whose minimum is exactly 0 (through a vertex), and multiples of rows
        for form in list(forms[:4]):
            if any(form[1:]):
                low = min(value(form, x) for x in verts)
                den = low.denominator
                forms.append((form[0] * den - low.numerator,) + tuple(a * den for a in form[1:]))
        forms += [tuple(3 * a for a in r) for r in rows[-2:]]
        for form in forms:
            if not any(form[1:]):
                continue
            expected = min(value(form, x) for x in verts) >= 0
            assert signs.nonnegative(form) is expected, (rows, form)
            if not expected and signs.last_point is not None:  # a point of the closed cell below 0
                w0, *wx = signs.last_point
                assert w0 > 0 and all(value(r, [Fraction(v, w0) for v in wx]) >= 0 for r in rows)
                assert value(form, [Fraction(v, w0) for v in wx]) < 0
        assert signs.fast > 0 and signs.known > 0  # LPs, and bases of earlier answers reused
        at_minimum += signs.at_minimum
        fresh = []
        for _ in range(20):  # forms with minimum 0 or 1 on the cell, and random ones
            g = tuple(rng.randint(-9, 9) for _ in range(n))
            if any(g):
                low = min(value((0, *g), x) for x in verts)
                fresh.append((rng.randint(0, 1) * low.denominator - low.numerator, *(a * low.denominator for a in g)))
                fresh.append((rng.randint(-9, 9), *g))
                # a minimum of -1 on a scale of 10^15: the float guide accepts it, exact arithmetic must not
                tight = (-low.numerator * 10**15 - 1, *(a * low.denominator * 10**15 for a in g))
                fresh.append(tight)
        batch = signs.prove_by_known_bases(fresh)  # sound, and it settles some at once
        assert all(min(value(f, x) for x in verts) >= 0 for f, ok in zip(fresh, batch) if ok)
        proved += sum(batch)
        pivoted += signs.pivoted
    assert proved > 0
    assert at_minimum > 0  # some forms were shown to cut at a vertex where an earlier LP ended
    assert pivoted > 0  # ... and some proven on a known basis that took in one of the newest rows


def test_cell_signs_fall_back_to_the_exact_lp(monkeypatch):
    rng = random.Random(7)
    rows = random_cell(rng, 3, 4)
    verts = brute_vertices(rows)
    signs = CellSigns(LPSolver(), rows)
    monkeypatch.setattr(signs, "_guided", lambda form, guide: None)
    for _ in range(10):
        form = tuple(rng.randint(-9, 9) for _ in range(4))
        if any(form[1:]):
            assert signs.nonnegative(form) is (min(value(form, x) for x in verts) >= 0)
    assert signs.fast == 0 and signs.slow > 0 and signs.known == 0


def test_each_certificate_is_sound_for_any_basis_floats_might_propose():
    """Whatever rows the float solver names tight, a certificate accepted for ">= 0" or "< 0" is
    true, and at the exact optimal basis the right one is accepted.  A basis answers alike by its
    first test (a solve) and by its later ones (its kept adjugate)."""
    from flint import fmpz_mat  # deferred: only this test builds basis matrices itself

    rng = random.Random(11)
    accepted = {True: 0, False: 0}
    for _ in range(10):
        n = rng.randint(2, 3)
        rows = random_cell(rng, n, rng.randint(1, 4))
        verts = brute_vertices(rows)
        signs = CellSigns(LPSolver(), rows)
        kept: dict[tuple[int, ...], FarkasBasis] = {}  # one basis per row set, tested on every form
        for _ in range(6):
            form = tuple(rng.randint(-9, 9) for _ in range(n + 1))
            if not any(form[1:]):
                continue
            truth = min(value(form, x) for x in verts) >= 0
            for tight in itertools.combinations(range(len(rows)), n):
                M = fmpz_mat([list(rows[i][1:]) for i in tight])
                if M.det() == 0:
                    continue
                verdict = FarkasBasis(tight).bounds(rows, form)
                assert kept.setdefault(tight, FarkasBasis(tight)).bounds(rows, form) == verdict
                if verdict:
                    assert truth, (rows, form, tight)
                    accepted[True] += 1
                if signs._negative_vertex(M, list(tight), form):
                    assert not truth, (rows, form, tight)
                    accepted[False] += 1
    assert accepted[True] > 0 and accepted[False] > 0
    assert max(basis.tests for basis in kept.values()) > 2


def test_settle_against_vertex_enumeration_of_the_other_rows():
    """``settle(row, members)``: True only if the rows outside ``members`` imply ``row >= 0``; a
    point only if it satisfies those rows with ``row < 0`` there; both seen."""
    rng = random.Random(5)
    seen = {"implied": 0, "point": 0}
    for _ in range(25):
        n = rng.randint(2, 3)
        rows = random_cell(rng, n, rng.randint(2, 6))
        signs = CellSigns(LPSolver(), rows)
        for i in range(len(rows)):
            others = [r for k, r in enumerate(rows) if k != i]
            verdict = signs.settle(rows[i], [i])
            if verdict is True:
                assert min(value(rows[i], x) for x in brute_vertices(others)) >= 0
                seen["implied"] += 1
            elif verdict is not None:
                X = verdict
                assert X[0] > 0 and all(sum(a * b for a, b in zip(r, X)) >= 0 for r in others)
                assert sum(a * b for a, b in zip(rows[i], X)) < 0
                seen["point"] += 1
        # the rows left out come back: the whole cell again
        assert signs.nonnegative(rows[0]) and signs.nonnegative(rows[-1])
    assert seen["implied"] > 0 and seen["point"] > 0


@pytest.mark.parametrize("d", [3, 12])
def test_lp_engine_facet_points_lie_on_their_facet_strictly_inside_the_rest(d):
    from example_nets import dense_net  # deferred: the shared test networks, only here

    from exactrelu.engines.forms import IntegerNetwork
    from exactrelu.engines.lp import ConstraintEngine
    from exactrelu.engines.walk import walk
    from exactrelu.geometry.domain import Domain

    domain = Domain.box([(-1, 1)] * d)
    engine = ConstraintEngine(domain, LPSolver())
    checked = 0
    for region in walk(IntegerNetwork.of(dense_net(d, (4, 3), seed=d)), engine):
        for f in engine.facets(region):
            P = f.point
            assert P[0] > 0 and sum(a * b for a, b in zip(f.row, P)) == 0
            for k, row in enumerate(region.cell.rows):
                if k not in f.constraints:
                    assert sum(a * b for a, b in zip(row, P)) > 0
            checked += 1
    assert checked > 0


@pytest.mark.parametrize("d", [3, 12])
def test_facets_without_rays_are_the_same(d, monkeypatch):
    """With the ray shortcut switched off every group goes through the vertex test (d <= 10) or
    the settle / facet-LP path (above): the same facets, each with a valid point."""
    from example_nets import dense_net  # deferred: the shared test networks, only here

    from exactrelu.engines.forms import IntegerNetwork
    from exactrelu.engines.lp import ConstraintEngine
    from exactrelu.engines.walk import walk
    from exactrelu.geometry.domain import Domain

    domain = Domain.box([(-1, 1)] * d)
    net = IntegerNetwork.of(dense_net(d, (4, 3), seed=d + 1))
    with_rays = [
        [f.row for f in ConstraintEngine(domain, LPSolver()).facets(r)]
        for r in walk(net, ConstraintEngine(domain, LPSolver()))
    ]
    monkeypatch.setattr(ConstraintEngine, "shoot_rays", lambda self, cell, groups: {})
    engine = ConstraintEngine(domain, LPSolver())
    without = []
    for region in walk(net, engine):
        facets = engine.facets(region)
        for f in facets:
            P = f.point
            assert sum(a * b for a, b in zip(f.row, P)) == 0
            assert all(
                sum(a * b for a, b in zip(row, P)) > 0
                for k, row in enumerate(region.cell.rows)
                if k not in f.constraints
            )
        without.append([f.row for f in facets])
    assert without == with_rays and any(without)


def test_constraints_touching_the_region_in_a_vertex_or_an_edge_are_no_facets(monkeypatch):
    """The cube [-1, 1]^3 cut by z <= 1/2 (a facet), with x + y <= 2 (touches an edge) and
    x + y + z <= 5/2 (a vertex): only the vertex rank decides, rays switched off."""
    from exactrelu.engines.lp import ConstraintEngine, LPCell
    from exactrelu.engines.walk import RawRegion
    from exactrelu.geometry.domain import Domain

    domain = Domain.box([(-1, 1)] * 3)
    engine = ConstraintEngine(domain, LPSolver())
    extra = [(2, -1, -1, 0), (5, -2, -2, -2), (1, 0, 0, -2)]
    rows = list(engine.root_rows) + extra
    cell = LPCell(rows, [("domain", i) for i in range(len(rows))], (1, 0, 0, 0))
    monkeypatch.setattr(ConstraintEngine, "shoot_rays", lambda self, cell, groups: {})
    facets = engine.facets(RawRegion(cell, (), (), None))
    expected = {r for r in engine.root_rows if r != (1, 0, 0, -1)} | {(1, 0, 0, -2)}
    assert {f.row for f in facets} == expected


@pytest.mark.parametrize("d", [2, 4])
def test_every_cell_point_is_strictly_inside_its_cell(d):
    """Interior points of split cells made from the parent's point and a cut's vertex (no LP)."""
    from example_nets import dense_net  # deferred: the shared test networks, only here

    from exactrelu.engines.forms import IntegerNetwork
    from exactrelu.engines.lp import ConstraintEngine
    from exactrelu.engines.walk import walk
    from exactrelu.geometry.domain import Domain

    engine = ConstraintEngine(Domain.box([(-1, 1)] * d), LPSolver())
    lps = engine.lps
    count = kept = 0
    for region in walk(IntegerNetwork.of(dense_net(d, (6, 5), seed=3)), engine):
        P = region.cell.point
        assert P[0] > 0 and all(sum(a * b for a, b in zip(row, P)) > 0 for row in region.cell.rows)
        for Q in region.cell.points:  # the closure points that prove cuts without an LP
            assert Q[0] > 0 and all(sum(a * b for a, b in zip(row, Q)) >= 0 for row in region.cell.rows)
        kept += len(region.cell.points)
        count += 1
    assert count > 10 and engine.lps > lps and kept > 0


@pytest.mark.parametrize("d, order", [(2, "walk"), (3, "walk"), (3, "shuffled")])
def test_path_vertices_equal_clipping_from_scratch(d, order):
    """The cells kept along the path (siblings included) give each region the vertices that
    clipping the domain by all its rows gives, in walk order or any other."""
    from example_nets import dense_net  # deferred: the shared test networks, only here

    from exactrelu.engines.forms import IntegerNetwork
    from exactrelu.engines.lp import ConstraintEngine
    from exactrelu.engines.lp_vertices import PathVertices
    from exactrelu.engines.walk import walk
    from exactrelu.geometry.domain import Domain

    domain = Domain.box([(-1, 1)] * d)
    engine = ConstraintEngine(domain, LPSolver())
    regions = list(walk(IntegerNetwork.of(dense_net(d, (5, 4), seed=d)), engine))
    if order == "shuffled":
        random.Random(1).shuffle(regions)
    shared = PathVertices(domain.cell(), len(engine.root_rows))
    for region in regions:
        scratch = domain.cell()
        for row in region.cell.rows[len(engine.root_rows) :]:
            scratch = scratch.clip(row, ("row",))
        assert sorted(shared.cell_of(region.cell.rows).verts) == sorted(scratch.verts)
    assert len(regions) > 10


def test_farkas_proofs_on_one_cell_share_a_model_and_stay_sound():
    """The constraint-form certificate proves many forms on one cell: the HiGHS model is loaded once
    and each proof only changes the cost (a hot start), and every proof found holds exactly (the
    oracle: the form's minimum over the cell's vertices, enumerated by brute force)."""
    rng = random.Random(3)
    domain = Domain.box([(-4, 4)] * 3)
    finder = FarkasFinder(domain, LPSolver())
    for _ in range(6):
        rows = random_cell(rng, 3, 5)
        verts = brute_vertices(rows)
        models = set()
        for _ in range(12):
            form = tuple(rng.randint(-9, 9) for _ in range(4))
            low = min(value(form, x) for x in verts)
            found = finder.prove(form, rows)
            assert (found is not None) is (low >= 0), (rows, form)
            if found is not None:
                assert finder.holds(form, rows, *found, None, None)
            models.add(id(finder.loaded[1]))
        assert len(models) == 1 and finder.loaded[0][0] == [r for r in rows[6:]]  # the cell's general rows
    assert finder.fast > 0

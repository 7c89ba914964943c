"""Degrees of freedom against independent computations: closed forms (one region: d + 1; a line
cut into R intervals: R + 1; n hyperplanes in general position: d + 1 + n), Fraction Gaussian
elimination of the d-equations-per-facet formulation (tests/boundary_oracle.py), and the sparse
exact rank against dense Fraction elimination on random matrices."""

from __future__ import annotations

from fractions import Fraction

import pytest
from boundary_oracle import dof_oracle, rank_fraction
from example_nets import ALL
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import general_position_net

from exactrelu import EXAMPLE, Domain, Network, partition
from exactrelu.analysis.dof import continuity_rows, degrees_of_freedom, parameter_count, sparse_rank


def _domain(box):
    if isinstance(box, dict):
        return Domain.polytope(box["A"], box["b"])
    return Domain.box(box)


def test_builtin_example_by_hand():
    p = partition(EXAMPLE)
    dof = degrees_of_freedom(p.regions, p.adjacencies, EXAMPLE)
    # affine (3) plus one kink per line of the two lines X = Y and X + Y = 1
    assert dof.to_json() == {"continuous_dim": 5, "free_dim": 12, "parameters": 12}
    assert (dof.constraints, dof.rank) == (12, 11)
    assert degrees_of_freedom(p.regions, p.adjacencies).parameters is None


@pytest.mark.parametrize("d", [1, 2, 3])
def test_one_region_has_d_plus_one(d):
    net = Network.from_layers([([[1] * d], [0])])  # no hidden layer: one region
    p = partition(net, [(0, 1)] * d)
    assert len(p.regions) == 1
    assert degrees_of_freedom(p.regions, p.adjacencies, net).to_json() == {
        "continuous_dim": d + 1,
        "free_dim": d + 1,
        "parameters": d + 1,
    }


@pytest.mark.parametrize("ex", [e for e in ALL if e.net.n_inputs == 1], ids=lambda e: e.name)
def test_a_line_cut_into_r_intervals_has_r_plus_one(ex):
    p = partition(ex.net, _domain(ex.box))
    assert degrees_of_freedom(p.regions, p.adjacencies).continuous_dim == len(p.regions) + 1


@pytest.mark.parametrize("n, d, seed", [(3, 2, 0), (5, 2, 1), (4, 3, 2), (6, 2, 3)])
def test_hyperplanes_in_general_position(n, d, seed):
    # every region boundary is a whole hyperplane and only two meet along any ridge, so the kink
    # across each hyperplane is one constant: affine functions plus one ReLU per hyperplane
    net, box = general_position_net(seed, n, d)
    p = partition(net, Domain.box(box))
    assert degrees_of_freedom(p.regions, p.adjacencies, net).continuous_dim == d + 1 + n


SMALL = [e for e in ALL if e.net.n_inputs >= 2]


@pytest.mark.parametrize("ex", SMALL, ids=lambda e: e.name)
def test_against_fraction_elimination(ex):
    p = partition(ex.net, _domain(ex.box))
    if len(p.regions) > 30:
        pytest.skip("dense Fraction elimination is for small partitions")
    edges = [(a.first, a.second, p.regions[a.first].facets[a.first_facet].row) for a in p.adjacencies]
    dof = degrees_of_freedom(p.regions, p.adjacencies, ex.net)
    assert dof.continuous_dim == dof_oracle(p.regions, edges)
    assert dof.free_dim == len(p.regions) * (ex.net.n_inputs + 1)
    assert dof.parameters == sum(len(w) * len(w[0]) + len(b) for w, b in ((la.weight, la.bias) for la in ex.net.layers))


@pytest.mark.parametrize("ex", SMALL[:12], ids=lambda e: e.name)
def test_every_output_is_one_of_the_functions(ex):
    # the space does not depend on the output: each output's maps solve the equations
    p = partition(ex.net, _domain(ex.box))
    rows = continuity_rows(p.regions, p.adjacencies)
    width = p.regions[0].dim + 1
    base = len(p.regions) * width
    for o in range(ex.net.n_outputs):
        theta = {}
        for r, region in enumerate(p.regions):
            for i in range(width):
                theta[r * width + i] = Fraction(region.map_rows[o][i], region.map_den)
        for e, a in enumerate(p.adjacencies):
            h = p.regions[a.first].facets[a.first_facet].row
            i = next(i for i in range(width) if h[i])
            theta[base + e] = (theta[a.first * width + i] - theta[a.second * width + i]) / h[i]
        for row in rows:
            assert sum(v * theta[c] for c, v in row.items()) == 0


def test_lp_engine_gives_the_same_dimension():
    for ex in SMALL[:10]:
        a = partition(ex.net, _domain(ex.box))
        b = partition(ex.net, _domain(ex.box), engine="lp")
        assert degrees_of_freedom(a.regions, a.adjacencies) == degrees_of_freedom(b.regions, b.adjacencies)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 8).flatmap(
        lambda n: st.lists(
            st.dictionaries(st.integers(0, n - 1), st.integers(-4, 4).filter(bool), max_size=4), min_size=0, max_size=10
        )
    )
)
def test_sparse_rank_against_fraction_elimination(rows):
    width = max((c for r in rows for c in r), default=0) + 1
    dense = [[Fraction(r.get(c, 0)) for c in range(width)] for r in rows]
    assert sparse_rank(rows) == rank_fraction(dense)
    assert sparse_rank(rows, late=width // 2) == rank_fraction(dense)


def test_parameter_count():
    net = Network.from_layers([([[1, 2, 3], [4, 5, 6]], [0, 0]), ([[1, 1]], [0])])
    assert parameter_count(net) == 2 * 3 + 2 + 2 + 1

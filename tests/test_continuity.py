"""Continuity proofs on every shared facet, checked independently here with Fractions."""

from __future__ import annotations

from fractions import Fraction

import pytest

from exactrelu import EXAMPLE, Domain, partition
from exactrelu.analysis.continuity import continuity_proof
from exactrelu.errors import ContinuityError
from example_nets import EXAMPLES


def _value(row, den, x):
    return (row[0] + sum(a * v for a, v in zip(row[1:], x))) / den


@pytest.mark.parametrize("name, net, box", EXAMPLES[:12], ids=[e[0] for e in EXAMPLES[:12]])
def test_every_shared_facet_carries_an_exact_continuity_proof(name, net, box):
    p = partition(net, Domain.box(box))
    g = p.graph
    assert g.number_of_edges() == len(p.edges)
    for i, j, data in g.edges(data=True):
        for proof in data["continuity"]:
            r, s = p.regions[proof.first], p.regions[proof.second]
            x = proof.point
            # the point is on the facet hyperplane, in both closed regions, strictly inside all else
            h = proof.hyperplane
            assert h[0] + sum(a * v for a, v in zip(h[1:], x)) == 0
            for region in (r, s):
                values = sorted(f.row[0] + sum(a * v for a, v in zip(f.row[1:], x)) for f in region.facets)
                assert values[0] == 0 and all(v > 0 for v in values[1:])  # only the shared facet vanishes
            # maps differ by lambda times the hyperplane, so they agree at the point
            for o, lam in enumerate(proof.lambdas):
                for c in range(len(h)):
                    diff = Fraction(r.map_rows[o][c], r.map_den) - Fraction(s.map_rows[o][c], s.map_den)
                    assert diff == lam * h[c]
                assert _value(r.map_rows[o], r.map_den, x) == _value(s.map_rows[o], s.map_den, x)


def test_a_jump_is_refused():
    p = partition(EXAMPLE, Domain.box([(0, 1), (0, 1)]))
    a = p.adjacencies[0]
    r, s = p.regions[a.first], p.regions[a.second]
    broken = type(s)(s.pattern, s.point, s.facets, s.vertices_h,
                     ((s.map_rows[0][0] + 1,) + s.map_rows[0][1:],) + s.map_rows[1:], s.map_den)
    with pytest.raises(ContinuityError):
        continuity_proof(a.first, a.second, r, broken, r.facets[a.first_facet].row, (Fraction(1, 2),) * 2)

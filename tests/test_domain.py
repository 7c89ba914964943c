"""Domain validation in high dimension (exact LPs replace vertex enumeration) and at the edge of
the float range."""

from __future__ import annotations

from fractions import Fraction

import pytest
from example_nets import box_rows

from exactrelu import Domain, EmptyDomain, InvalidDomain, LowerDimensionalDomain, UnboundedDomain

D = 12  # above VERTEX_VALIDATION_MAX_DIM


def _unit(i, sign=1):
    row = [0] * D
    row[i] = sign
    return row


A, B = box_rows(D)
CASES = [
    ("missing one face", A[:-1], B[:-1], UnboundedDomain),
    ("a free direction", [r for r in A if r[0] == 0], [v for r, v in zip(A, B) if r[0] == 0], UnboundedDomain),
    ("x1 <= -2 on the box", A + [_unit(0)], B + [-2], EmptyDomain),
    ("a free direction, infeasible", [_unit(1), _unit(1, -1)], [-1, -1], EmptyDomain),
    ("x1 = -1 on the box", A + [_unit(0)], B + [-1], LowerDimensionalDomain),
]


@pytest.mark.parametrize("name, rows, rhs, error", CASES, ids=[c[0] for c in CASES])
def test_invalid_high_dimensional_polytopes_are_refused(name, rows, rhs, error):
    with pytest.raises(error):
        Domain.polytope(rows, rhs)


def test_a_high_dimensional_simplex_is_accepted():
    rows = [_unit(i, -1) for i in range(D)] + [[1] * D]
    domain = Domain.polytope(rows, [0] * D + [1])
    assert domain.contains(["1/100"] * D, strictly=True)
    assert not domain.contains(["1/10"] * D)


def test_domain_with_coefficients_beyond_the_float_range():
    d = 8
    A, b = box_rows(d)
    A[0] = [10**40] + [0] * (d - 1)  # x1 <= 10^-40: the bounding box of validation exceeds floats
    domain = Domain.polytope(A, b)
    assert domain.contains([Fraction(1, 10**41)] + [0] * (d - 1), strictly=True)
    assert not domain.contains([Fraction(1, 10**39)] + [0] * (d - 1))


def test_a_partition_json_domain_reads_back_as_the_same_domain(tmp_path):
    import json

    from exactrelu import EXAMPLE, partition, read_polytope

    p = partition(EXAMPLE, [("-1/2", 1), (0, "3/2")])
    path = tmp_path / "domain.json"
    path.write_text(json.dumps(p.to_json()["domain"]))
    assert read_polytope(path) == p.domain
    data = p.to_json()["domain"]
    data["box"][0][1] = "2"
    path.write_text(json.dumps(data))
    with pytest.raises(InvalidDomain, match="another set"):
        read_polytope(path)


@pytest.mark.parametrize("text, message", [
    ('{"A": [[1]], "b": [' + "9" * 20_000 + "]}", "digits"),
    ('{"A": [[1]], "b": [1], "c": 2}', "unknown key 'c'"),
    ('{"A": [[1]], "b": [1e99999999]}', "exponent"),
], ids=["long integer", "unknown key", "huge exponent"])
def test_hostile_polytope_files_are_refused_in_one_line(tmp_path, text, message):
    from exactrelu import read_polytope

    path = tmp_path / "domain.json"
    path.write_text(text)
    with pytest.raises(InvalidDomain, match=message):
        read_polytope(path)

"""exactrelu.strategies: what the strategies draw is what they promise, and the project's own
invariants hold on it (sampled points land in regions whose maps reproduce the exact forward pass;
mutated certificates are never VERIFIED)."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from exactrelu import Domain, InvalidArgument, Network, partition
from exactrelu.geometry.lp import LPSolver
from exactrelu.strategies import (
    DEGENERACIES,
    MUTATIONS,
    boxes,
    certificates,
    networks,
    points_in,
    polytopes,
)
from exactrelu_checker import MalformedCertificate, check_certificate

FAST = settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def _value(row, x):
    return row[0] + sum(a * v for a, v in zip(row[1:], x))


def _entries(net: Network):
    for layer in net.layers:
        for row in layer.weight:
            yield from row
        yield from layer.bias


# -- networks ----------------------------------------------------------------------------------------
@FAST
@given(networks(n_inputs=(1, 3), n_outputs=(2, 3), depth=(0, 3), width=(1, 4), weights="rational", leaky=True))
def test_networks_have_the_asked_shape(net):
    assert 1 <= net.n_inputs <= 3 and 2 <= net.n_outputs <= 3 and len(net.hidden_widths) <= 3
    assert all(1 <= w <= 4 for w in net.hidden_widths)
    assert all(abs(v) <= 6 and v.denominator <= 4 for v in _entries(net))
    assert all(s != 0 for s in net.negative_slopes)


@pytest.mark.parametrize("kind", ["small_int", "float32", "float64"])
def test_weight_kinds_are_exact(kind):
    @FAST
    @given(networks(weights=kind))
    def check(net):
        for v in _entries(net):
            if kind == "small_int":
                assert v.denominator == 1 and abs(v) <= 3
            else:  # exactly a float of that width, of magnitude 2^-24 .. 4 or 0
                as_float = np.float32(v) if kind == "float32" else np.float64(v)
                assert Fraction(float(as_float)) == v and (v == 0 or 2**-24 <= abs(v) <= 4)

    check()


def _rows0(net):
    layer = net.layers[0]
    return [(b, *w) for w, b in zip(layer.weight, layer.bias)]


def _has(kind: str, net: Network, domain: Domain) -> bool:
    """Whether ``net`` realises degeneracy ``kind`` (decided exactly, independently of the strategy)."""
    corners = [tuple(c) for c in itertools.product(*domain.bounds)]
    if kind in ("duplicated", "negated"):
        for layer in net.layers[:-1]:
            rows = [(b, *w) for w, b in zip(layer.weight, layer.bias)]
            for r, s in itertools.permutations(rows, 2):
                if any(r[1:]):
                    k = next(i for i in range(1, len(r)) if r[i])
                    c = s[k] / r[k]
                    if all(y == c * x for x, y in zip(r, s)) and (c > 0) == (kind == "duplicated"):
                        return True
        return False
    if kind == "dead":
        for k, layer in enumerate(net.layers[:-1]):
            for w, b in zip(layer.weight, layer.bias):
                if not any(w) and b <= 0:
                    return True
                if k == 0 and all(_value((b, *w), c) < 0 for c in corners):
                    return True
        return False
    rows = [r for r in _rows0(net) if any(r[1:])]
    if kind == "through_corners":
        return any(_value(r, c) == 0 for r in rows for c in corners)
    if kind == "along_edges":
        for r in rows:
            axes = [i for i, a in enumerate(r[1:]) if a]
            if len(axes) == 1 and any(_value(r, c) == 0 for c in corners):
                return True
        return False
    assert kind == "concurrent" and net.n_inputs == 2
    for r, s in itertools.combinations(rows, 2):
        det = r[1] * s[2] - r[2] * s[1]
        if det:
            p = ((-r[0] * s[2] + s[0] * r[2]) / det, (-r[1] * s[0] + s[1] * r[0]) / det)
            if domain.contains(p, strictly=True) and sum(_value(t, p) == 0 for t in rows) >= 3:
                return True
    return False


@pytest.mark.parametrize("kind", DEGENERACIES)
def test_degeneracies_are_realised_and_partitioned_exactly(kind):
    domain = Domain.box([(-1, 2), ("1/2", 3)])

    @FAST
    @given(networks(degenerate={kind}, domain=domain, depth=(1, 2), width=(1, 3)), st.data())
    def check(net, data):
        assert _has(kind, net, domain), net
        p = partition(net, domain)
        region = data.draw(st.sampled_from(p.regions))
        x = data.draw(points_in(region))
        assert region.output(x) == net.forward(x)

    check()


def test_networks_shrink_to_small_readable_networks():
    wide = find(networks(), lambda net: net.n_hidden >= 3)
    # shrunk to the fewest neurons the condition allows, all weights zero (the layer split may vary)
    assert wide.n_hidden == 3 and wide.widths[0] <= 2 and wide.widths[-1] == 1 and not any(_entries(wide))
    bent = find(networks(), lambda net: any(v != 0 for v in _entries(net)))
    assert bent.n_hidden <= 1 and len(bent.widths) <= 3 and sorted(abs(v) for v in _entries(bent) if v) == [1]


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(InvalidArgument, match="unknown degenerate kind 'twisted'"):
        networks(degenerate={"twisted"})
    with pytest.raises(InvalidArgument, match="weights is 'int8'"):
        networks(weights="int8")
    with pytest.raises(InvalidArgument, match="n_inputs is 3 but the domain has 2"):
        networks(n_inputs=3, domain=[(0, 1), (0, 1)])
    with pytest.raises(InvalidArgument, match="unknown mutation 'lie'"):
        certificates(mutation="lie")
    with pytest.raises(InvalidArgument, match="width is"):
        networks(width=(3, 1))


# -- domains -----------------------------------------------------------------------------------------
@FAST
@given(boxes(st.integers(1, 4), low=-2, high="5/2", max_denominator=3))
def test_boxes_stay_in_range(box):
    assert box.is_box and 1 <= box.dim <= 4
    assert all(-2 <= lo < hi <= Fraction(5, 2) and lo.denominator <= 3 for lo, hi in box.bounds)


def _redundant_rows(domain: Domain) -> list[int]:
    """Rows implied by the others: the exact minimum of their slack over the others is >= 0."""
    rows = domain.constraint_rows()
    solver = LPSolver()
    out = []
    for i, row in enumerate(rows):
        others = rows[:i] + rows[i + 1:]
        opt = solver.minimize(others, row)
        if opt.at_least(0):
            out.append(i)
    return out


@FAST
@given(polytopes(st.integers(2, 3), redundant=True))
def test_polytopes_with_redundant_rows(domain):
    # Domain.polytope validated it: bounded and full-dimensional
    assert not domain.is_box and domain.dim in (2, 3)
    assert _redundant_rows(domain)


# -- the invariant: sampled points reproduce the exact forward pass ---------------------------------
NETS = networks(n_inputs=(1, 3), n_outputs=(1, 2), depth=(1, 2), width=(1, 4), weights="rational",
                degenerate=st.frozensets(st.sampled_from(["duplicated", "negated", "dead"])), leaky=st.booleans())


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_points_in_regions_follow_the_exact_forward_pass(data):
    net = data.draw(NETS)
    domain = data.draw(st.one_of(boxes(net.n_inputs), polytopes(net.n_inputs)))
    engine = data.draw(st.sampled_from(["dd", "lp"]))
    p = partition(net, domain, engine=engine)
    i = data.draw(st.integers(0, len(p.regions) - 1))
    region = p.regions[i]
    x = data.draw(points_in(region))
    assert region.contains(x, strictly=True) and domain.contains(x, strictly=True)
    assert p.locate(x) == i
    assert region.output(x) == net.forward(x)
    # strictly inside, the canonical pattern is the sign pattern of the exact pre-activations
    assert tuple(tuple(int(v > 0) for v in layer) for layer in net.pre_activations(x)) == region.pattern
    assert data.draw(points_in(p)) is not None


def test_points_in_lp_regions_without_vertices():
    net = Network.from_layers([([[1, 1], [1, -1]], [-1, 0]), ([[1, 1]], [0])])
    p = partition(net, [(0, 1), (0, 1)], engine="lp")
    assert all(not r.vertices for r in p.regions)

    @FAST
    @given(points_in(p))
    def check(x):
        assert p.regions[p.locate(x)].contains(x, strictly=True)

    check()


# -- certificates: valid ones verify, mutated ones never do -----------------------------------------
@settings(max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(certificates(domains=lambda d: st.one_of(boxes(d), polytopes(d))))
def test_unmutated_certificates_verify(cert):
    verdict = check_certificate(cert)
    assert verdict.verified, verdict.reason


def _refused(cert) -> bool:
    try:
        return not check_certificate(cert).verified
    except MalformedCertificate:
        return True


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(certificates(mutation="any", networks=networks(n_inputs=(1, 2), depth=(1, 2), width=(2, 4), leaky=True),
                    domains=lambda d: st.one_of(boxes(d), polytopes(d))))
def test_mutated_certificates_are_never_verified(cert):
    assert _refused(cert)


@pytest.mark.parametrize("kind", MUTATIONS)
def test_every_mutation_applies_and_is_refused(kind):
    @settings(max_examples=3, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(certificates(mutation=kind))
    def check(cert):
        assert _refused(cert)

    check()


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(certificates(mutation="any", networks=NETS, domains=lambda d: st.one_of(boxes(d), polytopes(d))))
def test_mutated_certificates_are_never_verified_long(cert):
    assert _refused(cert)

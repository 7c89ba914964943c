"""The Partition API: locating points, the graph, and inputs at the edges of the number range."""

from __future__ import annotations

from fractions import Fraction

import pytest

from exactrelu import EXAMPLE, Domain, InvalidDomain, Network, partition
from exactrelu.export.display import region_lines


def test_locate_finds_the_region_whose_map_gives_the_forward_pass():
    p = partition(EXAMPLE)
    for x in ([Fraction(1, 3), Fraction(1, 7)], ["0.9", "0.8"], [0, 1]):
        region = p.regions[p.locate(x)]
        assert region.contains(x)
        assert region.output(x) == EXAMPLE.forward(x)
    assert p.locate([2, 0]) is None


@pytest.mark.parametrize("call", [
    lambda p: p.locate([0.2, 0.9, 77]),
    lambda p: p.regions[0].contains([0.5]),
    lambda p: p.regions[0].output([0.5, 0.5, 0.5]),
    lambda p: p.domain.contains([1, 2, 3]),
])
def test_points_of_the_wrong_length_are_refused(call):
    with pytest.raises(InvalidDomain, match="coordinates, expected 2"):
        call(partition(EXAMPLE))


def test_graph_is_built_once_and_matches_edges():
    p = partition(EXAMPLE)
    assert p.graph is p.graph
    assert sorted(p.graph.edges) == sorted(p.edges)
    assert all(p.graph.nodes[i]["region"] is r for i, r in enumerate(p.regions))


def test_input_names_with_spaces_and_colons_print_verbatim():
    net = Network.from_layers([([[1, 1]], [0]), ([[1]], [0])], input_names=("speed (m/s)", "a:b"))
    region = next(r for r in partition(net, Domain.box([(-1, 1), (-1, 1)])).regions if r.pattern == ((1,),))
    lines = region_lines(0, region, net.input_names, net.output_names)
    assert lines[1].strip() == "y1 = a:b + speed (m/s)"


def test_coincident_neurons_all_carry_their_facet():
    # neurons 0 and 1 are the same line x = y, neuron 2 its negation, neuron 3 the line x = 0,
    # which is also the box's left edge; the second layer repeats neuron 0's line through h0 - h2.
    net = Network.from_layers([([[1, -1], [2, -2], [-1, 1], [1, 0]], [0, 0, 0, 0]),
                               ([[1, 0, -1, 0]], [0]), ([[1]], [0])])
    p = partition(net, Domain.box([(0, 1), (0, 1)]))
    assert len(p.regions) == 2 and p.edges == ((0, 1),)
    for region in p.regions:
        diagonal = [f for f in region.facets if not f.on_boundary]
        assert len(diagonal) == 1
        assert set(diagonal[0].carriers) == {("neuron", 0, 0), ("neuron", 0, 1), ("neuron", 0, 2), ("neuron", 1, 0)}
        left = [f for f in region.facets if ("domain", 0) in f.carriers]
        for f in left:  # x = 0 is both the domain's face and neuron 3's hyperplane
            assert ("neuron", 0, 3) in f.carriers

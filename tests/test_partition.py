"""The Partition API: locating points, the graph, and inputs at the edges of the number range."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

import exactrelu_checker
from exactrelu import EXAMPLE, Domain, InvalidArgument, InvalidDomain, Network, certify, load, partition
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
    with pytest.raises(InvalidDomain, match="coordinates?, expected 2"):
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


# ------------------------------------------------------------------ the API takes what users have
def _small_torch_module():
    torch = pytest.importorskip("torch")
    torch.manual_seed(3)
    return torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))


def test_partition_and_certify_take_a_torch_module_an_onnx_file_and_box_pairs(tmp_path):
    module = _small_torch_module()
    box = [(-1, 1), ("-1/2", "1/2")]
    expected = partition(load(module), Domain.box(box))
    assert partition(module, box) == expected
    assert certify(module, box)["summary"]["regions"] == len(expected.regions)

    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    path = tmp_path / "mlp.onnx"
    torch.onnx.export(module, torch.zeros(1, 2), str(path), dynamo=False)
    from_file = partition(str(path), box)
    assert [r.pattern for r in from_file.regions] == [r.pattern for r in expected.regions]
    import onnx

    assert partition(onnx.load(str(path)), box).regions == from_file.regions
    cert_path = tmp_path / "mlp.cert.json"
    cert_path.write_text(json.dumps(certify(path, box)))
    assert exactrelu_checker.check_certificate(str(cert_path)).verified


@pytest.mark.parametrize("domain, message", [
    ("0:1,0:1", "expected a Domain or a box"),
    (42, "expected a Domain or a box"),
    ([(0, 1)], "domain has 1 dimension, network has 2 inputs"),
    ([(1, 0), (0, 1)], "expected lower < upper"),
])
def test_bad_domains_are_refused_in_one_line(domain, message):
    with pytest.raises(InvalidDomain, match=message):
        partition(EXAMPLE, domain)


def test_a_domain_cannot_be_built_unvalidated():
    with pytest.raises(InvalidArgument, match="Domain.box"):
        Domain(((Fraction(1),),), (Fraction(0),))
    assert Domain.box([(0, 1)]) == Domain.box([("0", "1")])


def test_a_partition_equals_itself_recomputed():
    assert partition(EXAMPLE) == partition(EXAMPLE)
    assert partition(EXAMPLE) != partition(EXAMPLE, [(0, 1), (0, "1/2")])


def test_an_interrupted_certificate_is_refused_not_truncated():
    from exactrelu.errors import Interrupted

    def stop(phase, count, total):
        if phase == "regions" and count == 2:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted, match="no certificate"):
        certify(EXAMPLE, progress=stop)
    assert not partition(EXAMPLE, progress=stop).complete


def test_map_keys_are_equal_exactly_when_the_maps_are():
    """One denominator for every region (what composition gives): the rows decide; otherwise maps are
    compared in lowest terms.  Linear pieces join neighbours with equal keys only."""
    from exactrelu.analysis.pieces import pieces_of_maps  # deferred: used by this test alone
    from exactrelu.engines.forms import LayerForms  # deferred: used by this test alone
    from exactrelu.engines.run import EngineResult  # deferred: used by this test alone
    from exactrelu.engines.walk import RawRegion  # deferred: used by this test alone

    def result(maps):
        raws = [RawRegion(None, (), (), LayerForms.of([row], den)) for row, den in maps]
        return EngineResult(raws, [[] for _ in raws], [() for _ in raws], (), True, None)

    same_den = result([((2, 4), 2), ((2, 4), 2), ((2, 6), 2)])
    mixed = result([((2, 4), 2), ((1, 2), 1), ((2, 6), 2)])  # 1 + 2x twice, then 1 + 3x
    for found in (same_den, mixed):
        keys = found.map_keys()
        assert keys[0] == keys[1] != keys[2]
        assert pieces_of_maps(keys, [(0, 1), (1, 2)]) == [[0, 1], [2]]
        assert pieces_of_maps(keys, [(1, 2)]) == [[0], [1], [2]]
    # final regions keep their maps packed: equal maps give equal keys whatever objects hold the
    # numbers (a big integer used twice in one row, or two equal ones), packed or not
    from exactrelu.engines.packed import PackedMap  # deferred: used by this test alone

    big = 3**200
    packed = result([((big, big), 2), ((int(str(big)), int(str(big))), 2), ((big, big + 1), 2)])
    packed.raws[0].output = PackedMap(packed.raws[0].output)
    packed.raws[2].output = PackedMap(packed.raws[2].output)
    keys = packed.map_keys()
    assert keys[0] == keys[1] != keys[2]
    assert packed.raws[0].output.rows == ((big, big),) and packed.raws[0].output.den == 2


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("name", ["zero_on_half", "leaky", "random6_2d_3x3x3", "random10_3d_2x2x2", "coincident3d"])
def test_dropping_matched_vertices_changes_nothing_written(name, jobs, monkeypatch):
    """``keep_vertices=False`` (the regions command without --geometry): the same JSON, edges and
    summary; the vertex engine has forgotten the vertices of every region whose facets all met."""
    from example_nets import by_name  # deferred: the hostile examples live beside the tests

    from exactrelu.engines import parallel  # deferred: used by this test alone

    monkeypatch.setattr(parallel, "HELPERS_AFTER", 0.0)  # helpers join at once, also on small runs
    ex = by_name(name)
    kept = partition(ex.net, ex.box)
    dropped = partition(ex.net, ex.box, keep_vertices=False, jobs=jobs)
    assert json.dumps(dropped.to_json()) == json.dumps(kept.to_json())
    assert dropped.edges == kept.edges and dropped.summary() == kept.summary()
    assert [r.pattern for r in dropped.regions] == [r.pattern for r in kept.regions]
    assert all(r.vertices for r in kept.regions)
    if jobs == 1:  # every facet met another or the boundary
        assert all(r.vertices == () for r in dropped.regions)
    else:  # a region with a facet shared across tasks keeps its vertices until the end
        assert all(r.vertices in ((), k.vertices) for r, k in zip(dropped.regions, kept.regions))
    assert [[f.row for f in r.facets] for r in dropped.regions] == [[f.row for f in r.facets] for r in kept.regions]
    assert [[f.carriers for f in r.facets] for r in dropped.regions] == [
        [f.carriers for f in r.facets] for r in kept.regions
    ]
    assert [(r.map_rows, r.map_den) for r in dropped.regions] == [(r.map_rows, r.map_den) for r in kept.regions]
    assert [r.point for r in dropped.regions] == [r.point for r in kept.regions]  # kept packed, given back
    lp = partition(ex.net, ex.box, engine="lp", keep_vertices=False, jobs=jobs)  # nothing to drop there
    assert json.dumps(lp.to_json()) == json.dumps(kept.to_json())


@pytest.mark.parametrize("keep", [True, False])
@pytest.mark.parametrize("name", ["coincident3d", "random10_3d_2x2x2", "zero_on_half"])
def test_cells_share_one_object_per_vertex_and_release_it(name, keep):
    """The walk's cells hold one object (and number) per exact vertex (equal vertices from different
    sub-trees are merged), counted per cell: a dropped cell releases its vertices, so once every
    region is matched and dropped none is held; kept cells keep exactly their own vertices."""
    from example_nets import by_name  # deferred: the hostile examples live beside the tests

    from exactrelu.engines.forms import IntegerNetwork  # deferred: engine internals, this test alone
    from exactrelu.engines.run import collect_regions, make_engine
    from exactrelu.engines.walk import walk

    ex = by_name(name)
    strategy = make_engine(Domain.box(ex.box), "dd")
    regions, complete = collect_regions(walk(IntegerNetwork.of(ex.net), strategy), strategy, None, keep)
    assert complete
    cells = [raw.cell for raw, _ in regions.found if raw.cell is not None]
    held = [v for cell in cells for v in cell.verts]
    assert len(cells) == (len(regions.found) if keep else 0)
    kept = regions.settling.vertices
    pool = {entry[0]: entry for entry in list(kept.kept.values()) + list(kept.collided.values())}
    assert set(pool) == set(held)
    assert all(pool[v][0] is v for v in held)  # one object per value
    assert sum(count for _, count, _, _ in pool.values()) == len(held)
    numbers = [number for _, _, number, _ in pool.values()]
    assert len(set(numbers)) == len(numbers)  # one number per value: facets are matched by these
    layers = [bits for raw, _ in regions.found for bits in raw.pattern]  # one object per layer pattern too
    assert len({id(bits) for bits in layers}) == len(set(layers))

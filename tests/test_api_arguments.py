"""The Python API as a researcher calls it: partitions compare by content, and arguments of the
wrong kind get one of exactrelu's own errors before any work."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from exactrelu import EXAMPLE, Domain, certify, partition
from exactrelu.errors import InvalidArgument, InvalidDomain


def test_partitions_compare_by_content_whichever_engine_or_memory_mode():
    """Both engines and ``keep_vertices=False`` give the same partition JSON; they also compare
    equal (vertices are derived geometry the LP engine and the memory mode leave out), while another
    domain does not."""
    from example_nets import by_name

    for name in ("zero_on_half", "leaky", "coincident3d"):
        ex = by_name(name)
        dd = partition(ex.net, ex.box)
        for other in (partition(ex.net, ex.box, engine="lp"), partition(ex.net, ex.box, keep_vertices=False)):
            assert json.dumps(other.to_json()) == json.dumps(dd.to_json())
            assert other == dd
    assert partition(EXAMPLE) != partition(EXAMPLE, [(0, 1), ("1/2", 1)])


def test_the_lp_engines_facets_name_no_vertices():
    """The LP engine keeps no vertices, so no facet may point into them (code following the docs,
    ``[r.vertices[i] for i in f.vertex_indices]``, raised IndexError)."""
    for r in partition(EXAMPLE, engine="lp").regions:
        assert r.vertices == () and all(f.vertex_indices == () for f in r.facets)
    for r in partition(EXAMPLE).regions:
        assert all(0 <= i < len(r.vertices) for f in r.facets for i in f.vertex_indices)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"jobs": None}, "jobs is None"),
        ({"jobs": "2"}, "jobs is '2'"),
        ({"jobs": 0}, "jobs is 0"),
        ({"jobs": 1.5}, "jobs is 1.5"),
        ({"jobs": True}, "jobs is True"),
        ({"progress": 5}, "progress is an int"),
        ({"checkpoint": 5}, "checkpoint is an int"),
        ({"dask": 3}, "dask is an int"),
    ],
)
@pytest.mark.parametrize("run", [partition, certify])
def test_run_options_of_the_wrong_kind_are_refused_before_any_work(run, options, message):
    with pytest.raises(InvalidArgument, match=message):
        run(EXAMPLE, **options)


def test_domains_as_arrays_and_malformed_boxes():
    assert len(partition(EXAMPLE, np.array([[0, 1], [0, 1]])).regions) == 4
    assert Domain.box(np.array([[0.0, 1.0], [0.0, 0.5]])).bounds[1][1] == 0.5
    for bad in ([0, 1, 0, 1], "0:1,0:1", [(0, 1, 2), (0, 1)]):
        with pytest.raises(InvalidDomain):
            partition(EXAMPLE, bad)


def test_write_json_takes_a_stream_or_a_path(tmp_path):
    p = partition(EXAMPLE)
    p.write_json(tmp_path / "p.json")
    stream = io.StringIO()
    p.write_json(stream)
    assert (tmp_path / "p.json").read_text() == stream.getvalue()
    assert json.loads(stream.getvalue())["summary"]["regions"] == 4
    with pytest.raises(InvalidArgument, match="a text stream or a path"):
        p.write_json(None)


def test_a_point_that_is_no_sequence_gets_one_error():
    """None, a bare number or a string as a point was a bare TypeError deep inside."""
    from exactrelu.errors import InvalidNumber

    p = partition(EXAMPLE)
    calls = [
        lambda: p.locate(None),
        lambda: p.locate(0.5),
        lambda: p.locate_many(None),
        lambda: p.locate_many([0.5, 0.1]),
        lambda: p.regions[0].contains(None),
        lambda: p.regions[0].output(None),
        lambda: p.domain.contains(None),
        lambda: EXAMPLE.forward(None),
    ]
    for call in calls:
        with pytest.raises(InvalidNumber, match="expected a sequence of numbers"):
            call()
    assert p.locate(["1/3", "1/7"]) == 0 and p.locate_many([[0.1, 0.2], ["1/3", "1/7"]]) == [2, 0]


def test_networks_and_polytopes_of_the_wrong_kind():
    from exactrelu import Network
    from exactrelu.errors import InvalidNetwork

    for layers, message in ((None, "layers is a NoneType"), ([5], "layer 1 is an int"), ([([[1]], [0], 3)], "layer 1")):
        with pytest.raises(InvalidNetwork, match=message):
            Network.from_layers(layers)
    for A, b in ((None, None), ([[1, 0]], None)):
        with pytest.raises(InvalidDomain, match="expected a list"):
            Domain.polytope(A, b)
    assert Network.from_layers([(np.array([[1, 2]]), np.array([0]))]).widths == (2, 1)

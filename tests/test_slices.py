"""Exact 2-D slices: the sliced network is the original on the plane, exactly, for every command."""

from __future__ import annotations

import importlib.util
import json
from fractions import Fraction
from pathlib import Path

import pytest

import exactrelu_checker
from exactrelu import EXAMPLE, Domain, certify, load, partition
from exactrelu.cli import main
from exactrelu.errors import InvalidArgument
from exactrelu.network import Network
from exactrelu.slices import Slice, apply_slice, network_slice, read_points, slice_axes, slice_through
from example_nets import random_net

SHARED = Path(__file__).resolve().parents[2] / "shared" / "nets"
ACAS = SHARED / "acasxu_1_1.npz"
C = [Fraction(1, 10), Fraction(1, 20), Fraction(-1, 10), Fraction(1, 5), Fraction(-1, 5)]  # ACAS box centre

NET4 = random_net(7, 4, (4, 3), n_outputs=3, rational=True)


def _agrees(sliced: Network, original: Network, p, every: int = 1) -> None:
    """Region interior points and vertices (of every ``every``-th region) map to points of the
    original network with the same outputs (exact forward passes), which the region's map gives."""
    plane = network_slice(sliced)
    assert plane is not None
    for region in p.regions[::every]:
        for x in (region.point, *region.vertices):
            assert original.forward(plane.lift(x)) == region.output(x)
    assert all(sliced.forward(r.point) == r.output(r.point) for r in p.regions[::every])


def test_axes_slice_is_the_original_on_the_plane():
    at = [Fraction(1, 3), 0, Fraction(-1, 2), 2]
    sliced = slice_axes(NET4, 3, 1, at)
    assert sliced.n_inputs == 2 and sliced.input_names == ("x4", "x2")
    assert sliced.layers[1:] == NET4.layers[1:]
    plane = network_slice(sliced)
    assert plane.lift([5, 7]) == (Fraction(1, 3), 7, Fraction(-1, 2), 5)  # entries at I, J replaced
    p = partition(sliced, [(-2, 2), (-1, 3)])
    assert len(p.regions) > 3
    _agrees(sliced, NET4, p)


def test_through_slice_is_the_original_on_the_plane():
    p0, p1, p2 = [0, 1, "1/2", -1], ["0.5", 0, 1, 1], [-1, "-1/3", 2, 0]
    sliced = slice_through(NET4, p0, p1, p2)
    assert sliced.input_names == ("s", "t")
    plane = network_slice(sliced)
    assert plane.lift([0, 0]) == (0, 1, Fraction(1, 2), -1)
    assert plane.lift([1, 0]) == (Fraction(1, 2), 0, 1, 1)
    assert plane.lift([0, 1]) == (-1, Fraction(-1, 3), 2, 0)
    p = partition(sliced, [(-1, 2), (-1, 2)])
    _agrees(sliced, NET4, p)


def test_slice_of_a_slice_composes():
    first = slice_through(NET4, [0, 0, 0, 0], [1, 2, 0, 1], [0, 1, 1, -1])
    twice = slice_axes(first, 1, 0, [0, 0])  # swaps s and t
    plane = network_slice(twice)
    assert plane.kind == "composed" and plane.inputs == 4
    for x in ([Fraction(1, 3), 2], [-1, Fraction(5, 7)]):
        assert twice.forward(x) == NET4.forward(plane.lift(x)) == first.forward([x[1], x[0]])


def test_slice_metadata_json_and_default_box():
    swapped = slice_axes(EXAMPLE, 1, 0, [0, 0])
    assert swapped.input_names == ("Y", "X")
    assert swapped.metadata["default_box"] == (EXAMPLE.metadata["default_box"][1], EXAMPLE.metadata["default_box"][0])
    data = partition(swapped).to_json()
    assert data["slice"] == {
        "kind": "axes", "inputs": 2, "origin": ["0", "0"], "directions": [["0", "1"], ["1", "0"]],
        "input_names": ["X", "Y"], "axes": [1, 0], "at": ["0", "0"],
    }  # fmt: skip
    assert "slice" not in partition(EXAMPLE).to_json()
    assert EXAMPLE.metadata.get("slice") is None  # the original is untouched


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: slice_axes(NET4, 1, 1, [0] * 4), "two different inputs"),
        (lambda: slice_axes(NET4, 0, 4, [0] * 4), "not an input index 0..3"),
        (lambda: slice_axes(NET4, 0, 1, [0] * 3), "has 3 values, expected 4"),
        (lambda: slice_axes(NET4, 0, 1, [0, 0, "x", 0]), "not an integer, decimal or p/q"),
        (lambda: slice_through(NET4, [0] * 4, [1, 1, 1, 1], [2, 2, 2, 2]), "lie on one line"),
        (lambda: slice_through(NET4, [0] * 4, [0] * 4, [1, 0, 0, 0]), "lie on one line"),
        (lambda: slice_through(NET4, [0] * 4, [1] * 3, [1, 0, 0, 0]), "has 3 values, expected 4"),
        (lambda: apply_slice(NET4, Slice.from_axes(3, 0, 1, [0, 0, 0])), "the network has 4"),
    ],
)
def test_bad_slices_are_refused(make, message):
    with pytest.raises(InvalidArgument, match=message):
        make()


@pytest.mark.parametrize(
    "text, message",
    [
        ("[[0, 0], [1, 0]]", "three points"),
        ('{"p0": [0, 0]}', "three points"),
        ("[[0, 0], [1, 0], [0, NaN]]", "not valid JSON"),
        ("[[0, 0], [1, 0], [0,", "not valid JSON"),
    ],
)
def test_bad_point_files_are_refused(tmp_path, text, message):
    path = tmp_path / "points.json"
    path.write_text(text)
    with pytest.raises(InvalidArgument, match=message):
        read_points(path)


def test_point_files_are_read_exactly(tmp_path):
    path = tmp_path / "points.json"
    path.write_text('[[0.1, "1/3", 2], [1e-1, 0, 0], [0, 0, 1]]')
    p0, p1, p2 = read_points(path)
    plane = Slice.from_points(p0, p1, p2)
    assert plane.origin == (Fraction(1, 10), Fraction(1, 3), 2)  # 0.1 is one tenth, not a float


def test_every_command_takes_the_slice_options(tmp_path, capsys):
    net = tmp_path / "net.json"
    net.write_text(json.dumps(NET4.to_json()))
    points = tmp_path / "points.json"
    points.write_text(json.dumps([[0, 0, 0, 0], [1, 0, "1/2", 0], [0, 1, 0, -1]]))
    axes = ["--axes", "0,2", "--at=1,-1/2,0,3/4", "--box=-1:1,-1:1"]
    through = ["--through", str(points), "--box=0:1,0:1"]
    for options in (axes, through):
        out = tmp_path / "part.json"
        assert main(["regions", str(net), *options, "-o", str(out)]) == 0
        data = json.loads(out.read_text())
        assert data["slice"]["inputs"] == 4
        sliced = (slice_axes(NET4, 0, 2, [1, Fraction(-1, 2), 0, Fraction(3, 4)]) if options is axes
                  else slice_through(NET4, [0, 0, 0, 0], [1, 0, Fraction(1, 2), 0], [0, 1, 0, -1]))
        expected = partition(sliced, [(-1, 1), (-1, 1)] if options is axes else [(0, 1), (0, 1)])
        assert data["regions"] == expected.to_json()["regions"]
        assert "slice of 4 inputs:" in capsys.readouterr().out
        cert = tmp_path / "cert.json"
        assert main(["certify", str(net), *options, "-o", str(cert)]) == 0
        assert exactrelu_checker.check_certificate(cert).verified
        assert main(["latex", str(net), *options, "-o", str(tmp_path / "t.tex")]) == 0
        if importlib.util.find_spec("matplotlib") is not None:
            assert main(["plot", str(net), *options, "-o", str(tmp_path / "f.png")]) == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["--at=0,0"], "--at gives the fixed values of an --axes slice"),
        (["--axes", "0,1"], "needs --at with a value for each of the 4 inputs"),
        (["--axes", "0", "--at=0,0,0,0"], "expected two 0-based input indices"),
        (["--axes", "0,1", "--at", "-1,0,0,0"], "must be joined with '='"),
        (["--axes", "0,1", "--through", "p.json"], "not allowed with argument"),
        (["--through", "missing.json"], "cannot read slice points"),
    ],
)
def test_bad_slice_options_exit_2_with_one_line(tmp_path, capsys, args, message):
    net = tmp_path / "net.json"
    net.write_text(json.dumps(NET4.to_json()))
    assert main(["regions", str(net), "--box=0:1,0:1", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.skipif(not ACAS.exists(), reason="../shared/nets/acasxu_1_1.npz is absent")
def test_acas_slice_through_three_points_certifies_and_checks():
    net = load(ACAS)
    d = Fraction(1, 50)
    p0 = C
    p1 = [C[0] + d, C[1], C[2] + d, C[3], C[4]]
    p2 = [C[0], C[1] + d, C[2], C[3] - d, C[4] + d]
    sliced = slice_through(net, p0, p1, p2)
    box = Domain.box([(-1, 1), (-1, 1)])
    p = partition(sliced, box)
    assert len(p.regions) > 100
    _agrees(sliced, net, p, every=40)  # an exact ACAS forward pass at a vertex takes 0.1 s
    cert = certify(sliced, box)
    assert exactrelu_checker.check_certificate(cert).verified

"""``exactrelu boundary`` and ``exactrelu dof`` on the command line: the founding example's claims,
the JSON they write, one-output networks and bad input."""

from __future__ import annotations

import json
from fractions import Fraction

from exactrelu import EXAMPLE, Network, partition
from exactrelu.cli import main


def test_the_founding_example_boundary_is_two_segments_meeting_on_the_shared_facet(tmp_path, capsys):
    out = tmp_path / "b.json"
    assert main(["boundary", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "piece 0 (P = Q) in region 1: X + Y = 5/4" in printed
    assert "piece 1 (P = Q) in region 3: X = 5/8" in printed
    data = json.loads(out.read_text())
    assert data["format"] == "exactrelu-boundary"
    assert data["summary"]["pieces"] == 2
    assert data["summary"]["components"] == 1 and data["summary"]["linear_pieces"] == 4
    assert data["regions"] == partition(EXAMPLE).to_json()["regions"]
    for piece in data["pieces"]:
        b, *a = (Fraction(v) for v in piece["hyperplane"])
        x = [Fraction(v) for v in piece["point"]]
        assert b + sum(ai * xi for ai, xi in zip(a, x)) == 0  # the witness lies on its hyperplane
        p, q = EXAMPLE.forward(x)
        assert p == q  # and there the two classes tie: it is on the decision boundary
    (join,) = data["joins"]
    point = [Fraction(v) for v in join["point"]]
    assert point == [Fraction(5, 8), Fraction(5, 8)]


def test_one_output_boundary_from_the_command_line(tmp_path, capsys):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], ["-1/2"])]).to_json()))
    assert main(["boundary", str(path), "--box=-1:1,-1:1"]) == 0
    printed = capsys.readouterr().out
    assert "class 0 (y1 <= 0)" in printed and "class 1 (y1 >= 0)" in printed and "(y1 = 0)" in printed


def test_one_output_boundary_is_the_zero_level_set():
    net = Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], ["-1/2"])])
    p = partition(net, [(-1, 1), (-1, 1)])
    pieces = p.boundary().pieces
    assert pieces and all(piece.classes == (0,) for piece in pieces)
    for piece in pieces:
        assert net.forward(list(piece.point)) == (0,)


def test_dof_prints_and_writes_the_three_numbers(tmp_path, capsys):
    out = tmp_path / "dof.json"
    assert main(["dof", "-o", str(out)]) == 0
    assert json.loads(out.read_text()) == {"continuous_dim": 5, "free_dim": 12, "parameters": 12}
    assert "continuous_dim: 5" in capsys.readouterr().out


def test_bad_input_is_one_line(tmp_path, capsys):
    assert main(["boundary", str(tmp_path / "missing.json")]) == 2
    assert main(["dof", "--box=0:1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("exactrelu: error:") for line in err)

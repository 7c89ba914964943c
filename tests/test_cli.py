"""The command line: the main job, the partition JSON contract, and one table of bad inputs."""

from __future__ import annotations

import json
import re
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from exactrelu import EXAMPLE, Domain, partition
from exactrelu.cli import main

SHARED = Path(__file__).resolve().parents[2] / "shared" / "nets"


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "exactrelu", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_builtin_example_prints_paper_style_regions():
    out = run("regions")
    assert out.returncode == 0, out.stderr
    assert "regions: 4  edges: 4  linear pieces: 4" in out.stdout
    # Region L1 = 1, L2 = 1: P = 2(-X + Y) + (X + Y - 1) = -X + 3Y - 1.
    assert "P = -X + 3*Y - 1" in out.stdout
    assert "Q = X + 3*Y - 9/4" in out.stdout


def test_partition_json_contract(tmp_path):
    out_file = tmp_path / "part.json"
    assert main(["regions", "--box=-1/2:3/2,0:1", "-o", str(out_file)]) == 0
    data = json.loads(out_file.read_text())
    reference = partition(EXAMPLE, Domain.box([("-1/2", "3/2"), (0, 1)]))
    assert data["summary"]["regions"] == len(reference.regions) == len(data["regions"])
    assert data["summary"]["edges"] == len(data["edges"])
    for i, j in data["edges"]:
        assert 0 <= i < j < len(data["regions"])
    for region in data["regions"]:
        point = [Fraction(v) for v in region["point"]]
        assert all(isinstance(v, str) for v in region["point"])
        weight = [[Fraction(v) for v in row] for row in region["map"]["weight"]]
        bias = [Fraction(v) for v in region["map"]["bias"]]
        expected = EXAMPLE.forward(point)
        assert tuple(sum(w * x for w, x in zip(row, point)) + b for row, b in zip(weight, bias)) == expected
        pre = EXAMPLE.pre_activations(point)
        assert [[1 if v > 0 else 0 for v in layer] for layer in pre] == region["pattern"]


def test_certify_then_check_round_trip(tmp_path):
    cert = tmp_path / "cert.json"
    assert main(["certify", "-o", str(cert)]) == 0
    out = run("check", str(cert))
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines()[0] == "VERIFIED"


BAD_INPUTS = [
    (["regions", "missing.json"], "does not exist"),
    (["regions", "--box", "0:1"], "1 dimension, network has 2 inputs"),
    (["regions", "--box", "0:1,1:0"], "interval 2"),
    (["regions", "--box", "0:1,a:1"], "not an integer"),
    (["regions", "--box", "0-1,0:1"], "expected LO:HI"),
    (["regions", "--polytope", "missing_poly.json"], "cannot read polytope"),
    (["regions", "--polytope", "poly_unbounded.json"], "unbounded"),
    (["regions", "--polytope", "poly_bad.json"], "not valid JSON"),
    (["regions", "--polytope", "poly_nan.json"], "NaN"),
    (["regions", "--polytope", "poly_deep.json"], "nested too deeply"),
    (["regions", "net_bad.json", "--box=0:1,0:1"], "not valid JSON"),
    (["regions", "net_shape.json", "--box=0:1,0:1"], "layer 2"),
    (["regions", "net_nan.json", "--box=0:1,0:1"], "NaN"),
    (["regions", "net.txt", "--box=0:1,0:1"], "suffix"),
    (["regions", "--frobnicate"], "unrecognized arguments"),
    (["certify"], "required"),
    (["check", "missing_cert.json"], ""),
    (["check", "cert_float.json"], ""),
]


@pytest.fixture()
def bad_files(tmp_path):
    (tmp_path / "poly_unbounded.json").write_text('{"A": [[1, 0], [0, 1]], "b": [1, 1]}')
    (tmp_path / "poly_bad.json").write_text('{"A": [[1, 0]')
    (tmp_path / "poly_nan.json").write_text('{"A": [[1, 0], [NaN, 1]], "b": [1, 1]}')
    (tmp_path / "poly_deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "net_bad.json").write_text('{"layers": [')
    (tmp_path / "net_shape.json").write_text(json.dumps(
        {"layers": [{"weight": [[1, 0], [0, 1]], "bias": [0, 0]}, {"weight": [[1, 1, 1]], "bias": [0]}]}))
    (tmp_path / "net_nan.json").write_text('{"layers": [{"weight": [[NaN, 0]], "bias": [0]}]}')
    (tmp_path / "net.txt").write_text("hello")
    (tmp_path / "cert_float.json").write_text('{"format": "exactrelu-certificate", "version": 1.5}')
    return tmp_path


@pytest.mark.parametrize("args, message", BAD_INPUTS, ids=[" ".join(a) for a, _ in BAD_INPUTS])
def test_bad_input_is_one_line_and_exit_2(bad_files, args, message):
    out = run(*args, cwd=bad_files)
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert message in lines[0]


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/nets is absent (the real networks live there)")
def test_real_network_counts_from_the_command_line(tmp_path):
    out = run("regions", str(SHARED / "bunny_2_4x32.npz"), "--box=-0.5:0.5,-0.5:0.5", "-o", str(tmp_path / "p.json"))
    assert out.returncode == 0, out.stderr
    # Reference counts from ../shared/nets/README.md (two independent float tools agree).
    assert "regions: 1186  edges: 2316" in out.stdout

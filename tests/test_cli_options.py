"""The command line's options and messages: --activation for state dicts, check --network against any
network format, the progress phases, the --box hint, output checked before the work, the seconds
line, broken pipes and number limits.  Driven through ``exactrelu.cli.main`` and capsys, or a
subprocess where a real pipe or a time bound matters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from exactrelu import EXAMPLE, load
from exactrelu import cli
from exactrelu.cli import EXIT_BROKEN_PIPE, main
from exactrelu.progress import region_progress

EXAMPLE_JSON = {"layers": [{"weight": [["-1", "1"], ["1", "1"]], "bias": ["0", "-1"]},
                           {"weight": [["2", "1"], ["1", "2"]], "bias": ["0", "-1/4"]}]}


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def _run(*args: str, cwd=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "exactrelu", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


@pytest.fixture()
def example_files(tmp_path):
    """The built-in example's weights as .json and .npz (equal exact values), and a certificate."""
    (tmp_path / "ex.json").write_text(json.dumps(EXAMPLE_JSON))
    np.savez(tmp_path / "ex.npz", W0=np.array([[-1.0, 1.0], [1.0, 1.0]]), b0=np.array([0.0, -1.0]),
             W1=np.array([[2.0, 1.0], [1.0, 2.0]]), b1=np.array([0.0, -0.25]))
    np.savez(tmp_path / "other.npz", W0=np.array([[-1.0, 1.0], [1.0, 1.0]]), b0=np.array([0.0, -1.0]),
             W1=np.array([[2.0, 1.0], [1.0, 2.0]]), b1=np.array([0.0, -0.5]))
    assert main(["certify", str(tmp_path / "ex.json"), "--box=0:1,0:1", "-o", str(tmp_path / "cert.json")]) == 0
    return tmp_path


# ------------------------------------------------------------------ 1. state dicts need --activation
@pytest.fixture()
def tanh_state_dict(tmp_path):
    """A Tanh model's state dict: nothing in the file says Tanh, so nothing may be assumed."""
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, -1.0], [0.5, 1.0], [-1.0, -0.25]]))
        model[0].bias.copy_(torch.tensor([0.0, -0.5, 0.25]))
        model[2].weight.copy_(torch.tensor([[1.0, 2.0, -1.0]]))
        model[2].bias.fill_(0.5)
    torch.save(model.state_dict(), tmp_path / "m.pt")
    torch.save({"state_dict": model.state_dict(), "epoch": 3}, tmp_path / "checkpoint.pth")
    return tmp_path


@pytest.mark.parametrize("name", ["m.pt", "checkpoint.pth"])
def test_state_dict_without_activation_is_refused(tanh_state_dict, capsys, name):
    path = tanh_state_dict / name
    assert main(["regions", str(path), "--box=-1:1,-1:1"]) == 2
    line = _one_error_line(capsys)
    assert f"network file {path} holds a state dict, which does not record the activations" in line
    assert "--activation relu" in line and "activation='relu'" in line


def test_state_dict_with_stated_activation(tanh_state_dict, capsys):
    path = str(tanh_state_dict / "m.pt")
    assert main(["regions", path, "--box=-1:1,-1:1", "--activation", "relu"]) == 0
    assert "activations as stated: relu)" in capsys.readouterr().out.splitlines()[0]
    out = tanh_state_dict / "leaky.json"
    assert main(["regions", path, "--box=-1:1,-1:1", "--activation", "leaky_relu:1/100", "-o", str(out)]) == 0
    assert "activations as stated: leaky_relu:1/100)" in capsys.readouterr().out.splitlines()[0]
    leaky = load(path, activation="leaky_relu", negative_slope="1/100")
    assert leaky.negative_slopes == (Fraction(1, 100),)  # exactly 1/100, not the float 0.01
    assert leaky.metadata["activation"] == "leaky_relu:1/100"
    region = json.loads(out.read_text())["regions"][0]
    point = [Fraction(v) for v in region["point"]]
    weight, bias = region["map"]["weight"], region["map"]["bias"]
    assert leaky.forward(point) == tuple(sum(Fraction(w) * x for w, x in zip(row, point)) + Fraction(b)
                                         for row, b in zip(weight, bias))


@pytest.mark.parametrize("args, fragment", [
    (["--activation", "tanh"], "argument --activation: 'tanh' is not relu or leaky_relu:SLOPE"),
    (["--activation", "leaky_relu"], "leaky_relu needs its slope"),
    (["--activation", "leaky_relu:one"], "slope 'one' is not an integer"),
    (["--activation", "relu:1/2"], "'relu:1/2' is not relu or leaky_relu:SLOPE"),
])
def test_bad_activation_values(tanh_state_dict, capsys, args, fragment):
    assert main(["regions", str(tanh_state_dict / "m.pt"), "--box=-1:1,-1:1", *args]) == 2
    assert fragment in _one_error_line(capsys)


def test_activation_refused_where_the_format_records_it(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    torch.save(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1)),
               tmp_path / "whole.pt")
    (tmp_path / "ex.json").write_text(json.dumps(EXAMPLE_JSON))
    assert main(["regions", str(tmp_path / "whole.pt"), "--box=0:1,0:1"]) == 0  # a whole module needs nothing
    capsys.readouterr()
    assert main(["regions", str(tmp_path / "whole.pt"), "--box=0:1,0:1", "--activation", "relu"]) == 2
    assert "holds a whole module, which records its own activations" in _one_error_line(capsys)
    assert main(["regions", str(tmp_path / "ex.json"), "--activation", "relu", "--box=0:1,0:1"]) == 2
    assert "--activation is only for PyTorch state dicts" in _one_error_line(capsys)
    assert main(["certify", "--activation", "relu", "-o", str(tmp_path / "c.json")]) == 2
    assert "the built-in example records its own activations" in _one_error_line(capsys)


# ------------------------------------------------------------------ 2. check --network, any format
@pytest.mark.parametrize("network, reading", [("ex.json", "exact decimal text"), ("ex.npz", "exact binary float")])
def test_check_network_compares_exact_values_across_formats(example_files, capsys, network, reading):
    capsys.readouterr()
    assert main(["check", str(example_files / "cert.json"), "--network", str(example_files / network)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "VERIFIED" and "regions: 4, edges: 4, linear pieces: 4" in out
    assert out[-1] == f"network: compared exactly with {example_files / network} (numbers read as {reading})"


def test_check_network_that_differs_is_not_verified(example_files, capsys):
    capsys.readouterr()
    assert main(["check", str(example_files / "cert.json"), "--network", str(example_files / "other.npz")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("NOT VERIFIED: ") and "-1/2" in out[0]
    assert out[1].startswith(f"network: compared exactly with {example_files / 'other.npz'}")


def test_check_network_onnx(example_files, capsys):
    pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    f32 = np.float32
    inits = {"w1": np.array([[-1, 1], [1, 1]], f32).T, "b1": np.array([0, -1], f32),
             "w2": np.array([[2, 1], [1, 2]], f32).T, "b2": np.array([0, -0.25], f32)}
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["m1"]), helper.make_node("Add", ["m1", "b1"], ["a1"]),
             helper.make_node("Relu", ["a1"], ["r1"]), helper.make_node("MatMul", ["r1", "w2"], ["m2"]),
             helper.make_node("Add", ["m2", "b2"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(v, k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    (example_files / "ex.onnx").write_bytes(model.SerializeToString())
    capsys.readouterr()
    assert main(["check", str(example_files / "cert.json"), "--network", str(example_files / "ex.onnx")]) == 0
    assert (f"network: compared exactly with {example_files / 'ex.onnx'} (numbers read as exact binary float)"
            in capsys.readouterr().out)


def test_check_network_state_dict_needs_activation(tanh_state_dict, capsys):
    path, cert = str(tanh_state_dict / "m.pt"), str(tanh_state_dict / "cert.json")
    assert main(["certify", path, "--box=-1:1,-1:1", "--activation", "leaky_relu:1/8", "-o", cert]) == 0
    capsys.readouterr()
    assert main(["check", cert, "--network", path, "--activation", "leaky_relu:1/8"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("VERIFIED") and "activations as stated: leaky_relu:1/8" in out
    assert main(["check", cert, "--network", path, "--activation", "relu"]) == 1  # slopes differ
    assert capsys.readouterr().out.startswith("NOT VERIFIED: ")
    assert main(["check", cert, "--network", path]) == 2
    assert "holds a state dict" in _one_error_line(capsys)


@pytest.mark.parametrize("args, fragment", [
    (["--network", "missing.npz"], "network file missing.npz does not exist"),
    (["--network", "bad.json"], "not valid JSON"),
    (["--network", "net.txt"], "suffix"),
    (["--activation", "relu"], "--activation describes the --network file"),
])
def test_check_bad_network_file_is_one_line(example_files, capsys, monkeypatch, args, fragment):
    monkeypatch.chdir(example_files)
    (example_files / "bad.json").write_text('{"layers": [')
    (example_files / "net.txt").write_text("hello")
    capsys.readouterr()
    assert main(["check", "cert.json", *args]) == 2
    assert fragment in _one_error_line(capsys)


# ------------------------------------------------------------------ 3a. progress shows every phase
def test_progress_shows_facets_and_adjacency(capsys):
    with region_progress(True, delay=0) as update:
        for count in range(1, 6):
            update("regions", count, None)
        for done in range(6):
            update("facets", done, 5)
        update("adjacency", 0, 1)
        update("adjacency", 1, 1)
    err = capsys.readouterr().err
    assert "regions: 5 regions" in err
    assert "facets: 100%" in err and "5/5" in err
    assert "adjacency: 1/1" in err


def test_progress_is_silent_for_short_runs(capsys):
    with region_progress(True) as update:  # the default delay: nothing drawn in the first half second
        update("regions", 1, None)
        update("facets", 1, 1)
        update("adjacency", 1, 1)
    assert main(["regions", "--progress"]) == 0
    assert capsys.readouterr().err == ""


def test_progress_of_a_real_run_reaches_adjacency(tmp_path):
    """A run of about two seconds (the bar stays hidden for the first 0.5 s): after the region
    count (facets are found as regions finish), the bar goes on to adjacency."""
    import random

    rng = random.Random(7)
    width = 26  # 19,772 regions, 1.6 s of enumeration (2026-12): well beyond the bar's delay
    layers = [{"weight": [[rng.randint(-9, 9) for _ in range(3)] for _ in range(width)],
               "bias": [rng.randint(-4, 4) for _ in range(width)]},
              {"weight": [[rng.randint(-9, 9) for _ in range(width)] for _ in range(width)],
               "bias": [rng.randint(-4, 4) for _ in range(width)]},
              {"weight": [[1] * width], "bias": [0]}]  # fmt: skip
    (tmp_path / "net.json").write_text(json.dumps({"layers": layers}))
    out = _run("regions", "net.json", "--box=-1:1,-1:1,-1:1", "--progress", "-o", "out.json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    regions = int(out.stdout.split("regions: ")[1].split()[0])
    err = out.stderr.replace("\r", "\n")
    # one process shows "regions: N regions", several "sub-trees: ... N regions]"
    assert f"regions: {regions} regions" in err or f"{regions:,} regions]" in err, err[-600:]
    assert "adjacency: 1/1" in err, err[-600:]
    assert err.rindex("regions") < err.index("adjacency:")


# ------------------------------------------------------------------ 3b-3e. messages and the output file
def test_box_with_negative_first_bound_gets_a_hint(capsys):
    assert main(["regions", "--box", "-1:1,0:1"]) == 2
    line = _one_error_line(capsys)
    assert "argument --box: expected one argument" in line and "--box=-1:1,0:1" in line
    for given in (["--box"], ["--box", "--no-list"]):  # no value at all: no hint about negative bounds
        assert main(["regions", *given]) == 2
        line = _one_error_line(capsys)
        assert "expected one argument, e.g. --box=0:1,0:1" in line and "negative" not in line


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_output_write_failure_names_the_file(capsys):
    assert main(["regions", "-o", "/dev/full"]) == 2
    assert _one_error_line(capsys) == "exactrelu: error: cannot write /dev/full: No space left on device"


def test_seconds_say_what_they_cover(tmp_path, capsys):
    assert main(["regions", "-o", str(tmp_path / "p.json")]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "seconds:" in x)
    enumeration, total = line.split("seconds: ")[1].split(" enumeration (")
    assert total.endswith(" total with loading and writing)")
    assert float(total.split()[0]) >= float(enumeration)


def _unwritable_dir(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    return locked / "out.json"


BAD_OUTPUTS = [
    ("empty name", lambda tmp: "", "-o needs a file name"),
    ("missing folder", lambda tmp: tmp / "no" / "such" / "out.json", "the folder"),
    ("a directory", lambda tmp: tmp, "it is a directory"),
    ("under a file", lambda tmp: (tmp / "file.txt", (tmp / "file.txt").write_text("x"))[0] / "out.json",
     "is not a folder"),
    ("unwritable folder", _unwritable_dir, "Permission denied"),
]


@pytest.mark.parametrize("command", ["regions", "certify"])
@pytest.mark.parametrize("make, fragment", [case[1:] for case in BAD_OUTPUTS], ids=[case[0] for case in BAD_OUTPUTS])
def test_bad_output_is_refused_before_any_work(tmp_path, capsys, monkeypatch, command, make, fragment):
    if fragment == "Permission denied" and os.geteuid() == 0:
        pytest.skip("root may write anywhere")

    def no_work(*args, **kwargs):
        raise AssertionError("the enumeration started before the output was checked")

    monkeypatch.setattr(cli.regions, "partition", no_work)
    monkeypatch.setattr(cli.certify, "certify", no_work)
    target = make(tmp_path)
    assert main([command, "-o", str(target)]) == 2
    line = _one_error_line(capsys)
    assert fragment in line and (target == "" or f"cannot write {target}: " in line)


def test_output_check_leaves_files_alone(tmp_path, capsys):
    """The early check neither truncates an existing file nor leaves a new empty one behind."""
    existing, new = tmp_path / "existing.json", tmp_path / "new.json"
    existing.write_text("keep me")
    for target in (existing, new):
        assert main(["regions", str(tmp_path / "missing.json"), "-o", str(target)]) == 2
        assert "does not exist" in _one_error_line(capsys)
    assert existing.read_text() == "keep me" and not new.exists()


# ------------------------------------------------------------------ 3f. broken pipe
def test_broken_pipe_exits_141_quietly():
    """The reader is gone before the first line is written (the child is still importing)."""
    proc = subprocess.Popen([sys.executable, "-m", "exactrelu", "regions", "--list"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == EXIT_BROKEN_PIPE == 141
    assert stderr == ""


# ------------------------------------------------------------------ 4. numbers and keys
HUGE = [
    ("network weight", "net.json", '{"layers": [{"weight": [[1e99999999, 0]], "bias": [0]}]}', "1E+99999999"),
    ("network string", "net.json", '{"layers": [{"weight": [["1e99999999", 0]], "bias": [0]}]}', "'1e99999999'"),
    ("network slope", "net.json",
     '{"layers": [{"weight": [[1, 0]], "bias": [0]}, {"weight": [[1]], "bias": [0]}], "negative_slopes": [1e-99999]}',
     "1E-99999"),
    ("polytope entry", "poly.json", '{"A": [[1e99999999, 0], [0, 1], [-1, -1]], "b": [1, 1, 1]}', "1E+99999999"),
    ("long integer", "net.json", '{"layers": [{"weight": [[' + "7" * 20_000 + ', 0]], "bias": [0]}]}',
     "20,000 digits"),
]


@pytest.mark.parametrize("name, text, fragment", [case[1:] for case in HUGE], ids=[case[0] for case in HUGE])
def test_huge_numbers_are_refused_quickly(tmp_path, name, text, fragment):
    (tmp_path / name).write_text(text)
    (tmp_path / "ex.json").write_text(json.dumps(EXAMPLE_JSON))
    args = ["regions", name, "--box=0:1,0:1"] if name == "net.json" else ["regions", "ex.json", "--polytope", name]
    out = _run(*args, cwd=tmp_path, timeout=60)  # before the fix: hangs building 10**99999999
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], out.stderr
    assert "limit of 10,000" in lines[0] or "more than 10,000" in lines[0]


@pytest.mark.parametrize("data, fragment", [
    ({**EXAMPLE_JSON, "hidden_names": [["L1", "L2"]]}, "unknown top-level key 'hidden_names'; accepted: 'layers', "
                                                       "'input_names', 'output_names', 'negative_slopes'"),
    ({**EXAMPLE_JSON, "negative_slope": ["1/10"]}, "unknown top-level key 'negative_slope'"),
    ({"layers": [{**EXAMPLE_JSON["layers"][0], "activation": "tanh"}, EXAMPLE_JSON["layers"][1]]},
     "layer 1, has unknown key 'activation'; accepted: 'weight', 'bias'"),
])
def test_network_json_unknown_keys_are_refused(tmp_path, capsys, data, fragment):
    (tmp_path / "net.json").write_text(json.dumps(data))
    assert main(["regions", str(tmp_path / "net.json"), "--box=0:1,0:1"]) == 2
    assert fragment in _one_error_line(capsys)


@pytest.mark.parametrize("box", ["0:\u0663,0:1", "0:\uff11,0:1", "0:1/\u0663,0:1", "\uff10.5:1,0:1"])
def test_non_ascii_digits_are_refused(capsys, box):
    assert main(["regions", f"--box={box}"]) == 2
    assert "is not an integer, decimal or p/q" in _one_error_line(capsys)


def test_non_ascii_digits_in_network_json(tmp_path, capsys):
    data = {"layers": [{"weight": [["\u0663", "1"]], "bias": ["0"]}]}
    (tmp_path / "net.json").write_text(json.dumps(data))
    assert main(["regions", str(tmp_path / "net.json"), "--box=0:1,0:1"]) == 2
    assert "weight of layer 1, entry (1, 1)" in _one_error_line(capsys)


def test_the_example_still_reads(tmp_path):
    (tmp_path / "ex.json").write_text(json.dumps(EXAMPLE_JSON))
    assert load(tmp_path / "ex.json").layers == EXAMPLE.layers

"""What the command line says: duplicate JSON keys, absurd --jobs, counts in words, and output on
stdout that stays machine-readable."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "exactrelu", *args], capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize(
    "name, text, option",
    [
        ("net.json", '{"layers": [], "layers": [{"weight": [[1, 2]], "bias": [0]}]}', None),
        ("net.json", '{"layers": [{"weight": [[1, 2]], "bias": [0], "bias": [1]}]}', None),
        ("box.json", '{"A": [[1, 0], [0, 1], [-1, 0], [0, -1]], "b": [1, 1, 0, 0], "b": [2, 2, 0, 0]}', "--polytope"),
    ],
)
def test_a_json_key_given_twice_is_refused(tmp_path, name, text, option):
    """JSON lets the last of two equal keys win silently; the readers refuse it in one line."""
    (tmp_path / name).write_text(text)
    args = ["regions", "--polytope", name] if option else ["regions", name, "--box=0:1,0:1"]
    out = run(*args, cwd=tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().count("\n") == 0 and "appears twice in one object" in out.stderr


@pytest.mark.parametrize("command", [["regions"], ["check", "missing.json"]])
def test_an_absurd_number_of_jobs_is_refused_before_any_process_starts(tmp_path, command):
    out = run(*command, "--jobs", "100000", cwd=tmp_path)
    assert out.returncode == 2 and out.stderr.startswith("exactrelu: error: --jobs 100000: more processes")
    assert out.stderr.count("\n") == 1


def test_counts_are_words_and_dof_on_stdout_is_json(tmp_path):
    """One output is "1 output", one component "1 connected component"; ``dof -o -`` leaves stdout
    to the JSON (its summary goes to stderr), ``report -o -`` names stdout."""
    net = {"layers": [{"weight": [[1, 0], [0, 1]], "bias": [0, 0]}, {"weight": [[1, -1]], "bias": [0]}]}
    (tmp_path / "one.json").write_text(json.dumps(net))
    regions = run("regions", "one.json", "--box=-1:1,-1:1", cwd=tmp_path)
    assert regions.returncode == 0 and ", 1 output (" in regions.stdout
    boundary = run("boundary", "one.json", "--box=-1:1,-1:1", cwd=tmp_path)
    assert boundary.returncode == 0 and " in 1 connected component, " in boundary.stdout, boundary.stdout
    dof = run("dof", "one.json", "--box=-1:1,-1:1", "-o", "-", cwd=tmp_path)
    assert dof.returncode == 0 and set(json.loads(dof.stdout)) == {"continuous_dim", "free_dim", "parameters"}
    assert "regions in 2 dimensions" in dof.stderr
    report = run("report", "-o", "-", cwd=tmp_path)
    assert report.returncode == 0 and "<html" in report.stdout
    assert report.stderr.strip().endswith("written to stdout")


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"layers": [{"weight": [[NaN, 1]], "bias": [0]}]}', "contains NaN"),
        ('{"layers": [{"weight": [[], []], "bias": [0, 0]}]}', "is empty: its 2 rows have no entries"),
        ('{"layers": [{"weight": [], "bias": []}]}', "is empty (no neurons)"),
        ('{"layers": [{"weight": [[1, 2]], "bias": [0]}, {"weight": [[1, 2]], "bias": [0]}]}', "shape (1, 2)"),
    ],
)
def test_every_network_message_names_the_file(tmp_path, text, message):
    (tmp_path / "n.json").write_text(text)
    out = run("regions", "n.json", "--box=0:1,0:1", cwd=tmp_path)
    assert out.returncode == 2 and out.stderr.startswith("exactrelu: error: network file n.json: ")
    assert message in out.stderr and out.stderr.count("\n") == 1


def test_latex_to_stdout_keeps_stdout_latex_and_coq_refuses_stdout(tmp_path):
    """``latex -o -``: the LaTeX alone on stdout, its summary on stderr; ``coq`` writes a folder, so
    ``-o -`` is refused in one line (it once made a folder named "-")."""
    assert run("certify", "-o", "c.json", cwd=tmp_path).returncode == 0
    latex = run("latex", "c.json", "-o", "-", cwd=tmp_path)
    assert latex.returncode == 0 and latex.stdout.lstrip().startswith("\\") and "written to" not in latex.stdout
    assert latex.stderr.strip().endswith("written to stdout")
    coq = run("coq", "c.json", "-o", "-", cwd=tmp_path)
    assert coq.returncode == 2 and "needs a folder name" in coq.stderr and not (tmp_path / "-").exists()


@pytest.mark.parametrize(
    "A, b",
    [
        ([[-1, 0, 0], [0, -1, 0], [1, 1, 0]], [0, 0, 1]),
        ([[-1, 0, 0], [0, -1, 0], [0, 0, -1], [1, 1, 1]], [0] * 3 + [1]),
    ],
)
def test_a_polytope_of_another_dimension_is_named_as_such(tmp_path, A, b):
    """Three columns for a 2-input network: said so (the free third coordinate used to be reported
    as an unbounded polytope)."""
    net = {"layers": [{"weight": [[1, 0]], "bias": [0]}, {"weight": [[1]], "bias": [0]}]}
    (tmp_path / "net.json").write_text(json.dumps(net))
    (tmp_path / "p.json").write_text(json.dumps({"A": A, "b": b}))
    out = run("regions", "net.json", "--polytope", "p.json", cwd=tmp_path)
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert "p.json has rows of 3 columns in A, network has 2 inputs" in out.stderr

"""The checker on several processes (``check --jobs N``): the verdict must not depend on ``N``.

The oracle is the one-process checker: on valid certificates of every kind (degenerate 2-D nets, 3-D,
a decision boundary, the constraint form, a compact one) ``jobs = 2`` and ``3`` give the same
Verdict (all but ``operations``), and a tamper confined to one region or node gives the same
refusal.  The split is forced on these small certificates (``processes.MIN_REGIONS`` lowered) and
seen to happen.  A worker that raises, runs out of memory or is killed refuses the certificate; the
work limit bounds the sum over processes; Ctrl-C leaves no process behind.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import random
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest
from example_nets import by_name, random_net
from test_checker_fuzz import OPS, TEXTS, mutate

from exactrelu import Domain, certify
from exactrelu.certificate.producer import compact, produce_certificate
from exactrelu.cli import main as cli_main
from exactrelu_checker import MalformedCertificate, Verdict, check_certificate, main, processes
from exactrelu_checker import check as checker

ROOT = Path(__file__).resolve().parents[1]
DEGENERATE = ["concurrent4", "duplicated", "parallel", "leaky_degenerate", "repeat_deep", "corners", "triangle_edges"]


@pytest.fixture(autouse=True)
def split(monkeypatch) -> list:
    """Every certificate is split (into a subtree per process at least); returns the task counts of the runs."""
    monkeypatch.setattr(processes, "MIN_REGIONS", 0)
    monkeypatch.setattr(processes, "SUBTREES_PER_JOB", 1)
    runs: list = []
    run = processes.run
    monkeypatch.setattr(processes, "run", lambda task, order, *rest: runs.append(len(order)) or run(task, order, *rest))
    return runs


@pytest.fixture(scope="module")
def certs() -> dict:
    def domain(box):
        return Domain.polytope(box["A"], box["b"]) if isinstance(box, dict) else Domain.box(box)

    out = {name: certify(by_name(name).net, domain(by_name(name).box)) for name in DEGENERATE}
    cube = Domain.box([(-1, 1)] * 3)
    out["3d"] = certify(random_net(11, 3, (5, 4)), cube)
    out["compact"] = compact(out["3d"])
    out["boundary"] = certify(random_net(0, 2, (4, 3), n_outputs=3), [(-1, 1), (-1, 1)], boundary=True)
    out["constraints"] = produce_certificate(random_net(9102, 3, (4, 3)), cube, engine="lp").to_json()
    return out


def verdict(cert: dict, jobs: int, **kwargs) -> Verdict:
    return dataclasses.replace(check_certificate(copy.deepcopy(cert), jobs=jobs, **kwargs), operations=None)


def worker_regions(cert: dict) -> list:
    """The regions whose leaves the worker processes walked (jobs 2), in the order they were merged."""
    seen: list = []
    merge = checker._Checker.merge
    checker._Checker.merge = lambda self, named, reason, result: (
        seen.extend(result[1]) or merge(self, named, reason, result)
    )
    try:
        assert check_certificate(copy.deepcopy(cert), jobs=2).verified
    finally:
        checker._Checker.merge = merge
    return seen


@pytest.mark.parametrize("name", DEGENERATE + ["3d", "compact", "boundary", "constraints"])
def test_the_verdict_does_not_depend_on_jobs(certs, split, name):
    one = verdict(certs[name], 1)
    assert one.verified, one.reason
    assert not split  # one process: no worker
    for jobs in (2, 3):
        assert verdict(certs[name], jobs) == one
    assert split and min(split) >= 2, split  # split (a small tree may end before 3 processes get 2 subtrees each)
    if name == "boundary":
        assert one.boundary
    assert check_certificate(certs[name], jobs=2).operations > 0


def _map_entry(c, r):
    bias = c["regions"][r]["map"]["bias"]
    bias[0] = str(Fraction(bias[0]) + Fraction(1, 3))


def _vertex_basis(c, r):
    basis = c["regions"][r]["vertices"][0]
    basis[0] = (basis[0] + 1) % len(c["domain"]["b"])  # another domain constraint


def _deep_decision(c, r):
    """Flip a decision at the deepest node that makes one, in a subtree a worker walks."""
    tree, depth = c["tree"], {0: 0}
    for idx, node in enumerate(tree):
        for key in "pmn":
            if key in node:
                depth[node[key]] = depth[idx] + 1
    node = tree[max((i for i, n in enumerate(tree) if n.get("d")), key=depth.__getitem__)]
    node["d"][0][1] = 1 - node["d"][0][1]


@pytest.mark.parametrize("tamper", [_map_entry, _vertex_basis, _deep_decision])
def test_a_tamper_a_worker_meets_is_refused_as_by_one_process(certs, tamper):
    base = certs["3d"] if tamper is not _deep_decision else certs["repeat_deep"]
    r = worker_regions(base)[-1]
    bad = copy.deepcopy(base)
    tamper(bad, r)
    one = verdict(bad, 1)
    assert not one.verified and one.reason
    assert verdict(bad, 2) == verdict(bad, 3) == one


def test_a_region_named_by_leaves_of_two_subtrees_is_refused(certs):
    cert = certs["3d"]
    named = worker_regions(cert)
    first, last = named[0], named[-1]
    bad = copy.deepcopy(cert)
    leaf = next(n for n in bad["tree"] if n.get("r") == last)
    leaf["r"] = first  # the region is named twice, its own by no leaf
    reasons = {verdict(bad, jobs).reason for jobs in (1, 2, 2, 3)}
    assert all(reason.startswith(("claim 2", "claim 3")) for reason in reasons), reasons
    assert len({verdict(bad, 2).reason for _ in range(3)}) == 1  # deterministic


def test_cross_worker_duplicate_is_caught_in_the_merge(certs):
    """The merge checks that no two processes' leaves name one region (the walk alone cannot see it)."""
    chk = checker._Checker.__new__(checker._Checker)
    chk.work = checker.Work()
    with pytest.raises(checker.Refuted, match="region 5 is named by nodes 3 and 9"):
        chk.merge({5: 9}, None, (0, {5: 3}, [], []))


@pytest.mark.parametrize(
    "error, words",
    [
        (ZeroDivisionError("boom"), "could not be completed (ZeroDivisionError: boom)"),
        (MemoryError(), "ran out of resources (MemoryError)"),
    ],
)
def test_an_exception_in_a_worker_is_a_refusal(certs, monkeypatch, error, words):
    target = worker_regions(certs["3d"])[-1]
    region = checker._Checker.region

    def failing(self, r, *args):
        if r == target:
            raise error
        return region(self, r, *args)

    monkeypatch.setattr(checker._Checker, "region", failing)
    one = verdict(certs["3d"], 1)
    assert words in one.reason
    assert verdict(certs["3d"], 2) == one


def test_a_killed_worker_is_a_refusal_not_a_hang(certs, monkeypatch):
    subtree = checker._Checker.subtree
    monkeypatch.setattr(
        checker._Checker,
        "subtree",
        lambda self, i: os.kill(os.getpid(), signal.SIGKILL) if i == 1 else subtree(self, i),
    )
    start = time.monotonic()
    v = verdict(certs["3d"], 2)
    assert not v.verified and "worker process ended with exit code -9" in v.reason, v.reason
    assert time.monotonic() - start < 30


def test_the_work_limit_bounds_the_sum_over_processes(certs, monkeypatch, split):
    total = check_certificate(certs["3d"]).operations
    monkeypatch.setattr(checker, "WORK_PER_BYTE", 0)
    monkeypatch.setattr(checker, "WORK_BASE", total * 4 // 5)  # more than any one process does
    for jobs in (1, 2):
        v = verdict(certs["3d"], jobs)
        assert not v.verified and "the check needs more than the checker's limit" in v.reason
    assert split and split[-1] >= 2
    monkeypatch.setattr(checker, "WORK_BASE", total * 2)
    assert verdict(certs["3d"], 2).verified


def test_command_line(certs, tmp_path, capsys):
    path = tmp_path / "cert.json"
    path.write_text(json.dumps(certs["3d"]))
    for argv in (["check", str(path), "--jobs", "0"], ["check", str(path), "--jobs=-2"]):
        assert cli_main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--jobs" in err, err
    with pytest.raises(SystemExit) as exit_:
        main([str(path), "--jobs", "0"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.startswith("exactrelu-checker: error: argument --jobs")
    for argv in (["check", str(path), "--jobs", "2"], ["check", str(path)]):
        assert cli_main(argv) == 0
        assert capsys.readouterr().out.startswith("VERIFIED\n")
    network = tmp_path / "net.json"
    network.write_text(json.dumps(certs["3d"]["network"]))
    assert cli_main(["check", str(path), "--network", str(network), "--jobs", "2"]) == 0
    assert main([str(path), "--jobs", "2"]) == 0


def test_mutated_certificates_get_the_same_verdict_with_two_processes():
    """Seeded mutations of proofs/*.cert.json (test_checker_fuzz's): never a pass with two processes that
    one refuses, or the other way round; the same reason where the verdicts are equal."""
    rng, compared = random.Random(14), 0
    for _ in range(80):
        name = rng.choice(sorted(TEXTS))
        args = rng.choice(OPS), rng.randrange(10**6), rng.choice([0, 1, -1, "x", None]), rng.randint(-3, 3), 1
        try:
            mutated = mutate(json.loads(TEXTS[name]), *args)
            one = verdict(mutated, 1)
        except MalformedCertificate:
            continue
        two = verdict(mutated, 2)
        assert two.verified == one.verified, (name, args, one.reason, two.reason)
        compared += 1
    assert compared >= 20


INTERRUPTED = r"""
import sys, time
from exactrelu_checker import check, main, processes
processes.MIN_REGIONS, processes.SUBTREES_PER_JOB = 0, 1
check._Checker.subtree = lambda self, i: time.sleep(600)
sys.exit(main([sys.argv[1], "--jobs", "2"]))
"""


def test_ctrl_c_exits_130_and_leaves_no_worker(certs, tmp_path):
    path = tmp_path / "cert.json"
    path.write_text(json.dumps(certs["3d"]))
    proc = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTED, str(path)],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    children: list = []
    for _ in range(300):  # until both workers run
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(proc.pid)], capture_output=True, text=True).stdout
        children = out.split()
        if len(children) == 2:
            break
        time.sleep(0.05)
    assert len(children) == 2
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and err == "exactrelu-checker: interrupted\n", err
    alive = subprocess.run(["ps", "-o", "pid=", "-g", str(proc.pid)], capture_output=True, text=True).stdout
    assert not alive.split(), alive

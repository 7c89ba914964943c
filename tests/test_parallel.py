"""Several processes and checkpoints: the same partition, byte for byte, however the work is split,
killed and resumed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from example_nets import by_name

from exactrelu import Domain, partition
from exactrelu.cli import main
from exactrelu.engines import parallel


@pytest.mark.parametrize("engine", ["dd", "lp"])
@pytest.mark.parametrize("name", ["zero_on_half", "leaky", "random6_2d_3x3x3", "random10_3d_2x2x2", "coincident3d"])
def test_any_number_of_jobs_gives_the_identical_partition(engine, name):
    ex = by_name(name)
    one = partition(ex.net, Domain.box(ex.box), engine=engine)
    two = partition(ex.net, Domain.box(ex.box), engine=engine, jobs=2)
    assert two == one
    assert json.dumps(two.to_json()) == json.dumps(one.to_json())


def test_a_finished_checkpoint_is_read_back_without_walking_again(tmp_path, monkeypatch):
    ex = by_name("random6_2d_3x3x3")
    first = partition(ex.net, ex.box, checkpoint=tmp_path / "ck")
    assert len(list((tmp_path / "ck").glob("task-*.pickle"))) > 1

    def no_walk(*args):
        raise AssertionError("a finished task was walked again")

    monkeypatch.setattr(parallel, "_walk_task", no_walk)
    assert partition(ex.net, ex.box, checkpoint=tmp_path / "ck") == first


def test_a_checkpoint_of_other_arguments_is_refused_in_one_line(tmp_path, capsys):
    folder = str(tmp_path / "ck")
    assert main(["regions", "--checkpoint", folder]) == 0
    assert main(["regions", "--box=0:1,0:1/2", "--checkpoint", folder]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "belongs to another network, domain, engine or command" in err[0]


SLOW_NET = """
import json, sys
sys.path.insert(0, {tests!r})
from example_nets import random_net
json.dump(random_net(5, 2, (12, 12, 12, 12), rational=False).to_json(), open({path!r}, "w"))
"""


def test_a_run_killed_with_sigkill_resumes_and_ends_byte_identical(tmp_path):
    net_path = tmp_path / "net.json"
    subprocess.run([sys.executable, "-c", SLOW_NET.format(tests=os.path.dirname(__file__), path=str(net_path))],
                   check=True)
    command = [sys.executable, "-m", "exactrelu", "regions", str(net_path), "--box=-3:3,-3:3", "--no-progress"]
    whole = tmp_path / "whole.json"
    subprocess.run(command + ["-o", str(whole)], check=True, capture_output=True, timeout=600)
    folder = tmp_path / "ck"
    resumed = tmp_path / "resumed.json"
    run = subprocess.Popen(command + ["--checkpoint", str(folder), "-o", str(resumed)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while len(list(folder.glob("task-*.pickle"))) < 3 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    run.send_signal(signal.SIGKILL)
    assert run.wait(timeout=60) == -signal.SIGKILL, "the run ended before it could be killed: use a bigger net"
    kept = len(list(folder.glob("task-*.pickle")))
    assert kept >= 3 and not resumed.exists()
    subprocess.run(command + ["--checkpoint", str(folder), "-o", str(resumed)], check=True, capture_output=True,
                   timeout=600)
    assert resumed.read_bytes() == whole.read_bytes()
    assert len(list(folder.glob("task-*.pickle"))) >= kept

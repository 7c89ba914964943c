"""Several processes and checkpoints: the same partition, byte for byte, however the work is split,
killed and resumed."""

from __future__ import annotations

import importlib
import json
import os
import pickle
import re
import signal
import subprocess
import sys
import time

import pytest
from example_nets import by_name, random_net

from exactrelu import Domain, partition
from exactrelu.cli import main
from exactrelu.engines import parallel
from exactrelu.engines.forms import IntegerNetwork
from exactrelu.engines.run import make_engine
from exactrelu.partition import certify
from exactrelu.progress import region_progress


@pytest.fixture(autouse=True)
def helpers_at_once(monkeypatch):
    """Helper processes start with the first task (a run normally walks alone for a moment first, so
    these small networks would never reach them)."""
    monkeypatch.setattr(parallel, "HELPERS_AFTER", 0.0)


@pytest.mark.parametrize("engine", ["dd", "lp"])
@pytest.mark.parametrize("name", ["zero_on_half", "leaky", "random6_2d_3x3x3", "random10_3d_2x2x2", "coincident3d"])
def test_any_number_of_jobs_gives_the_identical_partition(engine, name, monkeypatch):
    ex = by_name(name)
    one = partition(ex.net, Domain.box(ex.box), engine=engine)
    two = partition(ex.net, Domain.box(ex.box), engine=engine, jobs=2)
    assert two == one
    assert json.dumps(two.to_json()) == json.dumps(one.to_json())
    monkeypatch.setattr(parallel, "HELPERS_AFTER", 1e9)  # this process walks every task itself
    alone = partition(ex.net, Domain.box(ex.box), engine=engine, jobs=3)
    assert json.dumps(alone.to_json()) == json.dumps(one.to_json())


def test_helpers_walk_tasks_and_the_parent_too(monkeypatch):
    """With two jobs, one helper process and this process both walk tasks (the merge is exercised)."""
    walked_here = []
    walk = parallel._walk

    def counting(index, task, work=None, budget=None, wanted=None):
        if work is not None:
            walked_here.append(index)
        return walk(index, task, work, budget, wanted)

    monkeypatch.setattr(parallel, "_walk", counting)
    net, box = random_net(3, 2, (8, 8, 8)), [(-1, 1), (-1, 1)]
    taken: list[bool] = []  # per finished task: walked in this process?
    monkeypatch.setattr(parallel, "_Tally", _recording_tally(taken))
    result = partition(net, box, jobs=2)
    assert json.dumps(result.to_json()) == json.dumps(partition(net, box).to_json())
    assert len(walked_here) == taken.count(True) and 0 < len(walked_here) < len(taken), taken


def _recording_tally(taken):
    class Recording(parallel._Tally):
        def take(self, data, result=None):
            taken.append(data is None)
            return super().take(data, result)

    return Recording


def test_a_finished_checkpoint_is_read_back_without_walking_again(tmp_path, monkeypatch):
    ex = by_name("random6_2d_3x3x3")
    first = partition(ex.net, ex.box, checkpoint=tmp_path / "ck")
    assert len(list((tmp_path / "ck").glob("task-*.pickle"))) > 1

    def no_walk(*args):
        raise AssertionError("a finished task was walked again")

    monkeypatch.setattr(parallel, "_walk_task", no_walk)
    monkeypatch.setattr(parallel, "_walk", no_walk)
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
    run = subprocess.Popen(command + ["--checkpoint", str(folder), "-o", str(resumed), "--jobs", "2"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while len(list(folder.glob("task-*.pickle"))) < 3 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(run.pid, signal.SIGKILL)  # the run and its worker processes, as kill -9 of a job
    assert run.wait(timeout=60) == -signal.SIGKILL, "the run ended before it could be killed: use a bigger net"
    kept = len(list(folder.glob("task-*.pickle")))
    assert kept >= 3 and not resumed.exists()
    subprocess.run(command + ["--checkpoint", str(folder), "-o", str(resumed), "--jobs", "3"], check=True,
                   capture_output=True, timeout=600)  # resumed with another job count: the same split
    assert resumed.read_bytes() == whole.read_bytes()
    assert len(list(folder.glob("task-*.pickle"))) >= kept


@pytest.mark.parametrize("name", ["zero_on_half", "leaky", "random6_2d_3x3x3", "random10_3d_2x2x2", "coincident3d",
                                  "builtin_triangle"])
def test_certificates_are_byte_identical_for_any_number_of_jobs(name):
    ex = by_name(name)
    domain = Domain.polytope(ex.box["A"], ex.box["b"]) if isinstance(ex.box, dict) else Domain.box(ex.box)
    one = json.dumps(certify(ex.net, domain))
    assert json.dumps(certify(ex.net, domain, jobs=2)) == one
    assert json.dumps(certify(ex.net, domain, jobs=3)) == one


def test_a_certificate_split_at_every_depth_is_byte_identical(monkeypatch):
    """Frontiers of every size: sub-trees cut at the first layer, deep inside, or none at all."""
    ex = by_name("random6_2d_3x3x3")
    one = json.dumps(certify(ex.net, ex.box))
    for per_job in (1, 2, 5, 40, 10_000):
        monkeypatch.setattr(parallel, "TASKS_PER_JOB", per_job)
        assert json.dumps(certify(ex.net, ex.box, jobs=2)) == one, per_job


def test_progress_shows_sub_trees_regions_and_an_estimate(capsys):
    net = random_net(4, 3, (6, 6, 6))
    box = [(-2, 2)] * 3
    split = parallel.frontier(IntegerNetwork.of(net), make_engine(Domain.box(box), "dd"), 2 * parallel.TASKS_PER_JOB)
    with region_progress(True, delay=0) as progress:
        result = partition(net, box, jobs=2, progress=progress)
    lines = capsys.readouterr().err.replace("\r", "\n").splitlines()
    bars = [line for line in lines if line.startswith("sub-trees:")]
    first_total = int(re.search(r"\| \d+/(\d+) \[", bars[0]).group(1))
    assert first_total == min(len(split.tasks), 2 * parallel.TASKS_PER_JOB)  # the frontier in a few tasks
    done, total = map(int, re.search(r"\| (\d+)/(\d+) \[", bars[-1]).groups())
    assert done == total >= first_total  # tasks handed back count as new sub-trees
    assert f"{len(result.regions):,} regions" in bars[-1]
    assert "<?" in bars[0] and "<?" not in bars[-1]  # no estimate before the first sub-tree is done
    assert any(line.startswith("adjacency:") for line in lines)


def test_boundary_with_jobs_or_a_checkpoint_writes_the_identical_json(tmp_path):
    """``boundary`` passes --jobs/--checkpoint to the split walk: its JSON is the single-process one."""
    net = tmp_path / "net.json"
    rng = __import__("random").Random(4)  # 67 regions, 9 boundary pieces
    layers = [{"weight": [[rng.randint(-5, 5) for _ in range(2)] for _ in range(8)], "bias": [rng.randint(-3, 3) for _ in range(8)]},
              {"weight": [[rng.randint(-5, 5) for _ in range(8)] for _ in range(8)], "bias": [rng.randint(-3, 3) for _ in range(8)]},
              {"weight": [[rng.randint(-5, 5) for _ in range(8)]], "bias": [0]}]  # fmt: skip
    layers[-1]["weight"].append([-w for w in layers[-1]["weight"][0]])  # class 1 is class 0 negated: they meet
    layers[-1]["bias"].append(0)
    net.write_text(json.dumps({"layers": layers}))
    outputs = []
    for extra in ([], ["--jobs", "2"], ["--checkpoint", str(tmp_path / "ck")]):
        out = tmp_path / f"b{len(outputs)}.json"
        assert main(["boundary", str(net), "--box=-1:1,-1:1", "-o", str(out), *extra]) == 0
        outputs.append(out.read_bytes())
    assert len(json.loads(outputs[0])["pieces"]) > 0  # a real boundary, not an empty file
    assert outputs[1] == outputs[0] and outputs[2] == outputs[0]


def test_a_small_run_starts_no_helper_process(monkeypatch):
    """Several jobs on a run that ends while this process walks alone: no process is started."""
    monkeypatch.setattr(parallel, "HELPERS_AFTER", 60.0)

    def no_pool(*args):
        raise AssertionError("a helper process was started")

    monkeypatch.setattr(parallel, "open_executor", no_pool)
    ex = by_name("random6_2d_3x3x3")
    assert json.dumps(partition(ex.net, ex.box, jobs=8).to_json()) == json.dumps(partition(ex.net, ex.box).to_json())


def test_the_command_line_uses_every_core_by_default(monkeypatch):
    """Without --jobs, regions runs with as many jobs as this process may use cores."""
    from exactrelu.cli import common

    seen = []
    real = parallel.run_parallel

    def spy(*args, **kwargs):
        seen.append(kwargs["jobs"])
        return real(*args, **kwargs)

    monkeypatch.setattr(importlib.import_module("exactrelu.partition"), "run_parallel", spy)
    monkeypatch.setattr(common, "available_cores", lambda: 3)
    assert main(["regions", "--no-list"]) == 0
    assert seen == [3]
    assert main(["regions", "--no-list", "--jobs", "1"]) == 0
    assert seen == [3]  # one job: the single-process path


@pytest.mark.parametrize("engine", ["dd", "lp"])
def test_tasks_cut_into_slices_give_the_identical_partition(engine, monkeypatch):
    """Every task hands back what is left after one step (a zero time slice): the many pieces, walked
    here and in a helper, merge to the single-process partition; certificates and checkpoints keep
    their tasks whole (the tree and the saved files are numbered by them)."""
    monkeypatch.setattr(parallel, "SLICE", 0.0)
    net, box = random_net(3, 2, (5, 5, 5, 5, 5)), [(-1, 1), (-1, 1)]
    pieces: list[int] = []
    walk = parallel._walk

    def counting(index, task, work=None, budget=None, wanted=None):
        result = walk(index, task, work, budget, wanted)
        pieces.append(len(result.rest))
        return result

    monkeypatch.setattr(parallel, "_walk", counting)
    one = partition(net, box, engine=engine)
    assert json.dumps(partition(net, box, engine=engine, jobs=2).to_json()) == json.dumps(one.to_json())
    assert sum(pieces) > 0, "no task was cut"
    pieces.clear()
    assert json.dumps(certify(net, box, jobs=2)) == json.dumps(certify(net, box))
    assert sum(pieces) == 0


def test_without_helper_processes_the_run_goes_on_alone(monkeypatch):
    """Where processes cannot be started (no /dev/shm, a sandbox) the default of every core must not
    fail: this process walks every task itself."""

    def refused(*args):
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(parallel, "open_executor", refused)
    net, box = random_net(3, 2, (8, 8, 8)), [(-1, 1), (-1, 1)]
    assert json.dumps(partition(net, box, jobs=4).to_json()) == json.dumps(partition(net, box).to_json())


def _walk_setup(engine="dd"):
    net, box = random_net(3, 2, (5, 5, 5, 5, 5)), Domain.box([(-1, 1), (-1, 1)])
    inet, strategy = IntegerNetwork.of(net), make_engine(box, engine)
    return parallel._WorkerState(inet, strategy, None, box), parallel.frontier(inet, strategy, 4).tasks, net, box


def _patterns_walked(work, tasks):
    """Patterns of every region below ``tasks``, walking whatever each walk hands back too."""
    found, todo = [], [tasks]
    while todo:
        result = parallel._walk(0, todo.pop(), work, budget=1e9, wanted=lambda: True)
        assert len(result.rest) <= 2
        found.extend(raw.pattern for raw, _, _ in result.regions)
        todo.extend(result.rest)
    return found


@pytest.mark.parametrize("engine", ["dd", "lp"])
def test_a_walk_asked_for_work_hands_back_the_rest_after_one_step(engine):
    """``wanted()`` (another worker waits) stops a walk after its next step: what is left comes back
    as at most two tasks, and walking them finds exactly the regions of the uninterrupted walk."""
    work, tasks, net, box = _walk_setup(engine)
    whole = parallel._walk(0, tasks, work)
    assert not whole.rest
    cut = parallel._walk(0, tasks, work, budget=1e9, wanted=lambda: True)
    assert cut.rest and len(cut.regions) < len(whole.regions)
    patterns = _patterns_walked(work, tasks)
    assert sorted(patterns) == sorted(raw.pattern for raw, _, _ in whole.regions)
    assert len(set(patterns)) == len(patterns)
    assert sorted(patterns) == [r.pattern for r in partition(net, box, engine=engine).regions]


def test_a_helper_hands_back_its_task_when_the_client_leaves_the_hungry_file(tmp_path, monkeypatch):
    """In a helper the question is a file in the spool folder; its results go there too."""
    work, tasks, _, _ = _walk_setup()
    monkeypatch.setattr(parallel, "worker_state", lambda: work)
    path = parallel._walk_task(7, tasks, 1e9, str(tmp_path))
    full = pickle.loads(parallel._unspool(path))
    assert full.index == 7 and not full.rest and not os.path.exists(path)
    (tmp_path / parallel.HUNGRY).touch()
    cut = pickle.loads(parallel._unspool(parallel._walk_task(7, tasks, 1e9, str(tmp_path))))
    assert cut.rest and len(cut.regions) < len(full.regions)
    # a task that may not be cut (no time budget: a certificate's or checkpoint's) ignores the file
    whole = pickle.loads(parallel._unspool(parallel._walk_task(7, tasks, None, str(tmp_path))))
    assert not whole.rest and len(whole.regions) == len(full.regions)
    assert sorted(os.listdir(tmp_path)) == [parallel.HUNGRY]


def test_the_frontier_is_cut_into_consecutive_near_equal_tasks():
    tasks = list(range(23))
    for count in (1, 2, 5, 16, 23, 40):
        chunks = parallel._chunks(tasks, count)
        assert [t for chunk in chunks for t in chunk] == tasks
        assert len(chunks) == min(count, 23) and max(map(len, chunks)) - min(map(len, chunks)) <= 1
    assert parallel._chunks([], 16) == []


def test_a_run_with_helpers_leaves_no_spool_folder_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel.tempfile, "tempdir", str(tmp_path))
    net, box = random_net(3, 2, (8, 8, 8)), [(-1, 1), (-1, 1)]
    assert json.dumps(partition(net, box, jobs=2).to_json()) == json.dumps(partition(net, box).to_json())
    assert list(tmp_path.iterdir()) == []


def test_the_tasks_json_text_waits_in_a_temporary_file_and_comes_back_whole():
    """With several jobs the regions' JSON text is kept on disk (SpooledLines), not in memory: the
    written partition is the one-process one, each line read back exactly, also after pickling."""
    from exactrelu.engines.spooled import SpooledLines  # deferred: used by this test alone

    spooled = SpooledLines()
    first, second = ["{\"a\": 1}", "", "π ≠ 3"], ["x" * 70_000]
    numbers = list(spooled.add(first)) + list(spooled.add(second))
    assert numbers == [0, 1, 2, 3]
    assert [spooled.text(k) for k in (3, 0, 2, 1)] == [second[0], first[0], first[2], first[1]]
    copy = pickle.loads(pickle.dumps(spooled))
    assert [copy.text(k) for k in numbers] == first + second

    net, box = random_net(3, 2, (8, 8, 8)), [(-1, 1), (-1, 1)]
    two = partition(net, box, jobs=2)
    given = two.found._lines
    assert any(isinstance(line, int) for line in given)  # read back from the file, not kept as text
    one = partition(net, box)
    assert json.dumps(two.to_json()) == json.dumps(one.to_json())
    again = pickle.loads(pickle.dumps(two.found))
    assert again.lines == one.found.lines

"""Dask: a cluster on loopback gives the partition and the certificate of the single-process run,
byte for byte; checkpoints resume on it; a bad scheduler or a missing Dask is one line, exit 2."""

from __future__ import annotations

import json
import logging
import sys
import time

import pytest
from example_nets import by_name, random_net

from exactrelu import Domain, partition
from exactrelu.cli import main
from exactrelu.engines import executors, parallel
from exactrelu.partition import certify
from exactrelu.progress import region_progress

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")

NAMES = ["zero_on_half", "leaky", "random6_2d_3x3x3", "random10_3d_2x2x2", "coincident3d"]
BIGGER = (random_net(4, 3, (6, 6, 6)), [(-2, 2)] * 3)  # 825 regions


@pytest.fixture(scope="module")
def scheduler():
    """One cluster of two single-threaded worker processes on loopback, shared by the tests."""
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",  # loopback, any free port (None still takes 8787)
        silence_logs=logging.CRITICAL + 1,
    ) as cluster:
        yield cluster.scheduler_address


def identical(one, two) -> bool:
    return two == one and json.dumps(two.to_json()) == json.dumps(one.to_json())


@pytest.mark.parametrize("engine", ["dd", "lp"])
@pytest.mark.parametrize("name", NAMES)
def test_a_dask_cluster_gives_the_identical_partition(scheduler, engine, name):
    ex = by_name(name)
    assert identical(partition(ex.net, ex.box, engine=engine), partition(ex.net, ex.box, engine=engine, dask=scheduler))


def test_a_bigger_net_on_dask_gives_the_identical_partition_and_certificate(scheduler):
    net, box = BIGGER
    one = partition(net, box)
    assert len(one.regions) > 300
    assert identical(one, partition(net, box, dask=scheduler))
    assert json.dumps(certify(net, box, dask=scheduler)) == json.dumps(certify(net, box))


@pytest.mark.parametrize("name", NAMES)
def test_certificates_on_dask_are_byte_identical(scheduler, name):
    ex = by_name(name)
    assert json.dumps(certify(ex.net, Domain.box(ex.box), dask=scheduler)) == json.dumps(certify(ex.net, ex.box))


def test_a_checkpoint_resumes_on_dask_walking_only_what_is_missing(scheduler, tmp_path):
    net, box = BIGGER
    folder = tmp_path / "ck"
    whole = partition(net, box, jobs=2, checkpoint=folder)  # the split of two local processes
    files = sorted(folder.glob("task-*.pickle"))
    assert len(files) > 4
    kept = {path: path.stat().st_mtime_ns for path in files[::2]}
    for path in files[1::2]:
        path.unlink()
    resumed = partition(net, box, dask=scheduler, checkpoint=folder)  # another worker count: the same split
    assert identical(whole, resumed)
    assert sorted(folder.glob("task-*.pickle")) == files
    assert all(path.stat().st_mtime_ns == mtime for path, mtime in kept.items())


def test_a_certificate_checkpoint_resumes_byte_identical(scheduler, tmp_path):
    ex = by_name("random6_2d_3x3x3")
    folder = tmp_path / "ck"
    first = certify(ex.net, ex.box, checkpoint=folder)
    for path in sorted(folder.glob("task-*.pickle"))[::2]:
        path.unlink()
    assert json.dumps(certify(ex.net, ex.box, dask=scheduler, checkpoint=folder)) == json.dumps(first)
    assert json.dumps(first) == json.dumps(certify(ex.net, ex.box))
    assert main(["regions", "--checkpoint", str(folder)]) == 2  # a certificate's checkpoint is not a partition's


def test_ctrl_c_on_dask_keeps_what_was_found(scheduler):
    net, box = BIGGER
    seen = {"sub-trees": 0}

    def progress(phase, done, total):
        if phase == "sub-trees" and done >= 2 and not seen["sub-trees"]:
            seen["sub-trees"] = done
            raise KeyboardInterrupt

    result = partition(net, box, dask=scheduler, progress=progress)
    assert seen["sub-trees"] >= 2 and not result.complete
    whole = partition(net, box)
    assert 0 < len(result.regions) < len(whole.regions)
    assert set(r.pattern for r in result.regions) <= set(r.pattern for r in whole.regions)


def test_regions_with_dask_local_writes_the_identical_json(tmp_path, capsys):
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    ex = ["--box=-1:2,-1:2"]
    assert main(["regions", *ex, "-o", str(one)]) == 0
    assert main(["regions", *ex, "--dask", "local", "--jobs", "2", "-o", str(two)]) == 0
    assert two.read_bytes() == one.read_bytes()


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_without_dask_the_error_names_the_extra(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now fails
    assert main(["regions", "--dask", "local"]) == 2
    assert "exactrelu[dask]" in one_error_line(capsys)


@pytest.mark.parametrize(
    "address, words",
    [("foo", "expected 'local' or a scheduler address"), ("tcp://127.0.0.1:1", "cannot reach the Dask scheduler")],
)
def test_a_bad_scheduler_address_is_one_line_without_a_hang(monkeypatch, capsys, address, words):
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 1)
    started = time.monotonic()
    assert main(["certify", "--dask", address, "-o", "-"]) == 2
    assert time.monotonic() - started < 10
    assert words in one_error_line(capsys)


def test_jobs_with_a_scheduler_address_is_refused(capsys):
    assert main(["boundary", "--dask", "tcp://127.0.0.1:1", "--jobs", "2"]) == 2
    assert "a Dask scheduler brings its own workers" in one_error_line(capsys)


def test_progress_on_dask_shows_sub_trees_regions_and_an_estimate(scheduler, capsys):
    net, box = BIGGER
    with region_progress(True, delay=0) as progress:
        result = partition(net, box, dask=scheduler, progress=progress)
    lines = capsys.readouterr().err.replace("\r", "\n").splitlines()
    bars = [line for line in lines if line.startswith("sub-trees:")]
    assert bars, lines
    done, total = bars[-1].split("|")[2].split()[0].split("/")
    assert done == total and int(total) > 1
    assert f"{len(result.regions):,} regions" in bars[-1]
    assert any("<" in line and "?" not in line.split("<")[1].split(",")[0] for line in bars[1:])


def test_a_worker_running_other_code_is_refused_in_one_line(scheduler, monkeypatch, capsys, tmp_path):
    net, box = BIGGER
    (tmp_path / "net.json").write_text(json.dumps(net.to_json()))
    monkeypatch.setattr(parallel, "code_fingerprint", lambda: "0" * 64)  # this client's code, as the workers see it
    assert main(["regions", str(tmp_path / "net.json"), "--box=-2:2,-2:2,-2:2", "--dask", scheduler]) == 2
    assert "runs other exactrelu code than this client" in one_error_line(capsys)

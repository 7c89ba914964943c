"""Hostile inputs: damaged .npz archives and checkpoints, numbers too long for the checker, and a
binary network given to the checker.  Each is refused on one line with exit code 2, never with a
traceback or an exit code that reads as a verdict; a certificate that is written always checks."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from exactrelu import partition
from exactrelu.certificate.limits import refuse_long_numbers
from exactrelu.cli import main
from exactrelu.errors import ExactReluError, InvalidArgument, InvalidNetwork
from exactrelu.loaders import load
from exactrelu_checker.parse import MAX_DIGITS

sys.path.insert(0, str(Path(__file__).parent))
from example_nets import by_name  # noqa: E402

# -- .npz archives ----------------------------------------------------------------------------------


def _object_array(path: Path) -> None:
    np.savez(path, W0=np.array([[1, "a"]], dtype=object), b0=np.zeros(1))


def _text(path: Path) -> None:
    path.write_text("hello, not an archive\n")


def _raw_member(path: Path) -> None:  # numpy hands back the bytes of a member that is not .npy
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("W0.npy", b"garbage")
        archive.writestr("b0.npy", b"garbage")


def _cut_member(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("W0.npy", b"\x93NUMPY")
        archive.writestr("b0.npy", b"\x93NUMPY")


def _bare_npy(path: Path) -> None:
    with open(path, "wb") as f:
        np.save(f, np.zeros((2, 2)))


def _strings(path: Path) -> None:
    np.savez(path, W0=np.array([["1", "2"]]), b0=np.zeros(1))


def _complex(path: Path) -> None:
    np.savez(path, W0=np.array([[1j, 2]]), b0=np.zeros(1))


def _truncated(path: Path) -> None:
    np.savez(path, W0=np.ones((3, 2)), b0=np.zeros(3))
    path.write_bytes(path.read_bytes()[:150])


BAD_NPZ = {
    "object array": (_object_array, "W0 is an object (pickled) array"),
    "text file": (_text, "not a NumPy .npz archive of numeric arrays"),
    "member not .npy": (_raw_member, "W0 is not a NumPy array"),
    "member cut short": (_cut_member, "W0 is not a readable NumPy array"),
    "a bare .npy": (_bare_npy, "not a NumPy .npz archive"),
    "strings": (_strings, "W0 is not numeric"),
    "complex": (_complex, "W0 is not numeric"),
    "truncated": (_truncated, "not a NumPy .npz archive of numeric arrays"),
}


@pytest.mark.parametrize("name", sorted(BAD_NPZ))
def test_a_bad_npz_is_refused_by_the_loader_naming_the_file(tmp_path, name):
    make, message = BAD_NPZ[name]
    path = tmp_path / "n.npz"
    make(path)
    with pytest.raises(InvalidNetwork) as info:
        load(path)
    text = str(info.value)
    assert str(path) in text and message in text and "\n" not in text
    assert "allow_pickle" not in text and "pickle.load" not in text  # never advise loading untrusted pickles


@pytest.fixture
def certificate(tmp_path) -> Path:
    path = tmp_path / "c.json"
    assert main(["certify", "-o", str(path)]) == 0
    return path


@pytest.mark.parametrize("name", ["object array", "text file", "member not .npy"])
def test_every_command_refuses_a_bad_npz_in_one_line_with_exit_2(tmp_path, capsys, certificate, name):
    path = tmp_path / "n.npz"
    BAD_NPZ[name][0](path)
    good = tmp_path / "good.npz"
    np.savez(good, W0=np.ones((1, 2)), b0=np.zeros(1))
    capsys.readouterr()
    for argv in (
        ["regions", str(path), "--box=0:1,0:1"],
        ["check", str(certificate), "--network", str(path)],
        ["diff", str(path), str(good), "--box=0:1,0:1"],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and str(path) in err[0] and "allow_pickle" not in err[0], (argv, err)


# -- checkpoints ------------------------------------------------------------------------------------

EX = by_name("random6_2d_3x3x3")


@pytest.fixture
def finished(tmp_path):
    """A finished checkpoint folder and the partition of an uninterrupted run without one."""
    folder = tmp_path / "ck"
    partition(EX.net, EX.box, checkpoint=folder)
    assert len(list(folder.glob("task-*.pickle"))) > 3
    return folder, partition(EX.net, EX.box)


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:100])


def _garbage(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 4)


def _other_task(path: Path) -> None:
    path.write_bytes((path.parent / "task-000000.pickle").read_bytes())


def _not_a_task(path: Path) -> None:
    path.write_bytes(b"\x80\x05]\x94(K\x01K\x02e.")  # the pickle of [1, 2]


@pytest.mark.parametrize("damage", [_truncate, _garbage, _other_task, _not_a_task])
def test_a_damaged_task_file_is_named_and_deleting_it_resumes_to_the_same_partition(finished, damage):
    folder, reference = finished
    damaged = folder / "task-000002.pickle"
    damage(damaged)
    with pytest.raises(InvalidArgument) as info:
        partition(EX.net, EX.box, checkpoint=folder)
    text = str(info.value)
    assert "task-000002.pickle is damaged" in text and "delete that file" in text and "\n" not in text
    damaged.unlink()  # the remedy the message names
    assert partition(EX.net, EX.box, checkpoint=folder) == reference
    assert damaged.exists()  # walked again and kept


def test_the_command_line_refuses_a_damaged_task_file_with_exit_2(finished, capsys):
    folder, _ = finished
    net = folder.parent / "net.json"
    net.write_text(json.dumps(EX.net.to_json()))
    box = "--box=" + ",".join(f"{lo}:{hi}" for lo, hi in EX.box)
    fresh = folder.parent / "fresh"
    argv = ["regions", str(net), box, "--jobs", "1", "--checkpoint", str(fresh)]
    assert main(argv) == 0
    damaged = sorted(fresh.glob("task-*.pickle"))[-1]
    _truncate(damaged)
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{damaged.name} is damaged" in err[0]


def test_task_files_without_a_manifest_are_refused_saying_so(finished):
    folder, _ = finished
    (folder / "checkpoint.json").unlink()
    with pytest.raises(InvalidArgument, match="has task files but no checkpoint.json") as info:
        partition(EX.net, EX.box, checkpoint=folder)
    assert "belongs to another" not in str(info.value)


@pytest.mark.parametrize("text", ["", "{not json", "[]", '{"format": "exactrelu-checkpoint-3"}'])
def test_a_damaged_manifest_is_named(finished, text):
    folder, _ = finished
    (folder / "checkpoint.json").write_text(text)
    with pytest.raises(InvalidArgument, match="checkpoint.json is damaged") as info:
        partition(EX.net, EX.box, checkpoint=folder)
    assert "belongs to another" not in str(info.value)


# -- numbers longer than the checker reads ----------------------------------------------------------


def _digits(n: int) -> str:
    return "9" * n


def test_certify_refuses_a_domain_number_the_checker_refuses_before_any_work(tmp_path, capsys):
    out = tmp_path / "big.json"
    assert main(["certify", "--box=-1e10000:1e10000,-1e-10000:1e-10000", "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "domain.b[0]" in err[0] and f"{MAX_DIGITS:,} digits" in err[0]
    assert not out.exists()


def test_certify_refuses_a_network_number_the_checker_refuses(tmp_path, capsys):
    net = tmp_path / "net.json"
    net.write_text(json.dumps({"layers": [{"weight": [["1", f"1/{_digits(MAX_DIGITS + 1)}"]], "bias": ["0"]}]}))
    assert main(["certify", str(net), "--box=0:1,0:1", "-o", str(tmp_path / "c.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "network.layers[0].weight[0][1]" in err[0]


@pytest.mark.parametrize(
    "box",
    [
        f"--box=0:1/{_digits(MAX_DIGITS)},0:1",  # the interior point's denominator grows past the limit
        f"--box=0:1/{_digits(MAX_DIGITS - 1)},0:1",
        f"--box=0:{_digits(MAX_DIGITS)},0:1",
        "--box=0:1/3,0:1",
    ],
    ids=["1/(10^4300-1)", "1/(10^4299-1)", "10^4300-1", "1/3"],
)
def test_a_certificate_certify_writes_is_one_its_checker_reads(tmp_path, capsys, box):
    """The oracle is the checker itself: certify either refuses in one line or writes what verifies."""
    out = tmp_path / "c.json"
    code = main(["certify", box, "-o", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    if code == 2:
        assert len(err) == 1 and f"{MAX_DIGITS:,} digits" in err[0] and not out.exists()
    else:
        assert code == 0 and main(["check", str(out)]) == 0, capsys.readouterr()


@pytest.mark.parametrize("before", ["", '"', "-", "/", '"-1/', ","])
def test_the_finished_text_is_refused_wherever_a_long_number_starts(before):
    """The producer's last check on the certificate's text finds a run of more digits than the
    checker reads at any place a number can start, and passes runs of the limit."""
    within = f'{{"a":"{_digits(MAX_DIGITS)}/{_digits(MAX_DIGITS)}","b":[-{_digits(MAX_DIGITS)}]}}'
    refuse_long_numbers({}, within)
    refuse_long_numbers({}, before + _digits(MAX_DIGITS))
    with pytest.raises(ExactReluError, match="too long to certify"):
        refuse_long_numbers({}, before + _digits(MAX_DIGITS + 1))
    with pytest.raises(ExactReluError, match="too long to certify"):
        refuse_long_numbers({}, within + before + _digits(MAX_DIGITS + 7) + '"')


def test_the_interior_point_past_the_limit_is_refused_by_certify():
    """0:1/(10^4300 - 1) is within the limit; its midpoint 1/(2 (10^4300 - 1)) is not."""
    assert main(["certify", f"--box=0:1/{_digits(MAX_DIGITS)},0:1", "-o", "-"]) == 2


# -- a network given to the checker -----------------------------------------------------------------


def test_the_checker_says_a_binary_network_is_not_json_and_exactrelu_check_reads_it(tmp_path, capsys):
    net = tmp_path / "net.npz"
    np.savez(net, W0=np.array([[-1.0, 1], [1, 1]]), b0=np.array([0, -1.0]), W1=np.eye(2), b1=np.zeros(2))
    cert = tmp_path / "c.json"
    assert main(["certify", str(net), "--box=0:1,0:1", "-o", str(cert)]) == 0
    checker = subprocess.run(
        [sys.executable, "-m", "exactrelu_checker", str(cert), "--network", str(net)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checker.returncode == 2 and checker.stderr.count("\n") == 1
    assert "given network: not JSON" in checker.stderr
    capsys.readouterr()
    assert main(["check", str(cert), "--network", str(net)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("VERIFIED") and f"compared exactly with {net}" in out

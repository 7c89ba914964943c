"""What ``check_certificate`` and ``check_file`` accept, and how much of a file they read.

A certificate (and a network given for comparison) is a dict, JSON text (bytes, or a str whose first
non-space character is ``{``) or a path (``pathlib.Path``, or any other str).  Anything else is a
one-line MalformedCertificate naming the type.  Files are read with ``read(limit + 1)``, so a pipe
or ``/dev/zero`` (which report size 0) cannot make the checker read more than the limit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import exactrelu_checker.parse as parse
from exactrelu_checker import MalformedCertificate, check_certificate, check_file, main
from test_checker import EXAMPLE

ROOT = Path(__file__).resolve().parents[1]
TEXT = json.dumps(EXAMPLE)


def one_line_error(call, match: str) -> str:
    with pytest.raises(MalformedCertificate, match=match) as info:
        call()
    message = str(info.value)
    assert message and "\n" not in message and len(message) < 300, message
    return message


def test_every_accepted_kind_of_input_verifies(tmp_path, monkeypatch):
    path = tmp_path / "cert.json"
    path.write_text(TEXT)
    monkeypatch.chdir(tmp_path)
    for data in (EXAMPLE, TEXT, "  \n\t" + TEXT, TEXT.encode(), bytearray(TEXT.encode()), path, str(path), "cert.json"):
        assert check_certificate(data).verified, type(data)
    assert check_file(path).verified and check_file(str(path)).verified and check_file("cert.json").verified
    for network in (EXAMPLE["network"], json.dumps(EXAMPLE["network"]), json.dumps(EXAMPLE["network"]).encode()):
        assert check_certificate(path, network).compared_with == "the network given"
    (tmp_path / "net.json").write_text(json.dumps(EXAMPLE["network"]))
    for network in (tmp_path / "net.json", "net.json"):
        verdict = check_certificate(TEXT, network=network)
        assert verdict.verified and verdict.compared_with == str(network)


def test_a_str_that_is_not_json_text_names_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    message = one_line_error(lambda: check_certificate("mlp.cert.json"), "cannot read certificate file")
    assert "'mlp.cert.json'" in message and "No such file" in message and "starts with '{'" in message
    (tmp_path / "mlp.cert.json").write_text(TEXT)
    assert check_certificate("mlp.cert.json").verified
    # a str starting with anything but { is a file name, never JSON text, even when it looks like JSON
    one_line_error(lambda: check_certificate("[1, 2]"), r"cannot read certificate file '\[1, 2\]'")
    one_line_error(lambda: check_certificate("x" * 100_000), r"cannot read certificate file 'x{40}\.\.\. \(100,000 ch")
    one_line_error(lambda: check_certificate("a\0b"), "cannot read certificate file")
    one_line_error(lambda: check_certificate(str(tmp_path)), "cannot read certificate file")  # a directory
    one_line_error(lambda: check_certificate(EXAMPLE, network="net.json"), "cannot read given network file 'net.json'")
    one_line_error(lambda: check_file(tmp_path / TEXT[:50]), "cannot read certificate file")  # a Path is a path


@pytest.mark.parametrize("data", [None, 3, 2.5, True, [], [EXAMPLE], (TEXT,), object(), {TEXT}],
                         ids=lambda d: type(d).__name__)
def test_other_types_are_refused_in_one_line(data):
    message = one_line_error(lambda: check_certificate(data), "^a certificate is a dict")
    assert message.endswith(f", not {type(data).__name__}")
    assert "JSON text (str or bytes)" in message and "pathlib.Path" in message
    if data is not None:  # network=None means no network
        message = one_line_error(lambda: check_certificate(EXAMPLE, network=data), "^a given network is a dict")
        assert message.endswith(f", not {type(data).__name__}")


def test_files_are_read_up_to_the_limit_only(tmp_path, monkeypatch):
    monkeypatch.setattr(parse, "MAX_FILE_BYTES", len(TEXT))
    path = tmp_path / "cert.json"
    path.write_text(TEXT)
    assert check_file(path).verified  # exactly at the limit
    path.write_text(TEXT + " ")
    one_line_error(lambda: check_file(path), f"has {len(TEXT) + 1:,} bytes, over the limit of {len(TEXT):,}")
    one_line_error(lambda: check_certificate(TEXT + " "), "exceeds the limit")
    net = tmp_path / "net.json"
    net.write_text(" " * len(TEXT) + json.dumps(EXAMPLE["network"]))
    one_line_error(lambda: check_certificate(EXAMPLE, network=net), "given network file .* over the limit")


def _fifo(tmp_path: Path, payload: bytes) -> tuple[Path, threading.Thread]:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def write():
        try:
            with open(fifo, "wb") as f:
                for start in range(0, len(payload), 4096):
                    f.write(payload[start:start + 4096])
        except BrokenPipeError:  # the reader stopped at the limit
            pass
    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return fifo, thread


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_is_read_up_to_the_limit_only(tmp_path, monkeypatch):
    monkeypatch.setattr(parse, "MAX_FILE_BYTES", len(TEXT))
    fifo, thread = _fifo(tmp_path, TEXT.encode())
    assert check_file(fifo).verified  # a pipe's size is 0, yet it is read to its end
    thread.join(10)
    os.unlink(fifo)
    fifo, thread = _fifo(tmp_path, TEXT.encode() + b" " * (50 * len(TEXT)))
    one_line_error(lambda: check_file(fifo), f"certificate file .* has more than the limit of {len(TEXT):,} bytes")
    thread.join(10)
    assert not thread.is_alive()
    os.unlink(fifo)
    fifo, thread = _fifo(tmp_path, json.dumps(EXAMPLE["network"]).encode() + b" " * (50 * len(TEXT)))
    one_line_error(lambda: check_certificate(EXAMPLE, network=fifo), "given network file .* has more than the limit")
    thread.join(10)


DEV_ZERO = r"""
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # a regression fails with MemoryError, not the machine
import exactrelu_checker.parse as parse
from exactrelu_checker import MalformedCertificate, check_certificate, main
parse.MAX_FILE_BYTES = 1 << 20
for data, network in ((sys.argv[1], None), (sys.argv[2], sys.argv[1])):
    try:
        check_certificate(data, network)
    except MalformedCertificate as exc:
        print(exc)
print(main([sys.argv[1]]))
print(main([sys.argv[2], "--network", sys.argv[1]]))
"""


@pytest.mark.skipif(not Path("/dev/zero").exists() or sys.platform == "darwin", reason="needs /dev/zero and RLIMIT_AS")
def test_dev_zero_is_refused_after_the_limit(tmp_path):
    cert = tmp_path / "cert.json"
    cert.write_text(TEXT)
    out = subprocess.run([sys.executable, "-c", DEV_ZERO, "/dev/zero", str(cert)], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines() == [
        "certificate file '/dev/zero' has more than the limit of 1,048,576 bytes",
        "given network file '/dev/zero' has more than the limit of 1,048,576 bytes", "2", "2"]
    assert out.stderr.splitlines() == [
        "exactrelu-checker: error: certificate file '/dev/zero' has more than the limit of 1,048,576 bytes",
        "exactrelu-checker: error: given network file '/dev/zero' has more than the limit of 1,048,576 bytes"]


def test_main_reads_the_network_as_a_file_even_if_its_name_starts_with_a_brace(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("cert.json").write_text(TEXT)
    Path("{net}.json").write_text(json.dumps(EXAMPLE["network"]))
    assert main(["cert.json", "--network", "{net}.json"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "network: the certificate's embedded network (compared exactly with {net}.json)")


# ---------------------------------------------------------------------- gzip-compressed certificates
def test_a_gzip_compressed_certificate_verifies_and_a_tampered_one_does_not(tmp_path):
    import gzip

    path = tmp_path / "cert.json.gz"
    path.write_bytes(gzip.compress(TEXT.encode(), mtime=0))
    assert check_certificate(path).verified
    assert check_certificate(path.read_bytes()).verified
    tampered = json.loads(TEXT)
    tampered["regions"][0]["map"]["bias"][0] = "7/3"  # a wrong map must fail however it is packed
    path.write_bytes(gzip.compress(json.dumps(tampered).encode()))
    verdict = check_certificate(path)
    assert not verdict.verified and "map" in verdict.reason


def test_truncated_or_trailing_or_oversized_gzip_is_one_line_refusal(tmp_path, monkeypatch):
    import gzip

    packed = gzip.compress(TEXT.encode())
    one_line_error(lambda: check_certificate(packed[:-9]), "truncated")
    one_line_error(lambda: check_certificate(packed + b"junk"), "followed by other data")
    one_line_error(lambda: check_certificate(b"\x1f\x8b" + b"\x00" * 30), "not valid gzip")
    monkeypatch.setattr(parse, "MAX_FILE_BYTES", 1000)  # a small limit stands in for 2 GiB: never inflated past it
    bomb = gzip.compress(b"{" + b" " * 100_000 + b"}")
    one_line_error(lambda: check_certificate(bomb), "once uncompressed")


def test_cli_writes_gzip_when_the_name_ends_in_gz_and_every_command_reads_it(tmp_path):
    import gzip

    cert = tmp_path / "ex.cert.json.gz"
    run = [sys.executable, "-m", "exactrelu"]
    for _ in range(2):  # the same bytes each time (no time stamp in the gzip header)
        made = subprocess.run(run + ["certify", "-o", str(cert)], capture_output=True, text=True, check=True)
        first = cert.read_bytes() if _ == 0 else first
    assert cert.read_bytes() == first
    assert f"({len(first):,} bytes)" in made.stdout
    assert json.loads(gzip.decompress(first))["format"] == "exactrelu-certificate"
    check = subprocess.run(run + ["check", str(cert)], capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.startswith("VERIFIED")
    tex = tmp_path / "t.tex"
    latex = subprocess.run(run + ["latex", str(cert), "-o", str(tex)], capture_output=True, text=True)
    assert latex.returncode == 0 and "VERIFIED" in tex.read_text()
    coq = subprocess.run(run + ["coq", str(cert), "-o", str(tmp_path / "coq"), "--no-compile"], capture_output=True,
                         text=True)
    assert coq.returncode == 0 and (tmp_path / "coq" / "Network.v").exists()

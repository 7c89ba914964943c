"""The ``exactrelu`` command line (docs/commands.md).

Exit codes: 0 success, 1 a negative verdict, 2 bad input or usage (one line on stderr, never a
traceback), 130 interrupted (what was found is still written, marked incomplete), 141 the reader
of stdout went away (as if killed by SIGPIPE).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import stat
import sys
import time
from pathlib import Path
from typing import NoReturn

import exactrelu_checker
from exactrelu_checker import MalformedCertificate
from exactrelu_checker.parse import MAX_FILE_BYTES

from .errors import ExactReluError, InternalError, Interrupted, InvalidArgument, InvalidNumber
from .example import EXAMPLE
from .export.display import region_lines
from .geometry.domain import parse_box, read_polytope
from .loaders import load
from .network import Network
from .partition import certify, default_domain, partition
from .progress import region_progress
from .rational import format_rational, parse_rational_text

__all__ = ["main", "EXIT_BROKEN_PIPE"]

SMALL = 16  # print every region of partitions up to this size
EXIT_BROKEN_PIPE = 128 + 13  # the shell's status for a process killed by SIGPIPE
TORCH_SUFFIXES = (".pt", ".pth")


class _UsageError(Exception):
    """An argparse error, reported by :func:`main` as one line (with a hint where one helps)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _activation(text: str) -> dict:
    """``relu`` or ``leaky_relu:SLOPE`` (the slope read exactly) as options for :func:`load`."""
    name, colon, slope = text.strip().partition(":")
    if name == "relu" and not colon:
        return {"activation": "relu"}
    if name == "leaky_relu":
        if not slope.strip():
            raise argparse.ArgumentTypeError("leaky_relu needs its slope: leaky_relu:SLOPE, e.g. leaky_relu:1/100")
        try:
            return {"activation": "leaky_relu", "negative_slope": parse_rational_text(slope, "slope")}
        except InvalidNumber as exc:
            raise argparse.ArgumentTypeError(f"leaky_relu: {exc}") from None
    raise argparse.ArgumentTypeError(f"{text!r} is not relu or leaky_relu:SLOPE (e.g. leaky_relu:1/100)")


_ACTIVATION_HELP = (
    "the activation between the layers of a PyTorch state dict, which does not record it: "
    "relu or leaky_relu:SLOPE (slope read exactly, e.g. leaky_relu:1/100)"
)


def _add_network_options(p: argparse.ArgumentParser, *, output_help: str, output_required: bool) -> None:
    p.add_argument(
        "net",
        nargs="?",
        metavar="NET",
        help="network file (.json .npz .nnet .onnx .pt .pth); default: the built-in example",
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument("--box", metavar="LO:HI,...", help="input box, e.g. --box=-1/2:3/2,0:1")
    group.add_argument("--polytope", metavar="FILE", help='JSON {"A": [[...]], "b": [...]} meaning A x <= b')
    p.add_argument("--activation", type=_activation, metavar="relu|leaky_relu:SLOPE", help=_ACTIVATION_HELP)
    p.add_argument("-o", "--output", metavar="FILE", required=output_required, help=output_help)
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="exactrelu", description="Exact, certified geometry of ReLU networks.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    p = sub.add_parser("regions", help="enumerate every activation region exactly")
    _add_network_options(p, output_help="write the partition JSON here ('-' for stdout)", output_required=False)
    p.add_argument(
        "--list",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"print every region (default: when there are at most {SMALL})",
    )
    p.add_argument(
        "--engine",
        choices=("auto", "dd", "lp"),
        default="auto",
        help="dd: vertex enumeration (fast, low dimension); lp: exact LPs (any dimension); auto: lp above 10 inputs",
    )
    c = sub.add_parser("certify", help="enumerate and write a certificate the checker verifies")
    _add_network_options(c, output_help="certificate file ('-' for stdout)", output_required=True)
    k = sub.add_parser("check", help="verify a certificate independently (VERIFIED / NOT VERIFIED)")
    k.add_argument("certificate", metavar="CERT.json")
    k.add_argument(
        "--network",
        metavar="FILE",
        help="load this network file (any format) and require the certificate's network to equal it exactly",
    )
    k.add_argument(
        "--activation", type=_activation, metavar="relu|leaky_relu:SLOPE", help=_ACTIVATION_HELP + "; with --network"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        print(f"exactrelu: error: {_usage_message(str(exc), argv)} (see --help)", file=sys.stderr)
        return 2
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "regions":
            return _regions(args)
        if args.command == "certify":
            return _certify(args)
        return _check(args)
    except Interrupted as exc:
        print(f"exactrelu: {exc}", file=sys.stderr)
        return 130
    except InternalError as exc:
        print(f"exactrelu: internal error (a bug in exactrelu; please report it with the input): {exc}",
              file=sys.stderr)
        return 2
    except ExactReluError as exc:
        print(f"exactrelu: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into head: stop quietly, with the status of a SIGPIPE kill
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        name = f"{exc.filename}: " if exc.filename else ""
        print(f"exactrelu: error: {name}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("exactrelu: interrupted", file=sys.stderr)
        return 130


def _usage_message(message: str, argv: list[str]) -> str:
    """argparse's message, with a hint for ``--box -1:1,...`` (argparse takes ``-1:1`` for an option)."""
    if message.startswith("argument --box: expected one argument"):
        position = argv.index("--box") if "--box" in argv else -1
        value = argv[position + 1] if 0 <= position < len(argv) - 1 and argv[position + 1].startswith("-") else ""
        example = f"--box={value}" if value else "--box=-1:1,0:1"
        return f"{message}; a box whose first bound is negative must be joined with '=': {example}"
    return message


# ------------------------------------------------------------------ inputs and outputs
def _load_network(path: str | None, activation: dict | None) -> Network:
    if activation is not None and (path is None or Path(path).suffix.lower() not in TORCH_SUFFIXES):
        what = "the built-in example" if path is None else f"network file {path}"
        raise InvalidArgument(
            f"--activation is only for PyTorch state dicts (.pt, .pth); {what} records its own activations"
        )
    return EXAMPLE if path is None else load(path, **(activation or {}))


def _load_inputs(args):
    net = _load_network(args.net, args.activation)
    if args.box is not None:
        domain = parse_box(args.box)
    elif args.polytope is not None:
        domain = read_polytope(args.polytope)
    else:
        domain = default_domain(net)
    return net, domain


def _describe(net: Network) -> str:
    """``numbers read as ...`` and, for a state dict, the activation the user stated."""
    stated = net.metadata.get("activation")
    return f"numbers read as {net.reading}" + (f"; activations as stated: {stated}" if stated else "")


def _check_output(destination: str | None) -> None:
    """Refuse, before any work, an output file that cannot be created or written."""
    if destination is None or destination == "-":
        return
    if not destination.strip():
        raise InvalidArgument("-o needs a file name (or - for stdout)")
    path = Path(destination)
    if path.is_dir():
        raise InvalidArgument(f"cannot write {destination}: it is a directory")
    parent = path.parent
    if not parent.is_dir():
        problem = "is not a folder" if parent.exists() else "does not exist"
        raise InvalidArgument(f"cannot write {destination}: the folder {parent} {problem}")
    if path.exists() and not stat.S_ISREG(path.stat().st_mode):  # a device or pipe: never opened twice
        if not os.access(path, os.W_OK):
            raise InvalidArgument(f"cannot write {destination}: permission denied")
        return
    existed = path.exists()
    try:
        with open(path, "a", encoding="utf-8"):  # creates, never truncates
            pass
    except OSError as exc:
        raise InvalidArgument(f"cannot write {destination}: {exc.strerror or exc}") from None
    if not existed:
        with contextlib.suppress(OSError):
            path.unlink()


def _write(text: str, destination: str) -> None:
    """Write ``text`` to a file, or to stdout for ``-``."""
    if destination == "-":
        print(text)
        return
    try:
        with open(destination, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    except OSError as exc:
        raise InvalidArgument(f"cannot write {destination}: {exc.strerror or exc}") from None


# ------------------------------------------------------------------ commands
def _regions(args) -> int:
    started = time.perf_counter()
    _check_output(args.output)
    net, domain = _load_inputs(args)
    with region_progress(args.progress) as on_region:
        result = partition(net, domain, progress=on_region, engine=args.engine)
    if args.output:
        _write(json.dumps(result.to_json(), indent=1), args.output)
    out = sys.stderr if args.output == "-" else sys.stdout
    s = result.summary()
    name = net.source or "network"
    total = time.perf_counter() - started
    print(
        f"{name}: {net.n_inputs} inputs, hidden widths {list(net.hidden_widths)}, {net.n_outputs} outputs "
        f"({_describe(net)})",
        file=out,
    )
    print(f"domain: {domain.describe()}", file=out)
    print(
        f"regions: {s['regions']}  edges: {s['edges']}  linear pieces: {s['linear_pieces']}  "
        f"seconds: {result.seconds:.2f} enumeration ({total:.2f} total with loading and writing)"
        + ("" if result.complete else "  INCOMPLETE (interrupted)"),
        file=out,
    )
    show = args.list if args.list is not None else len(result.regions) <= SMALL
    if show:
        hidden = net.metadata.get("hidden_names")
        for i, region in enumerate(result.regions):
            for line in region_lines(i, region, net.input_names, net.output_names, hidden):
                print(line, file=out)
    return 0 if result.complete else 130


def _certify(args) -> int:
    _check_output(args.output)
    net, domain = _load_inputs(args)
    with region_progress(args.progress) as on_region:
        cert = certify(net, domain, progress=on_region)
    text = json.dumps(cert, separators=(",", ":"))
    _write(text, args.output)
    if args.output != "-":
        s = cert["summary"]
        print(
            f"certificate for {s['regions']} regions, {s['edges']} edges, {s['linear_pieces']} linear pieces "
            f"written to {args.output} ({len(text):,} bytes)"
        )
    return 0


def certificate_network(net: Network) -> dict:
    """The network as a certificate embeds it (docs/certificate.md): the layers, every rational a
    string, and ``negative_slopes`` when any slope is nonzero; no names."""
    data: dict = {"layers": net.to_json()["layers"]}
    if any(net.negative_slopes):
        data["negative_slopes"] = [format_rational(s) for s in net.negative_slopes]
    return data


def _check(args) -> int:
    if args.network is None:
        if args.activation is not None:
            raise InvalidArgument("--activation describes the --network file; give --network FILE too")
        return exactrelu_checker.main([args.certificate])
    try:
        data = _read_certificate(args.certificate)
    except MalformedCertificate as exc:
        return _checker_error(exc)
    net = _load_network(args.network, args.activation)
    try:
        verdict = exactrelu_checker.check_certificate(data, network=certificate_network(net))
    except MalformedCertificate as exc:
        return _checker_error(exc)
    lines = _verified_summary(verdict) if verdict.verified else [f"NOT VERIFIED: {verdict.reason}"]
    print("\n".join(lines + [f"network: compared exactly with {args.network} ({_describe(net)})"]))
    return 0 if verdict.verified else 1


def _verified_summary(verdict) -> list[str]:
    """``VERIFIED`` and what was verified, from the verdict's public fields (as the checker prints)."""
    slopes = [format_rational(s) for s in verdict.slopes]
    activation = (
        "ReLU"
        if not any(verdict.slopes)
        else "LeakyReLU, negative slopes " + ", ".join(slopes[:5] + (["..."] if len(slopes) > 5 else []))
    )
    widths = " -> ".join(map(str, (verdict.inputs, *verdict.widths)))
    return [
        "VERIFIED",
        f"widths: {widths} (inputs -> hidden layers -> outputs; {activation})",
        f"domain: {verdict.domain}",
        f"regions: {verdict.regions}, edges: {verdict.edges}, linear pieces: {verdict.linear_pieces}",
    ]


def _read_certificate(path: str) -> bytes:
    try:
        size = Path(path).stat().st_size
        if size > MAX_FILE_BYTES:
            raise MalformedCertificate(f"certificate of {size:,} bytes exceeds the limit of {MAX_FILE_BYTES:,}")
        return Path(path).read_bytes()
    except OSError as exc:
        raise MalformedCertificate(f"cannot read {path}: {exc.strerror or exc}") from None


def _checker_error(exc: Exception) -> int:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    print(f"exactrelu-checker: error: {text}", file=sys.stderr)
    return 2

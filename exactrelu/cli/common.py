"""What the commands share: the network and domain options, reading inputs, checking and writing
outputs, and argparse errors as one line."""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, NoReturn

import exactrelu_checker
from exactrelu_checker import MalformedCertificate

from ..errors import InvalidArgument, InvalidNumber, counted
from ..example import EXAMPLE
from ..geometry.domain import Domain, parse_box, read_polytope
from ..interrupts import SHIELD, release
from ..loaders import load
from ..network import Network
from ..partition import default_domain
from ..rational import parse_rational_text
from ..slices import network_slice, parse_axes, parse_values, read_points, slice_axes, slice_through

__all__ = [
    "Parser",
    "UsageError",
    "add_network_options",
    "check_output",
    "describe",
    "describe_slice",
    "apply_slice_options",
    "load_inputs",
    "load_network",
    "usage_message",
    "write",
    "parse_activation",
    "positive_int",
    "add_list_option",
    "add_parallel_options",
    "parallel_options",
    "local_jobs",
    "counted",
    "SMALL",
    "ACTIVATION_HELP",
]

TORCH_SUFFIXES = (".pt", ".pth")


class UsageError(Exception):
    """An argparse error, reported by :func:`exactrelu.cli.main` as one line (with a hint where one helps)."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def parse_activation(text: str) -> dict:
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


SMALL = 16  # commands list every item of results up to this size


def add_list_option(p: argparse.ArgumentParser, what: str) -> None:
    """``--list/--no-list``: print every item (``what``); default: when there are at most ``SMALL``."""
    p.add_argument(
        "--list",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"print every {what} (default: when there are at most {SMALL})",
    )


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is less than 1")
    return value


def add_parallel_options(p: argparse.ArgumentParser) -> None:
    """``--jobs``, ``--dask`` and ``--checkpoint`` (see :func:`parallel_options`)."""
    group = p.add_argument_group("parallel runs (the output is identical for any split)")
    group.add_argument(
        "--jobs",
        type=positive_int,
        default=None,
        metavar="N",
        help="processes sharing the work, or the workers of --dask local (default: every core; a run that ends "
        "within a fraction of a second starts no process)",
    )
    group.add_argument(
        "--dask",
        metavar="tcp://HOST:PORT|local",
        help="walk the sub-trees on Dask: a running scheduler, or local for a cluster of --jobs workers here "
        "(needs the dask extra)",
    )
    group.add_argument(
        "--checkpoint",
        metavar="DIR",
        help="keep finished parts in DIR; a run killed and started again with the same arguments resumes",
    )


def parallel_options(args: argparse.Namespace) -> dict:
    """The keywords ``jobs``, ``checkpoint`` and ``dask`` for :func:`~exactrelu.partition.partition`."""
    if args.jobs is not None and args.dask not in (None, "local"):
        raise InvalidArgument("--jobs counts local processes; a Dask scheduler brings its own workers (drop --jobs)")
    jobs = local_jobs(args.jobs) if args.dask in (None, "local") else 1
    return {"jobs": jobs, "checkpoint": args.checkpoint, "dask": args.dask}


def local_jobs(asked: int | None) -> int:
    """``--jobs`` on this machine (default: every core); a typo such as ``--jobs 100000`` would
    start that many processes at once, so more than four per core (and more than 64) is refused."""
    cores = available_cores()
    if asked is None:
        return cores
    most = max(64, 4 * cores)
    if asked > most:
        raise InvalidArgument(
            f"--jobs {asked}: more processes than this machine can use ({cores} cores; at most {most})"
        )
    return asked


def available_cores() -> int:
    """The cores this process may run on (a container or ``taskset`` may allow fewer than the machine has)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


ACTIVATION_HELP = (
    "the activation between the layers of a PyTorch state dict, which does not record it: "
    "relu or leaky_relu:SLOPE (slope read exactly, e.g. leaky_relu:1/100)"
)


def add_network_options(p: argparse.ArgumentParser, *, output_help: str, output_required: bool) -> None:
    p.add_argument(
        "net",
        nargs="?",
        metavar="NET",
        help="network file (.json .npz .nnet .onnx .pt .pth); default: the built-in example",
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument("--box", metavar="LO:HI,...", help="input box, e.g. --box=-1/2:3/2,0:1")
    group.add_argument("--polytope", metavar="FILE", help='JSON {"A": [[...]], "b": [...]} meaning A x <= b')
    p.add_argument("--activation", type=parse_activation, metavar="relu|leaky_relu:SLOPE", help=ACTIVATION_HELP)
    plane = p.add_argument_group("exact 2-D slice (composed into the first layer; docs/figures.md)")
    how = plane.add_mutually_exclusive_group()
    how.add_argument("--axes", metavar="I,J", help="vary inputs I and J (0-based) and fix the others at --at")
    how.add_argument(
        "--through", metavar="POINTS.json", help="the plane x = p0 + s (p1 - p0) + t (p2 - p0) through three points"
    )
    plane.add_argument(
        "--at", metavar="V1,...,Vd", help="with --axes: a value for every input (those at I and J are ignored)"
    )
    p.add_argument("-o", "--output", metavar="FILE", required=output_required, help=output_help)
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )


def usage_message(message: str, argv: list[str]) -> str:
    """argparse's message, with a hint for ``--box -1:1,...`` (argparse takes ``-1:1`` for an option)."""
    if message.startswith("argument --at: expected one argument"):
        return f"{message}; values starting with '-' must be joined with '=': --at=-1/2,0,..."
    if message.startswith("argument --box: expected one argument"):
        position = argv.index("--box") if "--box" in argv else -1
        value = argv[position + 1] if 0 <= position < len(argv) - 1 else ""
        if not (value[:1] == "-" and value[1:2] in set("0123456789.")):  # not a negative bound: nothing to join
            return f"{message}, e.g. --box=0:1,0:1"
        return f"{message}; a box whose first bound is negative must be joined with '=': --box={value}"
    return message


def load_network(path: str | None, activation: dict | None) -> Network:
    if activation is not None and (path is None or Path(path).suffix.lower() not in TORCH_SUFFIXES):
        what = "the built-in example" if path is None else f"network file {path}"
        raise InvalidArgument(
            f"--activation is only for PyTorch state dicts (.pt, .pth); {what} records its own activations"
        )
    return EXAMPLE if path is None else load(path, **(activation or {}))


def apply_slice_options(net: Network, args: argparse.Namespace) -> Network:
    """The network on the plane that ``--axes I,J --at V...`` or ``--through POINTS.json`` name
    (exact; :mod:`exactrelu.slices`), or ``net`` itself without them."""
    axes, at, through = (getattr(args, name, None) for name in ("axes", "at", "through"))
    if at is not None and axes is None:
        raise InvalidArgument("--at gives the fixed values of an --axes slice; add --axes I,J")
    if axes is not None:
        i, j = parse_axes(axes)
        if at is None and net.n_inputs != 2:
            raise InvalidArgument(
                f"--axes {axes} needs --at with a value for each of the {net.n_inputs} inputs (those at I, J ignored)"
            )
        return slice_axes(net, i, j, parse_values(at) if at is not None else (0,) * net.n_inputs)
    if through is not None:
        return slice_through(net, *read_points(through))
    return net


def describe_slice(net: Network) -> str | None:
    """``slice: ...`` for a sliced network, else None."""
    plane = network_slice(net)
    if plane is None:
        return None
    return f"slice of {plane.inputs} inputs: {plane.describe()}"


def load_inputs(
    args: argparse.Namespace, before_domain: Callable[[Network], None] | None = None
) -> tuple[Network, Domain]:
    """The network (sliced as asked) and the domain; ``before_domain`` may refuse the network
    before the domain is read."""
    refuse_output_over_inputs(args)
    net = apply_slice_options(load_network(args.net, args.activation), args)
    if before_domain is not None:
        before_domain(net)
    return net, domain_option(args, net)


def refuse_output_over_inputs(args: argparse.Namespace, *more: tuple[str, str], net: str = "network") -> None:
    """``-o`` naming the ``net`` file (the network, or what else the command reads there), polytope or
    slice-points file, or one of ``more`` ``(what, path)``, would replace it with the output."""
    output = getattr(args, "output", None)
    if output is None or output == "-" or not Path(output).is_file():
        return
    for what, given in (
        (net, getattr(args, "net", None)),
        ("polytope", getattr(args, "polytope", None)),
        ("slice points", getattr(args, "through", None)),
        *more,
    ):
        if given is not None and Path(given).is_file() and os.path.samefile(output, given):
            raise InvalidArgument(f"cannot write {output}: it is the {what} file read; the output would replace it")


def domain_option(args: argparse.Namespace, net: Network) -> Domain:
    """The domain of ``--box`` or ``--polytope``, else the network's own default box."""
    if args.box is not None:
        return parse_box(args.box)
    if args.polytope is not None:
        return read_polytope(args.polytope, net.n_inputs)
    return default_domain(net)


def describe(net: Network) -> str:
    """``numbers read as ...`` and, for a state dict, the activation the user stated."""
    stated = net.metadata.get("activation")
    return f"numbers read as {net.reading}" + (f"; activations as stated: {stated}" if stated else "")


def check_output(destination: str | None) -> None:
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
    target = Path(os.path.realpath(path))  # a symbolic link (even dangling) stays: its target is written
    existed = target.exists()
    try:
        with open(target, "a", encoding="utf-8"):  # creates, never truncates
            pass
    except OSError as exc:
        raise InvalidArgument(f"cannot write {destination}: {exc.strerror or exc}") from None
    if not existed:
        with contextlib.suppress(OSError):
            target.unlink()


def read_certificate_file(path: str) -> dict:
    """A certificate file's JSON (plain or gzip-compressed), read by the checker's own reader."""
    try:
        data = exactrelu_checker.read_json(Path(path), "certificate")
    except (MalformedCertificate, ValueError) as exc:
        raise InvalidArgument(f"{path}: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise InvalidArgument(f"{path}: not a certificate (a JSON object was expected)")
    return data


def write_bytes(data: bytes, destination: str) -> None:
    """Write ``data`` to a file (one line naming the problem if that fails), as :func:`write_stream` does."""
    _write_file(destination, "wb", lambda f: f.write(data))


def write_stream(destination: str, writer: Callable[[IO[str]], None]) -> None:
    """Let ``writer`` write to a file, or to stdout for ``-`` (for documents too big to hold).  A
    file is written beside its destination and renamed there when complete, so an error or a Ctrl-C
    while writing leaves no truncated document (a device or pipe is written in place)."""
    if destination == "-":
        writer(sys.stdout)
        return
    _write_file(destination, "w", writer)


def write(text: str, destination: str) -> None:
    """Write ``text`` to a file (as :func:`write_stream` does), or to stdout for ``-``."""
    if destination == "-":
        print(text)
        return
    _write_file(destination, "w", lambda f: f.write(text + "\n"))


def _write_file(destination: str, mode: str, writer: Callable) -> None:
    """``writer(file)`` on a file beside ``destination``, renamed to it when complete (a device or
    pipe: in place); an error names the destination in one line."""
    in_place = os.path.exists(destination) and not os.path.isfile(destination)
    path = Path(destination if in_place else os.path.realpath(destination))  # a link's target is replaced
    part = path if in_place else path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        try:
            with open(part, mode, encoding=None if "b" in mode else "utf-8") as f:
                writer(f)
            if not in_place:
                os.replace(part, path)
        except BaseException:
            SHIELD[0] += 1  # first (see exactrelu.interrupts): a Ctrl-C waits until the part is gone
            try:
                if not in_place:
                    part.unlink(missing_ok=True)
            finally:
                release()
            raise
    except OSError as exc:
        raise InvalidArgument(f"cannot write {destination}: {exc.strerror or exc}") from None

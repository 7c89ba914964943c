"""The ``exactrelu`` command line.

Exit codes: 0 success, 1 a negative verdict, 2 bad input or usage (one line on stderr, never a
traceback), 130 interrupted (what was found is still written, marked incomplete).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .errors import ExactReluError

__all__ = ["main"]

SMALL = 16  # print every region of partitions up to this size


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(2, f"exactrelu: error: {message} (see --help)\n")


def _add_domain_options(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--box", metavar="LO:HI,...", help="input box, e.g. --box=-1/2:3/2,0:1")
    group.add_argument("--polytope", metavar="FILE", help='JSON {"A": [[...]], "b": [...]} meaning A x <= b')


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="exactrelu", description="Exact, certified geometry of ReLU networks.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    p = sub.add_parser("regions", help="enumerate every activation region exactly")
    p.add_argument("net", nargs="?", metavar="NET",
                   help="network file (.json .npz .nnet .onnx .pt); default: the built-in example")
    _add_domain_options(p)
    p.add_argument("-o", "--output", metavar="OUT.json", help="write the partition JSON here ('-' for stdout)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    p.add_argument("--list", action=argparse.BooleanOptionalAction, default=None,
                   help=f"print every region (default: when there are at most {SMALL})")
    p.add_argument("--engine", choices=("auto", "dd", "lp"), default="auto",
                   help="dd: vertex enumeration (fast, low dimension); lp: exact LPs (any dimension); "
                        "auto: lp above 10 inputs")
    c = sub.add_parser("certify", help="enumerate and write a certificate the checker verifies")
    c.add_argument("net", nargs="?", metavar="NET", help="network file; default: the built-in example")
    _add_domain_options(c)
    c.add_argument("-o", "--output", metavar="CERT.json", required=True, help="certificate file ('-' for stdout)")
    c.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    k = sub.add_parser("check", help="verify a certificate independently (VERIFIED / NOT VERIFIED)")
    k.add_argument("certificate", metavar="CERT.json")
    k.add_argument("--network", metavar="FILE", help="also require the certificate's SHA-256 to match this file")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "regions":
            return _regions(args)
        if args.command == "certify":
            return _certify(args)
        if args.command == "check":
            return _check(args)
    except ExactReluError as exc:
        print(f"exactrelu: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        print(f"exactrelu: error: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("exactrelu: interrupted", file=sys.stderr)
        return 130
    return 2  # pragma: no cover - argparse rejects unknown commands


def _load_inputs(args):
    from .example import EXAMPLE
    from .geometry.domain import parse_box, read_polytope
    from .loaders import load
    from .partition import default_domain

    net = EXAMPLE if args.net is None else load(args.net)
    if args.box is not None:
        domain = parse_box(args.box)
    elif args.polytope is not None:
        domain = read_polytope(args.polytope)
    else:
        domain = default_domain(net)
    return net, domain


def _write(text: str, destination: str) -> None:
    """Write ``text`` to a file, or to stdout for ``-``."""
    if destination == "-":
        print(text)
    else:
        Path(destination).write_text(text + "\n", encoding="utf-8")


def _regions(args) -> int:
    from .export.display import region_lines
    from .partition import partition
    from .progress import region_progress

    net, domain = _load_inputs(args)
    with region_progress(args.progress) as on_region:
        result = partition(net, domain, progress=on_region, engine=args.engine)
    if args.output:
        _write(json.dumps(result.to_json(), indent=1), args.output)
    out = sys.stderr if args.output == "-" else sys.stdout
    s = result.summary()
    name = net.source or "network"
    print(f"{name}: {net.n_inputs} inputs, hidden widths {list(net.hidden_widths)}, {net.n_outputs} outputs "
          f"(numbers read as {net.reading})", file=out)
    print(f"domain: {domain.describe()}", file=out)
    print(f"regions: {s['regions']}  edges: {s['edges']}  linear pieces: {s['linear_pieces']}  "
          f"seconds: {result.seconds:.2f}" + ("" if result.complete else "  INCOMPLETE (interrupted)"), file=out)
    show = args.list if args.list is not None else len(result.regions) <= SMALL
    if show:
        hidden = net.metadata.get("hidden_names")
        for i, region in enumerate(result.regions):
            for line in region_lines(i, region, net.input_names, net.output_names, hidden):
                print(line, file=out)
    return 0 if result.complete else 130


def _certify(args) -> int:
    from .partition import certify
    from .progress import region_progress

    net, domain = _load_inputs(args)
    try:
        with region_progress(args.progress) as on_region:
            cert = certify(net, domain, progress=on_region)
    except KeyboardInterrupt:
        print("exactrelu: interrupted: no certificate written (a certificate needs the whole partition)",
              file=sys.stderr)
        return 130
    text = json.dumps(cert, separators=(",", ":"))
    _write(text, args.output)
    if args.output != "-":
        s = cert["summary"]
        print(f"certificate for {s['regions']} regions, {s['edges']} edges, {s['linear_pieces']} linear pieces "
              f"written to {args.output} ({len(text):,} bytes)")
    return 0


def _check(args) -> int:
    import exactrelu_checker

    return exactrelu_checker.main([args.certificate] + (["--network", args.network] if args.network else []))

"""``exactrelu latex``: booktabs tables (regions, edges) and a TikZ picture, from a network or from
a certificate (checked first by the independent checker)."""

from __future__ import annotations

import argparse
import gzip
import sys
from dataclasses import replace
from pathlib import Path

import exactrelu_checker
from exactrelu_checker import MalformedCertificate

from ..errors import InvalidArgument, counted
from ..export.latex import DIGITS, MAX_DIGITS, latex_document
from ..export.tables import Tables, tables_from_certificate, tables_from_partition
from ..partition import partition
from ..progress import region_progress
from .common import (
    add_network_options,
    check_output,
    describe_slice,
    load_inputs,
    positive_int,
    read_certificate_file,
    refuse_output_over_inputs,
    write,
)
from .plot import parse_names

__all__ = ["add_parser", "run", "read_certificate"]

_NETWORK_ONLY = ("box", "polytope", "activation", "axes", "at", "through")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "latex",
        help="LaTeX tables of regions and edges and a TikZ picture (network or certificate)",
        description="NET may also be a certificate (CERT.json): it is checked first, and its regions, maps and "
        "edges are tabulated.",
    )
    add_network_options(p, output_help="the .tex file ('-' for stdout)", output_required=True)
    p.add_argument(
        "--max-digits",
        type=positive_int,
        default=MAX_DIGITS,
        metavar="N",
        help=f"a table is exact when every numerator and denominator has at most N digits (default {MAX_DIGITS}); "
        "otherwise it is rounded",
    )
    p.add_argument(
        "--digits",
        type=positive_int,
        default=DIGITS,
        metavar="N",
        help=f"significant digits of a rounded table (default {DIGITS})",
    )
    p.add_argument("--rows", type=positive_int, metavar="N", help="only the first N regions and N edges")
    p.add_argument("--names", type=parse_names, metavar="X,Y,...", help="input names (default: the network's)")
    p.add_argument("--output-names", type=parse_names, metavar="P,Q,...", help="output names (default: the network's)")
    p.add_argument("--picture", action=argparse.BooleanOptionalAction, default=True, help="TikZ picture (2 inputs)")
    p.add_argument("--fragment", action="store_true", help="no preamble: the tables and picture to \\input")


def read_certificate(path: str | None) -> dict | None:
    """The decoded certificate if ``path`` is a certificate file (``.json``, or ``.json.gz``
    compressed), else None (a network file)."""
    if path is None or not path.lower().endswith((".json", ".json.gz")) or not Path(path).is_file():
        return None
    try:
        with (gzip.open if path.lower().endswith(".gz") else open)(path, "rt", encoding="utf-8") as f:
            head = f.read(4096)
    except (OSError, UnicodeDecodeError, EOFError):
        return None
    if '"exactrelu-certificate"' not in head:
        return None
    data = read_certificate_file(path)
    return data if data.get("format") == "exactrelu-certificate" else None


def run(args: argparse.Namespace) -> int:
    check_output(args.output)
    refuse_output_over_inputs(args, net="network or certificate")
    cert = read_certificate(args.net)
    if cert is not None:
        given = [f"--{name}" for name in _NETWORK_ONLY if getattr(args, name, None) is not None]
        if given:
            raise InvalidArgument(f"{', '.join(given)}: a certificate carries its own network and domain")
        try:
            verdict = exactrelu_checker.check_certificate(cert)
        except MalformedCertificate as exc:
            raise InvalidArgument(f"certificate {args.net}: {exc}") from None
        if not verdict.verified:
            print(f"NOT VERIFIED: {verdict.reason} (no tables written)")
            return 1
        tables = tables_from_certificate(cert, source=args.net)
        note = f"From certificate {Path(args.net).name}, VERIFIED by exactrelu_checker."
        complete = True
    else:
        net, domain = load_inputs(args)
        with region_progress(args.progress) as on_region:
            result = partition(net, domain, progress=on_region)
        tables = tables_from_partition(result)
        sliced = describe_slice(net)
        note = f"From {net.source or 'a network'} on {domain.describe()}" + (f"; {sliced}" if sliced else "") + "."
        complete = result.complete
    tables = _renamed(tables, args.names, args.output_names)
    text = latex_document(
        tables,
        max_digits=args.max_digits,
        digits=args.digits,
        rows=args.rows,
        picture=args.picture,
        fragment=args.fragment,
        note=note + ("" if complete else " INCOMPLETE (interrupted)."),
    )
    write(text.rstrip("\n"), args.output)
    picture = "with a TikZ picture" if args.picture and tables.dim == 2 else "no picture"
    print(
        f"LaTeX tables of {counted(len(tables.regions), 'region')} and {counted(len(tables.edges), 'edge')} ({picture}) "
        f"written to {'stdout' if args.output == '-' else args.output}",
        file=sys.stderr if args.output == "-" else sys.stdout,  # stdout holds the LaTeX then
    )
    return 0 if complete else 130


def _renamed(tables: Tables, names: list[str] | None, outputs: list[str] | None) -> Tables:
    """Names given on the command line (a certificate records none: x1, ..., y1, ...)."""
    if names is not None:
        if len(names) != tables.dim:
            raise InvalidArgument(f"--names gives {len(names)} names for {tables.dim} inputs")
        tables = replace(tables, input_names=tuple(names))
    if outputs is not None:
        if len(outputs) != len(tables.output_names):
            raise InvalidArgument(f"--output-names gives {len(outputs)} names for {len(tables.output_names)} outputs")
        tables = replace(tables, output_names=tuple(outputs))
    return tables

"""``exactrelu report``: an interactive HTML report of a 2-D partition, one self-contained file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InvalidArgument, counted
from ..export.report import report_html, require_plane, summarize
from ..partition import partition
from ..progress import region_progress
from .common import add_network_options, check_output, load_inputs, write
from .plot import parse_names

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="an interactive HTML report of a 2-D partition (one self-contained file)")
    add_network_options(p, output_help="the .html file ('-' for stdout)", output_required=True)
    p.add_argument("--names", type=parse_names, metavar="X,Y", help="axis names (default: the network's input names)")
    p.add_argument("--title", metavar="TEXT", help="the page's heading (default: names the network's source)")


def run(args: argparse.Namespace) -> int:
    if args.output != "-" and Path(args.output).suffix.lower() not in (".html", ".htm"):
        raise InvalidArgument(f"cannot write {args.output}: a report is written to a .html file (or - for stdout)")
    check_output(args.output)
    net, domain = load_inputs(args, before_domain=lambda net: require_plane(net.n_inputs))
    with region_progress(args.progress) as on_region:
        result = partition(net, domain, progress=on_region)
    page = report_html(result, title=args.title, names=args.names)
    write(page, args.output)
    s = summarize(result)
    print(
        f"report ({counted(s.regions, 'region')}, {counted(s.edges, 'edge')}, {counted(s.linear_pieces, 'linear piece')}, "
        f"{counted(s.boundary_pieces, 'decision-boundary piece')}; {len(page.encode()) / 1000:.1f} kB) written to {'stdout' if args.output == '-' else args.output}",
        file=sys.stderr if args.output == "-" else sys.stdout,
    )
    return 0 if result.complete else 130

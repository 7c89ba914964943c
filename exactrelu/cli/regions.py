"""``exactrelu regions``: every activation region, a summary, the partition JSON."""

from __future__ import annotations

import argparse
import sys
import time

from ..export.display import region_lines
from ..partition import partition
from ..progress import region_progress
from .common import (
    SMALL,
    add_list_option,
    add_network_options,
    add_parallel_options,
    check_output,
    counted,
    describe,
    describe_slice,
    load_inputs,
    parallel_options,
    write_stream,
)

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("regions", help="enumerate every activation region exactly")
    add_network_options(p, output_help="write the partition JSON here ('-' for stdout)", output_required=False)
    add_list_option(p, "region")
    p.add_argument(
        "--engine",
        choices=("auto", "dd", "lp"),
        default="auto",
        help="dd: vertex enumeration (fast, low dimension); lp: exact LPs (any dimension); auto: lp above 10 inputs",
    )
    p.add_argument(
        "--geometry",
        action="store_true",
        help="add every region's exact vertices and facets (row, carriers, neighbours) to the partition JSON",
    )
    add_parallel_options(p)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    check_output(args.output)
    parallel = parallel_options(args)
    net, domain = load_inputs(args)
    with region_progress(args.progress) as on_region:
        # the partition JSON, summary and listing need no vertices (--geometry does): dropped once matched
        result = partition(net, domain, progress=on_region, engine=args.engine, keep_vertices=args.geometry, **parallel)
    if args.output:
        write_stream(args.output, lambda stream: result.write_json(stream, geometry=args.geometry))
    out = sys.stderr if args.output == "-" else sys.stdout
    s = result.summary()
    name = net.source or "network"
    total = time.perf_counter() - started
    print(
        f"{name}: {counted(net.n_inputs, 'input')}, hidden widths {list(net.hidden_widths)}, {counted(net.n_outputs, 'output')} "
        f"({describe(net)})",
        file=out,
    )
    if describe_slice(net):
        print(describe_slice(net), file=out)
    print(f"domain: {domain.describe()}", file=out)
    print(
        f"regions: {s['regions']}  edges: {s['edges']}  linear pieces: {s['linear_pieces']}  "
        f"seconds: {result.seconds:.2f} enumeration ({total:.2f} total with loading and writing)"
        + ("" if result.complete else "  INCOMPLETE (interrupted)"),
        file=out,
    )
    show = args.list if args.list is not None else s["regions"] <= SMALL
    if show:
        hidden = net.metadata.get("hidden_names")
        for i, region in enumerate(result.regions):
            for line in region_lines(i, region, net.input_names, net.output_names, hidden):
                print(line, file=out)
    return 0 if result.complete else 130

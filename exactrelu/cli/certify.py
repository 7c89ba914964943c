"""``exactrelu certify``: the partition with the evidence the independent checker needs."""

from __future__ import annotations

import argparse
import gzip
import json

from ..certificate.limits import refuse_long_inputs, refuse_long_numbers
from ..certificate.producer import compact
from ..engines.run import choose_engine
from ..errors import counted
from ..partition import certify
from ..progress import region_progress
from .common import (
    add_network_options,
    add_parallel_options,
    check_output,
    load_inputs,
    parallel_options,
    write,
    write_bytes,
)

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    c = sub.add_parser("certify", help="enumerate and write a certificate the checker verifies")
    add_network_options(
        c,
        output_help="certificate file ('-' for stdout; a name ending in .gz is written gzip-compressed)",
        output_required=True,
    )
    c.add_argument(
        "--boundary", action="store_true", help="also certify the exact decision boundary (the optional key 'boundary')"
    )
    c.add_argument(
        "--compact",
        action="store_true",
        help="leave out each region's map, which the checker recomputes (about 4x smaller; docs/certificate.md)",
    )
    add_parallel_options(c)
    c.add_argument(
        "--engine",
        choices=("auto", "dd", "lp"),
        default="auto",
        help="dd: the vertex form (at most 10 inputs); lp: the constraint form, any dimension, one process, no "
        "--boundary (docs/certificate.md); auto (default): lp above 10 inputs",
    )


def run(args: argparse.Namespace) -> int:
    check_output(args.output)
    parallel = parallel_options(args)
    net, domain = load_inputs(args)
    refuse_long_inputs(net, domain)  # before any work: numbers the checker would refuse
    if args.jobs is None and choose_engine(args.engine, domain.dim) == "lp":
        parallel["jobs"] = 1  # the constraint form is made in one process: only an explicit --jobs is refused
    with region_progress(args.progress) as on_region:
        cert = certify(net, domain, progress=on_region, boundary=args.boundary, engine=args.engine, **parallel)
    text = json.dumps(compact(cert) if args.compact else cert, separators=(",", ":"))
    refuse_long_numbers(cert, text)
    size = len(text)
    if args.output.endswith(".gz"):  # gzip (fixed header time: the same bytes every run); the checker reads it
        packed = gzip.compress(text.encode("utf-8"), mtime=0)
        size = len(packed)
        write_bytes(packed, args.output)
    else:
        write(text, args.output)
    if args.output != "-":
        s = cert["summary"]
        pieces = f", {counted(len(cert['boundary']['pieces']), 'boundary piece')}" if "boundary" in cert else ""
        print(
            f"certificate for {counted(s['regions'], 'region')}, {counted(s['edges'], 'edge')}, "
            f"{counted(s['linear_pieces'], 'linear piece')}{pieces} "
            f"written to {args.output} ({size:,} bytes)"
        )
    return 0

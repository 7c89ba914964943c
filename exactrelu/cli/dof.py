"""``exactrelu dof``: how many degrees of freedom continuity leaves on the partition."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import counted
from ..partition import partition
from ..progress import region_progress
from .common import add_network_options, check_output, load_inputs, write

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("dof", help="dimension of the continuous piecewise-affine functions on the partition")
    add_network_options(p, output_help="write the numbers as JSON here ('-' for stdout)", output_required=False)


def run(args: argparse.Namespace) -> int:
    check_output(args.output)
    net, domain = load_inputs(args)
    with region_progress(args.progress) as on_region:
        result = partition(net, domain, progress=on_region)
    if not result.complete:
        print("exactrelu dof: interrupted before every region was found: nothing written", file=sys.stderr)
        return 130
    numbers = result.dof().to_json()
    if args.output:
        write(json.dumps(numbers, indent=1), args.output)
    out = sys.stderr if args.output == "-" else sys.stdout  # stdout holds the JSON then
    print(f"{counted(len(result.regions), 'region')} in {counted(domain.dim, 'dimension')}", file=out)
    print(
        f"continuous_dim: {numbers['continuous_dim']}  (functions affine on every region and continuous "
        "across every shared facet; the same for every output)",
        file=out,
    )
    print(f"free_dim: {numbers['free_dim']}  (regions x (inputs + 1): affine on every region, no continuity)", file=out)
    print(f"parameters: {numbers['parameters']}  (the network's weights and biases)", file=out)
    return 0

"""``exactrelu diff``: two networks compared exactly on one domain (exactrelu.comparison)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from fractions import Fraction
from typing import TextIO

from ..comparison import Comparison, compare_partitions
from ..errors import InvalidArgument
from ..network import Network
from ..partition import partition
from ..progress import region_progress
from ..rational import format_rational
from .common import (
    ACTIVATION_HELP,
    SMALL,
    add_list_option,
    check_output,
    counted,
    describe,
    domain_option,
    load_network,
    parse_activation,
    refuse_output_over_inputs,
    write,
)

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("diff", help="compare two networks exactly on one domain (exit 0: the same function)")
    p.add_argument("a", metavar="A", help="first network file (.json .npz .nnet .onnx .pt .pth)")
    p.add_argument("b", metavar="B", help="second network file, with as many inputs and outputs")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--box", metavar="LO:HI,...", help="input box, e.g. --box=-1/2:3/2,0:1")
    group.add_argument("--polytope", metavar="FILE", help='JSON {"A": [[...]], "b": [...]} meaning A x <= b')
    p.add_argument("--activation", type=parse_activation, metavar="relu|leaky_relu:SLOPE", help=ACTIVATION_HELP)
    p.add_argument("-o", "--output", metavar="FILE", help="write the diff JSON here ('-' for stdout)")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )
    add_list_option(p, "changed cell")


def _num(v: Fraction) -> str:
    """Exact when short; a long value as a decimal approximation (the JSON of -o has it exactly)."""
    text = format_rational(v)
    if v.denominator < 10_000:
        return text
    return f"{text} (~{float(v):.6g})" if len(text) <= 40 else f"~{float(v):.6g} (exact: -o)"


def _point(net: Network, x: Sequence[Fraction]) -> str:
    return ", ".join(f"{name}={_num(v)}" for name, v in zip(net.input_names, x))


def _decision(net: Network, c: int | None) -> str:
    return "no class (a tie)" if c is None else f"class {c} ({net.output_names[c]})"


def _report(result: Comparison, show: bool, out: TextIO) -> None:
    a, b = result.a, result.b
    net = a.network
    print(f"domain: {a.domain.describe()}", file=out)
    print(
        f"regions: a {len(a.regions)}, b {len(b.regions)}; common refinement: {counted(len(result.pieces), 'cell')}; "
        f"regions only in a: {len(result.only_a)}, only in b: {len(result.only_b)}",
        file=out,
    )
    worst = ", ".join(f"{name} {_num(v)}" for name, v in zip(net.output_names, result.max_difference))
    print(
        f"maps differ on {len(result.map_changes)} of {counted(len(result.pieces), 'cell')}; max |a - b|: {worst}",
        file=out,
    )
    fraction = result.changed_fraction
    share = "" if fraction is None else f", {_num(fraction)} of the domain's volume"
    parts = len(result.decision_changes)
    if net.n_outputs == 1:
        print("decisions: one output, so the argmax is always class 0 (compare the outputs above)", file=out)
    else:
        print(f"decisions differ on {parts} part{'' if parts == 1 else 's'} of cells{share}", file=out)
    if show:
        for c in result.map_changes:
            diffs = ", ".join(
                f"{name} {_num(v)}" + (f" at {_point(net, x)}" if v else "")
                for name, v, x in zip(net.output_names, c.max_difference, c.at)
            )
            print(f"  cell a{c.first} b{c.second} (at {_point(net, c.point)}): max |a - b|: {diffs}", file=out)
        for d in result.decision_changes:
            volume = "" if d.volume is None else f", volume {_num(d.volume)}"
            print(
                f"  cell a{d.first} b{d.second}: a decides {_decision(net, d.class_a)}, "
                f"b {_decision(net, d.class_b)}{volume}, e.g. at {_point(net, d.witness)}",
                file=out,
            )
    verdict = "the same function on the domain" if result.same_function else "different functions on the domain"
    print(f"verdict: {verdict}", file=out)


def run(args: argparse.Namespace) -> int:
    check_output(args.output)
    refuse_output_over_inputs(args, ("network a", args.a), ("network b", args.b))
    net_a = load_network(args.a, args.activation)
    net_b = load_network(args.b, args.activation)
    for what, n_a, n_b in (("inputs", net_a.n_inputs, net_b.n_inputs), ("outputs", net_a.n_outputs, net_b.n_outputs)):
        if n_a != n_b:
            raise InvalidArgument(f"{args.a} has {n_a} {what} and {args.b} has {n_b}: they cannot be compared")
    domain = domain_option(args, net_a)
    with region_progress(args.progress) as on_region:
        pa = partition(net_a, domain, progress=on_region)
        pb = partition(net_b, pa.domain, progress=on_region)
    result = compare_partitions(pa, pb)
    if args.output:
        write(json.dumps(result.to_json(), indent=1), args.output)
    out = sys.stderr if args.output == "-" else sys.stdout
    for name, path, net in (("a", args.a, net_a), ("b", args.b, net_b)):
        print(
            f"{name}: {path}: {counted(net.n_inputs, 'input')}, hidden widths {list(net.hidden_widths)}, {counted(net.n_outputs, 'output')} "
            f"({describe(net)})",
            file=out,
        )
    show = args.list if args.list is not None else len(result.map_changes) + len(result.decision_changes) <= SMALL
    _report(result, show, out)
    return 0 if result.same_function else 1

"""``exactrelu boundary``: the exact decision boundary, the decision regions and a summary."""

from __future__ import annotations

import argparse
import json
import sys
from fractions import Fraction

from ..analysis.boundary import BoundaryPiece
from ..analysis.pieces import linear_piece_members
from ..export.display import affine_expression
from ..partition import partition
from ..progress import region_progress
from ..rational import format_rational
from .common import (
    SMALL,
    add_list_option,
    add_network_options,
    add_parallel_options,
    check_output,
    counted,
    load_inputs,
    parallel_options,
    write,
)

__all__ = ["add_parser", "run", "piece_equation"]


def add_parser(sub) -> None:
    p = sub.add_parser("boundary", help="the exact decision boundary and decision regions")
    add_network_options(p, output_help="write the boundary JSON here ('-' for stdout)", output_required=False)
    add_list_option(p, "piece as an equation")
    add_parallel_options(p)


def piece_equation(piece: BoundaryPiece, names) -> str:
    """The piece's hyperplane as an equation with its first variable's coefficient 1 (``X = 5/8``).

    >>> from exactrelu import EXAMPLE, partition
    >>> [piece_equation(p, EXAMPLE.input_names) for p in partition(EXAMPLE).boundary().pieces]
    ['X + Y = 5/4', 'X = 5/8']
    """
    b, *a = piece.hyperplane
    lead = next(v for v in a if v)
    weights = [Fraction(v, lead) for v in a]
    return f"{affine_expression(weights, Fraction(0), names)} = {format_rational(Fraction(-b, lead))}"


def run(args: argparse.Namespace) -> int:
    check_output(args.output)
    parallel = parallel_options(args)
    net, domain = load_inputs(args)
    with region_progress(args.progress) as on_region:
        result = partition(net, domain, progress=on_region, **parallel)
    boundary = result.boundary()
    decisions = result.decisions()
    summary = {
        "pieces": len(boundary.pieces),
        "components": boundary.components,
        "linear_pieces": result.linear_pieces,
        "ties": len(boundary.ties),
        "joins": len(boundary.joins),
        "per_pair": boundary.summary()["per_pair"],
        "complete": result.complete,
    }
    if args.output:
        data = result.to_json()
        data["format"] = "exactrelu-boundary"
        data.pop("summary")
        data |= {
            "pieces": [p.to_json() for p in boundary.pieces],
            "ties": [t.to_json() for t in boundary.ties],
            "joins": [j.to_json() for j in boundary.joins],
            "decision_regions": decisions.to_json(),
            "linear_pieces": linear_piece_members(result.regions, result.edges),
            "summary": summary,
        }
        write(json.dumps(data, indent=1), args.output)
    out = sys.stderr if args.output == "-" else sys.stdout
    classes = "the zero level set of the output" if net.n_outputs == 1 else f"argmax of {net.n_outputs} outputs"
    print(
        f"{counted(len(result.regions), 'region')}; decision boundary ({classes}): "
        f"{counted(summary['pieces'], 'piece')} in {counted(summary['components'], 'connected component')}, "
        f"{counted(summary['ties'], 'region')} where two outputs tie"
        + ("" if result.complete else "  INCOMPLETE (interrupted)"),
        file=out,
    )
    out_name = net.output_names[0]
    class_names = list(net.output_names) if net.n_outputs > 1 else [f"{out_name} <= 0", f"{out_name} >= 0"]
    for entry in decisions.summary()["per_class"]:
        holes = "" if entry["holes"] is None else f", {counted(entry['holes'], 'hole')}"
        print(
            f"class {entry['class']} ({class_names[entry['class']]}): wins in {counted(entry['regions'], 'region')} "
            f"({entry['whole_regions']} whole), {counted(entry['components'], 'connected component')}{holes}",
            file=out,
        )
    show = args.list if args.list is not None else len(boundary.pieces) <= SMALL
    if show:
        for i, piece in enumerate(boundary.pieces):
            pair = (
                " = ".join(net.output_names[k] for k in piece.classes)
                if len(piece.classes) > 1
                else (f"{net.output_names[0]} = 0")
            )
            where = (
                f"on facet {piece.facet} of region {piece.region}" if piece.on_facet else f"in region {piece.region}"
            )
            print(f"piece {i} ({pair}) {where}: {piece_equation(piece, net.input_names)}", file=out)
    return 0 if result.complete else 130

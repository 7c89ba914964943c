"""``exactrelu plot``: a figure of a 2-D partition (PNG, SVG or PDF) for papers (docs/figures.md)."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

from ..errors import InvalidArgument, counted
from ..export.figures import COLORINGS, partition_figure, require_plane, save_figure
from ..partition import partition
from ..progress import region_progress
from .common import add_network_options, check_output, load_inputs

__all__ = ["add_parser", "run", "parse_names", "positive_inches"]


def parse_names(text: str) -> list[str]:
    """``--names X,Y``: comma-separated names (surrounding spaces dropped)."""
    names = [n.strip() for n in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"{text!r}: expected names separated by commas, e.g. X,Y")
    return names


def positive_inches(text: str) -> float:
    """``--width``: a positive number of inches (3.5 and 7 are a paper's single and double column)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of inches") from None
    if not 0.5 <= value <= 40:
        raise argparse.ArgumentTypeError(f"{text} inches is outside 0.5..40")
    return value


def add_parser(sub) -> None:
    p = sub.add_parser("plot", help="draw a 2-D partition (PNG, SVG, PDF) with its decision boundary")
    add_network_options(p, output_help="figure file: .png, .svg or .pdf", output_required=True)
    p.add_argument(
        "--color",
        choices=COLORINGS,
        default="pattern",
        help="fill by activation pattern (adjacent regions differ), by linear piece, or by winning class "
        "(argmax of the outputs; one output: its sign), regions split exactly where the class changes",
    )
    p.add_argument("--labels", action="store_true", help="write region numbers where they fit inside their region")
    p.add_argument("--names", type=parse_names, metavar="X,Y", help="axis names (default: the network's input names)")
    p.add_argument(
        "--width", type=positive_inches, default=3.5, metavar="INCHES", help="3.5 (single column, default) or 7"
    )
    p.add_argument("--surface", action="store_true", help="one output: draw the output itself as a colour map")
    p.add_argument(
        "--boundary",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="overlay the decision boundary (one output: its zero level set; several: where the argmax changes)",
    )


def run(args: argparse.Namespace) -> int:
    suffix = Path(args.output).suffix.lower() if args.output != "-" else ""
    if suffix not in (".png", ".svg", ".pdf"):
        raise InvalidArgument(f"cannot write {args.output}: a figure is written to a .png, .svg or .pdf file")
    check_output(args.output)
    if importlib.util.find_spec("matplotlib") is None:
        raise InvalidArgument("plot needs matplotlib: pip install 'exactrelu[plot]'")
    net, domain = load_inputs(args, before_domain=lambda net: _drawable(net.n_inputs, net.n_outputs, args.surface))
    with region_progress(args.progress) as on_region:
        result = partition(net, domain, progress=on_region)
    fig, info = partition_figure(
        result,
        color=args.color,
        labels=args.labels,
        names=args.names,
        width=args.width,
        surface=args.surface,
        boundary=args.boundary,
    )
    save_figure(fig, args.output)
    shown = [counted(info.regions, "region"), "surface" if args.surface else f"colour: {args.color}"]
    if args.labels:
        small = "" if len(info.labelled) == info.regions else " (the others are too small at this width)"
        shown.append(f"labels on {len(info.labelled)} of {counted(info.regions, 'region')}{small}")
    if args.boundary:
        shown.append(f"decision boundary: {counted(info.segments, 'segment')}")
    print(f"figure ({'; '.join(shown)}) written to {args.output}")
    return 0 if result.complete else 130


def _drawable(inputs: int, outputs: int, surface: bool) -> None:
    require_plane(inputs)
    if surface and outputs != 1:
        raise InvalidArgument(f"--surface draws a single output; this network has {outputs}")

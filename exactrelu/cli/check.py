"""``exactrelu check``: the independent checker, optionally against a network file in any format."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import exactrelu_checker
from exactrelu_checker import MalformedCertificate

from ..certificate.model import network_json
from ..errors import InvalidArgument
from .common import ACTIVATION_HELP, describe, load_network, local_jobs, parse_activation, positive_int

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    k = sub.add_parser("check", help="verify a certificate independently (VERIFIED / NOT VERIFIED)")
    k.add_argument("certificate", metavar="CERT.json")
    k.add_argument(
        "--network",
        metavar="FILE",
        help="load this network file (any format) and require the certificate's network to equal it exactly",
    )
    k.add_argument(
        "--activation",
        type=parse_activation,
        metavar="relu|leaky_relu:SLOPE",
        help=ACTIVATION_HELP + "; with --network",
    )
    k.add_argument(
        "--jobs",
        type=positive_int,
        default=None,
        metavar="N",
        help="processes sharing the walk of the certificate's tree (default: every core; a certificate of "
        "fewer than a few hundred regions is checked in one process); the verdict does not depend on it",
    )


def run(args: argparse.Namespace) -> int:
    jobs = local_jobs(args.jobs)
    if args.network is None:
        if args.activation is not None:
            raise InvalidArgument("--activation describes the --network file; give --network FILE too")
        return exactrelu_checker.main([args.certificate, "--jobs", str(jobs)])
    net = load_network(args.network, args.activation)
    try:
        verdict = exactrelu_checker.check_certificate(Path(args.certificate), network=network_json(net), jobs=jobs)
    except MalformedCertificate as exc:
        return _checker_error(exc)
    lines = ["VERIFIED", *verdict.facts()] if verdict.verified else [f"NOT VERIFIED: {verdict.reason}"]
    print("\n".join(lines + [f"network: compared exactly with {args.network} ({describe(net)})"]))
    return 0 if verdict.verified else 1


def _checker_error(exc: Exception) -> int:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    print(f"exactrelu-checker: error: {text}", file=sys.stderr)
    return 2

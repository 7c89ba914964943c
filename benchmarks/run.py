"""Benchmark: exact partitions of the real networks in ../shared/nets.

For each case it checks the region and edge counts against ../shared/nets/README.md (two independent
float tools agree on them), times enumeration alone and the whole partition (facets, adjacency),
optionally the certificate, and prints regions per second.  To make numbers comparable across
machines it also times a baseline in the same process: exact forward passes of the same network
(Fractions) at as many points as there are regions, and prints each time as a ratio to it.

    python benchmarks/run.py                 # all cases
    python benchmarks/run.py --only bunny_2  # a subset (substring match)
    python benchmarks/run.py --certify       # also time certificate production and checking
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from fractions import Fraction
from pathlib import Path

from exactrelu import Domain, load, partition
from exactrelu.engines.run import enumerate_regions

NETS = Path(__file__).resolve().parents[2] / "shared" / "nets"
CENTRE = ("0.1", "0.05", "-0.1", "0.2", "-0.2")


def acas_box(radius: str) -> Domain:
    r = Fraction(radius)
    return Domain.box([(Fraction(c) - r, Fraction(c) + r) for c in CENTRE])


CASES = [
    # name, file, domain, expected regions, expected edges (../shared/nets/README.md)
    ("acasxu_1_1 c+-0.01", "acasxu_1_1.npz", lambda: acas_box("0.01"), 547, 1605),
    ("bunny_2_4x32", "bunny_2_4x32.npz", lambda: Domain.box([("-0.5", "0.5")] * 2), 1186, 2316),
    ("acasxu_1_1 c+-0.02", "acasxu_1_1.npz", lambda: acas_box("0.02"), 3675, 12850),
    ("bunny_3_3x16", "bunny_3_3x16.npz", lambda: Domain.box([("-0.5", "0.5")] * 3), 22713, 66295),
]


def forward_baseline(net, domain: Domain, count: int, sample: int = 200) -> float:
    """Seconds for ``count`` exact forward passes (timed on ``sample`` of them, scaled)."""
    rng = random.Random(0)
    scale = count / min(count, sample)
    count = min(count, sample)
    points = [[lo + (hi - lo) * Fraction(rng.randrange(1, 1000), 1000) for lo, hi in domain.bounds]
              for _ in range(count)]
    start = time.perf_counter()
    for p in points:
        net.forward(p)
    return (time.perf_counter() - start) * scale


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run the cases whose name contains this text")
    parser.add_argument("--certify", action="store_true", help="also produce and check certificates")
    parser.add_argument("--scaling", action="store_true",
                        help="time per region on bunny_3_3x16 for growing boxes (is it flat?)")
    args = parser.parse_args()
    if not NETS.exists():
        print(f"benchmark needs the shared networks at {NETS}", file=sys.stderr)
        return 2
    if args.scaling:
        return scaling()
    ok = True
    print(f"{'case':22} {'regions':>8} {'edges':>7} {'enum s':>8} {'all s':>8} {'regions/s':>10} "
          f"{'baseline s':>10} {'all/base':>9}" + ("   cert s  check s  bytes/region" if args.certify else ""))
    for name, file, make_domain, want_regions, want_edges in CASES:
        if args.only not in name:
            continue
        net, domain = load(NETS / file), make_domain()
        start = time.perf_counter()
        count = sum(1 for _ in enumerate_regions(net, domain))
        enum_seconds = time.perf_counter() - start
        result = partition(net, domain)
        regions, edges = len(result.regions), len(result.edges)
        baseline = forward_baseline(net, domain, regions)
        good = regions == want_regions and edges == want_edges and count == regions
        ok &= good
        line = (f"{name:22} {regions:>8} {edges:>7} {enum_seconds:>8.2f} {result.seconds:>8.2f} "
                f"{regions / result.seconds:>10.0f} {baseline:>10.2f} {result.seconds / baseline:>9.2f}")
        if args.certify:
            line += _certify_columns(net, domain, regions)
        print(line + ("" if good else f"   MISMATCH: expected {want_regions} regions, {want_edges} edges"))
    return 0 if ok else 1


def scaling() -> int:
    """Regions per second on one network as the box grows from ~1,000 to ~22,700 regions."""
    net = load(NETS / "bunny_3_3x16.npz")
    print(f"{'box':>14} {'regions':>8} {'enum s':>8} {'ms/region':>10} {'all s':>8} {'ms/region':>10}")
    for radius in ("0.1", "0.2", "0.3", "0.4", "0.5"):
        domain = Domain.box([("-" + radius, radius)] * 3)
        start = time.perf_counter()
        count = sum(1 for _ in enumerate_regions(net, domain))
        enum_seconds = time.perf_counter() - start
        result = partition(net, domain)
        print(f"{'[-' + radius + ', ' + radius + ']^3':>14} {count:>8} {enum_seconds:>8.2f} "
              f"{1000 * enum_seconds / count:>10.3f} {result.seconds:>8.2f} {1000 * result.seconds / count:>10.3f}")
    return 0


def _certify_columns(net, domain, regions: int) -> str:
    import exactrelu_checker
    from exactrelu import certify

    start = time.perf_counter()
    cert = json.dumps(certify(net, domain), separators=(",", ":"))
    produce = time.perf_counter() - start
    start = time.perf_counter()
    verdict = exactrelu_checker.check_certificate(cert)
    check = time.perf_counter() - start
    status = "" if verdict.verified else f"  NOT VERIFIED: {verdict.reason}"
    return f" {produce:>8.2f} {check:>8.2f} {len(cert) / regions:>13.0f}{status}"


if __name__ == "__main__":
    sys.exit(main())

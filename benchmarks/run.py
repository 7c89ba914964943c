"""Benchmark: ``exactrelu regions`` on the real networks in ../shared/nets, as a user runs it.

Every case is one whole ``python -m exactrelu regions NET --box ... --jobs=1 -o FILE`` process (start-up,
loading, enumeration, facets, adjacency and writing the JSON), timed by its CPU seconds (user +
system, from ``wait4``) with its peak resident memory (the process's own high-water mark, VmHWM;
kB/region: the peak above that of a run on the built-in example, i.e. above start-up, per region).  Region and edge counts are checked against
../shared/nets/README.md (two independent float tools agree on them).  To compare numbers across
machines, a baseline runs in this process: exact forward passes (Fractions) of the same network at
as many points as there are regions; every time is also printed as a ratio to it.  ``--against REF``
runs the same cases with the project as it was at git revision REF (a temporary worktree), so a
speed-up is measured side by side under the same load.

    python benchmarks/run.py                    # the default cases (about a minute)
    python benchmarks/run.py --large            # also acasxu_1_1 c+-0.03 and acasxu_2_1 c+-0.03
    python benchmarks/run.py --only bunny       # a subset (substring match)
    python benchmarks/run.py --against 4a2e57a  # beside an older revision
    python benchmarks/run.py --certify          # also certificate production, checking and size
    python benchmarks/run.py --jobs 2           # also wall time with 2 processes, and its ratio to one
    python benchmarks/run.py --jobs 2 --ceiling # ... and the best ratio this machine allows (see --help)
    python benchmarks/run.py --scaling --plot docs/img/time_per_region.png   # time against regions
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NETS = ROOT.parent / "shared" / "nets"
CENTRE = ("0.1", "0.05", "-0.1", "0.2", "-0.2")


def acas_box(radius: str) -> str:
    r = Fraction(radius)
    return ",".join(f"{Fraction(c) - r}:{Fraction(c) + r}" for c in CENTRE)


def cube(radius: str, dim: int) -> str:
    return ",".join([f"-{radius}:{radius}"] * dim)


@dataclass(frozen=True)
class Case:
    name: str
    file: str
    box: str
    regions: int
    edges: int | None  # None: ../shared/nets/README.md gives no edge count
    engine: str = "dd"
    large: bool = False


CASES = [
    Case("acasxu_1_1 c+-0.01", "acasxu_1_1.npz", acas_box("0.01"), 547, 1605),
    Case("acasxu_1_1 c+-0.01 lp", "acasxu_1_1.npz", acas_box("0.01"), 547, 1605, engine="lp"),
    Case("bunny_2_4x32", "bunny_2_4x32.npz", cube("1/2", 2), 1186, 2316),
    Case("acasxu_1_1 c+-0.02", "acasxu_1_1.npz", acas_box("0.02"), 3675, 12850),
    Case("bunny_3_3x16", "bunny_3_3x16.npz", cube("1/2", 3), 22713, 66295),
    Case("acasxu_1_1 c+-0.03", "acasxu_1_1.npz", acas_box("0.03"), 11884, None, large=True),
    Case("acasxu_2_1 c+-0.03", "acasxu_2_1.npz", acas_box("0.03"), 60711, None, large=True),
]

# Growing boxes on two networks: time per region against regions (is it flat?).
SCALING = [
    *(Case(f"bunny_3 [-{r},{r}]^3", "bunny_3_3x16.npz", cube(r, 3), 0, None) for r in ("0.1", "0.2", "0.3", "0.5")),
    *(Case(f"acasxu_1_1 c+-{r}", "acasxu_1_1.npz", acas_box(r), 0, None) for r in ("0.005", "0.01", "0.02", "0.03")),
]


@dataclass(frozen=True)
class Measured:
    regions: int
    edges: int
    cpu: float  # user + system seconds of the whole process
    wall: float
    peak_bytes: int
    output_bytes: int
    enumeration: float  # the seconds the run reports for its enumeration (the rest: start-up, loading, writing)


# ``python -m exactrelu`` that writes its own peak memory (VmHWM, kB) to the file named first as it
# exits.  ru_maxrss from wait4 would not do: a process started from this one begins with this
# process's high-water mark (which grows with the JSON files read back here).
_WITH_PEAK = """
import atexit, runpy, sys
out = sys.argv.pop(1)
def peak():
    with open("/proc/self/status") as status:
        kb = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(out, "w") as file:
        file.write(kb)
atexit.register(peak)
sys.argv[0] = "exactrelu"
runpy.run_module("exactrelu", run_name="__main__", alter_sys=True)
"""


def run_case(case: Case | None, source: Path, out_dir: Path, jobs: int = 1) -> Measured:
    """One whole ``exactrelu regions`` process on the project at ``source`` (None: the built-in
    example, whose peak memory is the start-up's) with ``jobs`` processes (CPU seconds include the
    helper processes)."""
    out = out_dir / "partition.json"
    env = dict(os.environ, PYTHONPATH=str(source))
    inputs = [] if case is None else [str(NETS / case.file), f"--box={case.box}", f"--engine={case.engine}"]
    if "--jobs" in (source / "exactrelu" / "cli" / "common.py").read_text():  # older revisions: one process only
        inputs.append(f"--jobs={jobs}")
    peak = out_dir / "peak-kB"
    command = [sys.executable, "-c", _WITH_PEAK, str(peak), "regions", *inputs, "-o", str(out), "--no-progress",
               "--no-list"]
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, cwd=out_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    summary = proc.stdout.read().decode()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{case.name if case else 'example'}: exit {proc.returncode}: {proc.stderr.read().decode()[-400:]}")  # type: ignore[union-attr]
    with open(out) as f:
        data = json.load(f)
    size = out.stat().st_size
    out.unlink()
    peak_kb = int(peak.read_text()) if peak.exists() else usage.ru_maxrss
    peak.unlink(missing_ok=True)
    found = re.search(r"seconds: ([0-9.]+) enumeration", summary)
    return Measured(len(data["regions"]), len(data["edges"]), usage.ru_utime + usage.ru_stime, wall,
                    peak_kb * 1024, size, float(found.group(1)) if found else float("nan"))


def concurrent_walls(case: Case, source: Path, out_dir: Path, copies: int) -> list[float]:
    """Wall seconds of ``copies`` one-process runs of ``case`` started together: how much slower
    each is than alone shows how much of a second core this machine really gives."""
    dirs = [out_dir / f"copy{i}" for i in range(copies)]
    for d in dirs:
        d.mkdir(exist_ok=True)
    with ThreadPoolExecutor(copies) as pool:
        return [m.wall for m in pool.map(lambda d: run_case(case, source, d), dirs)]


def forward_baseline(case: Case, count: int, sample: int = 10) -> float:
    """Seconds for ``count`` exact forward passes of the case's network (``sample`` timed, scaled)."""
    sys.path.insert(0, str(ROOT))
    from exactrelu import Domain, load  # the project under test, not an installed copy

    net = load(NETS / case.file)
    bounds = Domain.box([tuple(side.split(":")) for side in case.box.split(",")]).bounds
    rng = random.Random(0)
    n = min(count, sample)
    points = [[lo + (hi - lo) * Fraction(rng.randrange(1, 1000), 1000) for lo, hi in bounds] for _ in range(n)]
    best = float("inf")
    for _ in range(3):  # the least of three: the machine's speed, not its load
        started = time.perf_counter()
        for p in points:
            net.forward(p)
        best = min(best, time.perf_counter() - started)
    return best * count / n


def compiled(source: Path) -> Path:
    """``source`` with its modules' bytecode written, as an installed copy has it (``pip install``
    compiles it; a run under PYTHONDONTWRITEBYTECODE, like this project's CI machine, would otherwise
    compile every module again in every process: 0.13 s of each run here)."""
    for package in ("exactrelu", "exactrelu_checker"):
        compileall.compile_dir(str(source / package), quiet=1)
    return source


def worktree(ref: str, where: Path) -> Path:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(where), ref], check=True,
                   capture_output=True)
    return where


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run the cases whose name contains this text")
    parser.add_argument("--large", action="store_true", help="also the cases of 10,000 regions and more")
    parser.add_argument("--against", metavar="REF", help="also run every case on git revision REF")
    parser.add_argument("--certify", action="store_true", help="also produce and check certificates")
    parser.add_argument("--scaling", action="store_true", help="time per region as boxes grow")
    parser.add_argument("--jobs", type=int, metavar="N",
                        help="also run every case with N processes: wall seconds and their ratio to one process")
    parser.add_argument("--ceiling", action="store_true",
                        help="with --jobs N: also N one-process runs at once, and the best ratio this machine allows")
    parser.add_argument("--plot", metavar="PNG", help="with --scaling: draw time per region against regions")
    parser.add_argument("--repeat", type=int, default=1, help="runs per case (the median is shown)")
    args = parser.parse_args()
    if not NETS.exists():
        print(f"benchmark needs the shared networks at {NETS}", file=sys.stderr)
        return 2
    cases = SCALING if args.scaling else [c for c in CASES if args.large or not c.large]
    cases = [c for c in cases if args.only in c.name]
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        compiled(ROOT)
        ref = compiled(worktree(args.against, tmp_dir / "ref")) if args.against else None
        try:
            rows = table(cases, tmp_dir, ref, args)
        finally:
            if ref is not None:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(ref)], check=False)
    if args.plot and args.scaling:
        plot(rows, Path(args.plot))
    return 0 if all(ok for _, _, ok in rows) else 1


def table(cases: list[Case], tmp: Path, ref: Path | None, args) -> list[tuple[Case, Measured, bool]]:
    header = (f"{'case':24} {'regions':>8} {'edges':>7} {'cpu s':>7} {'regions/s':>9} {'peak MB':>8} "
              f"{'kB/region':>9} {'base s':>7} {'cpu/base':>8}")
    startup = run_case(None, ROOT, tmp).peak_bytes  # kB/region counts what the regions add to it
    if ref is not None:
        header += f" {'ref cpu s':>9} {'ref MB':>7} {'speed-up':>8}"
    if args.jobs:
        header += f" {'wall s':>7} {f'jobs {args.jobs} s':>9} {'ratio':>6}"
        if args.ceiling:
            header += f" {'serial s':>8} {f'{args.jobs} at once':>10} {'ceiling':>7}"
    if args.certify:
        header += f" {'cert s':>7} {'check s':>7} {'B/region':>9}"
    print(header, flush=True)
    rows = []
    for case in cases:
        runs = sorted((run_case(case, ROOT, tmp) for _ in range(args.repeat)), key=lambda m: m.cpu)
        m = runs[len(runs) // 2]
        ok = (case.regions in (0, m.regions)) and case.edges in (None, m.edges)
        base = forward_baseline(case, m.regions)
        line = (f"{case.name:24} {m.regions:>8} {m.edges:>7} {m.cpu:>7.2f} {m.regions / m.cpu:>9.0f} "
                f"{m.peak_bytes / 2**20:>8.0f} {(m.peak_bytes - startup) / m.regions / 1000:>9.1f} {base:>7.2f} "
                f"{m.cpu / base:>8.2f}")
        if ref is not None:
            r = sorted((run_case(case, ref, tmp) for _ in range(args.repeat)), key=lambda m: m.cpu)[args.repeat // 2]
            line += f" {r.cpu:>9.2f} {r.peak_bytes / 2**20:>7.0f} {r.cpu / m.cpu:>8.2f}"
        if args.jobs:
            walls = sorted(run_case(case, ROOT, tmp, args.jobs).wall for _ in range(args.repeat))
            wall = walls[len(walls) // 2]
            one = sorted(r.wall for r in runs)[len(runs) // 2]
            line += f" {one:>7.2f} {wall:>9.2f} {wall / one:>6.2f}"
            if args.ceiling:
                line += ceiling_columns(case, tmp, runs, args.jobs, args.repeat)
        if args.certify:
            line += certify_columns(case, tmp, m.regions)
        if not ok:
            line += f"   MISMATCH: expected {case.regions} regions, {case.edges} edges"
        print(line, flush=True)
        rows.append((case, m, ok))
    return rows


def ceiling_columns(case: Case, tmp: Path, runs: list[Measured], jobs: int, repeat: int) -> str:
    """The serial seconds ``S`` of a one-process run (wall minus its enumeration: start-up, loading,
    writing), the slow-down ``c`` of ``jobs`` one-process runs at once against one alone, and the
    ratio a perfect split would reach here: ``(S + c E / jobs) / (S + E)``, ``E`` the enumeration
    (adjacency counted as shared: the bound is, if anything, too low)."""
    one = sorted(runs, key=lambda m: m.wall)[len(runs) // 2]
    serial = one.wall - one.enumeration
    together = sorted(sum(concurrent_walls(case, ROOT, tmp, jobs)) / jobs for _ in range(repeat))[repeat // 2]
    slow = together / one.wall
    ceiling = (serial + slow * one.enumeration / jobs) / one.wall
    return f" {serial:>8.2f} {slow:>9.2f}x {ceiling:>7.2f}"


def certify_columns(case: Case, tmp: Path, regions: int) -> str:
    cert = tmp / "cert.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    seconds = []
    for command in (
        ["exactrelu", "certify", str(NETS / case.file), f"--box={case.box}", f"--engine={case.engine}", "-o",
         str(cert), "--no-progress", "--jobs=1"],
        ["exactrelu_checker", str(cert)],
    ):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", *command], env=env, check=True, capture_output=True)
        seconds.append(time.perf_counter() - started)
    size = cert.stat().st_size
    cert.unlink()
    return f" {seconds[0]:>7.2f} {seconds[1]:>7.2f} {size / regions:>9.0f}"


def plot(rows: list[tuple[Case, Measured, bool]], path: Path) -> None:
    import matplotlib  # deferred: only --plot needs it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # deferred: after the backend is chosen

    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=150)
    for family, marker in (("bunny_3", "o"), ("acasxu_1_1", "s")):
        points = [(m.regions, 1000 * m.cpu / m.regions) for c, m, _ in rows if c.name.startswith(family)]
        if points:
            ax.plot(*zip(*points), marker=marker, label=family)
    ax.set_xscale("log")
    ax.set_xlabel("regions")
    ax.set_ylabel("CPU ms per region (whole process)")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    print(f"wrote {path}")


if __name__ == "__main__":
    sys.exit(main())

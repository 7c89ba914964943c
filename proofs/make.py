"""Regenerate the gallery in proofs/:  python proofs/make.py        (--check: compare, write nothing)

For every case: NAME.net.json (the network, exact) and NAME.cert.json (its certificate, verified by
the standalone checker before anything is made from it), and in NAME/ the figure (figure.png,
figure.svg: exactrelu.export.figures), the LaTeX tables made from the certificate (tables.tex and,
where pdflatex exists, tables.pdf), the interactive report (report.html) and the Coq development
(coq/, not compiled: ``cd coq && coq_makefile -f _CoqProject -o Makefile && make``); README.md is
the gallery's index.  A network with more than two inputs is drawn on an exact 2-D slice.

Every output is deterministic (matplotlib: no version or date in the files, a fixed svg.hashsalt;
pdfTeX: SOURCE_DATE_EPOCH and an empty trailer ID), so CI can regenerate and compare byte for byte
(``--check``, tests/test_proofs.py).  Pixels and PDF bytes also depend on the matplotlib and pdfTeX
versions, which gallery.json records: with other versions the check says so and skips those files.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import exactrelu_checker
from exactrelu import EXAMPLE, Domain, Network, certify, partition
from exactrelu.export.coq_export import write_development
from exactrelu.export.figures import partition_figure
from exactrelu.export.latex import latex_document
from exactrelu.export.report import report_html
from exactrelu.export.tables import tables_from_certificate
from exactrelu.slices import slice_axes

HERE = Path(__file__).resolve().parent
INDEX = "README.md"
VERSIONS = "gallery.json"
OWN = {"make.py", VERSIONS}  # the files here that are not made
SOURCE_DATE_EPOCH = "0"  # the date pdfTeX writes into every PDF


@dataclass(frozen=True)
class Case:
    """One network of the gallery: ``what`` says what it shows (for the index); ``color`` is the
    figure's colouring; ``plane`` (inputs i, j and the values of the others) the exact slice on
    which a network with more than two inputs is drawn."""

    name: str
    title: str
    net: Network
    domain: Domain
    what: str
    color: str = "pattern"
    plane: tuple[int, int, tuple] | None = None


def cases() -> list[Case]:
    degenerate = Network.from_layers(
        [
            # three lines through (0, 0), a duplicated neuron, a negated one, a dead one
            ([[1, 0], [0, 1], [1, 1], [1, 1], [-1, -1], [0, 0]], [0, 0, 0, 0, 0, 0]),
            # second layer: identically zero wherever x + y <= 0
            ([[0, 0, 1, 0, 0, 0], [1, -1, 0, 0, 0, 1]], [0, "-1/2"]),
            ([[1, "-2/3"]], ["1/7"]),
        ],
        input_names=("x", "y"),
        output_names=("f",),
    )
    leaky = Network.from_layers(
        [([[1, -1], [2, 1], ["1/2", 3]], [0, "-1/2", "1/4"]), ([[1, -1, 1], [-2, 1, 0]], [0, 1])],
        negative_slopes=["1/10"],
        input_names=("x", "y"),
        output_names=("a", "b"),
    )
    three_d = Network.from_layers(
        [
            ([[1, -2, 1], [0, 1, 1], [3, 1, -1], [-1, 0, 2]], [0, "-1/3", "1/2", 0]),
            ([[1, 1, -1, 0], [0, -1, 2, 1], [2, 0, 1, -1]], [0, "1/5", "-1/4"]),
            ([[1, -1, 2], [0, 3, -1]], [0, 0]),
        ],
        input_names=("x", "y", "z"),
        output_names=("u", "v"),
    )
    triangle = Domain.polytope([[-1, 0], [0, -1], [1, 1]], [0, 0, 1])
    square = Domain.box([(-1, 1), (-1, 1)])
    return [
        Case(
            "example",
            "The built-in example on the unit square",
            EXAMPLE,
            Domain.box([(0, 1), (0, 1)]),
            "The README's network: `L1 = -X + Y` and `L2 = X + Y - 1` cut the square into four triangles; the "
            "decision boundary `P = Q` is `X + Y = 5/4` in region 1 and `X = 5/8` in region 3.",
        ),
        Case(
            "example_triangle",
            "The built-in example on a triangle",
            EXAMPLE,
            triangle,
            "The same network on the polytope `x >= 0, y >= 0, x + y <= 1` (`--polytope`): the line "
            "`X + Y = 1` is now a face of the domain, so only `X = Y` cuts it and two regions remain; "
            "`P = Q` never holds inside, so there is no decision boundary.",
        ),
        Case(
            "degenerate",
            "Degenerate neurons",
            degenerate,
            square,
            "Three lines through the origin, one neuron twice, one negated, one dead, and a second-layer neuron "
            "that is identically zero on a half-plane: canonical patterns (identically zero counts as off) "
            "and facets carried by several neurons. Coloured by linear piece: dashed facets separate regions "
            "with one and the same affine map.",
            color="piece",
        ),
        Case(
            "leaky",
            "LeakyReLU, two outputs",
            leaky,
            square,
            "A LeakyReLU network (negative slope 1/10) with two outputs; coloured by the winning class, each "
            "region split exactly where `a = b`.",
            color="class",
        ),
        Case(
            "three_inputs",
            "Three inputs, drawn on the exact slice z = 0",
            three_d,
            Domain.box([(-1, 1), (-1, 1), (-1, 1)]),
            "Three inputs and two hidden layers on the cube `[-1, 1]^3`: the certificate, tables and Coq "
            "development are about the whole cube; the figure and the report show the exact slice `z = 0` "
            "(`--axes 0,1 --at 0,0,0`), coloured by the winning class.",
            color="class",
            plane=(0, 1, (0, 0, 0)),
        ),
    ]


# -- one case -------------------------------------------------------------------------------------------
def render(case: Case) -> tuple[str, str]:
    """The network's JSON and its certificate's (with the network file as its source)."""
    net_text = json.dumps(case.net.to_json(), indent=1) + "\n"
    cert = certify(case.net, case.domain)
    cert["source"] = {"file": f"{case.name}.net.json", "reading": case.net.reading}
    cert["source"]["sha256"] = hashlib.sha256(net_text.encode("utf-8")).hexdigest()
    return net_text, json.dumps(cert, separators=(",", ":")) + "\n"


def gallery(case: Case, *, pdf: bool) -> dict[str, bytes]:
    """Every file of one case, by its path under proofs/."""
    net_text, cert_text = render(case)
    cert = json.loads(cert_text)
    verdict = exactrelu_checker.check_certificate(cert)
    if not verdict.verified:
        raise SystemExit(f"{case.name}: the certificate does NOT verify: {verdict.reason}")
    files = {f"{case.name}.net.json": net_text.encode(), f"{case.name}.cert.json": cert_text.encode()}
    net, domain = drawn(case)
    part = partition(net, domain)
    fig, _ = partition_figure(part, color=case.color, labels=True)
    for suffix in ("png", "svg"):
        files[f"{case.name}/figure.{suffix}"] = _figure_bytes(fig, suffix)
    tex = tables_tex(case, cert)
    files[f"{case.name}/tables.tex"] = tex.encode()
    if pdf:
        files[f"{case.name}/tables.pdf"] = compile_pdf(tex)
    files[f"{case.name}/report.html"] = (report_html(part, title=case.title) + "\n").encode()
    with tempfile.TemporaryDirectory() as folder:
        write_development(cert, folder, source=f"{case.name}.cert.json")
        for path in sorted(Path(folder).iterdir()):
            files[f"{case.name}/coq/{path.name}"] = path.read_bytes()
    return files


def drawn(case: Case) -> tuple[Network, Domain]:
    """The network and domain the figure and report show: the case's own, or its exact slice."""
    if case.plane is None:
        return case.net, case.domain
    i, j, at = case.plane
    bounds = case.domain.bounds
    assert bounds is not None, "a sliced case needs a box"
    return slice_axes(case.net, i, j, at), Domain.box([bounds[i], bounds[j]])


def tables_tex(case: Case, cert: dict) -> str:
    """``exactrelu latex NAME.cert.json --names ... --output-names ...``: tables from the (verified)
    certificate, which records no names, with the network's names."""
    tables = tables_from_certificate(cert, source=f"{case.name}.cert.json")
    tables = replace(tables, input_names=case.net.input_names, output_names=case.net.output_names)
    return latex_document(tables, note=f"From certificate {case.name}.cert.json, VERIFIED by exactrelu_checker.")


def _figure_bytes(fig, suffix: str) -> bytes:
    import matplotlib  # deferred: only figures need it, and its import takes a while

    metadata = {"Software": None} if suffix == "png" else {"Date": None, "Creator": None}
    settings = {"path.simplify": False, "svg.fonttype": "none", "svg.hashsalt": "exactrelu-gallery"}
    buffer = io.BytesIO()
    with matplotlib.rc_context(settings):
        fig.savefig(buffer, format=suffix, dpi=300, metadata=metadata)
    return buffer.getvalue()


def pdflatex() -> str | None:
    return shutil.which("pdflatex")


def compile_pdf(tex: str) -> bytes:
    """The tables compiled twice (longtable settles on the second run), reproducibly."""
    env = dict(os.environ, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH, FORCE_SOURCE_DATE="1")
    command = [pdflatex() or "pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape"]
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "tables.tex").write_text(tex, encoding="utf-8")
        for _ in range(2):
            done = subprocess.run(
                [*command, "-jobname", "tables", r"\pdftrailerid{}\input{tables.tex}"],
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=300,
                env=env,
            )
            if done.returncode:
                raise SystemExit(f"pdflatex failed:\n{done.stdout[-2000:]}")
        return Path(folder, "tables.pdf").read_bytes()


# -- the index and the versions --------------------------------------------------------------------------
def versions() -> dict[str, str]:
    """The tools whose versions decide the figures' and PDFs' bytes."""
    import matplotlib  # deferred: only figures need it

    found = {"matplotlib": matplotlib.__version__}
    if pdflatex():
        banner = subprocess.run([pdflatex(), "--version"], capture_output=True, text=True).stdout.splitlines()
        found["pdftex"] = banner[0] if banner else "unknown"
    return found


def index(made: list[tuple[Case, dict]]) -> str:
    """README.md: the gallery's index, one section per case, numbers from the partitions."""
    lines = [
        "# The gallery: certificates, figures, tables, reports and Coq proofs",
        "",
        "Every file here is made by one command, from the repository's root:",
        "",
        "```bash",
        "python proofs/make.py            # regenerate everything (tables.pdf only where pdflatex exists)",
        "python proofs/make.py --check    # regenerate in memory and compare byte for byte (CI does this)",
        "```",
        "",
        "For each network, `NAME.net.json` is the network and `NAME.cert.json` its certificate, checked by the",
        "standalone checker (`python -m exactrelu_checker proofs/NAME.cert.json proofs/NAME.net.json`) before",
        "anything else is made from it. `NAME/` holds what a paper needs, each file what a command writes:",
        "",
        "| file | the command that writes the same |",
        "|---|---|",
        "| `figure.png`, `figure.svg` | `exactrelu plot proofs/NAME.net.json --box ... --labels [--color ...] -o figure.png` |",
        "| `tables.tex`, `tables.pdf` | `exactrelu latex proofs/NAME.cert.json --names ... --output-names ... -o tables.tex`,"
        " then `pdflatex` twice |",
        "| `report.html` | `exactrelu report proofs/NAME.net.json --box ... -o report.html` (open it in a browser) |",
        "| `coq/` | `exactrelu coq proofs/NAME.cert.json -o coq --no-compile`; build with "
        "`cd coq && coq_makefile -f _CoqProject -o Makefile && make` |",
        "",
        "The files carry no dates or tool versions, so regenerating gives the same bytes; the figures' pixels",
        "and the PDFs still depend on the matplotlib and pdfTeX versions, recorded in `gallery.json` (with other",
        "versions `--check` says so and skips those files). See [docs/figures.md](../docs/figures.md) for the",
        "commands and [docs/coq.md](../docs/coq.md) for the proofs.",
    ]
    for case, numbers in made:
        name = case.name
        sliced = " (on the slice)" if case.plane else ""
        lines += [
            "",
            f"## {name}: {case.title}",
            "",
            case.what,
            "",
            f"![{case.title}]({name}/figure.png)",
            "",
            f"{_count(numbers['regions'], 'region')}, {_count(numbers['edges'], 'adjacent pair')}, "
            f"{_count(numbers['linear_pieces'], 'linear piece')}, "
            f"{_count(numbers['boundary_pieces'], 'decision-boundary piece')} on the domain `{case.domain.describe()}`"
            + (f"; {numbers['drawn_regions']} regions on the slice" if case.plane else "")
            + ".",
            "",
            f"[network]({name}.net.json) · [certificate]({name}.cert.json) · [tables]({name}/tables.tex) "
            f"([PDF]({name}/tables.pdf)) · [figure as SVG]({name}/figure.svg){sliced} · "
            f"[interactive report]({name}/report.html){sliced} · [Coq development]({name}/coq/)",
        ]
    return "\n".join(lines) + "\n"


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def numbers(case: Case) -> dict[str, int]:
    whole = partition(case.net, case.domain)
    found = {
        "regions": len(whole.regions),
        "edges": len(whole.edges),
        "linear_pieces": whole.linear_pieces,
        "boundary_pieces": len(whole.boundary().pieces),
    }
    if case.plane:
        found["drawn_regions"] = len(partition(*drawn(case)).regions)
    return found


def everything(*, pdf: bool) -> dict[str, bytes]:
    """Every file the gallery holds (but ``gallery.json``), by its path under proofs/."""
    files: dict[str, bytes] = {}
    made = []
    for case in cases():
        files |= gallery(case, pdf=pdf)
        made.append((case, numbers(case)))
    files[INDEX] = index(made).encode()
    return files


# -- write or check --------------------------------------------------------------------------------------
def comparable(path: str, recorded: dict, current: dict) -> str | None:
    """Why a file cannot be compared here (its tool's version differs), or None."""
    tool = "matplotlib" if path.endswith(("/figure.png", "/figure.svg")) else "pdftex" if path.endswith(".pdf") else ""
    if tool and recorded.get(tool) != current.get(tool):
        return f"made with {tool} {recorded.get(tool)}, this is {current.get(tool)}"
    return None


def check(fresh: dict[str, bytes] | None = None) -> list[str]:
    """What differs between proofs/ and a fresh regeneration (``fresh``: one already made) as one
    line each (empty: nothing); prints what was skipped."""
    problems = []
    for case in cases():
        verdict = exactrelu_checker.check_file(HERE / f"{case.name}.cert.json", HERE / f"{case.name}.net.json")
        if not verdict.verified:
            problems.append(f"{case.name}.cert.json does NOT verify: {verdict.reason}")
    recorded = json.loads((HERE / VERSIONS).read_text(encoding="utf-8"))
    current = versions()
    fresh = everything(pdf=pdflatex() is not None) if fresh is None else fresh
    for path, data in sorted(fresh.items()):
        why = comparable(path, recorded, current)
        if why:
            print(f"skipped {path}: {why}")
        elif not (HERE / path).is_file():
            problems.append(f"{path} is missing")
        elif (HERE / path).read_bytes() != data:
            problems.append(f"{path} differs from a fresh regeneration")
    if pdflatex() is None:
        print("skipped the PDFs: pdflatex is not installed")
    expected = set(fresh) | {p for p in _committed() if p.endswith(".pdf") and pdflatex() is None}
    problems += [f"{path} is made by no case (stale)" for path in sorted(set(_committed()) - expected)]
    return problems


def _committed() -> list[str]:
    return [
        p.relative_to(HERE).as_posix()
        for p in HERE.rglob("*")
        if p.is_file() and p.relative_to(HERE).as_posix() not in OWN and "__pycache__" not in p.parts
    ]


def write() -> None:
    has_pdf = pdflatex() is not None
    files = everything(pdf=has_pdf)
    keep = {p for p in _committed() if p.endswith(".pdf")} if not has_pdf else set()
    for stale in set(_committed()) - set(files) - keep:
        (HERE / stale).unlink()
    for path, data in files.items():
        (HERE / path).parent.mkdir(parents=True, exist_ok=True)
        (HERE / path).write_bytes(data)
    (HERE / VERSIONS).write_text(json.dumps(versions(), indent=1) + "\n", encoding="utf-8")
    total = sum(len(d) for d in files.values())
    print(
        f"wrote {len(files)} files in proofs/ ({total / 1e6:.2f} MB)" + ("" if has_pdf else "; no pdflatex: PDFs kept")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="regenerate in memory and compare; write nothing")
    args = parser.parse_args(argv)
    if not args.check:
        write()
        return 0
    problems = check()
    for problem in problems:
        print(problem)
    print("proofs/ is up to date" if not problems else f"{len(problems)} problems: run python proofs/make.py")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""LaTeX tables and TikZ pictures: exact content, the stated shortening rule, and pdflatex."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from exactrelu import EXAMPLE, Domain, certify, partition
from exactrelu.cli import main
from exactrelu.export.latex import latex_document, latex_rounded, table_is_exact
from exactrelu.export.tables import tables_from_certificate, tables_from_partition
from exactrelu.network import Network
from example_nets import by_name, random_net

PDFLATEX = shutil.which("pdflatex")


def _domain(box):
    return Domain.polytope(box["A"], box["b"]) if isinstance(box, dict) else Domain.box(box)


@pytest.mark.parametrize(
    "q, digits, text",
    [
        (Fraction(0), 4, "0"),
        (Fraction(-7, 8), 4, "-0.875"),
        (Fraction(2, 3), 4, "0.6667"),
        (Fraction(2, 3), 1, "0.7"),
        (Fraction(9999, 1000), 3, "10.0"),
        (Fraction(-1, 3 * 10**9), 4, "-3.333 \\cdot 10^{-10}"),
        (Fraction(10**12), 4, "1 \\cdot 10^{12}"),
        (Fraction(123456), 4, "123500"),
        (Fraction(5, 10**4), 4, "0.0005"),
        (Fraction(5, 10**5), 4, "5 \\cdot 10^{-5}"),
    ],
)
def test_rounding_is_exact_half_even_from_the_fraction(q, digits, text):
    assert latex_rounded(q, digits) == text


def test_the_exact_or_rounded_rule():
    assert table_is_exact([Fraction(999999, 999998), -123456], 6)
    assert not table_is_exact([Fraction(1, 1000000)], 6)
    assert not table_is_exact([10**6], 6)


@pytest.mark.parametrize("name", ["builtin", "random4_2d_4x3", "leaky", "builtin_triangle", "random9_3d_3x2"])
def test_certificate_and_partition_give_the_same_tables(name):
    ex = by_name(name)
    p = partition(ex.net, _domain(ex.box))
    from_partition = tables_from_partition(p)
    from_cert = tables_from_certificate(certify(ex.net, _domain(ex.box)))
    assert from_cert.regions == from_partition.regions  # patterns, points, maps and polygons
    assert from_cert.edges == from_partition.edges  # hyperplanes and multipliers
    assert from_cert.boundary == from_partition.boundary
    for e in from_cert.edges:  # the continuity identity, exactly
        r, s = p.regions[e.first], p.regions[e.second]
        assert r.contains(p.regions[e.first].point) and sum(
            a * x for a, x in zip(e.hyperplane, (1, *r.point))
        ) > 0
        for o, lam in enumerate(e.lambdas):
            diff = (r.bias[o] - s.bias[o], *(a - b for a, b in zip(r.weight[o], s.weight[o])))
            assert diff == tuple(lam * h for h in e.hyperplane)


def test_example_document_is_exact():
    text = latex_document(tables_from_partition(partition(EXAMPLE)))
    assert "3 & \\texttt{11} & $(\\frac{1}{2}, \\frac{5}{6})$ & $-X + 3\\,Y - 1$ & $X + 3\\,Y - \\frac{9}{4}$" in text
    assert "0 & 1 & $-X - Y + 1$ & $(1, 2)$" in text
    assert "All numbers exact" in text and "Rounded" not in text
    assert text.startswith("\\documentclass") and text.rstrip().endswith("\\end{document}")
    assert "\\begin{tikzpicture}" in text


def _wide_net() -> Network:
    """Weights with long numerators and denominators: the tables must be rounded."""
    return Network.from_layers(
        [([["1234567/1000003", "-2/7"], ["3/11", "7654321/999999"]], ["1/13", "-1/2"]),
         ([["1", "-1"]], ["1/1000001"])],
    )  # fmt: skip


def test_long_numbers_give_a_rounded_table_that_says_so():
    text = latex_document(tables_from_partition(partition(_wide_net(), [(-1, 1), (-1, 1)])))
    regions = text[text.index("\\begin{longtable}") : text.index("\\end{longtable}")]
    assert "\\textbf{Rounded} to 4 significant digits" in regions
    assert "\\frac" not in regions.split("\\endlastfoot")[1]  # no exact fractions in the rows
    assert "1.235\\," in regions  # 1234567/1000003 = 1.2345633...


def test_fragment_rows_and_no_picture():
    tables = tables_from_partition(partition(EXAMPLE))
    text = latex_document(tables, fragment=True, picture=False, rows=2)
    assert "\\documentclass" not in text and "tikzpicture" not in text
    assert "The first 2 of 4 regions." in text and "The first 2 of 4 edges." in text


def test_latex_command_from_a_network_and_from_a_certificate(tmp_path, capsys):
    cert = tmp_path / "cert.json"
    assert main(["certify", "-o", str(cert)]) == 0
    assert main(["latex", "-o", str(tmp_path / "a.tex")]) == 0
    assert main(["latex", str(cert), "--names", "X,Y", "--output-names", "P,Q", "-o", str(tmp_path / "b.tex")]) == 0
    a, b = ((tmp_path / name).read_text().splitlines() for name in ("a.tex", "b.tex"))
    assert "% Written by exactrelu (exact activation regions). From built-in example on [0, 1] x [0, 1]." in a
    assert "% Written by exactrelu (exact activation regions). From certificate cert.json, VERIFIED by " \
           "exactrelu_checker." in b
    same = [line.replace("of \\texttt{cert.json}", "of the built-in example") for line in b]
    assert [line for line in a if "% Written" not in line] == [line for line in same if "% Written" not in line]
    capsys.readouterr()
    data = json.loads(cert.read_text())
    data["regions"][0]["map"]["bias"][0] = "1/3"  # a lie
    cert.write_text(json.dumps(data))
    assert main(["latex", str(cert), "-o", str(tmp_path / "c.tex")]) == 1
    assert capsys.readouterr().out.startswith("NOT VERIFIED: ")
    assert not (tmp_path / "c.tex").exists()
    assert main(["latex", str(cert), "--box=0:1,0:1", "-o", str(tmp_path / "c.tex")]) == 2
    assert "a certificate carries its own network and domain" in capsys.readouterr().err


# ------------------------------------------------------------------------------------- pdflatex
def _pdflatex(tex: str, folder: Path) -> Path:
    if PDFLATEX is None:
        if os.environ.get("CI"):
            pytest.fail("pdflatex is missing under CI: .ci/run installs TeX with apt-get")
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-recommended texlive-pictures)")
    (folder / "doc.tex").write_text(tex)
    for _ in range(2):  # longtable settles its column widths on the second run
        done = subprocess.run(
            [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc.tex"],
            cwd=folder, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout[-3000:]
    log = (folder / "doc.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log, log[log.index("Overfull") :][:500]
    return folder / "doc.pdf"


@pytest.mark.parametrize("case", ["example", "rounded", "three_inputs", "fragment"])
def test_the_documents_compile_with_pdflatex(case, tmp_path):
    if case == "example":
        tex = latex_document(tables_from_partition(partition(EXAMPLE)))
    elif case == "rounded":
        tex = latex_document(tables_from_partition(partition(_wide_net(), [(-1, 1), (-1, 1)])))
    elif case == "three_inputs":
        net = random_net(3, 3, (3, 2), n_outputs=3, rational=True)
        tex = latex_document(tables_from_certificate(certify(net, [(-1, 1)] * 3)))
    else:
        body = latex_document(tables_from_partition(partition(by_name("leaky").net, [(0, 1), (0, 1)])), fragment=True)
        tex = "\\documentclass{article}\n\\usepackage{booktabs,longtable,array,tikz}\n\\begin{document}\n"
        tex += body + "\\end{document}\n"
    pdf = _pdflatex(tex, tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF")


def test_the_readme_snippet_is_what_the_command_writes():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("```latex\n", 1)[1].split("```", 1)[0].splitlines()
    text = latex_document(tables_from_partition(partition(EXAMPLE))).splitlines()
    assert len(snippet) == 6 and all(line in text for line in snippet)
    assert (Path(__file__).resolve().parents[1] / "docs" / "img" / "example.png").exists()

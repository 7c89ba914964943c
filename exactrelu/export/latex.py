"""LaTeX for papers: booktabs tables of regions and edges, and a TikZ picture of a 2-D partition.

The numbers come exact from :class:`~exactrelu.export.tables.Tables` and are written by one stated
rule (:func:`table_is_exact`): a table is printed **exactly** (integers, ``\\frac{p}{q}``) when every
number in it has a numerator and a denominator of at most ``max_digits`` digits (default 6);
otherwise the **whole table is rounded** to ``digits`` significant digits (default 4; a number that
needs no rounding keeps its exact short form) and its caption begins with *Rounded*.  In a rounded
edge table each hyperplane is scaled so its largest gradient coefficient is 1 and its multipliers
by the inverse, so the identity printed is still the exact one, up to the rounding.

The document compiles with ``pdflatex`` (packages: geometry, booktabs, longtable, array, tikz);
``fragment=True`` gives the tables and picture alone, to ``\\input`` into a paper.  TikZ works in
fixed point, so picture coordinates are rounded (exactly, from the Fractions) to 1/1000 cm.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from fractions import Fraction

from ..errors import InvalidArgument
from .planar import area, centroid, segment_meets_box
from .tables import TableEdge, Tables

__all__ = [
    "MAX_DIGITS",
    "DIGITS",
    "PATTERN_BITS",
    "latex_document",
    "regions_table",
    "edges_table",
    "tikz_picture",
    "table_is_exact",
    "latex_exact",
    "latex_rounded",
    "latex_name",
]

MAX_DIGITS = 6  # an exact table needs every numerator and denominator within this many digits
DIGITS = 4  # significant digits of a rounded table
PATTERN_BITS = 32  # longer patterns are summarised as active counts per layer
PICTURE_CM = 7  # the picture's longer side
FILLS = ("AEC7E8", "FFBB78", "98DF8A", "C5B0D5", "DBDB8D", "9EDAE5", "C49C94", "F7B6D2", "FF9896", "C7C7C7")

_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)?")
_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
    "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
}  # fmt: skip


def _digits(n: int) -> int:
    return len(str(abs(n)))


def table_is_exact(numbers: Sequence[Fraction | int], max_digits: int = MAX_DIGITS) -> bool:
    """The rule: exact when every numerator and denominator has at most ``max_digits`` digits.

    >>> table_is_exact([Fraction(1, 3), Fraction(-123456, 7)]), table_is_exact([Fraction(1, 1234567)])
    (True, False)
    """
    for q in numbers:
        q = Fraction(q)
        if _digits(q.numerator) > max_digits or _digits(q.denominator) > max_digits:
            return False
    return True


def latex_exact(q: Fraction | int) -> str:
    """An exact rational in LaTeX.

    >>> latex_exact(Fraction(-5, 8)), latex_exact(3)
    ('-\\\\frac{5}{8}', '3')
    """
    q = Fraction(q)
    if q.denominator == 1:
        return str(q.numerator)
    sign = "-" if q < 0 else ""
    return f"{sign}\\frac{{{abs(q.numerator)}}}{{{q.denominator}}}"


def _exponent(q: Fraction) -> int:
    """``e`` with ``10**e <= |q| < 10**(e+1)`` (``q != 0``), exactly."""
    q = abs(q)
    e = _digits(q.numerator) - _digits(q.denominator)
    while Fraction(10) ** e > q:
        e -= 1
    while Fraction(10) ** (e + 1) <= q:
        e += 1
    return e


def latex_rounded(q: Fraction | int, digits: int = DIGITS) -> str:
    """``q`` rounded (half to even, from its exact value) to ``digits`` significant digits; exact
    short values stay as they are; very large or small magnitudes in scientific form.

    >>> latex_rounded(Fraction(1, 3)), latex_rounded(Fraction(1, 2)), latex_rounded(Fraction(-2, 3) * 10**-7)
    ('0.3333', '0.5', '-6.667 \\\\cdot 10^{-8}')
    >>> latex_rounded(123456789), latex_rounded(Fraction(99996, 10**5))
    ('1.235 \\\\cdot 10^{8}', '1.000')
    """
    q = Fraction(q)
    if q == 0:
        return "0"
    e = _exponent(q)
    shift = digits - 1 - e
    m = round(q * Fraction(10) ** shift)
    if abs(m) >= 10**digits:  # rounding carried into a new digit
        e += 1
        shift -= 1
        m = round(q * Fraction(10) ** shift)
    exact = m == q * Fraction(10) ** shift
    sign = "-" if m < 0 else ""
    text = str(abs(m)).rjust(digits, "0")
    if -4 <= e < digits + 2:
        places = max(shift, 0)
        if places:
            whole = text[: len(text) - places] if len(text) > places else "0"
            frac = text[len(text) - places :].rjust(places, "0") if len(text) > places else text.rjust(places, "0")
            if exact:
                frac = frac.rstrip("0")
            body = whole + ("." + frac if frac else "")
        else:
            body = text + "0" * (-shift)
        return sign + body
    mantissa = text[0] + ("." + text[1:] if digits > 1 else "")
    if exact:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{sign}{mantissa} \\cdot 10^{{{e}}}"


def latex_name(name: str) -> str:
    """A variable name in math mode: ``x1`` as ``x_{1}``, ``theta`` as ``\\theta``, anything else
    upright and escaped.

    >>> latex_name("x1"), latex_name("theta_own"), latex_name("P"), latex_name("speed (m/s)")
    ('x_{1}', '\\\\theta_{\\\\mathrm{own}}', 'P', '\\\\text{speed (m/s)}')
    """
    if _IDENT.fullmatch(name):
        base, _, sub = name.partition("_")
        if not sub:
            match = re.fullmatch(r"([A-Za-z]+?)([0-9]+)", base)
            if match:
                base, sub = match.groups()
        head = f"\\{base}" if base in _GREEK else (base if len(base) == 1 else f"\\mathit{{{base}}}")
        if not sub:
            return head
        script = sub if sub.isdigit() else "\\mathrm{" + sub + "}"
        return f"{head}_{{{script}}}"
    escaped = "".join("\\" + c if c in "#$%&_{}" else ("\\textbackslash{}" if c == "\\" else c) for c in name)
    escaped = escaped.replace("~", "\\textasciitilde{}").replace("^", "\\textasciicircum{}")
    return f"\\text{{{escaped}}}"


def _affine(weight: Sequence[Fraction], bias: Fraction, names: Sequence[str], number) -> str:
    terms = []
    for c, name in zip(weight, names):
        if c == 0:
            continue
        magnitude = number(abs(c))
        body = name if magnitude == "1" else f"{magnitude}\\,{name}"
        terms.append(("-" if c < 0 else "+", body))
    if bias != 0 or not terms:
        terms.append(("-" if bias < 0 else "+", number(abs(bias))))
    first_sign, first = terms[0]
    text = ("-" if first_sign == "-" else "") + first
    for sign, body in terms[1:]:
        text += f" {sign} {body}"
    return text


def _formatter(exact: bool, digits: int):
    return latex_exact if exact else (lambda q: latex_rounded(q, digits))


def _pattern(pattern: Sequence[Sequence[int]]) -> str:
    if sum(len(layer) for layer in pattern) <= PATTERN_BITS:
        return "\\texttt{" + "\\,|\\,".join("".join(map(str, layer)) for layer in pattern) + "}"
    return "$" + "\\,|\\,".join(str(sum(layer)) for layer in pattern) + "$"


def _caption_rule(exact: bool, max_digits: int, digits: int) -> str:
    if exact:
        return f"All numbers exact (every numerator and denominator has at most {max_digits} digits)."
    return (
        f"\\textbf{{Rounded}} to {digits} significant digits: some numerator or denominator has more than "
        f"{max_digits} digits (exact values: the partition JSON or certificate)."
    )


def _longtable(columns: str, caption: str, label: str, header: str, rows: list[str]) -> str:
    lines = [
        "{\\footnotesize\\renewcommand{\\arraystretch}{1.25}",
        f"\\begin{{longtable}}{{{columns}}}",
        f"\\caption{{{caption}}}\\label{{{label}}}\\\\",
        "\\toprule",
        header + " \\\\",
        "\\midrule",
        "\\endfirsthead",
        "\\toprule",
        header + " \\\\",
        "\\midrule",
        "\\endhead",
        "\\bottomrule",
        "\\endlastfoot",
        *rows,
        "\\end{longtable}}",
    ]
    return "\n".join(lines)


def regions_table(
    tables: Tables, *, max_digits: int = MAX_DIGITS, digits: int = DIGITS, rows: int | None = None
) -> str:
    """The regions as a booktabs ``longtable``: index, pattern, interior point, affine map.

    >>> from exactrelu import EXAMPLE, partition
    >>> from exactrelu.export.tables import tables_from_partition
    >>> text = regions_table(tables_from_partition(partition(EXAMPLE)))
    >>> print(text.splitlines()[-2])
    3 & \\texttt{11} & $(\\frac{1}{2}, \\frac{5}{6})$ & $-X + 3\\,Y - 1$ & $X + 3\\,Y - \\frac{9}{4}$ \\\\
    """
    shown = list(enumerate(tables.regions))[: rows if rows is not None else None]
    numbers = [v for _, r in shown for v in (*r.point, *r.bias, *(w for row in r.weight for w in row))]
    exact = table_is_exact(numbers, max_digits)
    number = _formatter(exact, digits)
    names = [latex_name(n) for n in tables.input_names]
    outputs = [latex_name(n) for n in tables.output_names]
    stacked = len(outputs) > 2
    body = []
    for i, r in shown:
        point = "(" + ", ".join(number(v) for v in r.point) + ")"
        maps = [_affine(w, b, names, number) for w, b in zip(r.weight, r.bias)]
        if stacked:
            cells = (
                "$\\begin{array}[t]{@{}l@{}}"
                + " \\\\ ".join(f"{o} = {m}" for o, m in zip(outputs, maps))
                + "\\end{array}$"
            )
        else:
            cells = " & ".join(f"${m}$" for m in maps)
        body.append(
            f"{i} & {_pattern(r.pattern)} & ${point}$ & {cells} \\\\" + (" \\addlinespace[3pt]" if stacked else "")
        )
    header = "\\# & pattern & interior point & " + ("affine map" if stacked else " & ".join(f"${o}$" for o in outputs))
    columns = "r l l " + ("l" if stacked else " ".join("l" for _ in outputs))
    bits = sum(len(layer) for layer in tables.regions[0].pattern) if tables.regions else 0
    pattern_note = (
        "Pattern: the bits of each hidden layer's neurons in order (1: active), layers separated by $|$"
        if bits <= PATTERN_BITS
        else f"Pattern: the number of active neurons in each hidden layer (the patterns have {bits} bits)"
    )
    more = "" if len(shown) == len(tables.regions) else f" The first {len(shown)} of {len(tables.regions)} regions."
    caption = (
        f"Activation regions{_source(tables)}. {pattern_note}; interior point: strictly inside the region; "
        f"then the outputs' affine map on it. {_caption_rule(exact, max_digits, digits)}{more}"
    )
    return _longtable(columns, caption, "tab:regions", header, body)


def edges_table(tables: Tables, *, max_digits: int = MAX_DIGITS, digits: int = DIGITS, rows: int | None = None) -> str:
    """The edges as a booktabs ``longtable``: the regions, the shared facet's hyperplane ``h`` and the
    multipliers of the continuity identity ``map_i - map_j = lambda h``.

    >>> from exactrelu import EXAMPLE, partition
    >>> from exactrelu.export.tables import tables_from_partition
    >>> print(edges_table(tables_from_partition(partition(EXAMPLE))).splitlines()[-5])
    0 & 1 & $-X - Y + 1$ & $(1, 2)$ \\\\
    """
    shown = list(tables.edges)[: rows if rows is not None else None]
    numbers: list[Fraction | int] = [v for e in shown for v in e.hyperplane] + [v for e in shown for v in e.lambdas]
    exact = table_is_exact(numbers, max_digits)
    number = _formatter(exact, digits)
    names = [latex_name(n) for n in tables.input_names]
    body = []
    for e in shown:
        h, lambdas = _scaled(e, exact)
        hyper = _affine(h[1:], h[0], names, number)
        body.append(f"{e.first} & {e.second} & ${hyper}$ & $({', '.join(number(v) for v in lambdas)})$ \\\\")
    outputs = ", ".join(latex_name(n) for n in tables.output_names)
    more = "" if len(shown) == len(tables.edges) else f" The first {len(shown)} of {len(tables.edges)} edges."
    caption = (
        f"Adjacent regions $i$, $j${_source(tables)} share a facet on the hyperplane $h = 0$ ($h \\geq 0$ on "
        f"region $i$), and for each output $o$ in $({outputs})$ the maps satisfy the continuity identity "
        f"$o_i - o_j = \\lambda_o\\, h$ exactly. {_caption_rule(exact, max_digits, digits)}{more}"
    )
    header = "$i$ & $j$ & facet hyperplane $h$ & $\\lambda$"
    return _longtable("r r l l", caption, "tab:edges", header, body)


def _scaled(edge: TableEdge, exact: bool) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...]]:
    """Exact tables keep the primitive row; rounded ones scale it to a largest gradient entry of 1."""
    h = tuple(Fraction(a) for a in edge.hyperplane)
    if exact:
        return h, edge.lambdas
    top = max(abs(a) for a in h[1:])
    return tuple(a / top for a in h), tuple(lam * top for lam in edge.lambdas)


def _source(tables: Tables) -> str:
    if not tables.source:
        return ""
    if tables.source == "built-in example":
        return " of the built-in example"
    name = tables.source.replace("\\", "/").rsplit("/", 1)[-1]
    return " of \\texttt{" + "".join("\\" + c if c in "#$%&_{}" else c for c in name) + "}"


def _cm(value: Fraction) -> str:
    """A TikZ length, rounded exactly to 1/1000 (TikZ computes in fixed point)."""
    m = round(value * 1000)
    sign = "-" if m < 0 else ""
    return f"{sign}{abs(m) // 1000}.{abs(m) % 1000:03d}"


def tikz_picture(tables: Tables, *, max_digits: int = MAX_DIGITS, digits: int = DIGITS) -> str:
    """A ``tikzpicture`` of a 2-D partition: regions filled (adjacent regions in different colours),
    facets, the decision boundary in red, region indices where they fit, the box's corner values.

    >>> from exactrelu import EXAMPLE, partition
    >>> from exactrelu.export.tables import tables_from_partition
    >>> print(tikz_picture(tables_from_partition(partition(EXAMPLE))).splitlines()[1])
    \\begin{tikzpicture}
    """
    if tables.dim != 2:
        raise InvalidArgument(f"a picture needs 2 inputs, this partition has {tables.dim}")
    polys = [list(r.polygon) for r in tables.regions]
    xs = [p[0] for poly in polys for p in poly]
    ys = [p[1] for poly in polys for p in poly]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    ratio = (y1 - y0) / (x1 - x0)
    ratio = ratio if Fraction(1, 2) <= ratio <= 2 else Fraction(4, 5)
    width = Fraction(PICTURE_CM) if ratio <= 1 else PICTURE_CM / ratio
    height = width * ratio
    sx, sy = width / (x1 - x0), height / (y1 - y0)

    def at(p: Sequence[Fraction]) -> str:
        return f"({_cm((p[0] - x0) * sx)},{_cm((p[1] - y0) * sy)})"

    colors = _colors(len(polys), [(e.first, e.second) for e in tables.edges])
    lines = [
        "% exactrelu: regions filled, facets, decision boundary (red); coordinates rounded to 1/1000 cm",
        "\\begin{tikzpicture}",
    ]
    for k, fill in enumerate(FILLS):
        lines.append(f"\\definecolor{{erfill{k}}}{{HTML}}{{{fill}}}")
    for poly, c in zip(polys, colors):
        if len(poly) >= 3:
            path = " -- ".join(at(p) for p in poly)
            lines.append(f"\\filldraw[fill=erfill{c % len(FILLS)}, draw=black!75, line width=0.25pt] {path} -- cycle;")
    for a, b in tables.boundary:
        lines.append(f"\\draw[red!70!black, line width=1.2pt, line cap=round] {at(a)} -- {at(b)};")
    lines.append(f"\\draw[line width=0.6pt] (0,0) rectangle ({_cm(width)},{_cm(height)});")
    # labels: a region's index at its exact centroid, when a box of the label's size fits inside
    for i, poly in enumerate(polys):
        if len(poly) < 3 or area(poly) <= 0:
            continue
        mid = centroid(poly)
        half_w, half_h = Fraction(9 * len(str(i)) + 6, 200) / sx, Fraction(14, 100) / sy
        lo, hi = (mid[0] - half_w, mid[1] - half_h), (mid[0] + half_w, mid[1] + half_h)
        corners = [lo, (hi[0], lo[1]), hi, (lo[0], hi[1])]
        inside = all(
            (q[0] - p[0]) * (z[1] - p[1]) - (q[1] - p[1]) * (z[0] - p[0]) >= 0
            for p, q in zip(poly, poly[1:] + poly[:1])
            for z in corners
        )
        if inside and not any(segment_meets_box(a, b, lo, hi) for a, b in tables.boundary):
            lines.append(f"\\node[font=\\scriptsize] at {at(mid)} {{{i}}};")
    number = _formatter(table_is_exact([x0, x1, y0, y1], max_digits), digits)
    names = [latex_name(n) for n in tables.input_names]
    lines += [
        # the box's corner values, anchored away from the corners so that they never meet
        f"\\node[anchor=north west, inner sep=2pt, font=\\footnotesize] at (0,0) {{${number(x0)}$}};",
        f"\\node[anchor=north east, inner sep=2pt, font=\\footnotesize] at ({_cm(width)},0) {{${number(x1)}$}};",
        f"\\node[anchor=south east, inner sep=2pt, font=\\footnotesize] at (0,0) {{${number(y0)}$}};",
        f"\\node[anchor=north east, inner sep=2pt, font=\\footnotesize] at (0,{_cm(height)}) {{${number(y1)}$}};",
        f"\\node[below=4pt] at ({_cm(width / 2)},0) {{${names[0]}$}};",
        f"\\node[left=4pt] at (0,{_cm(height / 2)}) {{${names[1]}$}};",
        "\\end{tikzpicture}",
    ]
    return "\n".join(lines)


def _colors(n: int, edges: Sequence[tuple[int, int]]) -> list[int]:
    import networkx as nx  # deferred: networkx takes 0.09 s to import and most runs never use it

    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    found = nx.greedy_color(g, strategy="largest_first")
    return [found[i] for i in range(n)]


def latex_document(
    tables: Tables,
    *,
    max_digits: int = MAX_DIGITS,
    digits: int = DIGITS,
    rows: int | None = None,
    picture: bool = True,
    fragment: bool = False,
    note: str = "",
) -> str:
    """A LaTeX document (or, with ``fragment``, its body alone) with the regions table, the edges
    table and, for 2 inputs and ``picture``, the TikZ picture.  ``note`` goes into a comment at the
    top (what the tables were made from)."""
    if max_digits < 1 or digits < 1:
        raise InvalidArgument("--max-digits and --digits must be at least 1")
    parts = [
        "% Written by exactrelu (exact activation regions). " + (note or ""),
        "% Needs: \\usepackage{booktabs,longtable,array,tikz}",
    ]
    if picture and tables.dim == 2 and tables.regions:
        caption = (
            f"The activation regions{_source(tables)}, adjacent regions in different colours, with the decision "
            "boundary in red and region numbers where they fit."
        )
        parts += [
            "\\begin{figure}[htbp]",
            "\\centering",
            tikz_picture(tables, max_digits=max_digits, digits=digits),
            f"\\caption{{{caption}}}\\label{{fig:partition}}",
            "\\end{figure}",
        ]
    parts += [
        regions_table(tables, max_digits=max_digits, digits=digits, rows=rows),
        edges_table(tables, max_digits=max_digits, digits=digits, rows=rows),
    ]
    body = "\n\n".join(parts)
    if fragment:
        return body + "\n"
    return "\n".join(
        [
            "\\documentclass[10pt]{article}",
            "\\usepackage[margin=2cm]{geometry}",
            "\\usepackage{amsmath,booktabs,longtable,array,tikz}",
            "\\begin{document}",
            body,
            "\\end{document}",
            "",
        ]
    )

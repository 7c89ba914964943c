"""``exactrelu report``: the HTML page read as a file (no browser) and used in a real browser.

The browser tests drive Debian's headless Chromium with Playwright's Python API (Playwright's own
browser download is not used).  Without Chromium or Playwright they skip locally and fail under CI
(environment variable ``CI``), where ``.ci/run`` installs both.  Every value the page shows is
compared with the partition's exact values; pixel positions are derived from the page's own axis
ticks, not from the report's code.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import pytest
from example_nets import TWO_D, random_net

from exactrelu import EXAMPLE, Domain, Network, partition
from exactrelu.cli import main
from exactrelu.export.planar import area, centroid, region_polygon
from exactrelu.export.report import report_html


def _domain(box):
    return Domain.polytope(box["A"], box["b"]) if isinstance(box, dict) else Domain.box(box)


def _named(net: Network, inputs, outputs) -> Network:
    return Network.from_layers(
        [(layer.weight, layer.bias) for layer in net.layers],
        negative_slopes=list(net.negative_slopes),
        input_names=inputs,
        output_names=outputs,
    )


# Names full of markup: the page must show them as text, never as elements.
HOSTILE = _named(
    random_net(2024, 2, (4, 3), n_outputs=3, rational=True), ("<i>a</i>", "b&c"), ('"q"', "</script>", "r1")
)
PARTITIONS = {
    "builtin": partition(EXAMPLE),
    "hostile": partition(HOSTILE, [(-2, 2), ("-3/2", 2)]),
    **{ex.name: partition(ex.net, _domain(ex.box)) for ex in TWO_D[::4]},
}


# ------------------------------------------------------------------------------------------- the file
class _Page(HTMLParser):
    """Every start tag with its attributes, the text of every <text> element of the SVG with its
    attributes, and the embedded JSON."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.texts: list[tuple[dict, str]] = []
        self.data = ""
        self._open: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attributes))
        if tag in ("text", "script"):
            self._open.append((tag, attributes))
            if tag == "text":
                self.texts.append((attributes, ""))

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_data(self, data):
        if not self._open:
            return
        tag, attributes = self._open[-1]
        if tag == "text":
            self.texts[-1] = (self.texts[-1][0], self.texts[-1][1] + data)
        elif attributes.get("id") == "data":
            self.data += data


def _parse(page: str) -> _Page:
    parsed = _Page()
    parsed.feed(page)
    return parsed


def _axis_maps(parsed: _Page):
    """Data -> SVG coordinates, read from the tick labels (x ticks centred below the axis, y ticks
    right-aligned to its left); every tick must agree with one affine map per axis."""

    def value(text: str) -> Fraction:
        return Fraction(text.replace("\u2212", "-"))

    def fit(pairs):
        (v0, p0), (v1, p1) = pairs[0], pairs[-1]
        scale = (p1 - p0) / float(v1 - v0)
        for v, p in pairs:
            assert abs(p0 + scale * float(v - v0) - p) < 0.02
        return lambda v: p0 + scale * float(Fraction(v) - v0)

    ticks = [(a, t) for a, t in parsed.texts if a.get("class") == "tick"]
    xs = [(value(t), float(a["x"])) for a, t in ticks if a.get("text-anchor") == "middle"]
    ys = [(value(t), float(a["y"])) for a, t in ticks if a.get("text-anchor") == "end"]
    assert len(xs) >= 4 and len(ys) >= 4
    return fit(xs), fit(ys)


def _polygons(parsed: _Page) -> dict[int, list[tuple[float, float]]]:
    out = {}
    for tag, a in parsed.tags:
        if tag == "polygon" and a.get("class") == "region":
            out[int(a["data-region"])] = [tuple(map(float, p.split(","))) for p in a["points"].split()]
    return out


def _inside(poly, p) -> bool:
    crosses = [(b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) for a, b in zip(poly, poly[1:] + poly[:1])]
    return all(c > 0 for c in crosses) or all(c < 0 for c in crosses)


@pytest.mark.parametrize("name", sorted(PARTITIONS))
def test_one_polygon_per_region_drawn_where_its_interior_point_is(name):
    p = PARTITIONS[name]
    parsed = _parse(report_html(p))
    polygons = _polygons(parsed)
    assert sorted(polygons) == list(range(len(p.regions)))
    x, y = _axis_maps(parsed)
    for i, region in enumerate(p.regions):
        assert len(polygons[i]) == len(region_polygon(region))  # one SVG point per exact vertex
        assert _inside(polygons[i], (x(region.point[0]), y(region.point[1]))), i


@pytest.mark.parametrize("name", sorted(PARTITIONS))
def test_the_page_needs_nothing_from_outside(name):
    page = report_html(PARTITIONS[name])
    parsed = _parse(page)
    for tag, attributes in parsed.tags:
        for key in ("src", "href", "xlink:href", "action", "data", "poster"):
            assert key not in attributes or not re.match(r"\s*(https?:)?//", attributes[key]), (tag, key)
        assert tag not in ("link", "iframe", "img", "object", "embed", "base")
        assert not (tag == "script" and "src" in attributes)
    assert "http://" not in page and "https://" not in page
    assert "default-src 'none'" in page  # the Content-Security-Policy forbids any fetch


def test_user_text_stays_text():
    p = PARTITIONS["hostile"]
    title = "<script>alert(1)</script> & more"
    page = report_html(p, title=title)
    parsed = _parse(page)
    assert [t for t, _ in parsed.tags].count("script") == 2  # the JSON block and the page's script
    assert "i" not in [t for t, _ in parsed.tags]  # no <i> from an input name
    assert page.count("<title>&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</title>") == 1
    data = json.loads(parsed.data)
    assert data["inputs"] == list(HOSTILE.input_names) and data["outputs"] == list(HOSTILE.output_names)
    assert "</script>" not in parsed.data


def _q(x) -> Fraction:
    return Fraction(x[0] if isinstance(x, list) else x)


@pytest.mark.parametrize("name", sorted(PARTITIONS))
def test_embedded_values_are_the_partitions_exact_values(name):
    p = PARTITIONS[name]
    data = json.loads(_parse(report_html(p)).data)
    for i, (region, entry) in enumerate(zip(p.regions, data["regions"], strict=True)):
        assert entry["pattern"] == ["".join(map(str, layer)) for layer in region.pattern]
        assert tuple(map(_q, entry["point"])) == region.point
        for o, terms in enumerate(entry["maps"]):
            weights = [Fraction(0)] * 2
            bias = Fraction(0)
            for c, k in terms:
                if k < 0:
                    bias = _q(c)
                else:
                    weights[k] = _q(c)
            assert tuple(weights) == region.weight[o] and bias == region.bias[o]
        assert entry["neighbours"] == sorted(p.graph.neighbors(i))
        assert {tuple(map(_q, v)) for v in entry["vertices"]} == set(region_polygon(region))


def test_same_partition_same_bytes():
    assert report_html(partition(EXAMPLE)) == report_html(partition(EXAMPLE))


# ------------------------------------------------------------------------------------ command line
def test_command_writes_the_report(tmp_path, capsys):
    out = tmp_path / "r.html"
    assert main(["report", "-o", str(out), "--title", "Example"]) == 0
    assert out.read_text(encoding="utf-8").rstrip("\n") == report_html(partition(EXAMPLE), title="Example")
    said = capsys.readouterr().out
    assert said.startswith("report (4 regions, 4 edges, 4 linear pieces, 2 decision-boundary pieces;")


def test_command_to_stdout(capsys):
    assert main(["report", "--box=0:1,0:1", "-o", "-"]) == 0
    out, err = capsys.readouterr()
    assert out.rstrip("\n") == report_html(partition(EXAMPLE))
    assert err.startswith("report (4 regions") and err.endswith("written to stdout\n")


def test_command_on_a_slice(tmp_path):
    net = random_net(5, 4, (3,), rational=True)
    (tmp_path / "n.json").write_text(json.dumps(net.to_json()))
    out = tmp_path / "s.html"
    args = ["report", str(tmp_path / "n.json"), "--axes", "2,0", "--at=1,0,0,1/2", "--box=-1:1,-1:1", "-o", str(out)]
    assert main(args) == 0
    page = out.read_text(encoding="utf-8")
    assert "exact slice of 4 inputs" in page
    assert page.count('class="region"') == len(partition(_sliced(net), [(-1, 1), (-1, 1)]).regions)


def _sliced(net):
    from exactrelu.slices import slice_axes  # deferred: only this test slices in Python

    return slice_axes(net, 2, 0, [1, 0, 0, "1/2"])


@pytest.mark.parametrize(
    "output, message",
    [
        ("r.html", "a report needs 2 inputs and this network has 3: take an exact 2-D slice with "
         "--axes I,J --at V1,...,V3 or --through POINTS.json"),
        ("r.png", "a report is written to a .html file"),
    ],
)  # fmt: skip
def test_refusals_are_one_line(tmp_path, capsys, output, message):
    net = tmp_path / "three.json"
    net.write_text(json.dumps(random_net(3, 3, (2,)).to_json()))
    assert main(["report", str(net), "--box=-1:1,-1:1,-1:1", "-o", str(tmp_path / output)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / output).exists()


# ----------------------------------------------------------------------------------------- browser
def _chromium() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        import playwright.sync_api  # noqa: F401  # deferred: the browser tests alone need Playwright
    except ImportError:
        found = None
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium or Playwright is missing under CI: .ci/run installs them (apt-get install chromium)")
        pytest.skip("needs Debian's chromium and Playwright (apt-get install chromium; pip install playwright)")
    return found


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    from playwright.sync_api import sync_playwright  # deferred: the browser tests alone need Playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def open_report(browser, tmp_path):
    pages = []

    def opener(p, **options):
        path = tmp_path / f"report{len(pages)}.html"
        path.write_text(report_html(p, **options), encoding="utf-8")
        page = browser.new_page(viewport={"width": 1180, "height": 780})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(path.as_uri())
        pages.append((page, errors))
        return page, errors

    yield opener
    for page, errors in pages:
        page.close()
        assert errors == []


def _click_at(page, parsed: _Page, point) -> None:
    """A real mouse click at a data point, placed through the page's own axis ticks."""
    x, y = _axis_maps(parsed)
    m = page.evaluate(
        "() => { const m = document.getElementById('plot').getScreenCTM(); return [m.a, m.d, m.e, m.f]; }"
    )
    page.mouse.click(m[0] * x(point[0]) + m[2], m[1] * y(point[1]) + m[3])


def _number(text: str) -> Fraction:
    return Fraction(text.strip().replace("\u2212", "-"))


NUMBER = r"[0-9]+(?:/[0-9]+|\.[0-9]+(?:\u00d710-?[0-9]+)?)?"  # 5/4, 0.25, 3.33333×10−8 (after − -> -)


def _affine(text: str, names, relation: str = "=") -> tuple[str, tuple[Fraction, ...], Fraction]:
    """``P = −X + 3 Y − 1`` (as shown) as the output's name, weights and bias (``relation`` "≈"
    for rounded coefficients, which are read as the decimals shown)."""
    text = re.sub(r"\s+", " ", text.replace("\u2212", "-").replace("\u2009", " ")).strip()
    lhs, rhs = text.split(f" {relation} ")
    weights = dict.fromkeys(names, Fraction(0))
    bias = Fraction(0)
    for term in re.split(r" (?=[+-] )", rhs):
        sign = -1 if term.startswith("-") else 1
        body = term.lstrip("+- ")
        match = re.fullmatch(f"({NUMBER})? ?(.*)", body)
        coefficient = Fraction(match.group(1).replace("\u00d710", "e")) if match.group(1) else Fraction(1)
        if match.group(2):
            weights[match.group(2)] = sign * coefficient
        else:
            bias = sign * coefficient
    return lhs, tuple(weights[n] for n in names), bias


def _panel(page) -> dict:
    return {
        "title": page.text_content("#panel-title"),
        "pattern": page.text_content("#p-pattern"),
        "point": page.text_content("#p-point"),
        "maps": [
            page.text_content(f"#p-map .eq[data-output='{o}']") for o in range(page.locator("#p-map .eq").count())
        ],
        "neighbours": [int(b) for b in page.locator("#p-neighbours button").all_text_contents()],
    }


def _assert_panel_shows(page, p, i) -> None:
    region, net = p.regions[i], p.network
    shown = _panel(page)
    assert shown["title"] == f"Region {i}"
    assert shown["pattern"] == " | ".join("".join(map(str, layer)) for layer in region.pattern)
    point = shown["point"].strip()
    assert point.startswith("(") and point.endswith(")")
    assert tuple(_number(v) for v in point[1:-1].split(", ")) == region.point
    assert len(shown["maps"]) == net.n_outputs
    for o, text in enumerate(shown["maps"]):
        assert _affine(text, net.input_names) == (net.output_names[o], region.weight[o], region.bias[o])
    assert shown["neighbours"] == sorted(p.graph.neighbors(i))


def _deep_points(p, count: int):
    """The ``count`` regions of largest area with their exact centroids (well inside, so a click
    there cannot land on a neighbour's outline)."""
    polys = [region_polygon(r) for r in p.regions]
    biggest = sorted(range(len(polys)), key=lambda i: -area(polys[i]))[:count]
    return [(i, centroid(polys[i])) for i in biggest]


@pytest.mark.parametrize("name", ["builtin", "hostile"])
def test_clicking_a_region_shows_its_exact_values(open_report, name):
    p = PARTITIONS[name]
    page, _ = open_report(p)
    parsed = _parse(page.content())
    for i, point in _deep_points(p, 6):
        _click_at(page, parsed, point)
        assert p.locate(point) == i  # the point really is in region i (exact)
        _assert_panel_shows(page, p, i)
    first = _deep_points(p, 1)[0][0]
    _click_at(page, parsed, _deep_points(p, 1)[0][1])
    for j in sorted(p.graph.neighbors(first))[:3]:  # neighbours are buttons that select them
        page.click(f"#p-neighbours button[data-region='{j}']")
        _assert_panel_shows(page, p, j)
        page.click(f"#p-neighbours button[data-region='{first}']")
        _assert_panel_shows(page, p, first)


def test_hover_shows_and_leaving_restores_the_pinned_region(open_report):
    p = PARTITIONS["builtin"]
    page, _ = open_report(p)
    parsed = _parse(page.content())
    (a, pa), (b, pb) = _deep_points(p, 2)
    _click_at(page, parsed, pa)
    x, y = _axis_maps(parsed)
    m = page.evaluate(
        "() => { const m = document.getElementById('plot').getScreenCTM(); return [m.a, m.d, m.e, m.f]; }"
    )
    page.mouse.move(m[0] * x(pb[0]) + m[2], m[1] * y(pb[1]) + m[3])
    assert page.text_content("#panel-title") == f"Region {b} (hover)"
    page.mouse.move(2, 2)
    assert page.text_content("#panel-title") == f"Region {a}"


def test_summary_numbers_are_the_python_apis(open_report):
    for name in ("builtin", "hostile"):
        p = PARTITIONS[name]
        page, _ = open_report(p)
        shown = {
            key: int(page.text_content(f"#summary td[data-key='{key}']").replace(",", ""))
            for key in (
                "regions",
                "edges",
                "linear_pieces",
                "boundary_pieces",
                "continuous_dim",
                "free_dim",
                "parameters",
            )
        }
        dof = p.dof()
        assert shown == {
            "regions": len(p.regions),
            "edges": p.graph.number_of_edges(),
            "linear_pieces": p.linear_pieces,
            "boundary_pieces": len(p.boundary().pieces),
            "continuous_dim": dof.continuous_dim,
            "free_dim": dof.free_dim,
            "parameters": dof.parameters,
        }
        assert shown["free_dim"] == 3 * len(p.regions)


def test_names_are_shown_as_text(open_report):
    p = PARTITIONS["hostile"]
    page, _ = open_report(p, title="<b>bold?</b>")
    assert page.text_content("h1") == "<b>bold?</b>"
    assert page.locator("h1 b").count() == 0
    _click_at(page, _parse(page.content()), _deep_points(p, 1)[0][1])
    lines = [page.text_content(f"#p-map .eq[data-output='{o}']") for o in range(3)]
    assert [line.split(" = ")[0] for line in lines] == ['"q"', "</script>", "r1"]
    assert "<i>a</i>" in "".join(lines) or "b&c" in "".join(lines)
    assert page.locator("#p-map i").count() == 0


def test_screenshot_shows_the_partition(open_report, tmp_path):
    """A screenshot after a click, kept at ``$EXACTRELU_SCREENSHOT`` when that is set (to look at):
    the regions' fills, the decision boundary's colour and the selection outline are on it."""
    from matplotlib.image import imread  # deferred: only this test reads a PNG

    p = PARTITIONS["builtin"]
    page, _ = open_report(p, title="The built-in example")
    _click_at(page, _parse(page.content()), _deep_points(p, 1)[0][1])
    path = Path(os.environ.get("EXACTRELU_SCREENSHOT") or tmp_path / "report.png")
    page.screenshot(path=str(path), full_page=True)
    pixels = (imread(str(path))[:, :, :3] * 255).round().astype(int).reshape(-1, 3).tolist()
    colours = {tuple(c) for c in pixels}
    for hex_colour in ("#b2182b", "#1f4e9c", "#ffbb78"):  # boundary, selection outline, a region fill
        rgb = tuple(int(hex_colour[k : k + 2], 16) for k in (1, 3, 5))
        assert rgb in colours, hex_colour


def test_long_numbers_are_rounded_until_asked_for_exactly(open_report):
    """Binary-float weights give long exact rationals: shown rounded to 6 significant digits (with
    "≈"), and exactly once the box is ticked."""
    net = Network.from_layers(
        [([[Fraction(0.1), Fraction(-0.7)], [Fraction(0.3), Fraction(0.45)]], [Fraction(0.05), Fraction(-0.2)]),
         ([[Fraction(1.1), Fraction(-0.35)]], [Fraction(1e-9)])],
        input_names=("u", "v"), output_names=("f",),
    )  # fmt: skip
    p = partition(net, [(-1, 1), (-1, 1)])
    page, _ = open_report(p)
    parsed = _parse(page.content())
    i, point = _deep_points(p, 1)[0]
    _click_at(page, parsed, point)
    region = p.regions[i]
    name, weights, bias = _affine(page.text_content("#p-map .eq"), net.input_names, relation="\u2248")
    assert name == "f"
    for shown, exact in zip((*weights, bias), (*region.weight[0], region.bias[0])):
        assert shown != exact and abs(shown - exact) <= abs(exact) * Fraction(1, 10**5)
    page.check("#exact-numbers")
    _assert_panel_shows(page, p, i)

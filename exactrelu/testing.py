"""Exact assertions for tests that guard a ReLU network: region counts, robustness of a class on a
box, identical decisions and bounded output differences between two networks.

Every verdict is exact.  The networks are partitioned into activation regions
(:func:`~exactrelu.partition.partition`); on each region a network is one exact affine map, so a
question about the whole domain becomes finitely many exact linear programs (HiGHS proposes, exact
rational arithmetic decides, see :mod:`exactrelu.geometry.lp`) or exact evaluations at a region's
vertices.  Two networks are compared on the **common refinement** of their partitions
(:mod:`exactrelu.comparison`): the pairs of regions, one of each, whose intersection is
full-dimensional, which cover the domain.

A failed assertion raises :class:`AssertionError` with an exact counterexample point, the exact
outputs there (recomputed by the exact forward pass, independently of the regions) and the rule
that was applied.

**Classes.**  Outputs are class scores; class ``c`` is output ``c`` (0-based).  Class ``c`` *wins*
at ``x`` when its output is strictly greater than every other output: a tie is not a win, and
where the highest outputs tie no class wins.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from exactrelu_checker import check_certificate

from .comparison import (
    IntRow,
    Piece,
    common_refinement,
    dot,
    facet_rows,
    feasible_in,
    feasible_point,
    integer_map,
    minimum,
    refine,
    same_map,
    vertices_h,
    win_rows,
    winner,
)
from .errors import InternalError, InvalidArgument
from .geometry.cell import Cell
from .geometry.domain import Domain
from .geometry.exact import dehomogenize, homogeneous
from .geometry.lp import LPSolver, Status
from .network import Network
from .partition import DD_MAX_DIM, Partition, certify, partition
from .rational import format_rational, to_rational
from .region import Region

__all__ = [
    "Piece",
    "common_refinement",
    "assert_regions",
    "assert_robust",
    "assert_same_decisions",
    "assert_outputs_within",
]

DomainLike = Domain | Sequence[tuple[object, object]] | None


# ----------------------------------------------------------------------------- printing
def _num(v: Fraction) -> str:
    """The exact value, with a decimal approximation when its denominator is long."""
    text = format_rational(v)
    return text if v.denominator < 10_000 else f"{text} (~{float(v):.6g})"


def _point_text(net: Network, x: Sequence[Fraction]) -> str:
    return ", ".join(f"{name}={_num(v)}" for name, v in zip(net.input_names, x))


def _outputs_text(net: Network, y: Sequence[Fraction]) -> str:
    return ", ".join(f"{name} = {_num(v)}" for name, v in zip(net.output_names, y))


def _class_text(net: Network, c: int) -> str:
    return f"class {c} ({net.output_names[c]})"


def _pattern_text(region: Region) -> str:
    return " | ".join("".join(map(str, layer)) for layer in region.pattern) or "(no hidden layer)"


def _decision_text(net: Network, y: Sequence[Fraction]) -> str:
    c = winner(y)
    if c is not None:
        return f"{_class_text(net, c)} wins"
    top = max(y)
    tied = [_class_text(net, k) for k, v in enumerate(y) if v == top]
    return f"no class wins ({' and '.join(tied)} tie)"


def _check_classes(net: Network, what: str) -> None:
    if net.n_outputs < 2:
        raise InvalidArgument(
            f"{what} has one output, so its argmax is always class 0; give class scores (two or more outputs), "
            "or compare the output with assert_outputs_within"
        )


def _keep_certificate(net: Network, domain: Domain, path: str | os.PathLike | None) -> str:
    """Certify the partition, check it, write it (to ``path`` or a kept temporary file) and say where."""
    if domain.dim > DD_MAX_DIM:
        return f"no certificate: certificates need at most {DD_MAX_DIM} inputs"
    cert = certify(net, domain)
    verdict = check_certificate(cert)
    if path is None:
        fd, name = tempfile.mkstemp(prefix="exactrelu-certificate-", suffix=".json")
        os.close(fd)
    else:
        name = os.fspath(path)
    with open(name, "w", encoding="utf-8") as out:
        json.dump(cert, out)
    status = "VERIFIED" if verdict.verified else f"NOT VERIFIED: {verdict.reason}"
    return f"certificate of the partition: {name} ({status}; check it with `exactrelu check {name}`)"


# ----------------------------------------------------------------------------- assertions
def assert_regions(
    network: Any,
    domain: DomainLike = None,
    *,
    at_most: int | None = None,
    exactly: int | None = None,
    at_least: int | None = None,
) -> Partition:
    """Assert how many activation regions ``network`` has on ``domain`` (anything
    :func:`~exactrelu.partition.partition` takes), and return the partition.

    >>> from exactrelu import EXAMPLE
    >>> len(assert_regions(EXAMPLE, [(0, 1), (0, 1)], exactly=4).regions)
    4
    >>> assert_regions(EXAMPLE, [(0, 1), (0, 1)], at_most=3)
    Traceback (most recent call last):
    AssertionError: expected at most 3 activation regions on [0, 1] x [0, 1], found 4 (edges: 4, linear pieces: 4)
    """
    __tracebackhide__ = True  # pytest shows the message, not this function's frames
    p = partition(network, domain)
    found = len(p.regions)
    for bound, fails, words in (
        (exactly, lambda n, k: n != k, "exactly"),
        (at_most, lambda n, k: n > k, "at most"),
        (at_least, lambda n, k: n < k, "at least"),
    ):
        if bound is not None and fails(found, bound):
            raise AssertionError(
                f"expected {words} {bound} activation regions on {p.domain.describe()}, found {found} "
                f"(edges: {len(p.edges)}, linear pieces: {p.linear_pieces})"
            )
    return p


def assert_robust(
    network: Any,
    box: DomainLike,
    label: int,
    *,
    ties: str = "lose",
    certificate: str | os.PathLike | None = None,
) -> Fraction:
    """Assert that class ``label`` wins everywhere on ``box`` (a box as ``(lo, hi)`` pairs or any
    :class:`Domain`), exactly; returns the exact margin
    ``min over the box of (f_label - max_{j != label} f_j)``.

    Rule: ``ties="lose"`` (default) requires ``f_label > f_j`` for every other class ``j`` at every
    point of the closed box (a tie is not a win: margin ``> 0``); ``ties="win"`` accepts ties
    (``f_label >= f_j``: margin ``>= 0``).  For every region and every ``j != label`` the exact
    minimum of the affine function ``f_label - f_j`` over the region is found at its vertices (or
    by an exact LP over its facets).

    On failure the :class:`AssertionError` shows the point of smallest margin, the exact outputs
    there and which class wins, and names a file holding the partition's certificate (checked with
    :mod:`exactrelu_checker`).  ``certificate``: write the certificate to this path, pass or fail
    (on failure without it, a kept temporary file is used).

    >>> from exactrelu import Network
    >>> net = Network.from_layers([([[1, 0]], [0]), ([[1], [-1]], [0, "1/2"])])  # y1 = relu(x1), y2 = 1/2 - relu(x1)
    >>> assert_robust(net, [(1, 2), (0, 1)], label=0)
    Fraction(3, 2)
    >>> assert_robust(net, [("1/4", 2), (0, 1)], label=0, ties="win")  # y1 = y2 at x1 = 1/4
    Fraction(0, 1)
    >>> import pathlib, shutil, tempfile
    >>> kept = pathlib.Path(tempfile.mkdtemp(), "robust.json")
    >>> assert_robust(net, [(0, 2), (0, 1)], label=0, certificate=kept)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    AssertionError: class 0 (y1) does not win everywhere on [0, 2] x [0, 1]: at x1=0, x2=0 class 1 (y2) wins
      outputs: y1 = 0, y2 = 1/2
      exact margin (min over the box of y1 - max of the other outputs): -1/2, reached in region 0 (pattern 1)
      rule: a tie is not a win: class wins at x when its output is strictly greater than every other
      certificate of the partition: .../robust.json (VERIFIED; check it with `exactrelu check .../robust.json`)
    >>> shutil.rmtree(kept.parent)
    """
    __tracebackhide__ = True  # pytest shows the message, not this function's frames
    if ties not in ("lose", "win"):
        raise InvalidArgument(f"ties is {ties!r}; expected 'lose' (a tie is not a win) or 'win'")
    p = partition(network, box)
    net = p.network
    _check_classes(net, "the network")
    if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < net.n_outputs:
        raise InvalidArgument(f"label is {label!r}; expected a class index from 0 to {net.n_outputs - 1}")
    solver = LPSolver()
    worst: tuple[Fraction, tuple[Fraction, ...], int] | None = None
    for r, region in enumerate(p.regions):
        rows, den = integer_map(region)
        for j in range(net.n_outputs):
            if j == label:
                continue
            gap = [Fraction(u - v, den) for u, v in zip(rows[label], rows[j])]
            value, x = minimum(region, gap, solver)
            if worst is None or value < worst[0]:
                worst = (value, x, r)
    assert worst is not None
    margin, x, r = worst
    failed = margin <= 0 if ties == "lose" else margin < 0
    kept = _keep_certificate(net, p.domain, certificate) if failed or certificate is not None else ""
    if not failed:
        return margin
    y = net.forward(x)
    others = max(v for c, v in enumerate(y) if c != label)
    if y[label] - others != margin:
        raise InternalError(f"the exact margin {margin} does not match the forward pass at {x}")
    rule = (
        "a tie is not a win: class wins at x when its output is strictly greater than every other"
        if ties == "lose"
        else 'ties="win": class must have an output >= every other'
    )
    raise AssertionError(
        f"{_class_text(net, label)} does not win everywhere on {p.domain.describe()}: "
        f"at {_point_text(net, x)} {_decision_text(net, y)}\n"
        f"  outputs: {_outputs_text(net, y)}\n"
        f"  exact margin (min over the box of {net.output_names[label]} - max of the other outputs): "
        f"{_num(margin)}, reached in region {r} (pattern {_pattern_text(p.regions[r])})\n"
        f"  rule: {rule}\n"
        f"  {kept}"
    )


def _two(
    net_a: Any, net_b: Any, domain: DomainLike
) -> tuple[Partition, Partition, list[tuple[Piece, Cell | None]], LPSolver]:
    pa = partition(net_a, domain)
    pb = partition(net_b, pa.domain)
    if pa.network.n_outputs != pb.network.n_outputs:
        raise InvalidArgument(f"network a has {pa.network.n_outputs} outputs and network b has {pb.network.n_outputs}")
    solver = LPSolver()
    return pa, pb, refine(pa, pb, solver), solver


def _could_win(region: Region, solver: LPSolver) -> list[int]:
    """The classes that may win (strictly) somewhere in the region: every gap ``f_c - f_k`` is
    positive at some vertex (a necessary condition), or, without vertices, an exact LP says so."""
    n = len(region.map_rows)
    verts = vertices_h(region)
    if verts:
        return [c for c in range(n) if all(any(dot(gap, v) > 0 for v in verts) for gap in win_rows(region, c))]
    return [c for c in range(n) if feasible_point(solver, facet_rows(region), win_rows(region, c)) is not None]


def _disagreement(
    ra: Region, rb: Region, cell: Cell | None, could: tuple[list[int], list[int]], ties: str, solver: LPSolver
) -> tuple[Fraction, ...] | None:
    """A point of ``ra`` and ``rb`` (their intersection ``cell``, when it has exact vertices) where
    the decisions differ under the rule, or None.  ``could``: the classes each region may decide
    somewhere (a superset; exact clipping or LPs decide)."""
    if same_map(ra, rb):
        return None
    if ties == "ignore" and (not could[0] or not could[1] or could[0] == could[1] == could[0][:1]):
        return None  # one of them never decides, or both can decide only the same class
    weak = facet_rows(ra) + facet_rows(rb)

    def feasible(extra: list[IntRow], strict: list[IntRow]) -> tuple[Fraction, ...] | None:
        if cell is not None:
            return feasible_in(cell, extra, strict)
        return feasible_point(solver, weak + extra, strict)

    if ties == "ignore":  # both decide, differently
        for c in could[0]:
            for k in could[1]:
                if c != k:
                    found = feasible([], win_rows(ra, c) + win_rows(rb, k))
                    if found is not None:
                        return found
        return None
    for this, other, classes in ((ra, rb, could[0]), (rb, ra, could[1])):  # one decides c, the other does not
        rows, _ = integer_map(other)
        verts = vertices_h(other)
        for c in classes:
            for k in range(len(rows)):
                if k == c:
                    continue
                beaten = tuple(u - v for u, v in zip(rows[k], rows[c]))  # f_k >= f_c: c does not win
                if verts and all(dot(beaten, v) < 0 for v in verts):
                    continue  # the other network prefers c to k on its whole region
                found = feasible([beaten], win_rows(this, c))
                if found is not None:
                    return found
    return None


def assert_same_decisions(net_a: Any, net_b: Any, domain: DomainLike = None, *, ties: str = "ignore") -> int:
    """Assert that two networks make the same decision (argmax class) everywhere on ``domain``,
    exactly; returns the number of cells of the common refinement that were compared.

    Rule: a network *decides* class ``c`` at ``x`` when output ``c`` is strictly greater than every
    other output (at a tie it decides nothing).  ``ties="ignore"`` (default): the networks disagree
    at ``x`` when both decide there and decide differently; points where either ties are not
    compared.  As outputs are continuous, such points form an open set, so passing means the
    decisions agree up to a set of volume zero.  ``ties="strict"``: they also disagree where one
    decides and the other does not, so passing means the decision (a class or none) is the same at
    every point.

    On each cell of the common refinement both networks are affine; the set where ``a`` decides
    ``c`` and ``b`` decides ``k`` is a polyhedron, tested for a point by one exact LP.  On failure
    the :class:`AssertionError` shows such a point with both networks' exact outputs.

    >>> from exactrelu import Network
    >>> a = Network.from_layers([([[1, -1], [-1, 1]], [0, 0]), ([[1, 0], [0, 1]], [0, 0])])
    >>> b = Network.from_layers([([[3, -3], [-1, 1]], [0, 0]), ([[1, 0], [0, 2]], [0, 0])])  # rescaled
    >>> assert_same_decisions(a, b, [(0, 1), (0, 1)], ties="strict")
    2
    >>> c = Network.from_layers([([[1, -1], [-1, 1]], [0, 0]), ([[1, 0], [0, 1]], ["-1/10", 0])])
    >>> assert_same_decisions(a, c, [(0, 1), (0, 1)])
    Traceback (most recent call last):
    AssertionError: the networks decide differently on [0, 1] x [0, 1]: at x1=6/11, x2=5/11 network a: class 0 (y1) wins, network b: class 1 (y2) wins
      network a: y1 = 1/11, y2 = 0
      network b: y1 = -1/110, y2 = 0
      rule (ties="ignore"): a network decides class c at x when output c is strictly greater than every other; points where either network ties are not compared
    """
    __tracebackhide__ = True  # pytest shows the message, not this function's frames
    if ties not in ("ignore", "strict"):
        raise InvalidArgument(f"ties is {ties!r}; expected 'ignore' or 'strict'")
    pa, pb, pieces, solver = _two(net_a, net_b, domain)
    a, b = pa.network, pb.network
    _check_classes(a, "network a")
    could_a: dict[int, list[int]] = {}
    could_b: dict[int, list[int]] = {}
    for piece, cell in pieces:
        ra, rb = pa.regions[piece.first], pb.regions[piece.second]
        if piece.first not in could_a:
            could_a[piece.first] = _could_win(ra, solver)
        if piece.second not in could_b:
            could_b[piece.second] = _could_win(rb, solver)
        x = _disagreement(ra, rb, cell, (could_a[piece.first], could_b[piece.second]), ties, solver)
        if x is None:
            continue
        ya, yb = a.forward(x), b.forward(x)
        if winner(ya) == winner(yb) or (ties == "ignore" and None in (winner(ya), winner(yb))):
            raise InternalError(f"an exact disagreement point {x} does not disagree in the forward pass")
        rule = (
            "points where either network ties are not compared"
            if ties == "ignore"
            else "a tie (no decision) differs from any decision"
        )
        raise AssertionError(
            f"the networks decide differently on {pa.domain.describe()}: at {_point_text(a, x)} "
            f"network a: {_decision_text(a, ya)}, network b: {_decision_text(b, yb)}\n"
            f"  network a: {_outputs_text(a, ya)}\n"
            f"  network b: {_outputs_text(b, yb)}\n"
            f'  rule (ties="{ties}"): a network decides class c at x when output c is strictly greater than '
            f"every other; {rule}"
        )
    return len(pieces)


def assert_outputs_within(net_a: Any, net_b: Any, domain: DomainLike, bound: object) -> tuple[Fraction, ...]:
    """Assert ``|f_a(x)_o - f_b(x)_o| <= bound`` for every output ``o`` and every ``x`` in
    ``domain``, exactly; returns the exact maximum of ``|f_a - f_b|`` per output.

    ``bound`` is one rational (an int, Fraction, ``"p/q"`` or decimal text; a float means its exact
    binary value) or one per output.  On each cell of the common refinement ``f_a - f_b`` is affine,
    so its maximum and minimum are exact LPs; the failure message shows each offending output's
    exact maximum and a point reaching it, with both networks' outputs there.

    >>> from exactrelu import EXAMPLE, Network
    >>> moved = Network.from_layers([(l.weight, l.bias) for l in EXAMPLE.layers[:-1]]
    ...                             + [(EXAMPLE.layers[-1].weight, ["1/3", "-1/4"])])
    >>> assert_outputs_within(EXAMPLE, moved, [(0, 1), (0, 1)], "1/2")
    (Fraction(1, 3), Fraction(0, 1))
    >>> assert_outputs_within(EXAMPLE, moved, [(0, 1), (0, 1)], "1/4")
    Traceback (most recent call last):
    AssertionError: the outputs differ by more than the bound on [0, 1] x [0, 1]:
      P: max |a - b| = 1/3 > 1/4, at X=1/2, Y=1/4 (network a: 0, network b: 1/3)
      Q: max |a - b| = 0 <= 1/4
    """
    __tracebackhide__ = True  # pytest shows the message, not this function's frames
    pa, pb, pieces, solver = _two(net_a, net_b, domain)
    a, b = pa.network, pb.network
    n = a.n_outputs
    if isinstance(bound, (list, tuple)):
        if len(bound) != n:
            raise InvalidArgument(f"{len(bound)} bounds given for {n} outputs")
        bounds = [to_rational(v, f"bound {o + 1}") for o, v in enumerate(bound)]
    else:
        bounds = [to_rational(bound, "bound")] * n
    if any(v < 0 for v in bounds):
        raise InvalidArgument("a bound is negative")
    best: list[tuple[Fraction, tuple[Fraction, ...]]] = [(Fraction(0), pieces[0][0].point)] * n
    todo = []  # (upper bound, sign, output, piece, difference): cells where an LP may raise the maximum
    for piece, cell in pieces:
        ra, rb = pa.regions[piece.first], pb.regions[piece.second]
        rows_a, den_a = integer_map(ra)
        rows_b, den_b = integer_map(rb)
        verts = [vertices_h(ra), vertices_h(rb)]
        at = homogeneous(piece.point)
        for o in range(n):
            # f_a - f_b = diff . (1, x) / (den_a den_b) with an integer row diff
            diff = tuple(u * den_b - v * den_a for u, v in zip(rows_a[o], rows_b[o]))
            if not any(diff):
                continue
            scale = den_a * den_b
            here = Fraction(abs(dot(diff, at)), scale * at[0])
            if here > best[o][0]:
                best[o] = (here, piece.point)
            if cell is not None:  # exact vertices of the cell: the maximum is at one of them
                for v in cell.verts:
                    h = v if v[0] > 0 else tuple(-a for a in v)
                    value = Fraction(abs(dot(diff, h)), scale * h[0])
                    if value > best[o][0]:
                        best[o] = (value, dehomogenize(h))
                continue
            # the cell lies in both regions, so +-diff there is at most its maximum at either's vertices
            bounds_by_sign = []
            for sign in (1, -1):
                tops = [max(Fraction(sign * dot(diff, v), v[0]) for v in vs) / scale for vs in verts if vs]
                bounds_by_sign.append((sign, min(tops) if tops else None))
            gap = tuple(Fraction(c, scale) for c in diff)
            todo += [(upper, sign, o, piece, gap) for sign, upper in bounds_by_sign]
    todo.sort(key=lambda t: (t[0] is None, t[0] if t[0] is not None else 0), reverse=True)  # largest bounds first
    for upper, sign, o, piece, gap in todo:
        if upper is not None and upper <= best[o][0]:
            continue  # cannot raise the maximum
        weak = facet_rows(pa.regions[piece.first]) + facet_rows(pb.regions[piece.second])
        opt = solver.minimize(weak, tuple(-sign * v for v in gap))
        if opt.status is not Status.OPTIMAL or opt.value is None or opt.point is None:
            raise InternalError(f"the maximum over a bounded cell was not found ({opt.status.value})")
        if -opt.value > best[o][0]:
            best[o] = (-opt.value, opt.point)
    worst = tuple(v for v, _ in best)
    failing = [o for o in range(n) if worst[o] > bounds[o]]
    if not failing:
        return worst
    lines = []
    for o in range(n):
        value, x = best[o]
        name = a.output_names[o]
        if o not in failing:
            lines.append(f"  {name}: max |a - b| = {_num(value)} <= {format_rational(bounds[o])}")
            continue
        ya, yb = a.forward(x), b.forward(x)
        if abs(ya[o] - yb[o]) != value:
            raise InternalError(f"the exact maximum {value} does not match the forward passes at {x}")
        lines.append(
            f"  {name}: max |a - b| = {_num(value)} > {format_rational(bounds[o])}, at {_point_text(a, x)} "
            f"(network a: {_num(ya[o])}, network b: {_num(yb[o])})"
        )
    raise AssertionError(f"the outputs differ by more than the bound on {pa.domain.describe()}:\n" + "\n".join(lines))

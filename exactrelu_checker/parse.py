"""Reading a certificate: JSON under hostile-input limits, then types and shapes.

This module decides form, not truth: a certificate that gets through is well typed, within the
limits, and shaped consistently with its embedded network (index ranges that follow from list
lengths included); whether its claims hold is check.py's business.  Every failure raises
:class:`MalformedCertificate` with one line naming the place.  Rationals are strings only; a JSON
float, ``NaN`` or ``Infinity`` anywhere, a bool where an integer belongs, a duplicate key, an
unknown key or a number longer than Python's 4,300-digit conversion limit is refused.
"""

from __future__ import annotations

import json
import re
from math import comb
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

from .statement import FORMAT, VERSION

__all__ = ["MalformedCertificate", "Certificate", "Node", "Region", "load", "MAX_FILE_BYTES"]

MAX_FILE_BYTES = 2 * 1024 ** 3  # a certificate file larger than this is refused unread
MAX_DIGITS = 4300  # digits per integer inside a rational string (Python's default limit)
MAX_INPUTS = 1_000
MAX_LAYERS = 1_000
MAX_WIDTH = 100_000

_RATIONAL = re.compile(r"-?([0-9]+)(?:/([0-9]+))?")  # ASCII digits only (\d would admit others)
_TOP = ("format", "version", "network", "source", "domain", "bounded", "tree", "regions", "edges", "summary")


class MalformedCertificate(ValueError):
    """The certificate cannot be read: not JSON, wrong types or shapes, or a limit exceeded."""


class Node(NamedTuple):
    k: int
    decisions: tuple  # of (j, bit, proof); proof is "z", "b" or a tuple of constraint indices
    kind: str  # "s", "n" or "r"
    children: tuple  # (p, m) for "s", (n,) for "n", () for "r"
    value: int  # the split neuron for "s", the region for "r", -1 for "n"


class Region(NamedTuple):
    pattern: tuple  # tuple of per-layer bit tuples
    point: tuple  # of Fraction
    weight: tuple  # of rows of Fraction
    bias: tuple  # of Fraction
    vertices: tuple  # of d-tuples of constraint indices


@dataclass(frozen=True, slots=True)
class Certificate:
    layers: tuple  # of (weight rows, bias), Fraction entries
    slopes: tuple  # one Fraction per hidden layer
    sha256: str | None
    A: tuple
    b: tuple
    box: tuple | None  # of (lo, hi)
    bounded: tuple  # 2d multiplier vectors of length m
    tree: tuple  # of Node
    regions: tuple  # of Region
    edges: tuple  # of (i, j)
    summary: tuple  # (regions, edges, linear_pieces)

    @property
    def dim(self) -> int:
        return len(self.layers[0][0][0])

    @property
    def widths(self) -> tuple:
        """Widths of the hidden layers."""
        return tuple(len(bias) for _, bias in self.layers[:-1])


def _fail(where: str, message: str):
    raise MalformedCertificate(f"{where}: {message}")


def _refuse_float(text: str):
    raise MalformedCertificate(f"JSON number {text[:40]} has a fraction or exponent part; rationals are strings")


def _refuse_constant(text: str):
    raise MalformedCertificate(f"{text} is not allowed")


def _object(pairs: list) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        keys = [k for k, _ in pairs]
        raise MalformedCertificate(f"duplicate key {next(k for k in keys if keys.count(k) > 1)!r}")
    return out


def _decode(data: bytes | str) -> object:
    if len(data) > MAX_FILE_BYTES:
        raise MalformedCertificate(f"certificate of {len(data):,} bytes exceeds the limit of {MAX_FILE_BYTES:,}")
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedCertificate(f"not UTF-8: {exc.reason} at byte {exc.start}") from None
    try:
        return json.loads(data, parse_float=_refuse_float, parse_constant=_refuse_constant, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        raise MalformedCertificate(f"not valid JSON (truncated?): {exc}") from None
    except RecursionError:
        raise MalformedCertificate("JSON nested too deeply") from None


# -- typed readers ------------------------------------------------------------------------------
def _dict(x, where: str, required: tuple, optional: tuple = ()) -> dict:
    if type(x) is not dict:
        _fail(where, f"expected an object, got {_kind(x)}")
    for key in required:
        if key not in x:
            _fail(where, f"missing key {key!r}")
    for key in x:
        if key not in required and key not in optional:
            _fail(where, f"unknown key {key!r}")
    return x


def _list(x, where: str, n: int | None = None, lo: int = 0, hi: int | None = None) -> list:
    if type(x) is not list:
        _fail(where, f"expected a list, got {_kind(x)}")
    if n is not None and len(x) != n:
        _fail(where, f"has {len(x)} entries, expected {n}")
    if len(x) < lo or (hi is not None and len(x) > hi):
        _fail(where, f"has {len(x)} entries, expected between {lo} and {hi}")
    return x


def _int(x, where: str, lo: int = 0, hi: int | None = None) -> int:
    if type(x) is not int:  # excludes bool: JSON true is not 1
        _fail(where, f"expected an integer, got {_kind(x)}")
    if x < lo or (hi is not None and x > hi):
        _fail(where, f"{x} is out of range [{lo}, {hi}]")
    return x


def _rational(x, where: str) -> Fraction:
    if type(x) is not str:
        _fail(where, f"expected a rational string like \"-7/12\", got {_kind(x)}")
    match = _RATIONAL.fullmatch(x)
    if match is None:
        _fail(where, f"{x[:40]!r} is not a rational string n or p/q")
    num, den = match.groups()
    if len(num) > MAX_DIGITS or (den is not None and len(den) > MAX_DIGITS):
        _fail(where, f"number with more than {MAX_DIGITS} digits")
    if den is None:
        return Fraction(int(x))
    if not den.strip("0"):
        _fail(where, f"{x[:40]!r} has a zero denominator")
    return Fraction(int(x[:len(x) - len(den) - 1]), int(den))


def _rationals(x, where: str, n: int) -> tuple:
    out = []
    for i, v in enumerate(_list(x, where, n)):
        out.append(_rational(v, f"{where}[{i}]") if type(v) is not str or not v.isdigit() or len(v) > MAX_DIGITS
                   else Fraction(int(v)))  # fast path for nonnegative integers
    return tuple(out)


def _ints(x, where: str, n: int | None, lo: int, hi: int) -> tuple:
    for i, v in enumerate(_list(x, where, n)):
        if type(v) is not int or not lo <= v <= hi:
            _int(v, f"{where}[{i}]", lo, hi)
    return tuple(x)


def _matrix(x, where: str, rows: int | None, cols: int) -> tuple:
    return tuple(_rationals(row, f"{where}[{i}]", cols) for i, row in enumerate(_list(x, where, rows, lo=1)))


def _kind(x) -> str:
    return {bool: "a bool", int: "an integer", float: "a float", str: "a string", list: "a list",
            dict: "an object", type(None): "null"}.get(type(x), type(x).__name__)


# -- the certificate ----------------------------------------------------------------------------
def load(data: bytes | str | dict) -> Certificate:
    """Decode and validate; raises :class:`MalformedCertificate`."""
    try:
        top = data if isinstance(data, dict) else _decode(data)
        return _certificate(top)
    except RecursionError:
        raise MalformedCertificate("nested too deeply") from None
    except ValueError as exc:  # MalformedCertificate, or an int conversion limit
        if isinstance(exc, MalformedCertificate):
            raise
        if "integer string conversion" in str(exc):
            raise MalformedCertificate(f"a JSON integer has more than {MAX_DIGITS} digits") from None
        raise MalformedCertificate(str(exc).splitlines()[0]) from None


def _certificate(top) -> Certificate:
    if type(top) is dict and top.get("format", FORMAT) != FORMAT:
        _fail("format", f"expected {FORMAT!r}")
    if type(top) is dict and "version" in top and (type(top["version"]) is not int or top["version"] != VERSION):
        _fail("version", f"{str(top['version'])[:20]} is not supported (this checker reads version {VERSION})")
    top = _dict(top, "certificate", _TOP)
    layers, slopes = _network(top["network"])
    d = len(layers[0][0][0])
    widths = [len(bias) for _, bias in layers[:-1]]
    sha256 = _source(top["source"])
    A, b, box = _domain(top["domain"], d)
    m = len(A)
    bounded = tuple(_rationals(y, f"bounded[{i}]", m) for i, y in enumerate(_list(top["bounded"], "bounded", 2 * d)))
    raw_regions = _list(top["regions"], "regions", lo=1)
    n_regions = len(raw_regions)
    max_constraints = m + sum(widths)
    regions = tuple(_region(r, f"regions[{i}]", d, widths, len(layers[-1][1]), max_constraints)
                    for i, r in enumerate(raw_regions))
    # every path has exactly one "r" leaf and one "n" node per hidden layer but the last
    raw_tree = _list(top["tree"], "tree", lo=1, hi=n_regions * (len(layers) + 1))
    tree = tuple(_node(node, f"tree[{i}]", widths, d, len(raw_tree), n_regions, max_constraints)
                 for i, node in enumerate(raw_tree))
    raw_edges = _list(top["edges"], "edges", hi=n_regions * (n_regions - 1) // 2)
    edges = tuple(_ints(pair, f"edges[{e}]", 2, 0, n_regions - 1) for e, pair in enumerate(raw_edges))
    s = _dict(top["summary"], "summary", ("regions", "edges", "linear_pieces"))
    summary = tuple(_int(s[key], f"summary.{key}") for key in ("regions", "edges", "linear_pieces"))
    return Certificate(layers, slopes, sha256, A, b, box, bounded, tree, regions, edges, summary)


def _network(x) -> tuple:
    x = _dict(x, "network", ("layers",), ("negative_slopes",))
    raw = _list(x["layers"], "network.layers", lo=1, hi=MAX_LAYERS)
    layers = []
    n_in = None
    for k, layer in enumerate(raw):
        where = f"network.layers[{k}]"
        layer = _dict(layer, where, ("weight", "bias"))
        rows = _list(layer["weight"], f"{where}.weight", lo=1, hi=MAX_WIDTH)
        if n_in is None:
            n_in = len(_list(rows[0], f"{where}.weight[0]", lo=1, hi=MAX_INPUTS))
        weight = _matrix(rows, f"{where}.weight", None, n_in)
        bias = _rationals(layer["bias"], f"{where}.bias", len(weight))
        layers.append((weight, bias))
        n_in = len(weight)
    hidden = len(layers) - 1
    if "negative_slopes" in x:
        slopes = _rationals(x["negative_slopes"], "network.negative_slopes", hidden)
    else:
        slopes = (Fraction(0),) * hidden
    return tuple(layers), slopes


def _source(x) -> str | None:
    x = _dict(x, "source", (), ("file", "sha256", "reading"))
    for key, value in x.items():
        if value is not None and type(value) is not str:
            _fail(f"source.{key}", f"expected a string, got {_kind(value)}")
    return x.get("sha256")


def _domain(x, d: int) -> tuple:
    x = _dict(x, "domain", ("A", "b"), ("box",))
    A = _matrix(x["A"], "domain.A", None, d)
    b = _rationals(x["b"], "domain.b", len(A))
    box = None
    if "box" in x:
        box = tuple(_rationals(pair, f"domain.box[{i}]", 2) for i, pair in enumerate(_list(x["box"], "domain.box", d)))
    return A, b, box


def _region(x, where: str, d: int, widths: list, n_out: int, max_constraints: int) -> Region:
    x = _dict(x, where, ("pattern", "point", "map", "vertices"))
    raw = _list(x["pattern"], f"{where}.pattern", len(widths))
    pattern = tuple(_ints(bits, f"{where}.pattern[{k}]", n, 0, 1) for k, (bits, n) in enumerate(zip(raw, widths)))
    point = _rationals(x["point"], f"{where}.point", d)
    mp = _dict(x["map"], f"{where}.map", ("weight", "bias"))
    weight = _matrix(mp["weight"], f"{where}.map.weight", n_out, d)
    bias = _rationals(mp["bias"], f"{where}.map.bias", n_out)
    raw = _list(x["vertices"], f"{where}.vertices", lo=1, hi=comb(max_constraints, d))  # d-subsets of constraints
    vertices = tuple(_ints(basis, f"{where}.vertices[{v}]", d, 0, max_constraints - 1) for v, basis in enumerate(raw))
    return Region(pattern, point, weight, bias, vertices)


def _node(x, where: str, widths: list, d: int, n_nodes: int, n_regions: int, max_constraints: int) -> Node:
    if type(x) is not dict:
        _fail(where, f"expected an object, got {_kind(x)}")
    kinds = [key for key in ("s", "n", "r") if key in x]
    if len(kinds) != 1:
        _fail(where, "needs exactly one of 's', 'n', 'r'")
    kind = kinds[0]
    _dict(x, where, ("k",) + (("s", "p", "m") if kind == "s" else (kind,)), ("d",))
    k = _int(x["k"], f"{where}.k", 0, max(len(widths), 1) - 1)
    width = widths[k] if widths else 0
    decisions = []
    for i, dec in enumerate(_list(x.get("d", []), f"{where}.d", hi=width)):
        at = f"{where}.d[{i}]"
        j, bit, proof = _list(dec, at, 3)
        j, bit = _int(j, at, 0, width - 1), _int(bit, at, 0, 1)
        if proof not in ("z", "b"):
            _list(proof, f"{at} proof", lo=1, hi=d)
            proof = _ints(proof, f"{at} proof", None, 0, max_constraints - 1)
        decisions.append((j, bit, proof))
    if kind == "s":
        value = _int(x["s"], f"{where}.s", 0, width - 1)
        children = (_int(x["p"], f"{where}.p", 1, n_nodes - 1), _int(x["m"], f"{where}.m", 1, n_nodes - 1))
    elif kind == "n":
        value, children = -1, (_int(x["n"], f"{where}.n", 1, n_nodes - 1),)
    else:
        value, children = _int(x["r"], f"{where}.r", 0, n_regions - 1), ()
    return Node(k, tuple(decisions), kind, children, value)

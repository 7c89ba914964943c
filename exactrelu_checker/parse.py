"""Reading a certificate: JSON under hostile-input limits, then types and shapes.

This module decides form, not truth: what gets through is well typed, within the limits and shaped
consistently with the embedded network (index ranges that follow from list lengths included);
whether the claims hold is check.py's business.  Every failure raises MalformedCertificate with
one line naming the place.  Rationals are strings only: a JSON float, NaN or Infinity anywhere, a
bool where an integer belongs, a duplicate or unknown key, or a number of more than 4,300 digits
is refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from fractions import Fraction
from math import comb
from typing import NamedTuple

from .statement import FORMAT, VERSION

__all__ = ["MalformedCertificate", "Certificate", "Node", "Region", "load", "MAX_FILE_BYTES"]

MAX_FILE_BYTES = 2 * 1024 ** 3  # a certificate larger than this is refused unread
MAX_DIGITS = 4300  # digits per integer in a rational string (Python's default conversion limit)
MAX_INPUTS, MAX_LAYERS, MAX_WIDTH = 1_000, 1_000, 100_000

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
    pattern: tuple  # of per-layer bit tuples
    point: tuple  # of Fraction
    weight: tuple  # of rows of Fraction
    bias: tuple
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


def load(data: bytes | str | dict) -> Certificate:
    """Decode and validate; raises :class:`MalformedCertificate`."""
    if not isinstance(data, (bytes, bytearray, str, dict)):
        raise TypeError(f"a certificate is bytes, str or dict, not {type(data).__name__}")
    try:
        return _certificate(data if isinstance(data, dict) else _decode(data))
    except RecursionError:
        raise MalformedCertificate("nested too deeply") from None
    except MalformedCertificate:
        raise
    except ValueError as exc:  # Python's limit on converting a long JSON integer
        raise MalformedCertificate(f"a number is out of range ({str(exc).splitlines()[0][:60]})") from None


def _fail(where: str, message: str):
    raise MalformedCertificate(f"{where}: {message}")


def _refuse(text: str):
    raise MalformedCertificate(f"JSON number {text[:40]} is not allowed: rationals are strings")


def _object(pairs: list) -> dict:
    out = {}
    for key, value in pairs:
        if key in out:
            raise MalformedCertificate(f"duplicate key {key[:40]!r}")
        out[key] = value
    return out


def _decode(data: bytes | str) -> object:
    if len(data) > MAX_FILE_BYTES:
        raise MalformedCertificate(f"certificate of {len(data):,} bytes exceeds the limit of {MAX_FILE_BYTES:,}")
    if not isinstance(data, str):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedCertificate(f"not UTF-8: {exc.reason} at byte {exc.start}") from None
    try:
        return json.loads(data, parse_float=_refuse, parse_constant=_refuse, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        raise MalformedCertificate(f"not valid JSON (truncated?): {exc}") from None


def _kind(x) -> str:
    return {bool: "a bool", int: "an integer", float: "a float", str: "a string", list: "a list",
            dict: "an object", type(None): "null"}.get(type(x), type(x).__name__)


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


def _list(x, where: str, lo: int = 0, hi: int | None = None) -> list:
    if type(x) is not list:
        _fail(where, f"expected a list, got {_kind(x)}")
    if len(x) < lo or (hi is not None and len(x) > hi):
        _fail(where, f"has {len(x)} entries, expected " + (f"{lo}" if lo == hi else f"between {lo} and {hi}"))
    return x


def _int(x, where: str, lo: int, hi: int | None = None) -> int:
    if type(x) is not int:  # excludes bool: JSON true is not 1
        _fail(where, f"expected an integer, got {_kind(x)}")
    if x < lo or (hi is not None and x > hi):
        _fail(where, f"{x} is out of range [{lo}, {hi}]")
    return x


def _ints(x, where: str, n: int | None, lo: int, hi: int) -> tuple:
    for i, v in enumerate(_list(x, where, n or 0, n)):
        if type(v) is not int or not lo <= v <= hi:
            _int(v, f"{where}[{i}]", lo, hi)
    return tuple(x)


def _rational(x, where: str) -> Fraction:
    if type(x) is str and x.isdigit() and len(x) <= MAX_DIGITS:
        return Fraction(int(x))  # the common case, fast
    if type(x) is not str:
        _fail(where, f"expected a rational string like \"-7/12\", got {_kind(x)}")
    match = _RATIONAL.fullmatch(x)
    if match is None:
        _fail(where, f"{x[:40]!r} is not a rational string n or p/q")
    num, den = match.groups()
    if len(num) > MAX_DIGITS or len(den or "") > MAX_DIGITS:
        _fail(where, f"number with more than {MAX_DIGITS} digits")
    if den is not None and not den.strip("0"):
        _fail(where, f"{x[:40]!r} has a zero denominator")
    return Fraction(int(x)) if den is None else Fraction(int(x[:len(x) - len(den) - 1]), int(den))


def _rationals(x, where: str, n: int) -> tuple:
    return tuple(_rational(v, f"{where}[{i}]") for i, v in enumerate(_list(x, where, n, n)))


def _matrix(x, where: str, rows: int | None, cols: int) -> tuple:
    return tuple(_rationals(row, f"{where}[{i}]", cols) for i, row in enumerate(_list(x, where, rows or 1, rows)))


def _certificate(top) -> Certificate:
    if type(top) is dict and top.get("format", FORMAT) != FORMAT:
        _fail("format", f"expected {FORMAT!r}")
    if type(top) is dict and "version" in top and (type(top["version"]) is not int or top["version"] != VERSION):
        _fail("version", f"{str(top['version'])[:20]} is not supported (this checker reads version {VERSION})")
    top = _dict(top, "certificate", _TOP)
    layers, slopes = _network(_dict(top["network"], "network", ("layers",), ("negative_slopes",)))
    d, widths, n_out = len(layers[0][0][0]), [len(b) for _, b in layers[:-1]], len(layers[-1][1])
    source = _dict(top["source"], "source", (), ("file", "sha256", "reading"))
    for key, value in source.items():
        if value is not None and type(value) is not str:
            _fail(f"source.{key}", f"expected a string, got {_kind(value)}")
    domain = _dict(top["domain"], "domain", ("A", "b"), ("box",))
    A = _matrix(domain["A"], "domain.A", None, d)
    b = _rationals(domain["b"], "domain.b", len(A))
    box = None if "box" not in domain else tuple(
        _rationals(pair, f"domain.box[{i}]", 2) for i, pair in enumerate(_list(domain["box"], "domain.box", d, d)))
    bounded = tuple(_rationals(y, f"bounded[{i}]", len(A)) for i, y in enumerate(_list(top["bounded"], "bounded", 2 * d, 2 * d)))
    raw = _list(top["regions"], "regions", 1)
    n_regions, n_cons = len(raw), len(A) + sum(widths)  # n_cons: the longest constraint list of a path
    regions = tuple(_region(r, f"regions[{i}]", d, widths, n_out, n_cons) for i, r in enumerate(raw))
    # every path has one "r" leaf and one "n" node per hidden layer but the last; splits number R - 1
    raw = _list(top["tree"], "tree", 1, n_regions * (len(layers) + 1))
    tree = tuple(_node(node, f"tree[{i}]", widths, d, len(raw), n_regions, n_cons) for i, node in enumerate(raw))
    raw = _list(top["edges"], "edges", 0, n_regions * (n_regions - 1) // 2)
    edges = tuple(_ints(pair, f"edges[{e}]", 2, 0, n_regions - 1) for e, pair in enumerate(raw))
    s = _dict(top["summary"], "summary", ("regions", "edges", "linear_pieces"))
    summary = tuple(_int(s[key], f"summary.{key}", 0) for key in ("regions", "edges", "linear_pieces"))
    return Certificate(layers, slopes, source.get("sha256"), A, b, box, bounded, tree, regions, edges, summary)


def _network(x: dict) -> tuple:
    layers, n_in = [], None
    for k, layer in enumerate(_list(x["layers"], "network.layers", 1, MAX_LAYERS)):
        where = f"network.layers[{k}]"
        layer = _dict(layer, where, ("weight", "bias"))
        rows = _list(layer["weight"], f"{where}.weight", 1, MAX_WIDTH)
        n_in = n_in or len(_list(rows[0], f"{where}.weight[0]", 1, MAX_INPUTS))
        weight = _matrix(rows, f"{where}.weight", None, n_in)
        layers.append((weight, _rationals(layer["bias"], f"{where}.bias", len(weight))))
        n_in = len(weight)
    hidden = len(layers) - 1
    if "negative_slopes" not in x:
        return tuple(layers), (Fraction(0),) * hidden
    return tuple(layers), _rationals(x["negative_slopes"], "network.negative_slopes", hidden)


def _region(x, where: str, d: int, widths: list, n_out: int, n_cons: int) -> Region:
    x = _dict(x, where, ("pattern", "point", "map", "vertices"))
    raw = _list(x["pattern"], f"{where}.pattern", len(widths), len(widths))
    pattern = tuple(_ints(bits, f"{where}.pattern[{k}]", n, 0, 1) for k, (bits, n) in enumerate(zip(raw, widths)))
    point = _rationals(x["point"], f"{where}.point", d)
    mp = _dict(x["map"], f"{where}.map", ("weight", "bias"))
    weight = _matrix(mp["weight"], f"{where}.map.weight", n_out, d)
    bias = _rationals(mp["bias"], f"{where}.map.bias", n_out)
    raw = _list(x["vertices"], f"{where}.vertices", 1, comb(n_cons, d))  # at most one per d constraints
    vertices = tuple(_ints(basis, f"{where}.vertices[{v}]", d, 0, n_cons - 1) for v, basis in enumerate(raw))
    return Region(pattern, point, weight, bias, vertices)


def _node(x, where: str, widths: list, d: int, n_nodes: int, n_regions: int, n_cons: int) -> Node:
    kinds = [key for key in ("s", "n", "r") if key in _dict(x, where, (), ("k", "d", "s", "p", "m", "n", "r"))]
    if len(kinds) != 1:
        _fail(where, "needs exactly one of 's', 'n', 'r'")
    kind = kinds[0]
    _dict(x, where, ("k",) + (("s", "p", "m") if kind == "s" else (kind,)), ("d",))
    k = _int(x["k"], f"{where}.k", 0, max(len(widths), 1) - 1)
    width = widths[k] if widths else 0
    decisions = []
    for i, dec in enumerate(_list(x.get("d", []), f"{where}.d", 0, width)):
        at = f"{where}.d[{i}]"
        j, bit, proof = _list(dec, at, 3, 3)
        if proof not in ("z", "b"):
            proof = _ints(_list(proof, f"{at} proof", 1, d), f"{at} proof", None, 0, n_cons - 1)
        decisions.append((_int(j, at, 0, width - 1), _int(bit, at, 0, 1), proof))
    if kind == "s":
        value = _int(x["s"], f"{where}.s", 0, width - 1)
        children = (_int(x["p"], f"{where}.p", 1, n_nodes - 1), _int(x["m"], f"{where}.m", 1, n_nodes - 1))
    elif kind == "n":
        value, children = -1, (_int(x["n"], f"{where}.n", 1, n_nodes - 1),)
    else:
        value, children = _int(x["r"], f"{where}.r", 0, n_regions - 1), ()
    return Node(k, tuple(decisions), kind, children, value)

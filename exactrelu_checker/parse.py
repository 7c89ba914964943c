"""Reading a certificate: JSON under hostile-input limits, then types and shapes.

This module decides form, not truth: what gets through is well typed, within the limits and shaped
consistently with the embedded network (index ranges that follow from list lengths included);
whether the claims hold is check.py's business.  Every failure raises MalformedCertificate with
one line naming the place.  Rationals are strings only: a JSON float, NaN or Infinity anywhere, a
bool where an integer belongs, a non-ASCII digit, a duplicate or unknown key, or a number of more
than 4,300 digits is refused.  A network given for comparison (:func:`load_network`) is read the
same way, except that its numbers may also be JSON integers and decimals (``"0.5"``, ``0.5``,
``"-25e-3"``), read exactly.  Input is a dict, JSON text or a file, read up to MAX_FILE_BYTES.
"""

from __future__ import annotations

import json
import os
import re
import stat
import zlib
from dataclasses import dataclass, replace
from fractions import Fraction
from math import comb
from typing import NamedTuple, NoReturn

from .statement import FORMAT, VERSION

__all__ = ["MalformedCertificate", "Certificate", "Node", "Region", "load", "load_network", "read_json", "show",
           "MAX_FILE_BYTES"]

MAX_FILE_BYTES = 2 * 1024 ** 3  # at most this many bytes are read from a file (certificate or network)
MAX_DIGITS = 4300  # digits per integer in a rational string (Python's default conversion limit)
MAX_INPUTS, MAX_LAYERS, MAX_WIDTH = 64, 1_000, 100_000  # inputs: solving a vertex costs d^3 for d indices
MAX_INPUTS_CONSTRAINTS = 4_096  # inputs in the constraint form: no vertex is ever solved

_RATIONAL = re.compile(r"-?([0-9]+)(?:/([0-9]+))?")  # ASCII digits only (\d would admit others)
_DECIMAL = re.compile(r"(-?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([-+]?[0-9]+))?")  # in a network given only
_NETWORK_KEYS = ("negative_slopes", "input_names", "output_names")  # the project's keys (names are ignored)
ACCEPTED = "a dict, JSON text (str or bytes) or a path (pathlib.Path, or a str naming a file)"
_TOP = ("format", "version", "network", "source", "domain", "bounded", "tree", "regions", "edges", "summary")
_LAYER = ("layers", "weight", "bias", "negative_slopes")
# every key a certificate or a network given may have, anywhere: others are refused before decoding
_KEYS = {True: frozenset(_TOP + _LAYER + ("file", "sha256", "reading", "A", "b", "box", "k", "d", "s", "p", "m",
                                           "n", "r", "pattern", "point", "map", "vertices", "linear_pieces",
                                           "boundary", "pieces", "empty", "ties", "whole", "region", "classes",
                                           "hyperplane", "weights", "form", "facets", "redundant")),
         False: frozenset(_LAYER + _NETWORK_KEYS)}
# a quote followed by a colon (a key's end) not preceded by a known key: fast, for the common case
_SUSPECT = {kind: re.compile(r'"(?=[ \t\n\r]*+:)' + "".join(f'(?<!"{key}")' for key in keys))
            for kind, keys in _KEYS.items()}
_KEY = re.compile(r'"([^"\\:,\[\]{}]*+)"[ \t\n\r]*+:')  # a key without escapes (in valid JSON, only keys match)


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
    weight: tuple  # of rows of (p, q) integer pairs, q > 0 (not reduced)
    bias: tuple
    vertices: tuple  # of d-tuples of constraint indices


@dataclass(frozen=True, slots=True)
class Certificate:
    layers: tuple  # of (weight rows, bias), Fraction entries
    slopes: tuple  # one Fraction per hidden layer
    A: tuple
    b: tuple
    box: tuple | None  # of (lo, hi)
    bounded: tuple  # 2d multiplier vectors of length m
    tree: tuple  # of Node
    regions: tuple  # of Region
    edges: tuple  # of (i, j)
    summary: tuple  # (regions, edges, linear_pieces)
    size: int = 0  # bytes of the JSON text read (of json.dumps for a dict)
    boundary: tuple | None = None  # (pieces (r, classes, row, point), empty (r, classes, weights), ties, whole)
    form: str = "vertices"  # or "constraints": regions by facets and redundancy proofs (constraints.py)


def load(data) -> Certificate:
    """Read (:func:`read_json`) and validate a certificate; raises :class:`MalformedCertificate`."""
    return _guarded(_certificate, data, "certificate", None)


def load_network(data) -> tuple:
    """Read and validate a network in the project's network JSON form: ``(layers, slopes)`` as in
    :class:`Certificate`; raises :class:`MalformedCertificate` naming the ``given network``."""
    return _guarded(_given_network, data, "given network", _Decimal)


def _guarded(parse, data, what: str, number):
    try:
        raw = _raw(data, what)
        out = parse(raw if isinstance(raw, dict) else _decode(raw, what, number))
        if isinstance(out, Certificate):  # the size that the checker's work is measured against
            out = replace(out, size=len(raw) if not isinstance(raw, dict) else len(json.dumps(raw)))
        return out
    except RecursionError:
        raise MalformedCertificate(f"{what}: nested too deeply") from None
    except MalformedCertificate:
        raise
    except ValueError as exc:  # Python's limit on converting a long integer
        raise MalformedCertificate(f"{what}: a number is out of range ({str(exc).splitlines()[0][:60]})") from None


def _given_network(x) -> tuple:
    x = _dict(x, "given network", ("layers",), _NETWORK_KEYS)
    empty = x.get("negative_slopes") == []  # the project's form: empty means every activation is ReLU
    return _network({"layers": x["layers"]} if empty else x, "given network", True, MAX_INPUTS_CONSTRAINTS)


def read_json(data, what: str, number=None) -> object:
    """The decoded JSON of ``data``: a dict (as it is), JSON text (bytes, or a str whose first non-space
    character is ``{``), or a path (``os.PathLike`` or any other str) of a file, of which at most
    MAX_FILE_BYTES are read.  ``number``: the type JSON decimals become (None: refused)."""
    raw = _raw(data, what)
    return raw if isinstance(raw, dict) else _decode(raw, what, number)


def _raw(data, what: str):
    """``data`` as a dict or as the JSON text (str or bytes, gzip-compressed or not) to decode."""
    if isinstance(data, dict):
        return data
    if isinstance(data, str) and data.lstrip().startswith("{"):
        return data
    if isinstance(data, (bytes, bytearray)):
        return _gunzip(data, what) if data[:2] == b"\x1f\x8b" else data
    if isinstance(data, (str, os.PathLike)):
        return _raw(_read_file(data, what), what)
    raise MalformedCertificate(f"a {what} is {ACCEPTED}, not {type(data).__name__}")


def _gunzip(data, what: str) -> bytes:
    """A gzip file's content, refused past MAX_FILE_BYTES (never inflated further) or if truncated."""
    inflate = zlib.decompressobj(wbits=31)
    try:
        out = inflate.decompress(data, MAX_FILE_BYTES + 1)
    except zlib.error as exc:
        raise MalformedCertificate(f"{what}: not valid gzip: {exc}") from None
    if len(out) > MAX_FILE_BYTES:
        raise MalformedCertificate(f"{what}: more than the limit of {MAX_FILE_BYTES:,} bytes once uncompressed")
    if not inflate.eof or inflate.unused_data:
        raise MalformedCertificate(f"{what}: gzip data truncated or followed by other data")
    return out


def _read_file(path, what: str) -> bytes:
    limit, name = MAX_FILE_BYTES, f"{what} file {_cut(os.fspath(path))!r}"
    try:
        with open(path, "rb") as f:
            info = os.fstat(f.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size > limit:  # refused unread
                raise MalformedCertificate(f"{name} has {info.st_size:,} bytes, over the limit of {limit:,}")
            data = f.read(limit + 1)  # a pipe or device reports no size: read one byte past the limit
    except (OSError, ValueError) as exc:
        hint = " (a str is a file name unless it starts with '{')" if isinstance(path, str) else ""
        raise MalformedCertificate(f"cannot read {name}: {getattr(exc, 'strerror', None) or exc}{hint}") from None
    if len(data) > limit:
        raise MalformedCertificate(f"{name} has more than the limit of {limit:,} bytes")
    return data


def _fail(where: str, message: str) -> NoReturn:
    raise MalformedCertificate(f"{where}: {message}")


def _cut(text: str, n: int = 40) -> str:
    return text if len(text) <= n else f"{text[:n]}... ({len(text):,} characters)"


def show(x) -> str:
    """An integer or Fraction for a message: exact when short, else its first 20 digits and length."""
    if isinstance(x, Fraction) and x.denominator != 1:
        return f"{show(x.numerator)}/{show(x.denominator)}"
    x, sign = abs(int(x)), "-" if x < 0 else ""
    if x.bit_length() > 14_000:  # beyond what str() converts (4,300 digits)
        return f"{sign}an integer of about {int(x.bit_length() * 0.30103):,} digits"
    text = str(x)
    return sign + (text if len(text) <= 40 else f"{text[:20]}... ({len(text):,} digits)")


class _Decimal(str):
    """The text of a JSON decimal number in a network given, read exactly by :func:`_rational`."""


def _json_int(text: str) -> int:
    if not text.isascii():  # the C scanner admits ASCII digits only; this does not rely on it
        raise MalformedCertificate(f"JSON integer {_cut(text)!r} has a non-ASCII digit")
    return int(text)  # ValueError beyond 4,300 digits


def _refuse(text: str):
    raise MalformedCertificate(f"JSON number {text[:40]} is not allowed: rationals are strings")


def _object(pairs: list) -> dict:
    out = {}
    for key, value in pairs:
        if key in out:
            raise MalformedCertificate(f"duplicate key {key[:40]!r}")
        out[key] = value
    return out


def _decode(data: bytes | str, what: str, number) -> object:
    if len(data) > MAX_FILE_BYTES:
        raise MalformedCertificate(f"{what} of {len(data):,} bytes exceeds the limit of {MAX_FILE_BYTES:,}")
    if not isinstance(data, str):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedCertificate(f"{what}: not JSON (not UTF-8 text: {exc.reason} at byte {exc.start})") from None
    if _SUSPECT[number is None].search(data):  # C-speed scans: an unknown key is refused before anything is built
        unknown = next((key for key in _KEY.findall(data) if key not in _KEYS[number is None]), None)
        if unknown is not None:
            raise MalformedCertificate(f"{what}: unknown key {_cut(unknown)!r}")
    try:
        return json.loads(data, parse_float=number or _refuse, parse_int=None if data.isascii() else _json_int,
                          parse_constant=_refuse, object_pairs_hook=_object)  # ASCII text has ASCII digits only
    except json.JSONDecodeError as exc:
        raise MalformedCertificate(f"{what}: not valid JSON (truncated?): {exc}") from None
    except MalformedCertificate as exc:  # from the hooks, which do not know what is read
        raise MalformedCertificate(f"{what}: {exc}") from None


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
            _fail(where, f"unknown key {_cut(str(key))!r}")
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
        _fail(where, f"{show(x)} is out of range " + (f"[{lo}, {hi}]" if hi is not None else f"(at least {lo})"))
    return x


def _ints(x, where: str, n: int | None, lo: int, hi: int) -> tuple:
    for i, v in enumerate(_list(x, where, n or 0, n)):
        if type(v) is not int or not lo <= v <= hi:
            _int(v, f"{where}[{i}]", lo, hi)
    return tuple(x)


def _rational(x, where: str, loose: bool = False) -> Fraction:
    """A rational string ``n`` or ``p/q`` of ASCII digits; with ``loose`` (a network given) also a
    JSON integer or an exact decimal, as a string or a JSON number."""
    if type(x) is str and x.isdigit() and x.isascii() and len(x) <= MAX_DIGITS:
        return Fraction(int(x))  # the common case, fast
    if loose and type(x) is int:
        return Fraction(x)
    if type(x) is not str and not (loose and type(x) is _Decimal):
        _fail(where, f"expected a rational string like \"-7/12\", got {_kind(x)}")
    if not x.isascii():
        c = next(c for c in x if not c.isascii())
        _fail(where, f"{_cut(x)!r} has the non-ASCII {'digit' if c.isnumeric() else 'character'} {c!r} "
                     f"(U+{ord(c):04X}): numbers use the ASCII digits 0-9 only")
    match = _RATIONAL.fullmatch(x)
    if match is None:
        if loose:
            return _decimal(x, where)
        _fail(where, f"{_cut(x)!r} is not a rational string n or p/q")
    num, den = match.groups()
    if len(num) > MAX_DIGITS or len(den or "") > MAX_DIGITS:
        _fail(where, f"number with more than {MAX_DIGITS} digits")
    if den is not None and not den.strip("0"):
        _fail(where, f"{_cut(x)!r} has a zero denominator")
    return Fraction(int(x)) if den is None else Fraction(int(x[:len(x) - len(den) - 1]), int(den))


def _ratio(x, where: str, loose: bool = False) -> tuple[int, int]:
    """A rational string as ``(p, q)``, ``q > 0``, unreduced: no gcd (the map check cross-multiplies)."""
    match = _RATIONAL.fullmatch(x) if type(x) is str and x.isascii() and len(x) <= 2 * MAX_DIGITS + 2 else None
    if match and len(match[1]) <= MAX_DIGITS and (match[2] or "1").strip("0") and len(match[2] or "") <= MAX_DIGITS:
        return (int(x), 1) if match[2] is None else (int(x[:len(x) - len(match[2]) - 1]), int(match[2]))
    return _rational(x, where, loose).as_integer_ratio()  # which says what is wrong


def _decimal(x: str, where: str) -> Fraction:
    match = _DECIMAL.fullmatch(x)
    if match is None or not (match[2] or match[3]):
        _fail(where, f"{_cut(x)!r} is not a number n, p/q or a decimal")
    sign, whole, frac, exp = match[1], match[2], match[3] or "", match[4] or "0"
    if len(whole) + len(frac) > MAX_DIGITS or len(exp) > 6 or abs(int(exp)) > MAX_DIGITS:
        _fail(where, f"{_cut(x)!r} has more than {MAX_DIGITS} digits or an exponent beyond {MAX_DIGITS}")
    value = int(whole + frac) * Fraction(10) ** (int(exp) - len(frac))
    return -value if sign else value


def _rationals(x, where: str, n: int, loose: bool = False, read=_rational) -> tuple:
    return tuple(read(v, f"{where}[{i}]", loose) for i, v in enumerate(_list(x, where, n, n)))


def _matrix(x, where: str, rows: int | None, cols: int, loose: bool = False, read=_rational) -> tuple:
    entries = _list(x, where, rows or 1, rows)
    return tuple(_rationals(row, f"{where}[{i}]", cols, loose, read) for i, row in enumerate(entries))


def _certificate(top) -> Certificate:
    if type(top) is dict and top.get("format", FORMAT) != FORMAT:
        _fail("format", f"expected {FORMAT!r}")
    version = top.get("version", VERSION) if type(top) is dict else VERSION
    if type(version) is not int:
        _fail("version", f"must be the integer {VERSION}, got {_kind(version)}"
                         + (f" {_cut(version, 20)!r}" if type(version) is str else ""))
    if version != VERSION:
        _fail("version", f"{show(version)} is not supported (this checker reads version {VERSION})")
    top = _dict(top, "certificate", _TOP, ("boundary", "form"))
    form = top.get("form", "vertices")
    if form not in ("vertices", "constraints"):
        _fail("form", "expected 'vertices' or 'constraints'")
    if form == "constraints":
        from .constraints import parse_edge, parse_region  # deferred: constraints.py builds on this module
    layers, slopes = _network(_dict(top["network"], "network", ("layers",), ("negative_slopes",)), "network", False,
                              MAX_INPUTS_CONSTRAINTS if form == "constraints" else MAX_INPUTS)
    d, widths, n_out = len(layers[0][0][0]), [len(b) for _, b in layers[:-1]], len(layers[-1][1])
    source = _dict(top["source"], "source", (), ("file", "sha256", "reading"))  # provenance only: never used
    for key, value in source.items():
        if value is not None and type(value) is not str:
            _fail(f"source.{key}", f"expected a string, got {_kind(value)}")
    domain = _dict(top["domain"], "domain", ("A", "b"), ("box",))
    A = _matrix(domain["A"], "domain.A", None, d)
    b = _rationals(domain["b"], "domain.b", len(A))
    box = None if "box" not in domain else tuple(
        _rationals(pair, f"domain.box[{i}]", 2) for i, pair in enumerate(_list(domain["box"], "domain.box", d, d)))
    n_bounded = 0 if form == "constraints" and box is not None else 2 * d  # a box needs no multipliers there
    bounded = tuple(_rationals(y, f"bounded[{i}]", len(A))
                    for i, y in enumerate(_list(top["bounded"], "bounded", n_bounded, n_bounded)))
    raw = _list(top["regions"], "regions", 1)
    n_regions, n_cons = len(raw), len(A) + sum(widths)  # n_cons: the longest constraint list of a path
    read_region = parse_region if form == "constraints" else _region
    regions = tuple(read_region(r, f"regions[{i}]", d, widths, n_out, n_cons) for i, r in enumerate(raw))
    # R leaves, R - 1 splits, at most R "n" nodes per hidden layer but the last: at most R (L + 1)
    raw = _list(top["tree"], "tree", 1, n_regions * (len(widths) + 1))
    tree = tuple(_node(node, f"tree[{i}]", widths, d, len(raw), n_regions, n_cons, form) for i, node in enumerate(raw))
    raw = _list(top["edges"], "edges", 0, n_regions * (n_regions - 1) // 2)
    edges = tuple(parse_edge(pair, f"edges[{e}]", n_regions, n_cons) if form == "constraints" else
                  _ints(pair, f"edges[{e}]", 2, 0, n_regions - 1) for e, pair in enumerate(raw))
    s = _dict(top["summary"], "summary", ("regions", "edges", "linear_pieces"))
    summary = tuple(_int(s[key], f"summary.{key}", 0) for key in ("regions", "edges", "linear_pieces"))
    if form == "constraints" and "boundary" in top:
        _fail("boundary", "the constraint form has no decision boundary (use the vertex form)")
    boundary = None if "boundary" not in top else _boundary(top["boundary"], n_regions, n_out, d)
    return Certificate(layers, slopes, A, b, box, bounded, tree, regions, edges, summary, boundary=boundary, form=form)


def _boundary(x, n_regions: int, n_out: int, d: int) -> tuple:
    """``(pieces, empty, ties, whole)``: pieces ``(r, classes, hyperplane, point)``, no-piece proofs
    ``(r, classes, weights)``, ties ``(r, classes)``, and per region its whole class or None."""
    x = _dict(x, "boundary", ("pieces", "empty", "ties", "whole"))
    n_pairs = 1 if n_out == 1 else n_out * (n_out - 1) // 2

    def entry(e, where: str, keys: tuple) -> tuple:
        e = _dict(e, where, ("region", "classes") + keys)
        classes = _ints(e["classes"], f"{where}.classes", 1 if n_out == 1 else 2, 0, n_out - 1)
        if len(classes) == 2 and classes[0] >= classes[1]:
            _fail(f"{where}.classes", "expected two classes k < l")
        sizes = {"hyperplane": d + 1, "point": d, "weights": n_out}
        return (_int(e["region"], f"{where}.region", 0, n_regions - 1), classes) + tuple(
            _rationals(e[key], f"{where}.{key}", sizes[key]) for key in keys)
    out: list[tuple] = []
    for key, keys in (("pieces", ("hyperplane", "point")), ("empty", ("weights",)), ("ties", ())):
        raw = _list(x[key], f"boundary.{key}", 0, n_regions * n_pairs)
        out.append(tuple(entry(e, f"boundary.{key}[{i}]", keys) for i, e in enumerate(raw)))
    whole = _list(x["whole"], "boundary.whole", n_regions, n_regions)
    out.append(tuple(None if k is None else _int(k, f"boundary.whole[{r}]", 0, max(n_out, 2) - 1)
                     for r, k in enumerate(whole)))
    return tuple(out)


def _network(x: dict, root: str, loose: bool = False, max_inputs: int = MAX_INPUTS) -> tuple:
    layers, n_in = [], None
    for k, layer in enumerate(_list(x["layers"], f"{root}.layers", 1, MAX_LAYERS)):
        where = f"{root}.layers[{k}]"
        layer = _dict(layer, where, ("weight", "bias"))
        rows = _list(layer["weight"], f"{where}.weight", 1, MAX_WIDTH)
        if n_in is None and type(rows[0]) is list and len(rows[0]) > max_inputs:
            _fail(f"{where}.weight[0]", f"{len(rows[0]):,} inputs exceed the checker's limit of {max_inputs}")
        n_in = n_in or len(_list(rows[0], f"{where}.weight[0]", 1))
        weight = _matrix(rows, f"{where}.weight", None, n_in, loose)
        layers.append((weight, _rationals(layer["bias"], f"{where}.bias", len(weight), loose)))
        n_in = len(weight)
    hidden = len(layers) - 1
    if "negative_slopes" not in x:
        return tuple(layers), (Fraction(0),) * hidden
    return tuple(layers), _rationals(x["negative_slopes"], f"{root}.negative_slopes", hidden, loose)


def _region_map(x: dict, where: str, d: int, widths: list, n_out: int) -> tuple:
    """A region's ``(pattern, point, weight, bias)``."""
    raw = _list(x["pattern"], f"{where}.pattern", len(widths), len(widths))
    pattern = tuple(_ints(bits, f"{where}.pattern[{k}]", n, 0, 1) for k, (bits, n) in enumerate(zip(raw, widths)))
    point = _rationals(x["point"], f"{where}.point", d)
    if "map" not in x:  # a compact certificate: the map is the one the checker recomputes from the pattern
        return pattern, point, (), ()
    mp = _dict(x["map"], f"{where}.map", ("weight", "bias"))
    weight = _matrix(mp["weight"], f"{where}.map.weight", n_out, d, read=_ratio)
    return pattern, point, weight, _rationals(mp["bias"], f"{where}.map.bias", n_out, read=_ratio)


def _region(x, where: str, d: int, widths: list, n_out: int, n_cons: int) -> Region:
    x = _dict(x, where, ("pattern", "point", "vertices"), ("map",))
    pattern, point, weight, bias = _region_map(x, where, d, widths, n_out)
    raw = _list(x["vertices"], f"{where}.vertices", 1, comb(n_cons, d))  # at most one per d constraints
    vertices = tuple(_ints(basis, f"{where}.vertices[{v}]", d, 0, n_cons - 1) for v, basis in enumerate(raw))
    return Region(pattern, point, weight, bias, vertices)


def _node(x, where: str, widths: list, d: int, n_nodes: int, n_regions: int, n_cons: int, form: str) -> Node:
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
        if proof not in ("z", "b") and form == "constraints":
            from .constraints import parse_combination  # deferred: constraints.py builds on this module
            proof = parse_combination(proof, f"{at} proof", n_cons)
        elif proof not in ("z", "b"):
            proof = _ints(_list(proof, f"{at} proof", 1, d), f"{at} proof", None, 0, n_cons - 1)
        decisions.append((_int(j, at, 0, width - 1), _int(bit, at, 0, 1), proof))
    children: tuple[int, ...]
    if kind == "s":
        value = _int(x["s"], f"{where}.s", 0, width - 1)
        children = (_int(x["p"], f"{where}.p", 1, n_nodes - 1), _int(x["m"], f"{where}.m", 1, n_nodes - 1))
    elif kind == "n":
        value, children = -1, (_int(x["n"], f"{where}.n", 1, n_nodes - 1),)
    else:
        value, children = _int(x["r"], f"{where}.r", 0, n_regions - 1), ()
    return Node(k, tuple(decisions), kind, children, value)

"""Exact 2-D slices of a network: a plane through input space composed into the first layer.

A slice is the affine map ``(s, t) -> x = origin + s u + t v`` from the plane into the network's
``d`` inputs.  Composing it into the first layer (``W x + b`` becomes ``(W u) s + (W v) t +
(W origin + b)``) is exact rational arithmetic, so the sliced network is an ordinary exact
:class:`~exactrelu.network.Network` with two inputs: every command and every engine works on it
unchanged, and its partition is exactly the original partition restricted to the plane.

Two ways to choose the plane:

* :func:`slice_axes`: vary inputs ``i`` and ``j`` (0-based) and fix every other input at its entry
  of ``at`` (``u = e_i``, ``v = e_j``; the entries of ``at`` at ``i`` and ``j`` are ignored);
  the sliced inputs keep their names and coordinates;
* :func:`slice_through`: the plane ``x = p0 + s (p1 - p0) + t (p2 - p0)`` through three points
  (inputs named ``s`` and ``t``), so ``(0, 0)``, ``(1, 0)``, ``(0, 1)`` are ``p0``, ``p1``, ``p2``.

The sliced network records its :class:`Slice` in ``metadata["slice"]``; :meth:`Slice.lift` maps a
point of the plane back to the original inputs, where the original network's output is the same
(exactly).  Slicing a sliced network composes the two slices.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

from .errors import InvalidArgument, InvalidNumber
from .network import Layer, Network
from .rational import format_rational, json_integer, to_rational

__all__ = [
    "Slice",
    "slice_axes",
    "slice_through",
    "apply_slice",
    "network_slice",
    "read_points",
    "parse_axes",
    "parse_values",
]

Vector = tuple[Fraction, ...]


@dataclass(frozen=True, slots=True)
class Slice:
    """The plane ``x = origin + s directions[0] + t directions[1]`` in the ``d`` original inputs.

    ``kind`` is ``"axes"`` (with ``axes`` and ``at``), ``"through"`` (with ``points``) or
    ``"composed"`` (a slice of a sliced network).  Build with :meth:`from_axes` or
    :meth:`from_points`, which validate.

    >>> s = Slice.from_axes(3, 0, 2, [0, 5, 0])
    >>> s.lift(["1/2", 7])
    (Fraction(1, 2), Fraction(5, 1), Fraction(7, 1))
    """

    origin: Vector
    directions: tuple[Vector, Vector]
    kind: str
    axes: tuple[int, int] | None = None
    at: Vector | None = None
    points: tuple[Vector, Vector, Vector] | None = None
    names: tuple[str, ...] = ()  # the original inputs' names, filled in by apply_slice

    @property
    def inputs(self) -> int:
        """Number of inputs of the original network."""
        return len(self.origin)

    @classmethod
    def from_axes(cls, d: int, i: int, j: int, at: Sequence[object]) -> Slice:
        """Vary inputs ``i`` and ``j`` (0-based, distinct); fix input ``k`` at ``at[k]`` otherwise."""
        for name, k in (("first", i), ("second", j)):
            if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k < d:
                raise InvalidArgument(f"slice axis {k!r} ({name}) is not an input index 0..{d - 1}")
        if i == j:
            raise InvalidArgument(f"slice axes must be two different inputs, got {i} twice")
        values = _vector(at, d, "--at")
        origin = tuple(Fraction(0) if k in (i, j) else v for k, v in enumerate(values))
        unit = [tuple(Fraction(int(k == a)) for k in range(d)) for a in (i, j)]
        return cls(origin, (unit[0], unit[1]), "axes", axes=(i, j), at=values)

    @classmethod
    def from_points(cls, p0: Sequence[object], p1: Sequence[object], p2: Sequence[object]) -> Slice:
        """The plane through ``p0``, ``p1``, ``p2``: ``x = p0 + s (p1 - p0) + t (p2 - p0)``."""
        first = _vector(p0, None, "point 1 of the slice")
        d = len(first)
        pts = (first, _vector(p1, d, "point 2 of the slice"), _vector(p2, d, "point 3 of the slice"))
        u = tuple(a - b for a, b in zip(pts[1], first))
        v = tuple(a - b for a, b in zip(pts[2], first))
        if _dependent(u, v):
            raise InvalidArgument("the three slice points lie on one line (or coincide): they span no plane")
        return cls(first, (u, v), "through", points=pts)

    def lift(self, point: Sequence[object]) -> Vector:
        """The original input at plane coordinates ``point = (s, t)`` (exact)."""
        if len(point) != 2:
            raise InvalidArgument(f"a slice point has 2 coordinates, got {len(point)}")
        s, t = (to_rational(c, f"slice coordinate {k + 1}") for k, c in enumerate(point))
        u, v = self.directions
        return tuple(o + s * a + t * b for o, a, b in zip(self.origin, u, v))

    def then(self, inner: Slice) -> Slice:
        """The slice ``inner`` (taken of the 2-input network this slice made) in original inputs."""
        origin = self.lift(inner.origin)
        u, v = self.directions
        directions = tuple(tuple(a * w[0] + b * w[1] for a, b in zip(u, v)) for w in inner.directions)
        return Slice(origin, (directions[0], directions[1]), "composed", names=self.names)

    def describe(self, names: Sequence[str] = ()) -> str:
        """One line for people: which plane this is.

        >>> Slice.from_axes(3, 0, 2, [0, "1/2", 0]).describe(["a", "b", "c"])
        'a, c varied; b = 1/2'
        """
        names = list(names) or list(self.names) or [f"x{k + 1}" for k in range(self.inputs)]
        if self.kind == "axes" and self.axes is not None and self.at is not None:
            fixed = ", ".join(f"{names[k]} = {format_rational(v)}" for k, v in enumerate(self.at) if k not in self.axes)
            return f"{names[self.axes[0]]}, {names[self.axes[1]]} varied" + (f"; {fixed}" if fixed else "")
        return "x = p0 + s u + t v with p0 = ({}), u = ({}), v = ({})".format(
            *(", ".join(format_rational(c) for c in vec) for vec in (self.origin, *self.directions))
        )

    def to_json(self) -> dict:
        """The ``"slice"`` object of the partition JSON (docs/formats.md); rationals as strings."""

        def vec(values: Sequence[Fraction]) -> list[str]:
            return [format_rational(c) for c in values]

        data: dict = {
            "kind": self.kind,
            "inputs": self.inputs,
            "origin": vec(self.origin),
            "directions": [vec(w) for w in self.directions],
        }
        if self.names:
            data["input_names"] = list(self.names)
        if self.axes is not None and self.at is not None:
            data["axes"] = list(self.axes)
            data["at"] = vec(self.at)
        if self.points is not None:
            data["points"] = [vec(p) for p in self.points]
        return data


def apply_slice(net: Network, plane: Slice) -> Network:
    """The 2-input network ``(s, t) -> net(plane.lift((s, t)))``, composed exactly into the first layer.

    Names: an axes slice keeps the two inputs' names, any other slice names them ``s`` and ``t``;
    an axes slice of a network with a default box keeps those two intervals as its default box.
    """
    if plane.inputs != net.n_inputs:
        raise InvalidArgument(f"the slice is in {plane.inputs} inputs, the network has {net.n_inputs}")
    first = net.layers[0]
    u, v = plane.directions
    weight = tuple((_dot(row, u), _dot(row, v)) for row in first.weight)
    bias = tuple(b + _dot(row, plane.origin) for row, b in zip(first.weight, first.bias))
    metadata = {k: val for k, val in net.metadata.items() if k not in ("slice", "default_box")}
    previous = net.metadata.get("slice")
    named = replace(plane, names=tuple(net.input_names))
    metadata["slice"] = previous.then(plane) if isinstance(previous, Slice) else named
    if plane.kind == "axes" and plane.axes is not None:
        names = tuple(net.input_names[k] for k in plane.axes)
        box = net.metadata.get("default_box")
        if box is not None:
            metadata["default_box"] = tuple(box[k] for k in plane.axes)
    else:
        names = ("s", "t")
    return Network(
        (Layer(weight, bias),) + net.layers[1:],
        net.negative_slopes,
        names,
        net.output_names,
        net.reading,
        net.source,
        metadata,
    )


def slice_axes(net: Network, i: int, j: int, at: Sequence[object]) -> Network:
    """``net`` on the plane where inputs ``i``, ``j`` (0-based) vary and input ``k`` is ``at[k]``
    otherwise (``at`` has one entry per input; those at ``i`` and ``j`` are ignored).

    >>> net = Network.from_layers([([[1, 2, 3]], [0]), ([[1]], [0])])
    >>> sliced = slice_axes(net, 0, 2, [0, "1/2", 0])
    >>> sliced.layers[0].weight, sliced.layers[0].bias
    (((Fraction(1, 1), Fraction(3, 1)),), (Fraction(1, 1),))
    >>> sliced.forward([1, 1]) == net.forward([1, "1/2", 1])
    True
    """
    return apply_slice(net, Slice.from_axes(net.n_inputs, i, j, at))


def slice_through(net: Network, p0: Sequence[object], p1: Sequence[object], p2: Sequence[object]) -> Network:
    """``net`` on the plane ``x = p0 + s (p1 - p0) + t (p2 - p0)`` (inputs ``s``, ``t``).

    >>> net = Network.from_layers([([[1, -1]], [0]), ([[1]], [0])])
    >>> sliced = slice_through(net, [0, 0], [1, 0], [1, 1])
    >>> sliced.input_names, sliced.forward(["1/2", "1/4"]) == net.forward(["3/4", "1/4"])
    (('s', 't'), True)
    """
    return apply_slice(net, Slice.from_points(p0, p1, p2))


def network_slice(net: Network) -> Slice | None:
    """The slice a network was made on (``metadata["slice"]``), or None."""
    found = net.metadata.get("slice")
    return found if isinstance(found, Slice) else None


def read_points(path: str | Path) -> tuple[list[object], list[object], list[object]]:
    """Three points from a JSON file: a list of three lists of numbers (strings such as ``"-1/2"``,
    integers, or JSON decimals, all read exactly).  The length of each point is checked against
    the network by :meth:`Slice.from_points`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidArgument(f"cannot read slice points {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        data = json.loads(text, parse_float=lambda s: s, parse_int=json_integer, parse_constant=_refuse_constant)
    except (json.JSONDecodeError, InvalidNumber) as exc:
        raise InvalidArgument(f"slice points {path} is not valid JSON ({exc})") from None
    if not isinstance(data, list) or len(data) != 3 or not all(isinstance(p, list) for p in data):
        raise InvalidArgument(f"slice points {path} must be a JSON list of three points (lists of numbers)")
    return data[0], data[1], data[2]


def parse_axes(text: str) -> tuple[int, int]:
    """``"I,J"`` as two 0-based input indices (``--axes``).

    >>> parse_axes("0, 3")
    (0, 3)
    """
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
        raise InvalidArgument(f"--axes {text!r}: expected two 0-based input indices I,J, e.g. --axes 0,1")
    return int(parts[0]), int(parts[1])


def parse_values(text: str) -> tuple[Fraction, ...]:
    """``"V1,...,Vd"`` read exactly (``--at``).

    >>> parse_values("0, 1/2, -0.25")
    (Fraction(0, 1), Fraction(1, 2), Fraction(-1, 4))
    """
    try:
        return tuple(to_rational(p, f"--at value {k + 1}") for k, p in enumerate(text.split(",")))
    except InvalidNumber as exc:
        raise InvalidArgument(str(exc)) from None


def _refuse_constant(name: str) -> object:
    raise InvalidNumber(f"{name} is not a number")


def _vector(values: Sequence[object], d: int | None, what: str) -> Vector:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise InvalidArgument(f"{what} must be a list of numbers")
    if d is not None and len(values) != d:
        raise InvalidArgument(f"{what} has {len(values)} values, expected {d} (one per network input)")
    if not values:
        raise InvalidArgument(f"{what} is empty")
    try:
        return tuple(to_rational(v, f"{what}, value {k + 1}") for k, v in enumerate(values))
    except InvalidNumber as exc:
        raise InvalidArgument(str(exc)) from None


def _dot(row: Sequence[Fraction], vec: Sequence[Fraction]) -> Fraction:
    return sum((a * b for a, b in zip(row, vec)), Fraction(0))


def _dependent(u: Vector, v: Vector) -> bool:
    """True if ``u`` and ``v`` are linearly dependent (every 2x2 minor vanishes)."""
    n = len(u)
    return all(u[a] * v[b] - u[b] * v[a] == 0 for a in range(n) for b in range(a + 1, n)) or n < 2

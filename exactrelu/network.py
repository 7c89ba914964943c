"""The exact network model: affine layers with ReLU (or rational-slope LeakyReLU) between them.

A :class:`Network` is immutable and holds exact :class:`~fractions.Fraction` weights.  It is the
single meeting point of every loader and every algorithm, so it validates shapes and values once,
here, with messages that name the layer and the expected shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from .errors import InvalidNetwork, InvalidNumber, counted, kind_of
from .rational import format_rational, listlike, point_values, to_rational

__all__ = ["Layer", "Network", "READING_DECIMAL", "READING_BINARY", "READING_RATIONAL"]

READING_DECIMAL = "exact decimal text"
READING_BINARY = "exact binary float"
READING_RATIONAL = "exact rationals"

# Guard rails against files that would exhaust memory before anything useful happens.
MAX_NEURONS_PER_LAYER = 100_000
MAX_LAYERS = 1_000


@dataclass(frozen=True, slots=True)
class Layer:
    """One affine layer ``x -> W x + b`` with ``W`` of shape (out, in)."""

    weight: tuple[tuple[Fraction, ...], ...]
    bias: tuple[Fraction, ...]

    @property
    def n_in(self) -> int:
        return len(self.weight[0])

    @property
    def n_out(self) -> int:
        return len(self.weight)

    def apply(self, x: Sequence[Fraction]) -> tuple[Fraction, ...]:
        return tuple(sum((w * v for w, v in zip(row, x)), b) for row, b in zip(self.weight, self.bias))


@dataclass(frozen=True, slots=True)
class Network:
    """An exact feed-forward network.

    Hidden layers are followed by ReLU, or by LeakyReLU with the rational ``negative_slopes[k]``;
    the last layer is affine only.

    >>> net = Network.from_layers([([[1, -1]], [0]), ([[2]], ["1/2"])])
    >>> net.forward([3, 1])
    (Fraction(9, 2),)
    >>> net.widths
    (2, 1, 1)
    """

    layers: tuple[Layer, ...]
    negative_slopes: tuple[Fraction, ...] = ()
    input_names: tuple[str, ...] = ()
    output_names: tuple[str, ...] = ()
    reading: str = READING_RATIONAL
    source: str = ""
    metadata: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self.layers:
            raise InvalidNetwork("network has no layers")
        if len(self.layers) > MAX_LAYERS:
            raise InvalidNetwork(f"network has {len(self.layers)} layers, more than {MAX_LAYERS}")
        for k, (prev, layer) in enumerate(zip(self.layers, self.layers[1:]), start=2):
            if layer.n_in != prev.n_out:
                raise InvalidNetwork(
                    f"weight of layer {k} has shape ({layer.n_out}, {layer.n_in}), "
                    f"expected ({layer.n_out}, {prev.n_out})"
                )
        slopes = self.negative_slopes or tuple(Fraction(0) for _ in self.layers[:-1])
        if len(slopes) != len(self.layers) - 1:
            raise InvalidNetwork(
                f"{counted(len(slopes), 'activation slope')} given for {counted(len(self.layers) - 1, 'hidden layer')}"
            )
        object.__setattr__(self, "negative_slopes", tuple(Fraction(s) for s in slopes))
        object.__setattr__(self, "input_names", _names(self.input_names, self.n_inputs, "x", "input"))
        object.__setattr__(self, "output_names", _names(self.output_names, self.n_outputs, "y", "output"))

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_layers(
        cls,
        layers: Iterable[tuple[object, object]],
        *,
        negative_slopes: Sequence[object] = (),
        **kwargs,
    ) -> Network:
        """Build from ``[(W, b), ...]`` with W of shape (out, in); entries are anything
        :func:`~exactrelu.rational.to_rational` reads (ints, Fractions, strings, floats, NumPy)."""
        if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
            raise InvalidNetwork(f"layers is {kind_of(layers)}, expected a list of (weight, bias) pairs")
        built = []
        for k, layer in enumerate(layers, start=1):
            if not listlike(layer) or len(layer) != 2:
                raise InvalidNetwork(f"layer {k} is {kind_of(layer)}, expected a (weight, bias) pair")
            weight, bias = layer
            built.append(_make_layer(k, weight, bias))
        if not listlike(negative_slopes):  # a string would be read character by character
            raise InvalidNetwork(
                f"negative_slopes is {kind_of(negative_slopes)}, expected a list (one per hidden layer)"
            )
        slopes = tuple(to_rational(s, f"negative slope {i + 1}") for i, s in enumerate(negative_slopes))
        return cls(tuple(built), slopes, **kwargs)

    @classmethod
    def from_json(cls, data: object, source: str = "") -> Network:
        """Build from the JSON object of DESIGN.md (``{"layers": [{"weight", "bias"}, ...]}``)."""
        if not isinstance(data, dict) or not isinstance(data.get("layers"), list):
            raise InvalidNetwork('network JSON must be an object with a "layers" list')
        pairs = []
        for k, layer in enumerate(data["layers"], start=1):
            if not isinstance(layer, dict) or "weight" not in layer or "bias" not in layer:
                raise InvalidNetwork(f'layer {k} must be an object with "weight" and "bias"')
            pairs.append((layer["weight"], layer["bias"]))
        options = {}
        for key, attr in (("input_names", "input_names"), ("output_names", "output_names")):
            if key in data:
                if not isinstance(data[key], list) or not all(isinstance(n, str) for n in data[key]):
                    raise InvalidNetwork(f"{key} must be a list of strings")
                options[attr] = tuple(data[key])
        slopes = data.get("negative_slopes", ())
        if not isinstance(slopes, (list, tuple)):
            raise InvalidNetwork("negative_slopes must be a list")
        return cls.from_layers(pairs, negative_slopes=slopes, reading=READING_DECIMAL, source=source, **options)

    def to_json(self) -> dict:
        """The JSON object of DESIGN.md, every rational written as a string."""
        data: dict = {
            "layers": [
                {
                    "weight": [[format_rational(w) for w in row] for row in layer.weight],
                    "bias": [format_rational(b) for b in layer.bias],
                }
                for layer in self.layers
            ],
            "input_names": list(self.input_names),
            "output_names": list(self.output_names),
        }
        if any(self.negative_slopes):
            data["negative_slopes"] = [format_rational(s) for s in self.negative_slopes]
        return data

    # ----------------------------------------------------------------- shape
    @property
    def n_inputs(self) -> int:
        return self.layers[0].n_in

    @property
    def n_outputs(self) -> int:
        return self.layers[-1].n_out

    @property
    def widths(self) -> tuple[int, ...]:
        """Input width, then the width of every layer."""
        return (self.n_inputs,) + tuple(layer.n_out for layer in self.layers)

    @property
    def hidden_widths(self) -> tuple[int, ...]:
        return tuple(layer.n_out for layer in self.layers[:-1])

    @property
    def n_hidden(self) -> int:
        return sum(self.hidden_widths)

    # ----------------------------------------------------------------- evaluation
    def pre_activations(self, x: Sequence[object]) -> list[tuple[Fraction, ...]]:
        """Exact pre-activations of every hidden layer at ``x``."""
        values = self._check_point(x)
        result = []
        for layer, slope in zip(self.layers[:-1], self.negative_slopes):
            pre = layer.apply(values)
            result.append(pre)
            values = tuple(v if v > 0 else slope * v for v in pre)
        return result

    def forward(self, x: Sequence[object]) -> tuple[Fraction, ...]:
        """Exact output at ``x``."""
        values = self._check_point(x)
        for layer, slope in zip(self.layers[:-1], self.negative_slopes):
            values = tuple(v if v > 0 else slope * v for v in layer.apply(values))
        return self.layers[-1].apply(values)

    def _check_point(self, x: Sequence[object]) -> tuple[Fraction, ...]:
        point = tuple(to_rational(v, f"input {i + 1}") for i, v in enumerate(point_values(x, "input")))
        if len(point) != self.n_inputs:
            raise InvalidNetwork(f"point has {len(point)} coordinates, network has {self.n_inputs} inputs")
        return point


def _names(given: tuple[str, ...], count: int, prefix: str, what: str) -> tuple[str, ...]:
    names = tuple(given) or tuple(f"{prefix}{i + 1}" for i in range(count))
    if len(names) != count:
        raise InvalidNetwork(f"{len(names)} {what} names for {count} {what}s")
    return names


def _make_layer(k: int, weight: object, bias: object) -> Layer:
    rows = _as_rows(weight, f"weight of layer {k}")
    if not rows:
        raise InvalidNetwork(f"weight of layer {k} is empty (no neurons)")
    if not rows[0]:
        its = "its row has" if len(rows) == 1 else f"its {len(rows)} rows have"
        raise InvalidNetwork(f"weight of layer {k} is empty: {its} no entries (a layer needs inputs)")
    width = len(rows[0])
    if len(rows) > MAX_NEURONS_PER_LAYER or width > MAX_NEURONS_PER_LAYER:
        raise InvalidNetwork(f"weight of layer {k} has shape ({len(rows)}, {width}), too large")
    for i, row in enumerate(rows):
        if len(row) != width:
            raise InvalidNetwork(f"weight of layer {k} is ragged: row {i + 1} has {len(row)} entries, expected {width}")
    bias_values = _as_list(bias, f"bias of layer {k}")
    if len(bias_values) != len(rows):
        raise InvalidNetwork(f"bias of layer {k} has {len(bias_values)} entries, expected {len(rows)}")
    try:
        w = tuple(
            tuple(to_rational(v, f"weight of layer {k}, entry ({i + 1}, {j + 1})") for j, v in enumerate(row))
            for i, row in enumerate(rows)
        )
        b = tuple(to_rational(v, f"bias of layer {k}, entry {i + 1}") for i, v in enumerate(bias_values))
    except InvalidNumber as exc:
        raise InvalidNetwork(str(exc)) from exc
    return Layer(w, b)


def _as_list(value: object, what: str) -> list:
    if hasattr(value, "tolist"):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        raise InvalidNetwork(f"{what} is {kind_of(value)}, expected a list")
    return list(value)


def _as_rows(value: object, what: str) -> list[list]:
    rows = _as_list(value, what)
    out = []
    for i, row in enumerate(rows):
        if hasattr(row, "tolist"):
            row = row.tolist()
        if not isinstance(row, (list, tuple)):
            raise InvalidNetwork(f"{what} row {i + 1} is {kind_of(row)}, expected a list")
        out.append(list(row))
    return out

"""The ``.nnet`` text format of the ACAS Xu benchmarks (Julian, Stanford 2016).

Every number is read as the exact decimal it spells.  The file stores a network on normalised
inputs ``(x - mean) / range``; we fold that normalisation exactly into the first layer, so the
returned network maps raw inputs.  Tools that read .nnet also clip raw inputs to ``[min, max]``
first; clipping is not modelled here.  It is irrelevant on the box ``[mins, maxes]``, which is
therefore recorded as ``metadata["default_box"]`` and is the domain to use.

Layout after the ``//`` comment lines, one record per line, values separated by commas::

    n_layers, n_inputs, n_outputs, max_layer_size
    size_0, size_1, ..., size_n_layers          (size_0 = inputs, last = outputs)
    flag                                        (unused)
    min_1, ..., min_n_inputs
    max_1, ..., max_n_inputs
    mean_1, ..., mean_n_inputs, output_mean
    range_1, ..., range_n_inputs, output_range
    then per layer: one line per weight row (size_k values), one line per bias (1 value)
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from ..errors import InvalidNetwork, InvalidNumber, kind_of
from ..network import READING_DECIMAL, Network
from ..rational import parse_rational_text
from . import _read_text

__all__ = ["read_nnet", "parse_nnet"]


def read_nnet(path: str | Path, *, denormalize_outputs: bool = False) -> Network:
    """Read an ``.nnet`` file exactly, with the input normalisation folded into the first layer.

    Parameters
    ----------
    path:
        The file to read.
    denormalize_outputs:
        When true, also fold the output de-normalisation ``y * output_range + output_mean``
        into the last layer; by default outputs stay in the file's normalised units.

    Returns
    -------
    Network
        Reading :data:`~exactrelu.network.READING_DECIMAL`; ``metadata`` holds ``default_box``
        (a list of ``(lo, hi)`` Fractions), the normalisation constants, and ``outputs``
        (``"normalised"`` or ``"denormalised"``).

    Raises
    ------
    InvalidNetwork
        For unreadable or malformed files, naming the line and what was expected.
    """
    return parse_nnet(_read_text(path, ".nnet file"), source=str(path), denormalize_outputs=denormalize_outputs)


def parse_nnet(text: str, *, source: str = "", denormalize_outputs: bool = False) -> Network:
    """Parse the text of an ``.nnet`` file; see :func:`read_nnet`.

    >>> net = parse_nnet('''// tiny
    ... 1,2,1,2,
    ... 2,1,
    ... 0,
    ... 0,0,
    ... 1,2,
    ... 0.5,1,0,
    ... 0.5,2,1,
    ... 1,1,
    ... 0.1,
    ... ''')
    >>> net.forward([1, 2])                 # ((1 - 0.5)/0.5 + (2 - 1)/2) + 0.1
    (Fraction(8, 5),)
    >>> net.metadata["default_box"]
    [(Fraction(0, 1), Fraction(1, 1)), (Fraction(0, 1), Fraction(2, 1))]
    """
    where = f"network file {source}" if source else ".nnet text"
    if not isinstance(denormalize_outputs, bool):  # "no" would be true
        raise InvalidNetwork(f"denormalize_outputs is {kind_of(denormalize_outputs)}, expected True or False")
    lines = _Lines(text, where)
    header = lines.ints(4, "the sizes line 'n_layers, n_inputs, n_outputs, max_layer_size'", exact=False)
    n_layers, n_in, n_out, max_size = header[:4]
    if n_layers < 1 or n_in < 1 or n_out < 1:
        lines.fail(lines.last, f"sizes must be positive, found {n_layers}, {n_in}, {n_out}")
    sizes = lines.ints(n_layers + 1, f"{n_layers + 1} layer sizes")
    if sizes[0] != n_in or sizes[-1] != n_out or min(sizes) < 1 or max(sizes) != max_size:
        lines.fail(
            lines.last,
            f"layer sizes {sizes} disagree with the sizes line (inputs {n_in}, outputs {n_out}, "
            f"largest layer {max_size})",
        )
    lines.numbers(1, "the unused flag (one value)")
    mins = lines.numbers(n_in, f"{n_in} input minimums")
    maxes = lines.numbers(n_in, f"{n_in} input maximums")
    for i, (lo, hi) in enumerate(zip(mins, maxes), start=1):
        if lo > hi:
            lines.fail(lines.last, f"input {i} has minimum {lo} above maximum {hi}")
    means = lines.numbers(n_in + 1, f"{n_in} input means and the output mean")
    ranges = lines.numbers(n_in + 1, f"{n_in} input ranges and the output range")
    if 0 in ranges:
        lines.fail(lines.last, f"range {ranges.index(Fraction(0)) + 1} is zero; the normalisation divides by it")

    layers = []
    for k in range(n_layers):
        n_prev, n_next = sizes[k], sizes[k + 1]
        weight = [
            lines.numbers(n_prev, f"{n_prev} values for row {i + 1} of the weight of layer {k + 1}")
            for i in range(n_next)
        ]
        bias = [lines.numbers(1, f"bias {i + 1} of layer {k + 1} (one value)")[0] for i in range(n_next)]
        layers.append((weight, bias))
    lines.expect_end()

    # (x - m)/r into W u + b:  W'_ij = W_ij / r_j,  b'_i = b_i - sum_j W_ij m_j / r_j.
    weight, bias = layers[0]
    weight = [[w / r for w, r in zip(row, ranges)] for row in weight]
    bias = [b - sum((w * m for w, m in zip(row, means)), Fraction(0)) for row, b in zip(weight, bias)]
    layers[0] = (weight, bias)
    if denormalize_outputs:
        weight, bias = layers[-1]
        scale, shift = ranges[-1], means[-1]
        layers[-1] = ([[w * scale for w in row] for row in weight], [b * scale + shift for b in bias])

    metadata = {
        "format": "nnet",
        "default_box": list(zip(mins, maxes)),
        "input_mins": mins,
        "input_maxes": maxes,
        "input_means": means[:-1],
        "input_ranges": ranges[:-1],
        "output_mean": means[-1],
        "output_range": ranges[-1],
        "outputs": "denormalised" if denormalize_outputs else "normalised",
        "input_normalisation": "(x - mean) / range folded exactly into layer 1",
        "input_clipping": "not modelled; irrelevant on default_box",
        "comments": lines.comments,
    }
    return Network.from_layers(layers, reading=READING_DECIMAL, source=source, metadata=metadata)


class _Lines:
    """The data lines of the file with their 1-based line numbers; comments and blanks skipped."""

    def __init__(self, text: str, where: str) -> None:
        self.where = where
        self.comments: list[str] = []
        self.records: list[tuple[int, str]] = []
        lines = text.splitlines()
        self.end = len(lines) + 1
        for number, line in enumerate(lines, start=1):
            stripped = line.strip()
            if stripped.startswith("//"):
                self.comments.append(stripped[2:].strip())
            elif stripped:
                self.records.append((number, stripped))
        self.position = 0
        self.last = self.records[0][0] if self.records else 1

    def fail(self, number: int, message: str) -> None:
        raise InvalidNetwork(f"{self.where}, line {number}: {message}")

    def numbers(self, count: int, what: str, *, exact: bool = True) -> list[Fraction]:
        if self.position >= len(self.records):
            self.fail(self.end, f"file ends early; expected {what}")
        number, line = self.records[self.position]
        self.position += 1
        self.last = number
        fields = [field.strip() for field in line.rstrip(",").split(",")]
        if len(fields) != count and (exact or len(fields) < count):
            self.fail(number, f"expected {what}, found {len(fields)} value(s)")
        values = []
        for j, field in enumerate(fields, start=1):
            try:
                values.append(parse_rational_text(field, f"value {j}"))
            except InvalidNumber as exc:
                self.fail(number, f"{exc} (expected {what})")
        return values

    def ints(self, count: int, what: str, *, exact: bool = True) -> list[int]:
        values = self.numbers(count, what, exact=exact)
        for j, v in enumerate(values, start=1):
            if v.denominator != 1:
                self.fail(self.last, f"value {j} is {v}, expected an integer ({what})")
        return [int(v) for v in values]

    def expect_end(self) -> None:
        if self.position < len(self.records):
            number, line = self.records[self.position]
            self.fail(number, f"unexpected data after the last layer: {line[:40]!r}")

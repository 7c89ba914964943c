"""ONNX graphs read exactly, by tracing affine maps symbolically through the graph.

Every tensor computed from the input is kept as an exact affine function of the current layer's
input: an integer index array in the tensor's shape points at sparse rows ``{input j: Fraction}``
and constants.  Shape operators (Flatten, Reshape, Squeeze, Unsqueeze, Transpose, Identity) move
indices and touch no number; Gemm, MatMul, Add/Sub/Mul/Div with constants, BatchNormalization and
Conv build new rows exactly, so consecutive affine operators compose into one affine layer; a Relu
or LeakyRelu closes the layer.  Initializers are read as their exact binary values.  The one
irrational step is BatchNormalization's ``scale / sqrt(var + eps)``: we use that value as
computed in the tensor's float type (float32 for float32 models), which ``metadata`` records.
:class:`AffineTracer` is shared with the PyTorch loader.  No ONNX runtime is needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import InvalidNetwork, UnsupportedModel
from ..network import READING_BINARY, Network

__all__ = ["read_onnx", "from_onnx_model", "AffineTracer", "exact_array", "SUPPORTED_OPS", "BATCHNORM_NOTE"]

BATCHNORM_NOTE = (
    "BatchNorm scale/sqrt(var+eps) is the exact binary value of its float computation in the "
    "tensor's type; everything else is exact"
)


@dataclass(frozen=True, eq=False)
class _Affine:
    """A tensor that is an affine function of the current layer's input."""

    idx: np.ndarray  # integer array of the tensor's shape, indexing rows and consts
    rows: list  # rows[i] is a dict {input j: Fraction}; never mutated once built
    consts: list
    stage: int

    @property
    def shape(self) -> tuple[int, ...]:
        return self.idx.shape


def exact_array(value: object) -> np.ndarray:
    """An object array of the exact Fractions a constant holds (floats by their binary value).

    >>> exact_array(np.array([0.5, 0.1], dtype=np.float32))[1]
    Fraction(13421773, 134217728)
    """
    a = np.asarray(value)
    if a.dtype == object:
        return a
    if a.dtype.kind == "f":
        flat = a.astype(np.float64).ravel().tolist()
        if not all(math.isfinite(v) for v in flat):
            raise InvalidNetwork("a constant tensor holds NaN or infinity")
        flat = [Fraction(v) for v in flat]
    elif a.dtype.kind in "iub":
        flat = [Fraction(int(v)) for v in a.ravel().tolist()]
    else:
        raise UnsupportedModel(f"constant tensor of type {a.dtype}")
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(a.shape)


class AffineTracer:
    """Builds exact affine layers while a graph is traced; one instance per model.

    >>> t = AffineTracer()
    >>> x = t.start((1, 2))
    >>> h = t.activate(t.elementwise("Add", t.matmul(x, np.array([[1.0], [-1.0]])), np.array([0.5])), 0)
    >>> layers, slopes = t.finish(t.elementwise("Mul", h, np.array([2.0])))
    >>> layers[0], layers[1][1]
    (([[Fraction(1, 1), Fraction(-1, 1)]], [Fraction(1, 2)]), [Fraction(0, 1)])
    """

    def __init__(self) -> None:
        self.layers: list[tuple[list, list]] = []
        self.slopes: list[Fraction] = []
        self.stage = 0
        self.width = 0
        self.notes: set[str] = set()

    def start(self, shape: tuple[int, ...]) -> _Affine:
        """The input tensor, of the given static shape."""
        self.width = int(np.prod(shape, dtype=np.int64))
        if self.width < 1:
            raise InvalidNetwork(f"input shape {tuple(shape)} has no entries")
        return self._identity(tuple(shape))

    def _identity(self, shape: tuple[int, ...]) -> _Affine:
        n = self.width
        return _Affine(np.arange(n).reshape(shape), [{j: Fraction(1)} for j in range(n)], [Fraction(0)] * n, self.stage)

    def _check(self, v: object, what: str) -> _Affine:
        if not isinstance(v, _Affine):
            raise UnsupportedModel(f"{what} of a constant tensor (it must depend on the network input)")
        if v.stage != self.stage:
            raise UnsupportedModel(
                f"{what} of a tensor from before activation {v.stage + 1}; skip connections are not a "
                "plain feed-forward network"
            )
        return v

    def _build(self, shape: tuple[int, ...], outputs: list) -> _Affine:
        """``outputs[i] = (bias, [(value, index, coeff), ...])`` for each entry in C order."""
        rows, consts = [], []
        for bias, terms in outputs:
            if len(terms) == 1 and terms[0][2] == 1:
                v, k, _ = terms[0]
                rows.append(v.rows[k])
                consts.append(v.consts[k] + bias)
                continue
            row: dict = {}
            const = Fraction(bias)
            for v, k, coeff in terms:
                for j, w in v.rows[k].items():
                    row[j] = row.get(j, 0) + coeff * w
                const += coeff * v.consts[k]
            rows.append(row)
            consts.append(const)
        return _Affine(np.arange(len(rows)).reshape(shape), rows, consts, self.stage)

    def move(self, v: object, fn) -> object:
        """Apply a pure data-movement function (reshape, transpose, ...) to a tensor."""
        if isinstance(v, _Affine):
            return _Affine(np.asarray(fn(v.idx)), v.rows, v.consts, v.stage)
        return np.asarray(fn(np.asarray(v)))

    def elementwise(self, op: str, a: object, b: object) -> object:
        """``Add``, ``Sub``, ``Mul`` or ``Div`` with NumPy broadcasting, exactly."""
        if not isinstance(a, _Affine) and not isinstance(b, _Affine):
            x, y = exact_array(a), exact_array(b)
            if op == "Div" and np.any(y == 0):
                raise InvalidNetwork("division by zero in a constant expression")
            fn = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide}[op]
            return np.asarray(fn(x, y), dtype=object)
        if op in ("Mul", "Div") and isinstance(a, _Affine) and isinstance(b, _Affine):
            raise UnsupportedModel(f"{op} of two input-dependent tensors is not affine")
        if op == "Div" and isinstance(b, _Affine):
            raise UnsupportedModel("division by an input-dependent tensor is not affine")
        for v in (a, b):
            if isinstance(v, _Affine):
                self._check(v, op)
        shape = np.broadcast_shapes(np.shape(getattr(a, "idx", a)), np.shape(getattr(b, "idx", b)))

        def side(v):
            if isinstance(v, _Affine):
                return v, np.broadcast_to(v.idx, shape).ravel()
            return None, np.broadcast_to(exact_array(v), shape).ravel()

        (va, ea), (vb, eb) = side(a), side(b)
        if op == "Div" and any(c == 0 for c in eb):
            raise InvalidNetwork("division by a constant zero")
        sign = -1 if op == "Sub" else 1
        outputs = []
        for x, y in zip(ea, eb):
            if op in ("Add", "Sub"):
                terms = [(va, x, 1)] if va else []
                terms += [(vb, y, sign)] if vb else []
                bias = (0 if va else x) + (0 if vb else sign * y)
                outputs.append((bias, terms))
            elif op == "Mul":
                outputs.append((0, [(va, x, y)] if va else [(vb, y, x)]))
            else:
                outputs.append((0, [(va, x, 1 / y)]))
        return self._build(shape, outputs)

    def matmul(self, a: object, b: object) -> object:
        """NumPy ``a @ b`` where one side is constant of rank 1 or 2."""
        if not isinstance(a, _Affine) and not isinstance(b, _Affine):
            return np.asarray(np.matmul(exact_array(a), exact_array(b)), dtype=object)
        if isinstance(a, _Affine) and isinstance(b, _Affine):
            raise UnsupportedModel("MatMul of two input-dependent tensors is not affine")
        if isinstance(b, _Affine):  # A @ b = (b^T @ A^T)^T on the last two axes
            A = exact_array(a)
            swap = lambda x: np.swapaxes(x, -1, -2)  # noqa: E731
            out = self.matmul(b if b.idx.ndim == 1 else self.move(b, swap), A if A.ndim == 1 else swap(A))
            return out if A.ndim == 1 or b.idx.ndim == 1 else self.move(out, swap)
        self._check(a, "MatMul")
        B = exact_array(b)
        if B.ndim not in (1, 2):
            raise UnsupportedModel(f"MatMul with a constant of shape {B.shape} (rank above 2)")
        idx = a.idx if a.idx.ndim > 1 else a.idx[None, :]
        mat = B if B.ndim == 2 else B[:, None]
        k, n = mat.shape
        if idx.shape[-1] != k:
            raise InvalidNetwork(f"MatMul of shapes {a.shape} and {B.shape} do not match")
        columns = [[(t, mat[t, j]) for t in range(k) if mat[t, j] != 0] for j in range(n)]
        outputs = [(0, [(a, lead[t], c) for t, c in col]) for lead in idx.reshape(-1, k) for col in columns]
        shape = idx.shape[:-1] + (n,)
        if a.idx.ndim == 1:
            shape = shape[:-2] + shape[-1:]
        return self._build(shape if B.ndim == 2 else shape[:-1], outputs)

    def conv(self, x, weight, bias=None, *, strides=None, pads=None, dilations=None, group=1, auto_pad="NOTSET"):
        """ONNX ``Conv`` (N spatial dimensions) with constant weight and bias, as an exact affine map."""
        if isinstance(weight, _Affine) or isinstance(bias, _Affine):
            raise UnsupportedModel("Conv with input-dependent weights")
        self._check(x, "Conv")
        W = exact_array(weight)
        B = exact_array(bias) if bias is not None else None
        if x.idx.ndim < 3 or W.ndim != x.idx.ndim:
            raise InvalidNetwork(
                f"Conv input has shape {x.shape} and weight {W.shape}; expected (N, C, ...) and (M, C/group, ...)"
            )
        n_batch, chans, *spatial = x.shape
        m_out, c_group, *kernel = W.shape
        d = len(spatial)
        if chans != c_group * group or m_out % group or (B is not None and B.shape != (m_out,)):
            bias_shape = None if B is None else B.shape
            raise InvalidNetwork(
                f"Conv input {x.shape}, weight {W.shape}, bias {bias_shape} and group {group} disagree"
            )
        strides, dil = list(strides or [1] * d), list(dilations or [1] * d)
        if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            pads = [0] * (2 * d)
            for i in range(d):
                out = -(-spatial[i] // strides[i])
                total = max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dil[i] + 1 - spatial[i])
                small, big = total // 2, total - total // 2
                pads[i], pads[i + d] = (small, big) if auto_pad == "SAME_UPPER" else (big, small)
        elif auto_pad == "VALID" or not pads:
            pads = [0] * (2 * d)
        out_sp = [(spatial[i] + pads[i] + pads[i + d] - dil[i] * (kernel[i] - 1) - 1) // strides[i] + 1
                  for i in range(d)]  # fmt: skip
        if min(out_sp) < 1:
            raise InvalidNetwork(f"Conv output of input {x.shape} with kernel {tuple(kernel)} would be empty")
        taps = [(c, k, W[(slice(None), c) + k]) for c in range(c_group) for k in np.ndindex(*kernel)]
        outputs = []
        for n, m, *o in np.ndindex(n_batch, m_out, *out_sp):
            base = (m // (m_out // group)) * c_group
            terms = []
            for c, k, column in taps:
                pos = tuple(o[i] * strides[i] - pads[i] + k[i] * dil[i] for i in range(d))
                if column[m] != 0 and all(0 <= p < s for p, s in zip(pos, spatial)):
                    terms.append((x, x.idx[(n, base + c) + pos], column[m]))
            outputs.append((B[m] if B is not None else 0, terms))
        return self._build((n_batch, m_out, *out_sp), outputs)

    def batchnorm(self, x, scale, shift, mean, var, eps: float) -> object:
        """Eval-mode batch normalisation over axis 1, folded to ``x * s + (shift - mean * s)``."""
        if any(isinstance(v, _Affine) for v in (scale, shift, mean, var)):
            raise UnsupportedModel("BatchNormalization with input-dependent statistics")
        self._check(x, "BatchNormalization")
        if x.idx.ndim < 2:
            raise InvalidNetwork(f"BatchNormalization input has shape {x.shape}, expected (N, C, ...)")
        params = [np.asarray(v) for v in (scale, shift, mean, var)]
        if any(p.shape != (x.shape[1],) for p in params):
            raise InvalidNetwork(f"BatchNormalization parameters have shapes {[p.shape for p in params]}, "
                                 f"expected ({x.shape[1]},) for the {x.shape[1]} channels")  # fmt: skip
        dtype = np.result_type(params[0], params[3], np.float32)
        var_eps = params[3].astype(dtype) + dtype.type(eps)
        if not np.all(var_eps > 0):
            raise InvalidNetwork("BatchNormalization variance + epsilon is not positive")
        s = exact_array(params[0].astype(dtype) / np.sqrt(var_eps))  # the one rounding: see BATCHNORM_NOTE
        t = exact_array(shift) - exact_array(mean) * s
        self.notes.add(BATCHNORM_NOTE)
        shape = (x.shape[1],) + (1,) * (x.idx.ndim - 2)
        return self.elementwise("Add", self.elementwise("Mul", x, s.reshape(shape)), t.reshape(shape))

    def _emit(self, v: _Affine) -> None:
        rows = [v.rows[i] for i in v.idx.ravel()]
        weight = [[row.get(j, 0) for j in range(self.width)] for row in rows]
        self.layers.append((weight, [v.consts[i] for i in v.idx.ravel()]))

    def activate(self, v: object, slope: object) -> _Affine:
        """Close the current layer with ReLU (slope 0) or LeakyReLU; return the new layer input."""
        self._emit(self._check(v, "activation"))
        self.slopes.append(Fraction(slope))
        self.stage += 1
        self.width = v.idx.size
        return self._identity(v.shape)

    def finish(self, v: object) -> tuple[list, list]:
        """Close the last (affine) layer at output ``v``; return ``(layers, negative_slopes)``."""
        self._emit(self._check(v, "output"))
        return self.layers, self.slopes


SUPPORTED_OPS = (
    "Add", "BatchNormalization", "Constant", "Conv", "Div", "Dropout", "Flatten", "Gemm", "Identity",
    "LeakyRelu", "MatMul", "Mul", "Neg", "Relu", "Reshape", "Squeeze", "Sub", "Transpose", "Unsqueeze",
)  # fmt: skip


def _ints(v: object) -> list[int]:
    return [int(x) for x in np.asarray(v).ravel().tolist()]


def _flatten(t, i, a):
    shape = np.shape(getattr(i[0], "idx", i[0]))
    axis = a.get("axis", 1)
    axis += len(shape) if axis < 0 else 0
    new = (int(np.prod(shape[:axis], dtype=np.int64)), int(np.prod(shape[axis:], dtype=np.int64)))
    return t.move(i[0], lambda x: x.reshape(new))


def _reshape(t, i, a):
    shape = np.shape(getattr(i[0], "idx", i[0]))
    target = _ints(i[1])
    if not a.get("allowzero", 0):
        target = [shape[k] if s == 0 else s for k, s in enumerate(target)]
    return t.move(i[0], lambda x: x.reshape(target))


def _axes(i, a):
    axes = a.get("axes")
    if axes is None and len(i) > 1 and i[1] is not None:
        axes = _ints(i[1])
    return axes


def _unsqueeze(t, i, a):
    axes = _axes(i, a)
    rank = len(np.shape(getattr(i[0], "idx", i[0]))) + len(axes)
    return t.move(i[0], lambda x: np.expand_dims(x, tuple(sorted(k % rank for k in axes))))


def _squeeze(t, i, a):
    axes = _axes(i, a)
    return t.move(i[0], lambda x: np.squeeze(x, axis=None if axes is None else tuple(axes)))


def _gemm(t, i, a):
    A, B = i[0], i[1]
    if a.get("transA", 0):
        A = t.move(A, np.transpose)
    if a.get("transB", 0):
        B = t.move(B, np.transpose)
    y = t.matmul(A, B)
    if a.get("alpha", 1.0) != 1.0:
        y = t.elementwise("Mul", y, np.float32(a["alpha"]))
    if len(i) > 2 and i[2] is not None:
        c = i[2] if a.get("beta", 1.0) == 1.0 else t.elementwise("Mul", i[2], np.float32(a["beta"]))
        y = t.elementwise("Add", y, c)
    return y


def _batchnorm(t, i, a):
    if a.get("training_mode", 0) or not a.get("spatial", 1):
        raise UnsupportedModel("training mode or spatial=0 (only eval-mode, per-channel statistics)")
    return t.batchnorm(i[0], i[1], i[2], i[3], i[4], a.get("epsilon", float(np.float32(1e-5))))


def _conv(t, i, a):
    auto_pad = a.get("auto_pad", b"NOTSET")
    auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else auto_pad
    return t.conv(i[0], i[1], i[2] if len(i) > 2 else None, strides=a.get("strides"), pads=a.get("pads"),
                  dilations=a.get("dilations"), group=a.get("group", 1), auto_pad=auto_pad)  # fmt: skip


def _dropout(t, i, a):
    if len(i) > 2 and i[2] is not None and np.any(np.asarray(i[2])):
        raise UnsupportedModel("Dropout in training mode")
    return i[0]


def _constant(t, i, a):
    from onnx import numpy_helper

    if "value" in a:
        return numpy_helper.to_array(a["value"])
    for key in ("value_float", "value_floats", "value_int", "value_ints"):
        if key in a:
            return np.array(a[key], dtype=np.float32 if "float" in key else np.int64)
    raise UnsupportedModel(f"Constant with attributes {sorted(a)}")


_HANDLERS = {
    "Identity": lambda t, i, a: i[0],
    "Dropout": _dropout,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Squeeze": _squeeze,
    "Unsqueeze": _unsqueeze,
    "Transpose": lambda t, i, a: t.move(i[0], lambda x: np.transpose(x, a.get("perm"))),
    "Neg": lambda t, i, a: t.elementwise("Mul", i[0], np.int64(-1)),
    "MatMul": lambda t, i, a: t.matmul(i[0], i[1]),
    "Gemm": _gemm,
    "Relu": lambda t, i, a: t.activate(i[0], 0),
    "LeakyRelu": lambda t, i, a: t.activate(i[0], Fraction(a.get("alpha", float(np.float32(0.01))))),
    "BatchNormalization": _batchnorm,
    "Conv": _conv,
    "Constant": _constant,
}
for _op in ("Add", "Sub", "Mul", "Div"):
    _HANDLERS[_op] = lambda t, i, a, op=_op: t.elementwise(op, i[0], i[1])


def read_onnx(path: str | Path, *, input_shape: tuple[int, ...] | None = None) -> Network:
    """Read an ``.onnx`` file exactly; see :func:`from_onnx_model`."""
    try:
        import onnx
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise UnsupportedModel("reading .onnx files needs the onnx package (pip install onnx)") from exc
    try:
        model = onnx.load(str(path))
    except Exception as exc:  # protobuf raises DecodeError, onnx raises its own; all mean unreadable
        reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        raise InvalidNetwork(f"network file {path} is not a readable ONNX model ({reason})") from None
    return from_onnx_model(model, input_shape=input_shape, source=str(path))


def from_onnx_model(model, *, input_shape: tuple[int, ...] | None = None, source: str = "") -> Network:
    """Convert an ``onnx.ModelProto`` into an exact :class:`~exactrelu.network.Network`.

    Parameters
    ----------
    model:
        The ONNX model: one graph input that is not an initializer, one graph output.
    input_shape:
        The full shape of the input tensor (batch dimension included), replacing the graph's;
        needed when a dimension other than the first is dynamic.  A dynamic first (batch)
        dimension is taken as 1.
    source:
        Recorded as the network's ``source``.

    Returns
    -------
    Network
        Reading :data:`~exactrelu.network.READING_BINARY`, inputs in the C order of the input
        tensor, ``metadata`` recording the input and output tensors and any rounding note.

    Raises
    ------
    UnsupportedModel
        Naming the node, its position and the supported operators.

    >>> import pytest; onnx = pytest.importorskip("onnx")
    >>> from onnx import helper, TensorProto, numpy_helper
    >>> w = numpy_helper.from_array(np.array([[0.5, -1.0]], dtype=np.float32), "w")
    >>> g = helper.make_graph([helper.make_node("Gemm", ["x", "w"], ["y"], transB=1)], "g",
    ...     [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2])],
    ...     [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1])], [w])
    >>> from_onnx_model(helper.make_model(g)).forward([4, 1])
    (Fraction(1, 1),)
    """
    from onnx import helper, numpy_helper

    graph = model.graph
    values: dict[str, object] = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    inputs = [v for v in graph.input if v.name not in values]
    if len(inputs) != 1 or len(graph.output) != 1:
        raise UnsupportedModel(
            f"ONNX graph has {len(inputs)} non-constant inputs and {len(graph.output)} outputs, expected one of each"
        )
    shape = _input_shape(inputs[0], input_shape)
    tracer = AffineTracer()
    values[inputs[0].name] = tracer.start(shape)
    supported = f"supported operators: {', '.join(SUPPORTED_OPS)}"
    for position, node in enumerate(graph.node, start=1):
        where = f"ONNX node {position} of {len(graph.node)} ({node.op_type} {node.name!r})"
        handler = _HANDLERS.get(node.op_type) if node.domain in ("", "ai.onnx") else None
        if handler is None:
            raise UnsupportedModel(f"{where} is not supported; {supported}")
        args = []
        for name in node.input:
            if name and name not in values:
                raise InvalidNetwork(f"{where} reads {name!r}, which no earlier node computes")
            args.append(values[name] if name else None)
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        try:
            values[node.output[0]] = handler(tracer, args, attrs)
        except UnsupportedModel as exc:
            raise UnsupportedModel(f"{where}: {exc}; {supported}") from None
        except InvalidNetwork as exc:
            raise InvalidNetwork(f"{where}: {exc}") from None
        except (ValueError, TypeError, IndexError, KeyError) as exc:  # NumPy shape and axis errors
            raise InvalidNetwork(f"{where}: {exc}") from exc
    out = graph.output[0].name
    if out not in values:
        raise InvalidNetwork(f"ONNX graph output {out!r} is never computed")
    try:
        layers, slopes = tracer.finish(values[out])
    except UnsupportedModel as exc:
        raise UnsupportedModel(f"ONNX graph output {out!r}: {exc}") from None
    metadata = {
        "format": "onnx",
        "input": inputs[0].name,
        "input_shape": shape,
        "output": out,
        "output_shape": np.shape(getattr(values[out], "idx", values[out])),
        "opsets": {d.domain or "ai.onnx": d.version for d in model.opset_import},
        "producer": f"{model.producer_name} {model.producer_version}".strip(),
        "rounding": sorted(tracer.notes) or ["none: every value is the exact binary value stored"],
    }
    return Network.from_layers(layers, negative_slopes=slopes, reading=READING_BINARY, source=source, metadata=metadata)


def _input_shape(info, override) -> tuple[int, ...]:
    if override is not None:
        return tuple(int(d) for d in override)
    if not info.type.tensor_type.HasField("shape"):
        raise UnsupportedModel(f"ONNX input {info.name!r} has no static shape; pass input_shape=")
    shape = []
    for k, dim in enumerate(info.type.tensor_type.shape.dim):
        if dim.HasField("dim_value") and dim.dim_value > 0:
            shape.append(dim.dim_value)
        elif k == 0:
            shape.append(1)
        else:
            raise UnsupportedModel(
                f"ONNX input {info.name!r} dimension {k} is dynamic ({dim.dim_param or '?'}); pass input_shape="
            )
    return tuple(shape)

"""ONNX graphs read exactly, by tracing affine maps symbolically through the graph.

Each node is replayed through :class:`~exactrelu.loaders.affine_trace.AffineTracer`: shape
operators (Flatten, Reshape, Squeeze, Unsqueeze, Transpose, Identity) move indices; Gemm, MatMul,
Add/Sub/Mul/Div with constants, BatchNormalization and Conv build new rows exactly, so consecutive
affine operators compose into one affine layer; a Relu or LeakyRelu closes the layer.  Initializers
are read as their exact binary values; BatchNormalization's one rounding is described by
:data:`~exactrelu.loaders.affine_trace.BATCHNORM_NOTE` and recorded in ``metadata``.  No ONNX
runtime is needed.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import InvalidNetwork, UnsupportedModel
from ..network import READING_BINARY, Network
from . import _unreadable
from .affine_trace import AffineTracer, located, shape_of

__all__ = ["read_onnx", "from_onnx_model", "SUPPORTED_OPS"]


SUPPORTED_OPS = (
    "Add", "BatchNormalization", "Constant", "Conv", "Div", "Dropout", "Flatten", "Gemm", "Identity",
    "LeakyRelu", "MatMul", "Mul", "Neg", "Relu", "Reshape", "Squeeze", "Sub", "Transpose", "Unsqueeze",
)  # fmt: skip


def _ints(v: object) -> list[int]:
    return [int(x) for x in np.asarray(v).ravel().tolist()]


def _flatten(t, i, a):
    shape = shape_of(i[0])
    axis = a.get("axis", 1)
    axis += len(shape) if axis < 0 else 0
    new = (int(np.prod(shape[:axis], dtype=np.int64)), int(np.prod(shape[axis:], dtype=np.int64)))
    return t.move(i[0], lambda x: x.reshape(new))


def _reshape(t, i, a):
    shape = shape_of(i[0])
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
    rank = len(shape_of(i[0])) + len(axes)
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
    from onnx import numpy_helper  # deferred: onnx is an optional dependency

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


def _elementwise(op: str):
    def handle(t, i, a):
        return t.elementwise(op, i[0], i[1])

    return handle


for _op in ("Add", "Sub", "Mul", "Div"):
    _HANDLERS[_op] = _elementwise(_op)


def read_onnx(path: str | Path, *, input_shape: tuple[int, ...] | None = None) -> Network:
    """Read an ``.onnx`` file exactly; see :func:`from_onnx_model`."""
    try:
        import onnx  # deferred: onnx is an optional dependency
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise UnsupportedModel("reading .onnx files needs the onnx package (pip install onnx)") from exc
    try:
        model = onnx.load(str(path))
    except Exception as exc:  # protobuf raises DecodeError, onnx raises its own; all mean unreadable
        raise _unreadable(path, "ONNX model", exc) from None
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
    from onnx import helper, numpy_helper  # deferred: onnx is an optional dependency

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
        with located(where, supported):
            values[node.output[0]] = handler(tracer, args, attrs)
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
        "output_shape": shape_of(values[out]),
        "opsets": {d.domain or "ai.onnx": d.version for d in model.opset_import},
        "producer": f"{model.producer_name} {model.producer_version}".strip(),
        "rounding": tracer.rounding,
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

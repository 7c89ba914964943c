"""PyTorch modules, saved modules and MLP state dicts, read exactly.

A module's ``forward`` is arbitrary Python, so only ``nn.Sequential`` containers (nested) of
layers whose math we know are read; each layer is replayed through the
:class:`~exactrelu.loaders.affine_trace.AffineTracer` the ONNX loader uses, so Linear, Conv,
BatchNorm and Flatten fold into exact affine layers exactly as their ONNX counterparts do.  Tensors
are read as their exact binary values; LeakyReLU's Python-float slope is rounded to the parameters'
float type, the value torch applies to such tensors (and the one ``torch.onnx.export`` writes).
The function read is always the eval-mode one (Dropout is the identity, BatchNorm uses its running
statistics), with BatchNorm's ``weight / sqrt(var + eps)`` rounded once in the tensor's float type
(see :data:`~exactrelu.loaders.affine_trace.BATCHNORM_NOTE`).
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import InvalidArgument, InvalidNetwork, UnsupportedModel, kind_of
from ..network import READING_BINARY, Network
from ..rational import format_rational, to_rational
from . import _unreadable
from .affine_trace import AffineTracer, located

__all__ = ["from_module", "from_state_dict", "read_torch_file", "SUPPORTED_MODULES", "ACTIVATIONS"]

SUPPORTED_MODULES = (
    "Sequential", "Linear", "ReLU", "LeakyReLU", "Flatten", "Identity", "Dropout",
    "BatchNorm1d", "BatchNorm2d", "Conv1d", "Conv2d",
)  # fmt: skip
_DROPOUTS = ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout")


def from_module(module, *, input_shape: tuple[int, ...] | None = None, source: str = "") -> Network:
    """Convert a PyTorch ``nn.Sequential`` (possibly nested) into an exact network.

    Parameters
    ----------
    module:
        An ``nn.Sequential`` of supported layers (see :data:`SUPPORTED_MODULES`), or one such layer.
    input_shape:
        The shape of one input sample without the batch dimension, e.g. ``(1, 28, 28)``; required
        when the model starts with a convolution, otherwise inferred from the first Linear or
        BatchNorm1d.  Inputs are numbered in the C order of that shape.
    source:
        Recorded as the network's ``source``.

    Returns
    -------
    Network
        Reading :data:`~exactrelu.network.READING_BINARY`.

    Raises
    ------
    UnsupportedModel
        Naming the module, its position and the supported modules.

    >>> import pytest; torch = pytest.importorskip("torch")
    >>> lin = torch.nn.Linear(2, 1)
    >>> with torch.no_grad():
    ...     _ = lin.weight.copy_(torch.tensor([[0.5, -2.0]])); _ = lin.bias.fill_(0.25)
    >>> from_module(torch.nn.Sequential(torch.nn.ReLU(), lin)).forward([3, -1])
    (Fraction(7, 4),)
    """
    import torch  # deferred: torch is an optional dependency

    leaves = list(_leaves(module, type(module).__name__))
    dtype = next((p.dtype for p in module.parameters() if p.is_floating_point()), torch.get_default_dtype())
    float_type = torch.empty(0, dtype=dtype).numpy().dtype.type if dtype != torch.bfloat16 else np.float32
    shape = (1,) + tuple(int(d) for d in input_shape) if input_shape is not None else _guess_shape(leaves)
    tracer = AffineTracer()
    value = tracer.start(shape)
    supported = f"supported modules: {', '.join(SUPPORTED_MODULES)}"
    for position, (name, layer) in enumerate(leaves, start=1):
        where = f"module {position} of {len(leaves)} ({name}: {type(layer).__name__})"
        with located(where, supported):
            value = _apply(tracer, layer, value, float_type)
    layers, slopes = tracer.finish(value)
    metadata = {
        "format": "torch module",
        "modules": [name for name, _ in leaves],
        "input_shape": shape,
        "mode": "eval: Dropout is the identity, BatchNorm uses running statistics",
        "float_type": np.dtype(float_type).name,
        "rounding": tracer.rounding,
    }
    return Network.from_layers(layers, negative_slopes=slopes, reading=READING_BINARY, source=source, metadata=metadata)


ACTIVATIONS = ("relu", "leaky_relu")


def from_state_dict(
    state, *, activation: str | None = None, negative_slope: object = None, source: str = ""
) -> Network:
    """Read the state dict of a plain MLP (Linear layers only, ``0.weight``, ``0.bias``, ...).

    A state dict does not record which activations sit between its layers, so they must be
    stated: ``activation="relu"``, or ``activation="leaky_relu"`` with ``negative_slope`` (a
    string or ``Fraction`` such as ``"1/100"`` is read exactly, a Python float by its binary64
    value).  The stated activation follows every layer but the last and is recorded in
    ``metadata["activation"]``.  Layers are taken in numeric order when every key prefix ends in
    an index (``0``, ``2``, ``10``), otherwise in the dict's order; consecutive shapes must chain.

    >>> import pytest; torch = pytest.importorskip("torch")
    >>> sd = {"0.weight": torch.tensor([[1.0], [-1.0]]), "0.bias": torch.zeros(2),
    ...       "2.weight": torch.tensor([[1.0, 1.0]]), "2.bias": torch.tensor([0.5])}
    >>> from_state_dict(sd, activation="relu").forward([-3])
    (Fraction(7, 2),)
    >>> from_state_dict(sd)
    Traceback (most recent call last):
    exactrelu.errors.InvalidNetwork: a state dict does not record the activations between layers; say which with activation='relu' or activation='leaky_relu', negative_slope=... (--activation on the command line)
    """
    import torch  # deferred: torch is an optional dependency

    slope, stated = _stated_activation(activation, negative_slope, source)
    groups: dict[str, dict] = {}
    for key, tensor in state.items():
        if not torch.is_tensor(tensor):
            raise InvalidNetwork(f"state dict entry {key!r} is {kind_of(tensor)}, expected a tensor")
        prefix, _, leaf = str(key).rpartition(".")
        if leaf not in ("weight", "bias"):
            raise UnsupportedModel(
                f"state dict entry {key!r}: only Linear layers (weight, bias) can be read from a state dict; "
                "save the whole nn.Sequential (torch.save(model)) for BatchNorm or Conv"
            )
        groups.setdefault(prefix, {})[leaf] = tensor
    order = list(groups)
    if order and all(p.rpartition(".")[2].isdigit() for p in order):
        order.sort(key=lambda p: [(0, int(s), "") if s.isdigit() else (1, 0, s) for s in p.split(".")])
    layers: list[tuple[np.ndarray, np.ndarray]] = []
    for k, prefix in enumerate(order):
        weight, bias = groups[prefix].get("weight"), groups[prefix].get("bias")
        if weight is None or weight.ndim != 2:
            found = "no weight" if weight is None else f"a weight of shape {tuple(weight.shape)}"
            raise UnsupportedModel(f"state dict layer {prefix!r} has {found}, expected a Linear weight matrix")
        if k and weight.shape[1] != layers[-1][0].shape[0]:
            raise InvalidNetwork(
                f"state dict layer {prefix!r} has weight of shape {tuple(weight.shape)}, expected "
                f"({weight.shape[0]}, {layers[-1][0].shape[0]}) after layer {order[k - 1]!r}"
            )
        bias = _array(bias) if bias is not None else np.zeros(weight.shape[0])
        layers.append((_array(weight), bias))
    if not layers:
        raise InvalidNetwork("state dict holds no layers")
    metadata = {
        "format": "torch state dict",
        "layers": order,
        "activation": stated,
        "activations": f"{stated} between layers, as stated (a state dict does not record its activations)",
    }
    return Network.from_layers(
        layers, negative_slopes=[slope] * (len(layers) - 1), reading=READING_BINARY, source=source, metadata=metadata
    )


def _stated_activation(activation: object, negative_slope: object, source: str) -> tuple[Fraction, str]:
    """The slope and the text (``relu``, ``leaky_relu:1/100``) of an explicitly stated activation."""
    if activation is None and negative_slope is not None:
        raise InvalidArgument(
            f"negative_slope={negative_slope!r} is given without activation='leaky_relu'; "
            "a slope needs activation='leaky_relu' (--activation leaky_relu:SLOPE on the command line)"
        )
    if activation is None:
        what = f"network file {source} holds a state dict, which" if source else "a state dict"
        raise InvalidNetwork(
            f"{what} does not record the activations between layers; say which with "
            + (
                "--activation relu (or load(path, activation='relu') in Python)"
                if source
                else "activation='relu' or activation='leaky_relu', negative_slope=... (--activation on the command line)"
            )
        )
    if activation not in ACTIVATIONS:
        raise InvalidArgument(
            f"activation {activation!r} is not supported; expected one of {', '.join(map(repr, ACTIVATIONS))} "
            "(a state dict of another activation cannot be read as a piecewise-linear network)"
        )
    if activation == "relu":
        if negative_slope is not None:
            raise InvalidArgument(
                f"negative_slope={negative_slope!r} is given with activation='relu'; "
                "a slope needs activation='leaky_relu'"
            )
        return Fraction(0), "relu"
    if negative_slope is None:
        raise InvalidArgument(
            "activation='leaky_relu' needs its slope: negative_slope='1/100' (or --activation leaky_relu:1/100)"
        )
    slope = to_rational(negative_slope, "negative_slope")
    return slope, f"leaky_relu:{format_rational(slope)}"


def read_torch_file(
    path: str | Path,
    *,
    input_shape: tuple[int, ...] | None = None,
    activation: str | None = None,
    negative_slope: object = None,
) -> Network:
    """Read a ``.pt``/``.pth`` file: a whole saved module, or a state dict of a plain MLP.

    State dicts load with ``weights_only=True``.  A whole module needs unpickling with
    ``weights_only=False``, which runs code from the file: pass only files you trust.
    A checkpoint dict whose ``"state_dict"`` entry is the state dict is accepted too.

    Parameters
    ----------
    path:
        The file.
    input_shape:
        See :func:`from_module`; whole modules only.
    activation, negative_slope:
        See :func:`from_state_dict`; required for state dicts, refused for whole modules (which
        record their activations).
    """
    try:
        import torch  # deferred: torch is an optional dependency
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise UnsupportedModel("reading PyTorch files needs torch (pip install torch)") from exc
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # a whole module: unpickle it, as the user asked for this file
        try:
            obj = torch.load(path, map_location="cpu", weights_only=False)
        except Exception as exc:
            raise _unreadable(path, "PyTorch file", exc) from None
    if isinstance(obj, torch.nn.Module):
        if activation is not None or negative_slope is not None:
            given = "activation" if activation is not None else "negative_slope"
            raise InvalidArgument(
                f"network file {path} holds a whole module, which records its own activations; "
                f"leave out --activation ({given}= in Python)"
            )
        return from_module(obj, input_shape=input_shape, source=str(path))
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if isinstance(obj, dict):
        if input_shape is not None:
            raise InvalidArgument(
                f"network file {path} holds a state dict of Linear layers; input_shape= applies to whole modules only"
            )
        return from_state_dict(obj, activation=activation, negative_slope=negative_slope, source=str(path))
    raise UnsupportedModel(f"network file {path} holds {kind_of(obj)}, expected an nn.Module or a state dict")


def _leaves(module, name: str):
    import torch  # deferred: torch is an optional dependency

    sequential = isinstance(module, torch.nn.Sequential) and type(module).forward is torch.nn.Sequential.forward
    if not sequential:
        yield name, module
        return
    for child_name, child in module.named_children():
        yield from _leaves(child, f"{name}.{child_name}")


def _guess_shape(leaves) -> tuple[int, ...]:
    for _name, layer in leaves:
        kind = type(layer).__name__
        if kind == "Linear":
            return (1, layer.in_features)
        if kind == "BatchNorm1d":
            return (1, layer.num_features)
        if kind not in ("ReLU", "LeakyReLU", "Flatten", "Identity") + _DROPOUTS:
            break
    raise InvalidNetwork("cannot infer the input shape of this model; pass input_shape= (one sample, no batch)")


def _array(tensor) -> np.ndarray:
    import torch  # deferred: torch is an optional dependency

    t = tensor.detach().cpu()
    if t.dtype in (torch.float16, torch.bfloat16):
        t = t.float()  # exact widening; NumPy has no bfloat16
    return t.numpy()


def _apply(tracer: AffineTracer, layer, value, float_type):
    kind = type(layer).__name__
    if kind == "Linear":
        value = tracer.matmul(value, _array(layer.weight).T)
        return value if layer.bias is None else tracer.elementwise("Add", value, _array(layer.bias))
    if kind == "ReLU":
        return tracer.activate(value, 0)
    if kind == "LeakyReLU":
        if not math.isfinite(layer.negative_slope):
            raise InvalidNetwork(f"negative slope {layer.negative_slope} is not finite")
        return tracer.activate(value, Fraction(float(float_type(layer.negative_slope))))
    if kind in ("Identity",) + _DROPOUTS:
        return value
    if kind == "Flatten":
        shape = value.shape
        start, end = layer.start_dim % len(shape), layer.end_dim % len(shape)
        new = shape[:start] + (int(np.prod(shape[start : end + 1], dtype=np.int64)),) + shape[end + 1 :]
        return tracer.move(value, lambda x: x.reshape(new))
    if kind in ("BatchNorm1d", "BatchNorm2d"):
        if layer.running_mean is None or layer.running_var is None:
            raise UnsupportedModel("BatchNorm without running statistics (track_running_stats=False)")
        n = layer.num_features
        weight = _array(layer.weight) if layer.weight is not None else np.ones(n, np.float32)
        bias = _array(layer.bias) if layer.bias is not None else np.zeros(n, np.float32)
        return tracer.batchnorm(value, weight, bias, _array(layer.running_mean), _array(layer.running_var), layer.eps)
    if kind in ("Conv1d", "Conv2d"):
        if layer.padding_mode != "zeros":
            raise UnsupportedModel(f"padding_mode {layer.padding_mode!r} (only 'zeros')")
        padding = layer.padding
        auto = {"same": "SAME_UPPER", "valid": "VALID"}.get(padding, "NOTSET") if isinstance(padding, str) else "NOTSET"
        pads = None if isinstance(padding, str) else list(padding) * 2
        conv_bias = _array(layer.bias) if layer.bias is not None else None
        return tracer.conv(value, _array(layer.weight), conv_bias, strides=list(layer.stride), pads=pads,
                           dilations=list(layer.dilation), group=layer.groups, auto_pad=auto)  # fmt: skip
    raise UnsupportedModel(f"{kind} is not supported (a custom forward() cannot be read; use nn.Sequential)")

"""Loading networks from files and framework objects into the exact :class:`~exactrelu.network.Network`.

One entry point, :func:`load`, dispatches on the file suffix (or the object's type); each format
lives in its own module and states which reading of the numbers it uses.  The options a format
takes are the keyword-only parameters of its reader, so :func:`load` refuses any other by name.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from ..errors import InvalidNetwork, UnsupportedModel, kind_of
from ..network import Network

__all__ = ["load", "SUFFIXES"]

_READERS = {  # suffix: (module, reader), imported on first use
    ".json": ("json_format", "read_json"),
    ".npz": ("npz", "read_npz"),
    ".nnet": ("nnet", "read_nnet"),
    ".onnx": ("onnx_format", "read_onnx"),
    ".pt": ("torch_format", "read_torch_file"),
    ".pth": ("torch_format", "read_torch_file"),
}
SUFFIXES = tuple(_READERS)


def load(source: object, **options) -> Network:
    """Load a network from a path (``.json``, ``.npz``, ``.nnet``, ``.onnx``, ``.pt``/``.pth``),
    a :class:`Network`, an ONNX ``ModelProto`` or a PyTorch ``nn.Module``.

    Parameters
    ----------
    source:
        The file, network or module.
    options:
        Passed on to the format's reader: ``denormalize_outputs`` for ``.nnet``; ``input_shape``
        for ``.onnx``, saved torch modules and modules; ``activation`` (``"relu"`` or
        ``"leaky_relu"``, required) and ``negative_slope`` (with ``"leaky_relu"``) for torch
        state dicts, which do not record their activations.

    Raises
    ------
    InvalidNetwork
        For a missing or unreadable file, an unknown suffix, or an option the format does not take.

    >>> net = Network.from_layers([([[1]], [0])])
    >>> load(net).widths
    (1, 1)
    >>> load(net, input_shape=(1,))
    Traceback (most recent call last):
    exactrelu.errors.InvalidNetwork: unknown option 'input_shape' for a Network; accepted options: none
    """
    if isinstance(source, Network):
        _check_options(options, (), "a Network")
        return source
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise InvalidNetwork(f"network file {path} does not exist")
        if path.is_dir():
            raise InvalidNetwork(f"network file {path} is a directory")
        suffix = path.suffix.lower()
        if suffix not in _READERS:
            raise InvalidNetwork(
                f"network file {path} has suffix {suffix or '(none)'!r}, expected one of {', '.join(SUFFIXES)}"
            )
        module, name = _READERS[suffix]
        reader = getattr(importlib.import_module(f".{module}", __name__), name)
        _check_options(options, _keywords(reader), f"a {suffix} file")
        try:
            return reader(path, **options)
        except InvalidNetwork as exc:  # every message names the file (some layers' checks do not know it)
            if str(path) in str(exc):
                raise
            raise type(exc)(f"network file {path}: {exc}") from exc
    if type(source).__module__.startswith("onnx"):
        from .onnx_format import from_onnx_model  # deferred: onnx is an optional dependency

        _check_options(options, _keywords(from_onnx_model), "an ONNX model")
        return from_onnx_model(source, **options)
    if type(source).__module__.startswith("torch") or _is_torch_module(source):
        from .torch_format import from_module  # deferred: torch is an optional dependency

        _check_options(options, _keywords(from_module), "a torch module")
        return from_module(source, **options)
    raise UnsupportedModel(
        f"cannot load {kind_of(source)}; expected a path, a Network, an ONNX model or a torch module"
    )


def _is_torch_module(obj: object) -> bool:
    return any(cls.__module__.startswith("torch.nn") for cls in type(obj).__mro__)


def _keywords(reader) -> tuple[str, ...]:
    return tuple(p.name for p in inspect.signature(reader).parameters.values() if p.kind is p.KEYWORD_ONLY)


def _check_options(options: dict, accepted: tuple[str, ...], what: str) -> None:
    unknown = [name for name in options if name not in accepted]
    if unknown:
        raise InvalidNetwork(
            f"unknown option{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} for {what}; "
            f"accepted options: {', '.join(accepted) or 'none'}"
        )


def _unreadable(path: str | Path, kind: str, exc: BaseException) -> InvalidNetwork:
    """The error for a network file that cannot be opened or decoded as ``kind``, on one line."""
    lines = str(exc).strip().splitlines()
    reason = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    return InvalidNetwork(f"network file {path} is not a readable {kind} ({reason})")


def _read_text(path: str | Path, kind: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _unreadable(path, kind, exc) from exc

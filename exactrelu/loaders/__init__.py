"""Loading networks from files and framework objects into the exact :class:`~exactrelu.network.Network`.

One entry point, :func:`load`, dispatches on the file suffix (or the object's type); each format
lives in its own module and states which reading of the numbers it uses.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InvalidNetwork, UnsupportedModel
from ..network import Network

__all__ = ["load", "SUFFIXES"]

SUFFIXES = (".json", ".npz", ".nnet", ".onnx", ".pt", ".pth")


def load(source: object, **options) -> Network:
    """Load a network from a path (``.json``, ``.npz``, ``.nnet``, ``.onnx``, ``.pt``/``.pth``),
    a :class:`Network`, or a PyTorch ``nn.Module``.

    >>> load(Network.from_layers([([[1]], [0])])).widths
    (1, 1)
    """
    if isinstance(source, Network):
        return source
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise InvalidNetwork(f"network file {path} does not exist")
        if path.is_dir():
            raise InvalidNetwork(f"network file {path} is a directory")
        suffix = path.suffix.lower()
        if suffix == ".json":
            from .json_format import read_json

            return read_json(path, **options)
        if suffix == ".npz":
            from .npz import read_npz

            return read_npz(path, **options)
        if suffix == ".nnet":
            from .nnet import read_nnet

            return read_nnet(path, **options)
        if suffix == ".onnx":
            from .onnx_format import read_onnx

            return read_onnx(path, **options)
        if suffix in (".pt", ".pth"):
            from .torch_format import read_torch_file

            return read_torch_file(path, **options)
        raise InvalidNetwork(
            f"network file {path} has suffix {suffix or '(none)'!r}, expected one of {', '.join(SUFFIXES)}"
        )
    if type(source).__module__.startswith("torch") or _is_torch_module(source):
        from .torch_format import from_module

        return from_module(source, **options)
    raise UnsupportedModel(f"cannot load a {type(source).__name__}; expected a path, Network or torch module")


def _is_torch_module(obj: object) -> bool:
    return any(cls.__module__.startswith("torch.nn") for cls in type(obj).__mro__)

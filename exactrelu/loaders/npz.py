"""NumPy ``.npz`` archives with arrays ``W0, b0, W1, b1, ...`` (W of shape (out, in)).

Every value is read as its exact binary floating-point value; integer arrays as integers.  Pickled
(object) arrays are never loaded: they are refused by name, like any array that is not numeric.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np

from ..errors import InvalidNetwork
from ..network import READING_BINARY, Network

__all__ = ["read_npz"]

# what numpy raises for a file or member that is not a readable .npz / .npy
_UNREADABLE = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError)


def read_npz(path: str | Path) -> Network:
    """Read ``W0, b0, W1, b1, ...`` from an ``.npz`` file exactly."""
    try:
        archive = np.load(path, allow_pickle=False)
    except _UNREADABLE as exc:
        raise InvalidNetwork(f"network file {path}: not a NumPy .npz archive of numeric arrays") from exc
    if not isinstance(archive, np.lib.npyio.NpzFile):  # a bare .npy file named .npz
        raise InvalidNetwork(f"network file {path}: not a NumPy .npz archive of numeric arrays (a single .npy array)")
    with archive:
        names = set(archive.files)
        layers = []
        k = 0
        while f"W{k}" in names:
            if f"b{k}" not in names:
                raise InvalidNetwork(f"network file {path} has W{k} but no b{k}")
            weight, bias = _array(archive, path, f"W{k}"), _array(archive, path, f"b{k}")
            if weight.ndim != 2 or bias.ndim != 1:
                raise InvalidNetwork(
                    f"network file {path}: W{k} has shape {weight.shape} and b{k} {bias.shape}, "
                    "expected a matrix and a vector"
                )
            layers.append((weight, bias))
            k += 1
        if not layers:
            raise InvalidNetwork(f"network file {path} has no arrays W0, b0, ...")
    return Network.from_layers(layers, reading=READING_BINARY, source=str(path))


def _array(archive, path: str | Path, name: str) -> np.ndarray:
    """Member ``name`` as a real numeric array, or one line saying what it is instead."""
    try:
        array = archive[name]
    except ValueError as exc:
        if "allow_pickle" in str(exc):  # numpy's own wording would suggest loading the pickle
            raise InvalidNetwork(f"network file {path}: {name} is an object (pickled) array, not numeric") from exc
        raise InvalidNetwork(f"network file {path}: {name} is not a readable NumPy array") from exc
    except _UNREADABLE as exc:
        raise InvalidNetwork(f"network file {path}: {name} is not a readable NumPy array") from exc
    if not isinstance(array, np.ndarray):  # numpy hands back the raw bytes of a member that is not .npy
        raise InvalidNetwork(f"network file {path}: {name} is not a NumPy array")
    if array.dtype.kind not in "fiu":
        raise InvalidNetwork(f"network file {path}: {name} is not numeric (dtype {array.dtype})")
    return array

"""NumPy ``.npz`` archives with arrays ``W0, b0, W1, b1, ...`` (W of shape (out, in)).

Every value is read as its exact binary floating-point value; integer arrays as integers.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ..errors import InvalidNetwork
from ..network import READING_BINARY, Network
from . import _unreadable

__all__ = ["read_npz"]


def read_npz(path: str | Path) -> Network:
    """Read ``W0, b0, W1, b1, ...`` from an ``.npz`` file exactly."""
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise _unreadable(path, ".npz archive", exc) from exc
    with archive:
        names = set(archive.files)
        layers = []
        k = 0
        while f"W{k}" in names:
            if f"b{k}" not in names:
                raise InvalidNetwork(f"network file {path} has W{k} but no b{k}")
            weight, bias = archive[f"W{k}"], archive[f"b{k}"]
            if weight.ndim != 2 or bias.ndim != 1:
                raise InvalidNetwork(
                    f"network file {path}: W{k} has shape {weight.shape} and b{k} {bias.shape}, "
                    "expected a matrix and a vector"
                )
            if weight.dtype.kind not in "fiu" or bias.dtype.kind not in "fiu":
                raise InvalidNetwork(f"network file {path}: W{k} or b{k} is not numeric")
            layers.append((weight, bias))
            k += 1
        if not layers:
            raise InvalidNetwork(f"network file {path} has no arrays W0, b0, ...")
    return Network.from_layers(layers, reading=READING_BINARY, source=str(path))

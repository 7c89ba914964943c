"""The JSON network format of DESIGN.md: exact decimal text, integers and ``"p/q"`` strings."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from ..errors import InvalidNetwork
from ..network import Network
from . import _read_text

__all__ = ["read_json"]


def read_json(path: str | Path) -> Network:
    """Read a network JSON file; JSON numbers with a fraction or exponent are exact decimals."""
    text = _read_text(path, "JSON file")
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise InvalidNetwork(f"network file {path} is not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    except RecursionError as exc:
        raise InvalidNetwork(f"network file {path} is nested too deeply") from exc
    return Network.from_json(data, source=str(path))


def _refuse_constant(name: str) -> object:
    raise InvalidNetwork(f"network JSON contains {name}, expected finite numbers")

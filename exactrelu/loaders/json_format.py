"""The JSON network format of docs/formats.md: exact decimal text, integers and ``"p/q"`` strings."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from ..errors import InvalidNetwork, InvalidNumber
from ..network import Network
from ..rational import json_integer, unique_keys
from . import _read_text

__all__ = ["read_json", "NETWORK_KEYS", "LAYER_KEYS"]

NETWORK_KEYS = ("layers", "input_names", "output_names", "negative_slopes")
LAYER_KEYS = ("weight", "bias")


def read_json(path: str | Path) -> Network:
    """Read a network JSON file; JSON numbers with a fraction or exponent are exact decimals.

    Keys other than :data:`NETWORK_KEYS` (and :data:`LAYER_KEYS` in a layer) are refused, naming
    the key, so that a misspelt ``"negative_slope"`` is not silently read as ReLU.
    """
    text = _read_text(path, "JSON file")
    try:
        data = json.loads(
            text,
            parse_float=Decimal,
            parse_int=json_integer,
            parse_constant=_refuse_constant,
            object_pairs_hook=unique_keys(lambda message: InvalidNetwork(f"network file {path}: {message}")),
        )
    except json.JSONDecodeError as exc:
        raise InvalidNetwork(f"network file {path} is not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    except RecursionError as exc:
        raise InvalidNetwork(f"network file {path} is nested too deeply") from exc
    except InvalidNetwork:
        raise
    except InvalidNumber as exc:
        raise InvalidNetwork(f"network file {path}: {exc}") from exc
    except ValueError as exc:  # pragma: no cover - json's own limits beyond the hooks above
        raise InvalidNetwork(f"network file {path} is not readable JSON ({exc})") from exc
    if isinstance(data, dict):
        _refuse_exactrelu_output(data, path)
        _refuse_unknown_keys(data, NETWORK_KEYS, f"network file {path}", "top-level key")
        if isinstance(data.get("layers"), list):
            for k, layer in enumerate(data["layers"], start=1):
                if isinstance(layer, dict):
                    _refuse_unknown_keys(layer, LAYER_KEYS, f"network file {path}, layer {k},", "key")
    try:
        return Network.from_json(data, source=str(path))
    except InvalidNetwork as exc:
        raise InvalidNetwork(f"network file {path}: {exc}") from exc
    except InvalidNumber as exc:  # negative_slopes are read as numbers, not as weights
        raise InvalidNetwork(f"network file {path}: {exc}") from exc


def _refuse_exactrelu_output(data: dict, path: str | Path) -> None:
    """A certificate, partition, boundary or diff file given as a network is named as what it is."""
    kind = data.get("format")
    if not isinstance(kind, str) or not kind.startswith("exactrelu-"):
        return
    if kind == "exactrelu-certificate":
        raise InvalidNetwork(
            f"network file {path} is an exactrelu certificate, not a network: check, latex and coq read "
            'certificates, and its "network" object saved to a .json file is the network'
        )
    raise InvalidNetwork(f"network file {path} is an exactrelu output ('{kind}'), not a network")


def _refuse_unknown_keys(data: dict, accepted: tuple[str, ...], where: str, what: str) -> None:
    unknown = [key for key in data if key not in accepted]
    if unknown:
        raise InvalidNetwork(
            f"{where} has unknown {what}{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"accepted: {', '.join(map(repr, accepted))}"
        )


def _refuse_constant(name: str) -> object:
    raise InvalidNetwork(f"network JSON contains {name}, expected finite numbers")

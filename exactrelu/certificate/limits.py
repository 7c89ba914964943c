"""The checker's limit on the size of a number, applied by the producer so it never writes a
certificate its own checker refuses.

``exactrelu_checker`` reads every rational ``n`` or ``p/q`` with at most ``MAX_DIGITS`` (4,300)
digits in ``n``, ``p`` and ``q``: Python's default limit for converting text to an integer.  The
network and domain are checked before any work; the finished certificate's text once more, since
a witness point or a map can be longer than the numbers it was computed from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from exactrelu_checker.parse import MAX_DIGITS

from ..errors import ExactReluError, InvalidDomain, InvalidNetwork
from ..geometry.domain import Domain
from ..network import Network
from .model import domain_json, network_json

__all__ = ["MAX_DIGITS", "refuse_long_inputs", "refuse_long_numbers"]

# A run of more digits than the checker reads, tried only where a run starts: without the
# lookbehind each of a run's positions scans to its end (quadratic: 1.7 s of an 8.7 s certify on
# ACAS Xu c +/- 0.02, 0.3 s with it).
_LONG = re.compile(f"(?<![0-9])[0-9]{{{MAX_DIGITS + 1}}}")
# The same test on a whole certificate's text, 9x faster (ACAS Xu c +/- 0.02: 35 MB in 0.05 s).
_DIGITS_AS_ZEROS = str.maketrans("0123456789", "0" * 10)
_LONG_RUN = "0" * (MAX_DIGITS + 1)


def refuse_long_inputs(network: Network, domain: Domain) -> None:
    """Refuse, on one line naming the place, a network or domain number the checker would refuse."""
    for error, name, data in (
        (InvalidNetwork, "network", network_json(network)),
        (InvalidDomain, "domain", domain_json(domain)),
    ):
        place = _first_long(data, name)
        if place is not None:
            raise error(f"{place}: {_TOO_LONG}")


def refuse_long_numbers(certificate: dict[str, Any], text: str) -> None:
    """Refuse a certificate whose JSON ``text`` holds a number the checker would refuse."""
    if _LONG_RUN in text.translate(_DIGITS_AS_ZEROS):  # every digit as "0": a C substring search
        place = _first_long(certificate, "certificate") or "certificate"
        raise ExactReluError(f"{place}: {_TOO_LONG}; the input's numbers are too long to certify")


_TOO_LONG = (
    f"a number with more than {MAX_DIGITS:,} digits above or below the bar, "
    "the most the certificate checker reads (exactrelu_checker MAX_DIGITS)"
)


def _first_long(data: Any, where: str) -> str | None:
    """The JSON path of the first string in ``data`` with too long a run of digits."""
    for place, text in _strings(data, where):
        if _LONG.search(text) is not None:
            return place
    return None


def _strings(data: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(data, str):
        yield where, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, f"{where}.{key}")
    elif isinstance(data, list | tuple):
        for i, value in enumerate(data):
            yield from _strings(value, f"{where}[{i}]")

"""GMP integers and rationals (gmpy2), loaded on first use: small networks never need them, and
the import costs about 15 ms.  ``gmp.mpz`` and the like are then plain module attributes (an
import statement inside a hot function costs ~0.6 us per call: 0.15 s on ACAS Xu)."""

from __future__ import annotations

from typing import Any

__all__: list[str] = []


def __getattr__(name: str) -> Any:
    import gmpy2  # deferred: loaded on first use (see above)

    value = getattr(gmpy2, name)
    globals()[name] = value  # found directly from now on
    return value

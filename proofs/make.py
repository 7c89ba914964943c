"""Regenerate the certificates in proofs/:  python proofs/make.py

Each case writes NAME.net.json (the network, exact) and NAME.cert.json (its certificate); CI checks
that every certificate here verifies and that regenerating gives the same bytes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from exactrelu import EXAMPLE, Domain, Network
from exactrelu import certify

HERE = Path(__file__).resolve().parent


def cases() -> list[tuple[str, Network, Domain]]:
    degenerate = Network.from_layers(
        [
            # three lines through (0, 0), a duplicated neuron, a negated one, a dead one
            ([[1, 0], [0, 1], [1, 1], [1, 1], [-1, -1], [0, 0]], [0, 0, 0, 0, 0, 0]),
            # second layer: identically zero wherever x + y <= 0
            ([[0, 0, 1, 0, 0, 0], [1, -1, 0, 0, 0, 1]], [0, "-1/2"]),
            ([[1, "-2/3"]], ["1/7"]),
        ],
        input_names=("x", "y"),
        output_names=("f",),
    )
    leaky = Network.from_layers(
        [([[1, -1], [2, 1], ["1/2", 3]], [0, "-1/2", "1/4"]), ([[1, -1, 1], [-2, 1, 0]], [0, 1])],
        negative_slopes=["1/10"],
        input_names=("x", "y"),
        output_names=("a", "b"),
    )
    three_d = Network.from_layers(
        [
            ([[1, -2, 1], [0, 1, 1], [3, 1, -1], [-1, 0, 2]], [0, "-1/3", "1/2", 0]),
            ([[1, 1, -1, 0], [0, -1, 2, 1], [2, 0, 1, -1]], [0, "1/5", "-1/4"]),
            ([[1, -1, 2], [0, 3, -1]], [0, 0]),
        ],
        input_names=("x", "y", "z"),
        output_names=("u", "v"),
    )
    triangle = Domain.polytope([[-1, 0], [0, -1], [1, 1]], [0, 0, 1])
    return [
        ("example", EXAMPLE, Domain.box([(0, 1), (0, 1)])),
        ("example_triangle", EXAMPLE, triangle),
        ("degenerate", degenerate, Domain.box([(-1, 1), (-1, 1)])),
        ("leaky", leaky, Domain.box([(-1, 1), (-1, 1)])),
        ("three_inputs", three_d, Domain.box([(-1, 1), (-1, 1), (-1, 1)])),
    ]


def render(name: str, net: Network, domain: Domain) -> tuple[str, str]:
    net_text = json.dumps(net.to_json(), indent=1) + "\n"
    cert = certify(net, domain)
    cert["source"] = {"file": f"{name}.net.json", "reading": net.reading}
    cert["source"]["sha256"] = _sha256(net_text)
    return net_text, json.dumps(cert, separators=(",", ":")) + "\n"


def _sha256(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def main() -> int:
    for name, net, domain in cases():
        net_text, cert_text = render(name, net, domain)
        (HERE / f"{name}.net.json").write_text(net_text, encoding="utf-8")
        (HERE / f"{name}.cert.json").write_text(cert_text, encoding="utf-8")
        print(f"wrote proofs/{name}.cert.json ({len(cert_text):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

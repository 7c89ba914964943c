"""The exactrelu pytest plugin: snapshots of a network's exact geometry.

Installed with exactrelu (entry point ``pytest11``), it adds the fixture ``exactrelu_snapshot``
and the option ``--exactrelu-update``.  A test calls the fixture with a network and a domain::

    def test_geometry_is_unchanged(exactrelu_snapshot):
        exactrelu_snapshot(load("model.onnx"), [(-1, 1), (-1, 1)])

The first run with ``pytest --exactrelu-update`` records the partition's fingerprint in
``__exactrelu_snapshots__/<test module>/<test name>.json`` beside the test file: the SHA-256 of
the canonical certificate JSON (the network, domain, regions, maps, vertices, adjacency and
proofs; the certificate's ``source``, which is provenance only, is left out) and a summary
(regions, edges, linear pieces, and SHA-256s of the network and of the set of activation
patterns).  Later runs recompute it and fail, with a summary of what changed, when it differs: a
retrained or re-exported model whose geometry moved is noticed.  Commit the snapshot files;
rerun with ``--exactrelu-update`` to accept a change.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .partition import DD_MAX_DIM, Partition, certify, partition

__all__ = ["SNAPSHOT_DIR", "Snapshot", "exactrelu_snapshot", "fingerprint", "snapshot_path"]

SNAPSHOT_DIR = "__exactrelu_snapshots__"
_UPDATED = pytest.StashKey[list]()


def _sha256(data: object) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _pattern_text(pattern: Any) -> str:
    return "|".join("".join(map(str, layer)) for layer in pattern)


def fingerprint(network: Any, domain: Any = None) -> dict:
    """The snapshot of ``network`` on ``domain`` (anything :func:`~exactrelu.partition.partition`
    takes): the SHA-256 of the canonical certificate JSON (keys sorted, no spaces, ASCII; without
    ``source``) and a summary.  Above 10 inputs, where certificates are not available, the
    partition JSON of docs/formats.md is hashed instead (``"of": "partition"``).

    >>> from exactrelu import EXAMPLE
    >>> snap = fingerprint(EXAMPLE, [(0, 1), (0, 1)])
    >>> snap["regions"], snap["edges"], snap["linear_pieces"], snap["of"]
    (4, 4, 4, 'certificate')
    >>> len(snap["sha256"]), fingerprint(EXAMPLE, [(0, 1), (0, 1)]) == snap
    (64, True)
    """
    p: Partition = partition(network, domain)
    if p.domain.dim <= DD_MAX_DIM:
        data = certify(p.network, p.domain)
        data.pop("source", None)
        of = "certificate"
    else:
        data = p.to_json()
        data["summary"].pop("complete", None)
        of = "partition"
    patterns = sorted(_pattern_text(r.pattern) for r in p.regions)
    return {
        "format": "exactrelu-snapshot",
        "version": 1,
        "of": of,
        "sha256": _sha256(data),
        "regions": len(p.regions),
        "edges": len(p.edges),
        "linear_pieces": p.linear_pieces,
        "domain": p.domain.describe(),
        "widths": list(p.network.widths),
        "network_sha256": _sha256(p.network.to_json()["layers"] + [[str(s) for s in p.network.negative_slopes]]),
        "patterns_sha256": _sha256(patterns),
    }


def snapshot_path(test_file: str | Path, test_name: str, index: int = 1) -> Path:
    """Where a test's snapshot lives: ``__exactrelu_snapshots__/<module>/<test name>.json`` beside
    the test file (characters other than letters, digits, ``.``, ``_``, ``-``, ``[`` and ``]``
    become ``_``; a test's second snapshot gets ``-2``, and so on).

    >>> snapshot_path("/repo/tests/test_model.py", "test_geometry[relu]").as_posix()
    '/repo/tests/__exactrelu_snapshots__/test_model/test_geometry[relu].json'
    >>> snapshot_path("/repo/tests/test_model.py", "test_geometry", 2).name
    'test_geometry-2.json'
    """
    path = Path(test_file)
    name = re.sub(r"[^A-Za-z0-9._\[\]-]", "_", test_name) + (f"-{index}" if index > 1 else "")
    return path.parent / SNAPSHOT_DIR / path.stem / f"{name}.json"


_SHOWN = (
    ("regions", "regions"),
    ("edges", "edges"),
    ("linear_pieces", "linear pieces"),
    ("widths", "widths"),
    ("domain", "domain"),
    ("network_sha256", "network (weights) sha256"),
    ("patterns_sha256", "activation patterns sha256"),
    ("sha256", "certificate sha256"),
)


def _differences(old: dict, new: dict) -> list[str]:
    lines, same = [], []
    for key, label in _SHOWN:
        before, after = old.get(key), new.get(key)
        if before == after:
            same.append(label if key.endswith("sha256") else f"{label} {after}")
            continue
        if isinstance(before, str) and len(before) == 64:
            before, after = before[:12], str(after)[:12]
        lines.append(f"  {label}: {before} -> {after}")
    if same:
        lines.append(f"  unchanged: {', '.join(same)}")
    return lines


class Snapshot:
    """The ``exactrelu_snapshot`` fixture's value: call it with a network and a domain."""

    def __init__(self, request: pytest.FixtureRequest):
        self.request = request
        self.calls = 0

    def __call__(self, network: Any, domain: Any = None, *, name: str | None = None) -> dict:
        """Compare (or with ``--exactrelu-update`` record) the fingerprint of ``network`` on
        ``domain``; returns it.  ``name`` replaces the test's name in the file name."""
        self.calls += 1
        node = self.request.node
        path = snapshot_path(node.path, name or node.name, 1 if name else self.calls)
        current = fingerprint(network, domain)
        config = self.request.config
        if config.getoption("exactrelu_update"):
            if not path.exists() or json.loads(path.read_text(encoding="utf-8")) != current:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")
                config.stash.setdefault(_UPDATED, []).append(str(path))
            return current
        shown = f"regions {current['regions']}, edges {current['edges']}, linear pieces {current['linear_pieces']}"
        if not path.exists():
            pytest.fail(
                f"no exactrelu snapshot at {path} (now: {shown}); run pytest --exactrelu-update to record it",
                pytrace=False,
            )
        try:
            recorded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            pytest.fail(f"cannot read the exactrelu snapshot {path}: {exc}", pytrace=False)
        if not isinstance(recorded, dict) or recorded.get("sha256") != current["sha256"]:
            old = recorded if isinstance(recorded, dict) else {}
            pytest.fail(
                f"the exact geometry changed (exactrelu snapshot {path}):\n"
                + "\n".join(_differences(old, current))
                + "\nIf the change is intended, run pytest --exactrelu-update and commit the snapshot.",
                pytrace=False,
            )
        return current


@pytest.fixture
def exactrelu_snapshot(request: pytest.FixtureRequest) -> Callable[..., dict]:
    """Snapshot a network's exact partition: ``exactrelu_snapshot(network, domain, name=None)``
    fails the test when the fingerprint differs from the recorded one (see the module docstring);
    ``pytest --exactrelu-update`` records it instead."""
    return Snapshot(request)


def pytest_addoption(parser: pytest.Parser) -> None:
    """pytest hook: the ``--exactrelu-update`` option."""
    group = parser.getgroup("exactrelu")
    group.addoption(
        "--exactrelu-update",
        action="store_true",
        dest="exactrelu_update",
        default=False,
        help="record exactrelu_snapshot fingerprints instead of comparing them",
    )


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """pytest hook: list the snapshot files ``--exactrelu-update`` wrote."""
    updated = config.stash.get(_UPDATED, [])
    if updated:
        terminalreporter.write_sep("-", f"exactrelu: {len(updated)} snapshot(s) written")
        for path in updated:
            terminalreporter.write_line(path)

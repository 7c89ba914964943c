"""Checkpoints: the finished sub-trees of a split run, kept in a folder as they finish.

Every finished task is written at once (to a temporary name, then renamed, so a run killed even with
``kill -9`` never leaves half a file), and a run started again with the same arguments reads them
back and walks only what is missing.  The folder is tied to the exact network, domain, engine and
command, and records how the work was split, so a resumed run walks the same tasks whatever its
number of workers.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path
from typing import Any

from ..errors import InvalidArgument
from ..geometry.domain import Domain
from ..network import Network

__all__ = ["Checkpoint", "CHECKPOINT_FORMAT"]

CHECKPOINT_FORMAT = "exactrelu-checkpoint-3"


class Checkpoint:
    """Finished tasks in a folder, tied to the exact network, domain, engine and split.

    The manifest records the split's size, so a run resumed with another number of workers walks
    the same tasks."""

    def __init__(self, folder: str | Path, network: Network, domain: Domain, engine: str, recorded: bool):
        self.folder = Path(folder)
        identity = json.dumps(
            {
                "network": network.to_json(),
                "domain": domain.to_json(),
                "engine": engine,
                "tree": recorded,
                "format": CHECKPOINT_FORMAT,
            },
            sort_keys=True,
        )
        self.fingerprint = hashlib.sha256(identity.encode()).hexdigest()
        self.manifest = self.folder / "checkpoint.json"

    def target(self) -> int | None:
        """The split size of a checkpoint already started here (None for a new one); refuses a
        folder of other arguments, and one whose manifest is missing or damaged."""
        if self.folder.exists() and not self.folder.is_dir():
            raise InvalidArgument(f"checkpoint {self.folder} is not a folder")
        if not self.manifest.exists():
            if self._task_files():  # finished tasks of an unknown split: they cannot be trusted
                raise InvalidArgument(
                    f"checkpoint {self.folder} has task files but no checkpoint.json, so its tasks cannot be matched "
                    "to this run (delete the folder, or use another)"
                )
            return None
        try:
            recorded = json.loads(self.manifest.read_text(encoding="utf-8"))
            fingerprint, target = recorded["fingerprint"], recorded["target"]
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise InvalidArgument(
                f"checkpoint {self.folder}: checkpoint.json is damaged ({type(exc).__name__}); "
                "delete the folder, or use another"
            ) from None
        if fingerprint != self.fingerprint or not isinstance(target, int) or target < 1:
            raise InvalidArgument(
                f"checkpoint {self.folder} belongs to another network, domain, engine or command "
                "(use another folder, or empty this one)"
            )
        return target

    def load(self, target: int, n_tasks: int) -> dict[int, Any]:
        self.folder.mkdir(parents=True, exist_ok=True)
        if not self.manifest.exists():
            manifest = {"format": CHECKPOINT_FORMAT, "fingerprint": self.fingerprint, "target": target}
            _atomic_write(self.manifest, json.dumps(manifest).encode())
        results = {}
        for path in self._task_files():
            index = _task_number(path)
            if index is None or not 0 <= index < n_tasks:
                raise InvalidArgument(f"checkpoint {self.folder}: {path.name} is not a task of this run")
            results[index] = self._read_task(path, index)
        return results

    def _task_files(self) -> list[Path]:
        return sorted(self.folder.glob("task-*.pickle")) if self.folder.is_dir() else []

    def _read_task(self, path: Path, index: int) -> Any:
        """Task ``index``'s result, or one line naming the damaged file and the remedy.  (Files are
        written whole, so damage comes from outside: a disk error, a copy cut short, an edit.)"""
        try:
            with open(path, "rb") as f:
                result = pickle.load(f)
            reason = None if _is_task_result(result, index) else "not the result of this task"
        except Exception as exc:  # unpickling damaged bytes can raise almost any error
            reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'unreadable'}"
        if reason is not None:
            raise InvalidArgument(
                f"checkpoint {self.folder}: {path.name} is damaged ({reason}); delete that file to walk its "
                "task again, or the folder to start over"
            )
        return result

    def save(self, index: int, data: bytes) -> None:
        """Keep task ``index``'s pickled result."""
        _atomic_write(self.folder / f"task-{index:06d}.pickle", data)


def _task_number(path: Path) -> int | None:
    """The number in ``task-NNNNNN.pickle`` (None for any other name)."""
    digits = path.name[len("task-") : -len(".pickle")]
    return int(digits) if digits.isdigit() and digits.isascii() else None


def _is_task_result(result: object, index: int) -> bool:
    """A parallel run's ``TaskResult`` for task ``index`` (by name: the engines import this module)."""
    return type(result).__name__ == "TaskResult" and getattr(result, "index", None) == index


def _atomic_write(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)

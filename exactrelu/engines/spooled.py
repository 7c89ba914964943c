"""The regions' partition JSON text, kept in a temporary file instead of memory.

With several processes the helpers write each region's JSON text (ACAS Xu: 8.7 kB a region), and
the main process keeps it until the regions are sorted and written.  Kept in memory that doubled the
main process's peak; here it goes to an unnamed temporary file (removed by the system when closed,
also after a crash) and is read back, one region at a time, when the partition is written.
"""

from __future__ import annotations

import tempfile
from array import array
from collections.abc import Sequence

__all__ = ["SpooledLines"]


class SpooledLines:
    """Lines of text by number: :meth:`add` keeps some and gives their numbers, :meth:`text` one back."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()
        self._starts = array("q", [0])  # line k is bytes _starts[k] to _starts[k + 1] of the file

    def add(self, lines: Sequence[str]) -> range:
        first = len(self._starts) - 1
        data = [line.encode() for line in lines]
        end = self._starts[-1]
        for chunk in data:
            end += len(chunk)
            self._starts.append(end)
        self._file.seek(0, 2)
        self._file.write(b"".join(data))
        return range(first, first + len(data))

    def text(self, number: int) -> str:
        start = self._starts[number]
        self._file.seek(start)
        return self._file.read(self._starts[number + 1] - start).decode()

    def __getstate__(self) -> tuple[bytes, array]:  # a pickled partition carries its text along
        self._file.seek(0)
        return self._file.read(), self._starts

    def __setstate__(self, state: tuple[bytes, array]) -> None:
        data, self._starts = state
        self._file = tempfile.TemporaryFile()
        self._file.write(data)

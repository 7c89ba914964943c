"""JSON documents written piece by piece: one list item per line, never the whole text in memory.

A partition of 60,000 regions is a JSON document of a few hundred megabytes; building it as one
dict and one string first needs several times that.  :func:`write_document` writes the keys in
order, and a value given as a :class:`Items` (any iterable of JSON values) as a list with one item
per line, each encoded on its own (Python's C encoder: compact and fast).  The result is ordinary
JSON, read back by any parser.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

__all__ = ["Items", "write_document", "document_chunks"]


class Items:
    """A list value of a document, produced lazily (one item per line when written).  With
    ``encoded`` the items are already JSON text (written as they are: no encoder call per item)."""

    __slots__ = ("items", "encoded")

    def __init__(self, items: Iterable[Any], encoded: bool = False):
        self.items = items
        self.encoded = encoded

    def values(self) -> Iterator[Any]:
        """The items as JSON values."""
        return (json.loads(item) for item in self.items) if self.encoded else iter(self.items)


def document_chunks(fields: Iterable[tuple[str, Any]]) -> Iterator[str]:
    """The text of the JSON object with these ``(key, value)`` fields, in pieces."""
    yield "{"
    for n, (key, value) in enumerate(fields):
        yield ("\n " if n == 0 else ",\n ") + json.dumps(key) + ": "
        if isinstance(value, Items):
            separator = "[\n  "
            encode = _as_text if value.encoded else json.dumps
            for item in value.items:
                yield separator + encode(item)
                separator = ",\n  "
            yield "[]" if separator == "[\n  " else "\n ]"
        else:
            yield json.dumps(value)
    yield "\n}\n"


def _as_text(item: str) -> str:
    return item


def write_document(stream: IO[str], fields: Iterable[tuple[str, Any]]) -> None:
    """Write the JSON object with these ``(key, value)`` fields to ``stream``."""
    for chunk in document_chunks(fields):
        stream.write(chunk)

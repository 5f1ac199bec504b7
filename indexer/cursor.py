"""Opaque cursors for keyset paging: the last hit's sort values, base64-encoded.

Both backends sort with an id tie-break, so (sort value, id) identifies a
position exactly and paging never repeats or skips a hit, past 10,000 too.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from warta.errors import QueryError


def encode(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str, sort: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise QueryError("invalid cursor: pass back the next_cursor value unchanged") from None
    if not isinstance(values, list) or len(values) != 2 or not isinstance(values[1], str):
        raise QueryError("invalid cursor: pass back the next_cursor value unchanged")
    if sort == "date" and not isinstance(values[0], int):
        raise QueryError("cursor belongs to a relevance-sorted search, not a date-sorted one")
    if sort == "relevance" and not isinstance(values[0], (int, float)):
        raise QueryError("invalid cursor: pass back the next_cursor value unchanged")
    return values

"""Export a search over HTTP: write it with `indexer.export` to a temporary file, then stream it.

Writing first (not streaming rows straight into the response) keeps the
export code single and makes the manifest — row count, sha256, completeness —
known before the first byte is sent. So the response says what it is in
headers (`X-Warta-Rows`, `X-Warta-Sha256`, `X-Warta-Export-Id`) and links its
full manifest (`Link: </api/export/manifest/ID>; rel="describedby"`), kept in
memory for the last `KEEP_MANIFESTS` exports. The data file is unlinked as
soon as it is opened, so nothing is left on disk even if the client hangs up.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
import threading
from collections import OrderedDict
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from fastapi.responses import StreamingResponse

from indexer.base import SearchBackend, SearchRequest
from indexer.export import FORMATS, export, manifest_path
from warta.errors import QueryError

KEEP_MANIFESTS = 256
CHUNK = 64 * 1024
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}


class ManifestCache:
    """The manifests of recent exports, by export id (bounded, thread-safe)."""

    def __init__(self, keep: int = KEEP_MANIFESTS) -> None:
        self.keep = keep
        self._items: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, export_id: str, manifest: dict[str, Any]) -> None:
        with self._lock:
            self._items[export_id] = manifest
            while len(self._items) > self.keep:
                self._items.popitem(last=False)

    def get(self, export_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._items.get(export_id)


def _stream(fh: BinaryIO) -> Iterator[bytes]:
    try:
        while block := fh.read(CHUNK):
            yield block
    finally:
        fh.close()


def export_response(backend: SearchBackend, request: SearchRequest, fmt: str, *, query_text: str,
                    filters: dict[str, Any], manifests: ManifestCache) -> StreamingResponse:
    if fmt not in FORMATS:
        raise QueryError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    export_id = secrets.token_hex(8)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    name = f"warta-export-{stamp}-{export_id}.{fmt}"
    folder = Path(tempfile.mkdtemp(prefix="warta-web-export-"))
    try:
        out = folder / name
        manifest = asdict(export(backend, request, fmt, out, query_text=query_text, filters=filters))
        fh = open(out, "rb")
        # POSIX keeps the open file readable after unlinking: nothing can be left behind.
        out.unlink()
        manifest_path(out).unlink(missing_ok=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    manifest["export_id"] = export_id
    manifests.put(export_id, manifest)
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Content-Length": str(os.fstat(fh.fileno()).st_size),
        "X-Warta-Export-Id": export_id,
        "X-Warta-Rows": str(manifest["rows"]),
        "X-Warta-Sha256": manifest["sha256"],
        "Link": f'</api/export/manifest/{export_id}>; rel="describedby"; type="application/json"',
        "Cache-Control": "no-store",
    }
    return StreamingResponse(_stream(fh), media_type=MEDIA_TYPES[fmt], headers=headers)


def manifest_json(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, ensure_ascii=False, indent=2)

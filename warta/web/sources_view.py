"""What the sources page and /api/sources show: each configured source with its health.

Health is `warta.health.source_health(store, registry)` when that module
exists; until then, each source's outcome in the latest run stands in for it.
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Any

from warta.sources import Registry
from warta.store import Store

_HEALTH_FIELDS = ("status", "reason", "last_run_at", "last_new", "consecutive_empty")


def _as_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return dict(obj)
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    return {k: getattr(obj, k) for k in dir(obj) if not k.startswith("_") and not callable(getattr(obj, k))}


def _health(store: Store, registry: Registry) -> dict[str, dict[str, Any]]:
    try:
        from warta.health import source_health  # written alongside; imported lazily
    except ImportError:
        return _latest_run_health(store)
    return {h["source_id"]: h for h in (_as_dict(x) for x in source_health(store, registry))}


def _latest_run_health(store: Store) -> dict[str, dict[str, Any]]:
    runs = store.runs(1)
    if not runs:
        return {}
    run = runs[0]
    out = {}
    for r in store.run_sources(run["id"]):
        status = {"ok": "ok", "failed": "fail"}.get(r["status"], "warn")
        out[r["source_id"]] = {"status": status, "reason": r["reason"], "last_run_at": run["started_at"],
                               "last_new": r["stats"].new, "consecutive_empty": None}
    return out


def sources_with_health(store: Store, registry: Registry) -> list[dict[str, Any]]:
    health = _health(store, registry)
    rows = []
    for s in registry.sources:
        h = health.get(s.id, {})
        rows.append({
            "source_id": s.id, "name": s.name, "type": s.type, "base_url": s.base_url,
            "province": s.region.province, "kabkota": s.region.kabkota, "enabled": s.enabled,
            **{k: h.get(k) for k in _HEALTH_FIELDS},
        })
        rows[-1]["status"] = rows[-1]["status"] or "unknown"
        if rows[-1]["last_run_at"] is not None:
            rows[-1]["last_run_at"] = str(rows[-1]["last_run_at"])
    return rows


def runs_with_sources(store: Store, limit: int) -> list[dict[str, Any]]:
    out = []
    for run in store.runs(limit):
        sources = [{"source_id": r["source_id"], "status": r["status"], "reason": r["reason"],
                    "stats": {k: v for k, v in asdict(r["stats"]).items() if k != "error_samples"}}
                   for r in store.run_sources(run["id"])]
        out.append({**run, "sources": sources})
    return out

"""Is each source still being crawled successfully? From the run history in the store.

A source is
- "fail" when its last finished crawl failed (the reason is the crawl's), or
  when a crawl of it ended without recording anything (process killed);
- "warn" when it was never crawled, or when its last `quiet_runs` crawls
  brought no new article: regional sites rarely go quiet for days, so this is
  usually a changed layout (selectors find nothing) or a dead site that still
  answers 200;
- "ok" otherwise.

Runs in which the source was `skipped` (another crawl held its lock) or
`interrupted` before it was crawled (shutdown) say nothing about it and are
ignored. Used by `warta health` and the web app.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from warta.locks import is_locked
from warta.sources import Registry
from warta.store import Store

# A run entry still "running" whose source lock is free was abandoned — but
# only after the crawl process had time to start and take the lock.
_STARTUP_GRACE = timedelta(minutes=2)
_HISTORY = 50  # run entries read per source; enough for any sensible quiet_runs


@dataclass
class SourceHealth:
    source_id: str
    name: str
    status: str  # ok | warn | fail
    reason: str
    last_run_at: str | None  # when the last finished crawl of this source ended (UTC ISO)
    last_new: int  # new articles in that crawl
    consecutive_empty: int  # finished crawls in a row, newest first, without a new article
    pages_fetched: int
    errors: int
    last_run_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _abandoned(entry: dict[str, Any], store: Store, source_id: str, now: datetime) -> bool:
    started = datetime.fromisoformat(entry["started_at"])
    if now - started < _STARTUP_GRACE:
        return False
    # The data folder holds the store and the locks (warta.settings.Settings).
    return not is_locked(store.path.parent, source_id)


def source_health(store: Store, registry: Registry, *, quiet_runs: int = 3,
                  now: datetime | None = None) -> list[SourceHealth]:
    """Health of every enabled source, in registry order."""
    now = now or datetime.now(timezone.utc)
    out = []
    for source in registry.enabled():
        finished = []
        dead = None
        for entry in store.source_history(source.id, _HISTORY):
            if entry["status"] in ("skipped", "interrupted"):
                continue  # not a judgement of the source: locked by another crawl, or stopped by us
            if entry["status"] == "running":
                if dead is None and not finished and _abandoned(entry, store, source.id, now):
                    dead = entry  # the newest entry: its crawl died
                continue  # a live crawl: judge by the finished ones
            finished.append(entry)
        out.append(_judge(source.id, source.name, finished, dead, quiet_runs))
    return out


def _judge(source_id: str, name: str, finished: list[dict[str, Any]], dead: dict[str, Any] | None,
           quiet_runs: int) -> SourceHealth:
    empty = 0
    for entry in finished:
        if entry["status"] != "ok" or entry["stats"].new > 0:
            break
        empty += 1
    last = finished[0] if finished else None
    h = SourceHealth(source_id, name, "ok", "", None, 0, empty, 0, 0)
    if last is not None:
        st = last["stats"]
        h.last_run_at = last["ended_at"] or last["started_at"]
        h.last_new, h.pages_fetched, h.errors, h.last_run_id = st.new, st.pages_fetched, st.errors, last["run_id"]
    if dead is not None:
        h.status = "fail"
        h.reason = f"run {dead['run_id']} ended without recording this source (crawl process killed?)"
    elif last is None:
        h.status, h.reason = "warn", "never crawled"
    elif last["status"] == "failed":
        h.status, h.reason = "fail", last["reason"] or "crawl failed"
    elif empty >= quiet_runs:
        h.status = "warn"
        h.reason = f"no new article in the last {empty} crawls (layout changed or site dead?)"
    return h


def worst(health: list[SourceHealth]) -> str:
    """The overall status: fail > warn > ok."""
    statuses = {h.status for h in health}
    return "fail" if "fail" in statuses else "warn" if "warn" in statuses else "ok"

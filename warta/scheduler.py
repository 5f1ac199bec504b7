"""`warta schedule`: the nightly crawl (and per-source rhythms) with APScheduler 3.

- Jobs live in a SQLite job store (data_dir/scheduler.sqlite), so a nightly
  run that was due while the scheduler was down is still known at restart
  and runs then — within `schedule.misfire_grace_seconds` (default 1 h;
  APScheduler's own default of 1 s silently drops a late run). `coalesce`
  turns several missed runs into one; `max_instances=1` never overlaps a job
  with itself.
- Every crawl is `python -m warta.cli --config <effective settings> crawl`
  in its own process session: a crashing crawl cannot take the scheduler
  down, and Ctrl-C in the terminal reaches only the scheduler, which then
  stops its crawls deliberately. The crawl process takes the per-source
  locks itself (warta.locks), so a manual `warta crawl` meanwhile is safe.
- SIGTERM / SIGINT: no new crawl starts; running crawls get SIGINT (Scrapy
  finishes cleanly, the run is recorded as interrupted, its pending URLs
  resume next time) and are killed after `schedule.shutdown_grace_seconds`.
- One scheduler per data folder (a lock), or every crawl would run twice.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from rich.console import Console

from warta.errors import WartaError
from warta.locks import holder, try_lock
from warta.settings import PROJECT_ROOT, Settings
from warta.sources import load_registry

JOB_FUNC = "warta.scheduler:scheduled_crawl"
NIGHTLY_ID = "crawl"

log = logging.getLogger("warta.scheduler")

# Crawl processes started by jobs of this scheduler, for the shutdown handler.
_children: set[subprocess.Popen] = set()
_children_lock = threading.Lock()


@dataclass
class JobSpec:
    id: str
    name: str
    trigger: Any  # an APScheduler trigger
    source_ids: list[str]


def jobstore_url(settings: Settings) -> str:
    return f"sqlite:///{settings.data_dir / 'scheduler.sqlite'}"


def plan_jobs(settings: Settings, *, interval_seconds: int | None = None,
              source_ids: list[str] | None = None) -> list[JobSpec]:
    """The nightly job for every source without its own rhythm, plus one job per overridden source."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    sched = settings.schedule
    tz = ZoneInfo(sched.timezone)
    registry = load_registry(settings.sources_file)
    for sid in sched.sources:
        registry.get(sid)  # an override for an unknown source is a typo: say so
    wanted = [registry.get(s).id for s in source_ids] if source_ids else [s.id for s in registry.enabled()]
    if not wanted:
        raise WartaError(f"{settings.sources_file}: no enabled source to schedule")
    nightly = [s for s in wanted if s not in sched.sources]
    jobs = []
    if nightly:
        trigger = (IntervalTrigger(seconds=interval_seconds, timezone=tz) if interval_seconds
                   else CronTrigger.from_crontab(sched.cron, timezone=tz))
        name = f"crawl every {interval_seconds} s" if interval_seconds else f"nightly crawl ({sched.cron})"
        jobs.append(JobSpec(NIGHTLY_ID, name, trigger, nightly))
    for sid in wanted:
        o = sched.sources.get(sid)
        if o is None:
            continue
        if o.cron:
            trigger, when = CronTrigger.from_crontab(o.cron, timezone=tz), o.cron
        else:
            trigger, when = IntervalTrigger(minutes=o.interval_minutes, timezone=tz), f"every {o.interval_minutes} min"
        jobs.append(JobSpec(f"crawl:{sid}", f"crawl {sid} ({when})", trigger, [sid]))
    return jobs


def _trigger_key(trigger: Any) -> str:
    """What makes two triggers the same schedule (an interval's start date does not)."""
    interval = getattr(trigger, "interval", None)
    if interval is not None:
        return f"interval {interval} {trigger.timezone}"
    return repr(trigger)


def write_child_config(settings: Settings) -> Path:
    """The scheduler's effective settings as a file for its crawl processes — without secrets,
    which reach them through the environment (`to_env`) as they reached us."""
    path = settings.data_dir / "scheduler" / "settings.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = settings.model_dump(mode="json", exclude=set(Settings.SECRET_FIELDS))
    path.write_text("# written by `warta schedule` for its crawl processes; edit config/warta.yaml instead\n"
                    + yaml.safe_dump(data, allow_unicode=True, sort_keys=True), encoding="utf-8")
    return path


# ---- the job -----------------------------------------------------------------------


def scheduled_crawl(config_file: str, log_dir: str, source_ids: list[str], job_id: str) -> int:
    """One scheduled crawl in a child process; returns its exit code (see `warta crawl`)."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    log_path = Path(log_dir) / f"scheduled-{job_id.replace(':', '-')}-{stamp}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "warta.cli", "--config", config_file, "crawl"]
    for sid in source_ids:
        cmd += ["--source", sid]
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
    env.pop("WARTA_CONFIG", None)  # --config wins anyway; avoid confusion in the child's environment
    with open(log_path, "ab") as out:
        # Output to a file, never a pipe nobody reads (see docs/decisions.md, "Crawl logs go to a file").
        proc = subprocess.Popen(cmd, stdout=out, stderr=out, stdin=subprocess.DEVNULL, cwd=PROJECT_ROOT, env=env,
                                start_new_session=True)
        with _children_lock:
            _children.add(proc)
        try:
            code = proc.wait()
        finally:
            with _children_lock:
                _children.discard(proc)
    level = logging.INFO if code == 0 else logging.WARNING
    log.log(level, "%s: crawl of %d sources exited with %d; log %s", job_id, len(source_ids), code, log_path)
    return code


def _stop_children(grace: float) -> None:
    """SIGINT to every running crawl's process group, then SIGKILL whatever outlives `grace`."""
    with _children_lock:
        procs = list(_children)
    for p in procs:
        _signal_group(p, signal.SIGINT)
    deadline = time.monotonic() + grace
    for p in procs:
        try:
            p.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("crawl process %d did not stop within %.0f s: killed", p.pid, grace)
            _signal_group(p, signal.SIGKILL)  # the kernel releases its source locks
            p.wait()


def _signal_group(p: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(p.pid, sig)  # the child leads its own session: this reaches Scrapy too
    except ProcessLookupError:
        pass


# ---- the scheduler -------------------------------------------------------------------


def build_scheduler(settings: Settings, specs: list[JobSpec], *, run_now: bool = False) -> Any:
    """A paused BackgroundScheduler whose persistent job store holds exactly `specs`.

    A stored job with the same schedule is kept as it is — with its stored
    next run time, so a run missed while we were down is caught up (within
    the misfire grace); a changed one is replaced; one no longer wanted is removed.
    """
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    grace = settings.schedule.misfire_grace_seconds
    defaults = {"coalesce": True, "max_instances": 1, "misfire_grace_time": grace}
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    sched = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(url=jobstore_url(settings))},
                                executors={"default": ThreadPoolExecutor(max(2, len(specs)))},
                                job_defaults=defaults, timezone=ZoneInfo(settings.schedule.timezone))
    try:
        sched.start(paused=True)
    except Exception as e:  # SQLAlchemy / sqlite errors: the job store file is unusable
        raise WartaError(f"cannot open the scheduler job store {jobstore_url(settings)}: {e}") from None
    config = str(write_child_config(settings))
    log_dir = str(settings.data_dir / "logs")
    stored = {j.id: j for j in sched.get_jobs()}
    for spec in specs:
        args = [config, log_dir, spec.source_ids, spec.id]
        old = stored.pop(spec.id, None)
        same = (old is not None and _trigger_key(old.trigger) == _trigger_key(spec.trigger)
                and list(old.args) == args and old.misfire_grace_time == grace and old.coalesce
                and old.max_instances == 1)
        if not same:
            sched.add_job(JOB_FUNC, trigger=spec.trigger, args=args, id=spec.id, name=spec.name,
                          replace_existing=True, **defaults)
        if run_now:
            sched.modify_job(spec.id, next_run_time=datetime.now(ZoneInfo(settings.schedule.timezone)))
    for job_id in stored:
        sched.remove_job(job_id)
    return sched


def run_scheduler(settings: Settings, *, interval_seconds: int | None = None, max_runs: int | None = None,
                  run_now: bool = False, source_ids: list[str] | None = None,
                  console: Console | None = None) -> int:
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent

    console = console or Console()
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    specs = plan_jobs(settings, interval_seconds=interval_seconds, source_ids=source_ids)
    me = try_lock(settings.data_dir, "scheduler", note="warta schedule")
    if me is None:
        raise WartaError(f"another `warta schedule` is running on {settings.data_dir} "
                         f"({holder(settings.data_dir, 'scheduler') or 'unknown process'})")
    stop = threading.Event()
    finished = 0
    finished_lock = threading.Lock()

    def on_event(event: JobExecutionEvent) -> None:
        nonlocal finished
        # Missed runs and runs skipped because the previous one still runs are
        # logged by APScheduler itself (WARNING); here only finished crawls count.
        code = event.retval if event.code == EVENT_JOB_EXECUTED else "error"
        if event.code == EVENT_JOB_ERROR:
            log.error("%s: could not start the crawl: %s", event.job_id, event.exception)
        console.print(f"scheduled crawl {event.job_id} finished: exit {code}", markup=False)
        with finished_lock:
            finished += 1
            if max_runs and finished >= max_runs:
                stop.set()

    sched = build_scheduler(settings, specs, run_now=run_now)
    sched.add_listener(on_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        sched.resume()
        for job in sched.get_jobs():
            console.print(f"scheduled {job.name}: sources {', '.join(job.args[2])}; next run {job.next_run_time}",
                          markup=False, soft_wrap=True)
        while not stop.wait(0.5):
            pass
        console.print("stopping: no new crawl starts; running crawls are asked to stop", markup=False)
        sched.pause()
        _stop_children(settings.schedule.shutdown_grace_seconds)
        sched.shutdown(wait=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if sched.running:
            sched.shutdown(wait=False)
        me.release()
    console.print(f"scheduler stopped after {finished} crawls", markup=False)
    return 0

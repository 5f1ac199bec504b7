"""`warta schedule`: real crawls of the replica from the scheduler, job settings, catch-up, SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from warta.demo import demo_settings
from warta.locks import is_locked
from warta.replica.server import ReplicaCluster, sources
from warta.scheduler import NIGHTLY_ID, build_scheduler, jobstore_url, plan_jobs
from warta.settings import PROJECT_ROOT, ScheduleSettings
from warta.store import Store

JAKARTA = ZoneInfo("Asia/Jakarta")


def cli_env(s) -> dict[str, str]:
    return {**os.environ, "WARTA_DATA_DIR": str(s.data_dir), "WARTA_SOURCES": str(s.sources_file),
            "WARTA_BACKEND": "sqlite"}


def warta(s, *args, timeout=240):
    return subprocess.run([sys.executable, "-m", "warta.cli", *args], env=cli_env(s), cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=timeout)


def test_two_scheduled_crawls_then_runs_and_health(tmp_path):
    with ReplicaCluster(sites=("mmc", "wp")) as cluster:
        s = demo_settings(tmp_path, sources(cluster))
        p = warta(s, "schedule", "--interval-seconds", "1", "--max-runs", "2")
    assert p.returncode == 0, p.stdout + p.stderr[-2000:]
    assert "Traceback" not in p.stderr
    assert p.stdout.count("scheduled crawl crawl finished: exit 0") == 2
    assert "scheduler stopped after 2 crawls" in p.stdout
    runs = json.loads(warta(s, "runs", "--json").stdout)
    assert [r["status"] for r in runs] == ["ok", "ok"]
    first, second = sorted(runs, key=lambda r: r["id"])
    assert sum(x["stats"]["new"] for x in first["sources"]) == 29  # 13 mmc + 16 wp articles
    assert sum(x["stats"]["new"] for x in second["sources"]) == 0  # incremental: nothing new
    h = warta(s, "health")
    assert h.returncode == 0, h.stdout
    assert "source health: ok" in h.stdout and "replica-mmc" in h.stdout and "replica-wp" in h.stdout
    assert not is_locked(s.data_dir, "replica-mmc") and not is_locked(s.data_dir, "scheduler")


def test_jobs_have_grace_coalesce_one_instance_and_jakarta_cron(tmp_path):
    with ReplicaCluster(sites=("mmc", "wp")) as cluster:
        s = demo_settings(tmp_path, sources(cluster))
    s = s.model_copy(update={"schedule": ScheduleSettings(cron="30 1 * * *", sources={
        "replica-wp": {"interval_minutes": 90}})})
    sched = build_scheduler(s, plan_jobs(s))
    try:
        jobs = {j.id: j for j in sched.get_jobs()}
        assert set(jobs) == {NIGHTLY_ID, "crawl:replica-wp"}
        for job in jobs.values():
            assert job.misfire_grace_time == 3600
            assert job.coalesce is True
            assert job.max_instances == 1
        nightly = jobs[NIGHTLY_ID]
        assert nightly.args[2] == ["replica-mmc"]  # the overridden source has its own job
        fields = {f.name: str(f) for f in nightly.trigger.fields}
        assert (fields["hour"], fields["minute"]) == ("1", "30")
        assert str(nightly.trigger.timezone) == "Asia/Jakarta"
        nxt = nightly.next_run_time.astimezone(JAKARTA)
        assert (nxt.hour, nxt.minute) == (1, 30)
        assert jobs["crawl:replica-wp"].trigger.interval == timedelta(minutes=90)
        assert jobs["crawl:replica-wp"].args[2] == ["replica-wp"]
    finally:
        sched.shutdown(wait=False)
    # The job store persists: a second start keeps the same job (and its next run time).
    again = build_scheduler(s, plan_jobs(s))
    try:
        assert again.get_job(NIGHTLY_ID).next_run_time == nxt
    finally:
        again.shutdown(wait=False)


def test_a_nightly_run_missed_while_down_runs_at_restart(tmp_path):
    """The persistent job store plus the misfire grace: a run due 10 minutes ago is caught up."""
    with ReplicaCluster(sites=("mmc",)) as cluster:
        s = demo_settings(tmp_path, sources(cluster))
        build_scheduler(s, plan_jobs(s)).shutdown(wait=False)
        # The scheduler was down at the nightly time: its stored job is 10 minutes overdue.
        jobs = SQLAlchemyJobStore(url=jobstore_url(s))
        jobs.start(BackgroundScheduler(), "default")
        job = jobs.lookup_job(NIGHTLY_ID)
        job._modify(next_run_time=datetime.now(JAKARTA) - timedelta(minutes=10))
        jobs.update_job(job)
        jobs.shutdown()
        p = warta(s, "schedule", "--max-runs", "1")  # the cron (02:00) is far away: only the catch-up runs
    assert p.returncode == 0, p.stdout + p.stderr[-2000:]
    assert "scheduler stopped after 1 crawls" in p.stdout
    store = Store(s.store_path)
    assert [r["status"] for r in store.runs()] == ["ok"]


def test_sigterm_interrupts_the_running_crawl_and_exits_cleanly(tmp_path):
    with ReplicaCluster(sites=("mmc", "wp", "bawaslu", "portal")) as cluster:
        s = demo_settings(tmp_path, sources(cluster))
        proc = subprocess.Popen([sys.executable, "-m", "warta.cli", "schedule", "--run-now"], env=cli_env(s),
                                cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while not is_locked(s.data_dir, "replica-mmc"):  # the crawl process has started
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
            proc.send_signal(signal.SIGTERM)
            out, errs = proc.communicate(timeout=90)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, out + errs[-2000:]
    assert "stopping" in out and "Traceback" not in errs
    assert not is_locked(s.data_dir, "replica-mmc")
    store = Store(s.store_path)
    run = store.runs(1)[0]
    assert run["status"] in ("interrupted", "ok") and run["ended_at"]  # closed, never left "running"
    assert all(x["status"] != "running" for x in store.run_sources(run["id"]))


@pytest.mark.parametrize("cron", ["61 2 * * *", "every night"])
def test_bad_cron_is_a_one_line_error(tmp_path, cron):
    cfg = tmp_path / "warta.yaml"
    cfg.write_text(f"schedule:\n  cron: '{cron}'\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "warta.cli", "--config", str(cfg), "schedule"], cwd=PROJECT_ROOT,
                       capture_output=True, text=True, timeout=60)
    lines = [x for x in p.stderr.splitlines() if x.strip()]
    assert p.returncode != 0 and len(lines) == 1 and lines[0].startswith("error: ")
    assert "schedule.cron" in lines[0] and "Traceback" not in p.stderr

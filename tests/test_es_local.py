"""warta.es_local against the real Elasticsearch zip and server (no mocks)."""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import urllib.request
from pathlib import Path

import pytest

from warta import es_local
from tests.es_fixture import es_unavailable
from warta.es_local import LocalElasticsearch, LocalEsError

pytestmark = pytest.mark.es


@pytest.fixture(scope="module")
def installed() -> Path:
    """Tests that run a server need Java and the zip: fail in CI, skip elsewhere."""
    try:
        es_local.java_home()
        return es_local.install()
    except (LocalEsError, OSError) as e:
        es_unavailable(str(e))


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _health(url: str) -> dict[str, object]:
    with urllib.request.urlopen(f"{url}/_cluster/health", timeout=10) as resp:
        return json.loads(resp.read())


def _process_uids(pgid: int) -> list[int]:
    uids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        # Field 5 of /proc/PID/stat (after the parenthesised command) is the pgid.
        if int(stat.rsplit(")", 1)[1].split()[2]) == pgid:
            uid_line = next(ln for ln in status.splitlines() if ln.startswith("Uid:"))
            uids.append(int(uid_line.split()[1]))
    return uids


def test_artifact_url_follows_maven_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WARTA_MAVEN_REPO", raising=False)
    assert es_local.artifact_url() == (
        "https://repo1.maven.org/maven2/org/elasticsearch/distribution/integ-test-zip/"
        "elasticsearch/8.19.8/elasticsearch-8.19.8.zip"
    )
    monkeypatch.setenv("WARTA_MAVEN_REPO", "https://mirror.example/maven/")
    assert es_local.artifact_url() == (
        "https://mirror.example/maven/org/elasticsearch/distribution/integ-test-zip/"
        "elasticsearch/8.19.8/elasticsearch-8.19.8.zip"
    )


def test_checksum_verification(tmp_path: Path) -> None:
    blob = tmp_path / "x.zip"
    blob.write_bytes(b"warta")
    sha1 = es_local.file_digest(blob, "sha1")
    es_local.verify_checksum(blob, f"{sha1}  x.zip\n", "sha1")
    es_local.verify_checksum(blob, es_local.file_digest(blob, "sha512").upper(), "sha512")
    with pytest.raises(LocalEsError, match="sha1 checksum mismatch"):
        es_local.verify_checksum(blob, "0" * 40, "sha1")


def test_https_fetch_reports_unreachable_repo_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(LocalEsError) as info:
        es_local.fetch_zip_https(tmp_path, repo=f"http://127.0.0.1:{port}/maven2")
    assert f"127.0.0.1:{port}/maven2/org/elasticsearch" in str(info.value)
    assert "\n" not in str(info.value)


def _install_in(home: str) -> str:
    return str(es_local.install(Path(home)))


def test_concurrent_fresh_installs_agree_and_repeat_is_a_no_op(installed: Path, tmp_path: Path) -> None:
    home = tmp_path / "es-home"
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        paths = pool.map(_install_in, [str(home), str(home)])
    assert paths[0] == paths[1] == str(home / "elasticsearch-8.19.8")
    marker = home / "elasticsearch-8.19.8" / ".warta-installed"
    stamp = marker.stat().st_mtime_ns
    assert es_local.install(home) == home / "elasticsearch-8.19.8"
    assert marker.stat().st_mtime_ns == stamp
    assert os.access(home / "elasticsearch-8.19.8" / "bin" / "elasticsearch", os.X_OK)
    assert not list(home.glob(".download-*")), "temporary download dirs are cleaned up"
    if os.geteuid() == 0:
        owner = (home / "elasticsearch-8.19.8" / "bin" / "elasticsearch").stat().st_uid
        assert owner == es_local.pwd.getpwnam(es_local.SERVICE_USER).pw_uid


def test_start_waits_for_health_runs_unprivileged_and_stop_cleans_up(installed: Path) -> None:
    es = LocalElasticsearch(startup_timeout=180)
    url = es.start()
    try:
        assert es.url == url
        assert _health(url)["status"] in ("green", "yellow")
        pgid, run_dir, port = es.pid, es.run_dir, es.http_port
        assert pgid and run_dir and port and run_dir.is_dir()
        uids = _process_uids(pgid)
        assert len(uids) >= 2, "the CLI launcher and the server JVM share the process group"
        if os.geteuid() == 0:
            assert 0 not in uids, "Elasticsearch must not run as root"
        assert es.start() == url, "start() on a running server is a no-op"
    finally:
        es.stop()
    assert not _port_open(port)
    assert _process_uids(pgid) == []
    assert not run_dir.exists()
    with pytest.raises(LocalEsError, match="not running"):
        _ = es.url
    es.stop()  # idempotent

    # A restart reuses the install and gets a fresh run directory.
    with LocalElasticsearch() as again:
        assert _health(again.url)["status"] in ("green", "yellow")
        assert again.run_dir != run_dir


def test_server_that_dies_during_startup_reports_the_log_tail(installed: Path) -> None:
    es = LocalElasticsearch(extra_settings={"warta.no.such.setting": "1"}, startup_timeout=120)
    with pytest.raises(LocalEsError) as info:
        es.start()
    message = str(info.value)
    assert "exited with code" in message
    assert "warta.no.such.setting" in message, "the log tail names the cause"
    assert es.run_dir is None and es.pid is None
    assert es.last_pgid and _process_uids(es.last_pgid) == []


def test_startup_timeout_stops_the_process_group(installed: Path) -> None:
    es = LocalElasticsearch(startup_timeout=1)
    with pytest.raises(LocalEsError, match="not ready .* after 1s") as info:
        es.start()
    assert "last log lines" in str(info.value)
    assert es.pid is None and es.run_dir is None
    assert es.last_pgid and _process_uids(es.last_pgid) == []


def test_prune_removes_run_dirs_of_dead_servers(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "1234-dead"
    run.mkdir(parents=True)
    (run / "warta.pid").write_text("999999999\n")
    live = tmp_path / "runs" / "5678-live"
    live.mkdir()
    (live / "warta.pid").write_text(f"{os.getpid()}\n")
    assert es_local.prune_runs(tmp_path) == [run]
    assert live.exists()


def test_https_fetch_checks_published_and_pinned_checksums(tmp_path: Path) -> None:
    """A local Maven-layout repository serving a zip that is not the real one."""
    import hashlib
    import http.server
    import threading
    from functools import partial

    repo = tmp_path / "repo"
    artifact = Path(es_local.artifact_url(str(repo)))
    artifact.parent.mkdir(parents=True)
    artifact.write_bytes(b"not elasticsearch")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(repo))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        (tmp_path / "out1").mkdir()
        Path(f"{artifact}.sha1").write_text("0" * 40 + "\n")
        with pytest.raises(LocalEsError, match="sha1 checksum mismatch"):
            es_local.fetch_zip_https(tmp_path / "out1", repo=base)
        # A matching published .sha1 is not enough: the pinned SHA-512 must match too.
        Path(f"{artifact}.sha1").write_text(hashlib.sha1(b"not elasticsearch").hexdigest())
        (tmp_path / "out2").mkdir()
        with pytest.raises(LocalEsError, match="sha512 checksum mismatch"):
            es_local.fetch_zip_https(tmp_path / "out2", repo=base)
        assert not list((tmp_path / "out2").glob("*.zip"))
    finally:
        server.shutdown()
        server.server_close()

"""Install and run a throw-away local Elasticsearch 8.19.8 for development and tests.

The server comes from Maven Central's `integ-test-zip` distribution: core
server plus x-pack core/security only, no bundled JDK, no analysis-common. It
runs on the machine's Java 17.

Elasticsearch refuses to run as root, and CI clones the repository into a
directory only root can enter, so the install lives outside the repository
(`/var/lib/warta-es`, or `$WARTA_ES_HOME`) and, when we are root, belongs to
an unprivileged `warta-es` system user that the server runs as.

Each started server gets its own run directory (config, data, logs) under
`<home>/runs/`, so several test sessions can run side by side and nothing of
a run survives `stop()`.

    python -m warta.es_local install        # fetch + unpack (idempotent)
    python -m warta.es_local start          # print the URL, run until Ctrl-C
    python -m warta.es_local prune          # remove run dirs of dead servers
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import fcntl
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from types import TracebackType
from dataclasses import dataclass
from typing import Iterator, Mapping, Sequence

from warta.errors import WartaError

ES_VERSION = "8.19.8"
GROUP_ID = "org.elasticsearch.distribution.integ-test-zip"
ARTIFACT_ID = "elasticsearch"
ARTIFACT = f"{GROUP_ID}:{ARTIFACT_ID}:{ES_VERSION}:zip"
DEFAULT_MAVEN_REPO = "https://repo1.maven.org/maven2"
# SHA-512 of elasticsearch-8.19.8.zip from Maven Central. Checked on every
# fetch, because some mirrors and proxies serve the zip but not the .sha1
# beside it; a changed version needs a new pin.
PINNED_SHA512 = (
    "fa56c50fa80080f19bb9875348b019785e2ec53848168f007d40d81ca3cb7031"
    "6b45f53f20bb63cc2913ddad703711ce70f67dae5533cc5fd9db84d3f89f5241"
)
DEFAULT_HOME = Path("/var/lib/warta-es")
SERVICE_USER = "warta-es"
DEFAULT_HEAP = "512m"
DEFAULT_STARTUP_TIMEOUT = 180.0
STOP_GRACE_SECONDS = 30.0
_INSTALLED_MARKER = ".warta-installed"
_PID_FILE = "warta.pid"
_LOG_TAIL_LINES = 30


class LocalEsError(WartaError):
    """The local Elasticsearch could not be installed, started or stopped."""


# --------------------------------------------------------------------------- paths


def es_home() -> Path:
    return Path(os.environ.get("WARTA_ES_HOME") or DEFAULT_HOME)


def install_dir(home: Path | None = None) -> Path:
    return (home or es_home()) / f"elasticsearch-{ES_VERSION}"


def maven_repo() -> str:
    return (os.environ.get("WARTA_MAVEN_REPO") or DEFAULT_MAVEN_REPO).rstrip("/")


def artifact_url(repo: str | None = None) -> str:
    """URL of the zip in Maven's standard repository layout."""
    base = (repo or maven_repo()).rstrip("/")
    group_path = GROUP_ID.replace(".", "/")
    return f"{base}/{group_path}/{ARTIFACT_ID}/{ES_VERSION}/{ARTIFACT_ID}-{ES_VERSION}.zip"


def java_home() -> Path:
    """The JDK behind `java` on PATH (the integ-test zip bundles no JDK)."""
    java = shutil.which("java")
    if not java:
        raise LocalEsError("java not found on PATH: Elasticsearch needs Java 17 (apt-get install openjdk-17-jdk-headless)")
    return Path(java).resolve().parent.parent


# --------------------------------------------------------------------------- service user


def _running_as_root() -> bool:
    return os.geteuid() == 0


def ensure_service_user(home: Path) -> pwd.struct_passwd | None:
    """The unprivileged account the server runs as; None when we are not root."""
    if not _running_as_root():
        return None
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        pass
    cmd = ["useradd", "--system", "--user-group", "--home-dir", str(home), "--shell", "/usr/sbin/nologin", SERVICE_USER]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    # exit 9: another process created the user between our check and useradd.
    if proc.returncode not in (0, 9):
        raise LocalEsError(f"cannot create system user {SERVICE_USER}: {_first_line(proc.stderr)}")
    return pwd.getpwnam(SERVICE_USER)


def _chown_tree(path: Path, user: pwd.struct_passwd | None) -> None:
    if user is None:
        return
    os.chown(path, user.pw_uid, user.pw_gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), user.pw_uid, user.pw_gid)


# --------------------------------------------------------------------------- download


def _first_line(text: str) -> str:
    lines = [ln.strip() for ln in (text or "").strip().splitlines() if ln.strip()]
    return lines[0] if lines else "(no message)"


def file_digest(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_checksum(path: Path, expected: str, algorithm: str) -> None:
    """`expected` is a Maven checksum file's text: the hex digest, maybe followed by a name."""
    want = expected.strip().split()[0].lower() if expected.strip() else ""
    got = file_digest(path, algorithm)
    if want != got:
        raise LocalEsError(f"{path.name}: {algorithm} checksum mismatch (expected {want or 'nothing'}, got {got})")


def _http_get(url: str, timeout: float = 60.0) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.read()
    except (urllib.error.URLError, OSError) as e:
        raise LocalEsError(f"cannot download {url}: {e}") from None


def _download_to(url: str, dest: Path) -> None:
    try:
        with urllib.request.urlopen(url, timeout=60.0) as resp, dest.open("wb") as out:
            shutil.copyfileobj(resp, out, 1 << 20)
    except (urllib.error.URLError, OSError) as e:
        raise LocalEsError(f"cannot download {url}: {e}") from None


def fetch_zip_https(dest_dir: Path, repo: str | None = None) -> Path:
    """Download the zip; check it against the checksums published beside it, if
    any, and always against the pinned SHA-512."""
    url = artifact_url(repo)
    dest = dest_dir / url.rsplit("/", 1)[1]
    part = dest.with_suffix(".zip.part")
    _download_to(url, part)
    for algorithm in ("sha512", "sha1"):
        try:
            expected = _http_get(f"{url}.{algorithm}").decode("ascii", "replace")
        except LocalEsError:
            continue  # not published here: the pin below still guards the download
        verify_checksum(part, expected, algorithm)
    verify_checksum(part, PINNED_SHA512, "sha512")
    part.replace(dest)
    return dest


def fetch_zip_maven(dest_dir: Path) -> Path:
    """Maven checks the repository checksums itself and reuses ~/.m2 when it can."""
    cmd = ["mvn", "-q", "-B", "dependency:copy", f"-Dartifact={ARTIFACT}", f"-DoutputDirectory={dest_dir}"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    dest = dest_dir / f"{ARTIFACT_ID}-{ES_VERSION}.zip"
    if proc.returncode != 0 or not dest.exists():
        raise LocalEsError(f"mvn dependency:copy {ARTIFACT} failed: {_first_line(proc.stdout + proc.stderr)}")
    # ~/.m2 may have been filled by hand or by a mirror that skipped checksums.
    verify_checksum(dest, PINNED_SHA512, "sha512")
    return dest


def fetch_zip(dest_dir: Path) -> Path:
    if shutil.which("mvn") and not os.environ.get("WARTA_MAVEN_REPO"):
        try:
            return fetch_zip_maven(dest_dir)
        except LocalEsError:
            pass  # a broken Maven setup should not block the plain download
    return fetch_zip_https(dest_dir)


# --------------------------------------------------------------------------- install


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _extract(zip_path: Path, dest: Path) -> None:
    # zipfile drops Unix modes; bin/elasticsearch must stay executable.
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            extracted = zf.extract(info, dest)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(extracted, mode)


def is_installed(home: Path | None = None) -> bool:
    return (install_dir(home) / _INSTALLED_MARKER).exists()


def install(home: Path | None = None) -> Path:
    """Fetch and unpack Elasticsearch into `<home>/elasticsearch-<version>`; idempotent and
    safe to call from several processes at once (they serialise on a lock file)."""
    home = home or es_home()
    target = install_dir(home)
    if (target / _INSTALLED_MARKER).exists():
        return target
    try:
        home.mkdir(parents=True, exist_ok=True)
        os.chmod(home, 0o755)
        user = ensure_service_user(home)
        with _locked(home / ".install.lock"):
            if (target / _INSTALLED_MARKER).exists():
                return target
            _install_unlocked(home, target, user)
    except OSError as e:
        raise LocalEsError(f"cannot install Elasticsearch into {home}: {e}") from None
    return target


def _install_unlocked(home: Path, target: Path, user: pwd.struct_passwd | None) -> None:
    with tempfile.TemporaryDirectory(dir=home, prefix=".download-") as tmp:
        zip_path = fetch_zip(Path(tmp))
        unpack = Path(tmp) / "unpacked"
        _extract(zip_path, unpack)
        unpacked_root = unpack / f"elasticsearch-{ES_VERSION}"
        if not (unpacked_root / "bin" / "elasticsearch").exists():
            raise LocalEsError(f"{zip_path.name} does not contain elasticsearch-{ES_VERSION}/bin/elasticsearch")
        (unpacked_root / _INSTALLED_MARKER).write_text(json.dumps({"artifact": ARTIFACT}) + "\n")
        _chown_tree(unpacked_root, user)
        if target.exists():
            shutil.rmtree(target)  # a half-finished install from a killed process
        # A rename within one filesystem: other processes see all or nothing.
        unpacked_root.rename(target)


# --------------------------------------------------------------------------- run dirs


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prune_runs(home: Path | None = None) -> list[Path]:
    """Remove run directories left by servers that were killed without `stop()`."""
    runs = (home or es_home()) / "runs"
    removed: list[Path] = []
    if not runs.is_dir():
        return removed
    for run in runs.iterdir():
        pid_file = run / _PID_FILE
        try:
            pid = int(pid_file.read_text().strip())
        except (OSError, ValueError):
            # No pid yet: maybe a run being set up right now; only remove old ones.
            if time.time() - run.stat().st_mtime < 3600:
                continue
            pid = -1
        if pid > 0 and _pid_alive(pid):
            continue
        shutil.rmtree(run, ignore_errors=True)
        removed.append(run)
    return removed


def _settings_yaml(http_port: int, transport_port: int, run: Path, extra: Mapping[str, object]) -> str:
    settings: dict[str, object] = {
        "cluster.name": f"warta-local-{http_port}",
        "node.name": "warta-local",
        "path.data": str(run / "data"),
        "path.logs": str(run / "logs"),
        "discovery.type": "single-node",
        "network.host": "127.0.0.1",
        "http.port": http_port,
        "transport.port": transport_port,
        "xpack.security.enabled": False,
        "cluster.routing.allocation.disk.threshold_enabled": False,
        "action.destructive_requires_name": False,
        # An unknown setting stops the server. These two are registered by
        # x-pack-core in 8.19.8 (seen in _cluster/settings?include_defaults)
        # even though the ML and Watcher plugins are not in the zip.
        "xpack.ml.enabled": False,
        "xpack.watcher.enabled": False,
    }
    settings.update(extra)
    # JSON scalars are valid YAML scalars, so no YAML writer is needed.
    return "".join(f"{k}: {json.dumps(v)}\n" for k, v in settings.items())


def _prepare_run_dir(home: Path, dist: Path, http_port: int, transport_port: int, extra: Mapping[str, object]) -> Path:
    runs = home / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    os.chmod(runs, 0o755)
    run = runs / f"{http_port}-{secrets.token_hex(4)}"
    config = run / "config"
    # The server writes its keystore into the config dir, so each run has its own.
    shutil.copytree(dist / "config", config)
    for sub in ("data", "logs", "tmp"):
        (run / sub).mkdir()
    (config / "elasticsearch.yml").write_text(_settings_yaml(http_port, transport_port, run, extra))
    return run


def _log_tail(run: Path, lines: int = _LOG_TAIL_LINES) -> str:
    console = run / "logs" / "console.log"
    try:
        text = console.read_text(errors="replace")
    except OSError:
        return "(no log)"
    tail = [ln for ln in text.splitlines() if ln.strip()][-lines:]
    return "\n".join(tail) or "(empty log)"


def _set_parent_death_signal() -> None:
    """If the Python process dies without stop(), the server CLI gets SIGTERM too.

    Linux sends it when the *thread* that started the server exits, so start
    servers from the main thread (pytest and the CLI do)."""
    PR_SET_PDEATHSIG = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


# --------------------------------------------------------------------------- server


class LocalElasticsearch:
    """A single-node Elasticsearch on free localhost ports, in its own process group.

        with LocalElasticsearch() as es:
            client = Elasticsearch(es.url)

    `LocalCluster` uses the separate steps (prepare, spawn, wait) to run one as a node of a cluster.
    """

    def __init__(
        self,
        home: Path | str | None = None,
        *,
        http_port: int | None = None,
        transport_port: int | None = None,
        heap: str = DEFAULT_HEAP,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
        extra_settings: Mapping[str, object] | None = None,
    ) -> None:
        self.home = Path(home) if home else es_home()
        self.requested_port = http_port
        self.requested_transport_port = transport_port
        self.heap = heap
        self.startup_timeout = startup_timeout
        self.extra_settings = dict(extra_settings or {})
        self.http_port: int | None = None
        self.run_dir: Path | None = None
        self._dist: Path | None = None
        self._user: pwd.struct_passwd | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._url: str | None = None
        self.last_pgid: int | None = None  # kept after stop(), to check nothing of it survives

    @property
    def url(self) -> str:
        if self._url is None:
            raise LocalEsError("local Elasticsearch is not running: call start() first")
        return self._url

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> "LocalElasticsearch":
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> str:
        if self.running:
            return self.url
        try:
            self.prepare()
            self.spawn()
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self.url

    def prepare(self) -> None:
        """Install if needed, choose ports and write a fresh run directory; runs nothing."""
        self._dist = install(self.home)
        prune_runs(self.home)
        self.http_port = self.requested_port or free_port()
        transport_port = self.requested_transport_port or free_port()
        self.run_dir = _prepare_run_dir(self.home, self._dist, self.http_port, transport_port, self.extra_settings)
        self._user = ensure_service_user(self.home)
        _chown_tree(self.run_dir, self._user)
        self._url = f"http://127.0.0.1:{self.http_port}"

    def _env(self, user: pwd.struct_passwd | None) -> dict[str, str]:
        jdk = str(java_home())
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ES_", "JAVA_"))}
        assert self.run_dir is not None
        # ES_JAVA_HOME only: with JAVA_HOME set too, the launcher prints a warning.
        env.update(
            ES_JAVA_HOME=jdk,
            ES_PATH_CONF=str(self.run_dir / "config"),
            ES_TMPDIR=str(self.run_dir / "tmp"),
            ES_JAVA_OPTS=f"-Xms{self.heap} -Xmx{self.heap}",
        )
        if user is not None:
            env.update(HOME=str(self.home), USER=user.pw_name, LOGNAME=user.pw_name)
        return env

    def spawn(self) -> None:
        """Run the server on the prepared run directory (again, after halt(): same data, same ports)."""
        if self.run_dir is None or self._dist is None:
            raise LocalEsError("local Elasticsearch has no run directory: call prepare() first")
        dist, user = self._dist, self._user
        console = (self.run_dir / "logs" / "console.log").open("ab")
        try:
            self._proc = subprocess.Popen(
                [str(dist / "bin" / "elasticsearch")],
                cwd=self.run_dir,
                env=self._env(user),
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() kills the CLI and the JVM
                user=user.pw_uid if user else None,
                group=user.pw_gid if user else None,
                extra_groups=[] if user else None,  # drop root's supplementary groups
                preexec_fn=_set_parent_death_signal,
            )
        except OSError as e:
            raise LocalEsError(f"cannot run {dist / 'bin' / 'elasticsearch'}: {e}") from None
        finally:
            console.close()
        self.last_pgid = self._proc.pid
        (self.run_dir / _PID_FILE).write_text(f"{self._proc.pid}\n")

    def raise_if_exited(self) -> None:
        if self._proc is None or self.run_dir is None:
            raise LocalEsError("local Elasticsearch is not running")
        code = self._proc.poll()
        if code is not None:
            raise LocalEsError(
                f"Elasticsearch exited with code {code} during startup; last log lines:\n{_log_tail(self.run_dir)}"
            )

    def wait_ready(self) -> None:
        _wait_for_health([self], "wait_for_status=yellow", self.startup_timeout)

    def halt(self, sig: signal.Signals = signal.SIGTERM) -> None:
        """End the process group but keep the run directory, so spawn() can bring the node back."""
        self._end_process(sig)
        if self.run_dir is not None and self.run_dir.is_dir():
            # prune_runs() of any session deletes run dirs whose pid is dead; while the node is
            # down its data belongs to us, so name this (live) process as the owner.
            (self.run_dir / _PID_FILE).write_text(f"{os.getpid()}\n")

    def stop(self) -> None:
        """Stop the whole process group (CLI + server JVM) and remove the run directory."""
        self._end_process(signal.SIGTERM)
        if self.run_dir is not None:
            shutil.rmtree(self.run_dir, ignore_errors=True)
            self.run_dir = None
        self._url = None

    def _end_process(self, sig: signal.Signals) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            _kill_group(proc, sig)


def _wait_for_health(nodes: Sequence[LocalElasticsearch], query: str, timeout: float) -> None:
    """Poll `_cluster/health?<query>` on the first node until it holds, failing fast if any
    node's process exits: the nodes of a fresh cluster are only healthy together."""
    probe = nodes[0]
    assert probe.run_dir is not None
    deadline = time.monotonic() + timeout
    health = f"{probe.url}/_cluster/health?{query}&timeout=5s"
    while True:
        for node in nodes:
            node.raise_if_exited()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise LocalEsError(
                f"Elasticsearch not ready on {probe.url} after {timeout:.0f}s; last log lines:\n"
                f"{_log_tail(probe.run_dir)}"
            )
        if _cluster_is_healthy(health, min(10.0, max(1.0, remaining))):
            return
        time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))


# --------------------------------------------------------------------------- cluster


@dataclass(frozen=True)
class NodeSpec:
    name: str
    roles: tuple[str, ...]


# Two data nodes and a master-only tiebreaker: with either data node down, two of the three
# master-eligible nodes remain, a quorum, so the cluster still elects a master and accepts
# writes. A voting_only tiebreaker would not work here: see docs/decisions.md.
DEFAULT_CLUSTER_NODES = (
    NodeSpec("data-1", ("master", "data")),
    NodeSpec("data-2", ("master", "data")),
    NodeSpec("tiebreaker", ("master",)),
)
CLUSTER_HEAP = "384m"


class LocalCluster:
    """Several `LocalElasticsearch` nodes forming one cluster on loopback; nodes can be stopped
    (SIGTERM or SIGKILL) and started again on their own data.

        with LocalCluster() as cluster:
            cluster.stop_node("data-1", kill=True)
            cluster.start_node("data-1")
    """

    def __init__(
        self,
        nodes: Sequence[NodeSpec] = DEFAULT_CLUSTER_NODES,
        home: Path | str | None = None,
        *,
        heap: str = CLUSTER_HEAP,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
    ) -> None:
        if len({spec.name for spec in nodes}) != len(nodes):
            raise LocalEsError("cluster node names must be unique")
        self.specs = tuple(nodes)
        self.home = home
        self.heap = heap
        self.startup_timeout = startup_timeout
        self.name = f"warta-cluster-{secrets.token_hex(4)}"
        self.nodes: dict[str, LocalElasticsearch] = {}

    def __enter__(self) -> "LocalCluster":
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def url(self, name: str) -> str:
        return self._node(name).url

    def start(self) -> None:
        """Start every node, then wait for all of them to join and the cluster to be green."""
        self.nodes = self._make_nodes()
        try:
            for node in self.nodes.values():
                node.prepare()
            for node in self.nodes.values():
                node.spawn()
            self.wait_for("green")
        except BaseException:
            self.stop()
            raise

    def _make_nodes(self) -> dict[str, LocalElasticsearch]:
        transport = {spec.name: free_port() for spec in self.specs}
        common: dict[str, object] = {
            "cluster.name": self.name,
            "discovery.type": "multi-node",
            "discovery.seed_hosts": [f"127.0.0.1:{port}" for port in transport.values()],
            "cluster.initial_master_nodes": [spec.name for spec in self.specs if "master" in spec.roles],
        }
        return {
            spec.name: LocalElasticsearch(
                self.home,
                transport_port=transport[spec.name],
                heap=self.heap,
                startup_timeout=self.startup_timeout,
                extra_settings={**common, "node.name": spec.name, "node.roles": list(spec.roles)},
            )
            for spec in self.specs
        }

    def _node(self, name: str) -> LocalElasticsearch:
        try:
            return self.nodes[name]
        except KeyError:
            raise LocalEsError(f"no node {name!r} in cluster {self.name}") from None

    def running_nodes(self) -> list[LocalElasticsearch]:
        return [node for node in self.nodes.values() if node.running]

    def wait_for(self, status: str, timeout: float | None = None) -> None:
        """Until every running node has joined and the cluster is at least `status`."""
        running = self.running_nodes()
        if not running:
            raise LocalEsError(f"cluster {self.name} has no running node")
        query = f"wait_for_status={status}&wait_for_nodes={len(running)}"
        _wait_for_health(running, query, self.startup_timeout if timeout is None else timeout)

    def stop_node(self, name: str, *, kill: bool = False) -> None:
        """SIGKILL (a crash) or SIGTERM (a clean shutdown); returns once the others have seen it go."""
        self._node(name).halt(signal.SIGKILL if kill else signal.SIGTERM)
        self.wait_for("yellow")

    def start_node(self, name: str) -> None:
        """Bring a stopped node back on its data; returns once the cluster is green again.
        Call from the main thread (see _set_parent_death_signal)."""
        node = self._node(name)
        if not node.running:
            node.spawn()
        self.wait_for("green")

    def stop(self) -> None:
        for node in self.nodes.values():
            node.stop()


def _cluster_is_healthy(url: str, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            body = json.loads(resp.read())
    except urllib.error.HTTPError:
        return False  # 408 while the cluster is still red
    except (urllib.error.URLError, OSError, ValueError):
        return False
    return body.get("status") in ("yellow", "green") and not body.get("timed_out", False)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_group(proc: subprocess.Popen[bytes], sig: signal.Signals = signal.SIGTERM) -> None:
    pgid = proc.pid  # start_new_session made the leader's pid the group id
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    while time.monotonic() < deadline:
        proc.poll()
        if not _group_alive(pgid):
            break
        time.sleep(0.2)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
    # The JVM may outlive the CLI by a moment; reap stragglers of the group.
    end = time.monotonic() + 10
    while _group_alive(pgid) and time.monotonic() < end:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        time.sleep(0.1)


# --------------------------------------------------------------------------- CLI


def _cmd_install(args: argparse.Namespace) -> int:
    started = time.monotonic()
    path = install(args.home)
    print(f"{path} ({time.monotonic() - started:.1f}s)")
    return 0


def _cmd_start(args: argparse.Namespace) -> int:
    es = LocalElasticsearch(args.home, http_port=args.port, heap=args.heap, startup_timeout=args.timeout)
    started = time.monotonic()
    stop_requested = False

    def _on_term(signum: int, frame: object) -> None:
        nonlocal stop_requested
        stop_requested = True

    signal.signal(signal.SIGTERM, _on_term)
    try:
        url = es.start()
        print(url, flush=True)
        print(f"ready in {time.monotonic() - started:.1f}s; Ctrl-C stops it", file=sys.stderr, flush=True)
        while not stop_requested and es._proc is not None and es._proc.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        es.stop()
    return 0


def _cmd_prune(args: argparse.Namespace) -> int:
    for run in prune_runs(args.home):
        print(f"removed {run}")
    return 0


def _cmd_url(args: argparse.Namespace) -> int:
    print(artifact_url())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warta.es_local", description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=None, help=f"install home (default $WARTA_ES_HOME or {DEFAULT_HOME})")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("install", help="fetch and unpack Elasticsearch (idempotent)").set_defaults(func=_cmd_install)
    start = sub.add_parser("start", help="start a server, print its URL, run until Ctrl-C")
    start.add_argument("--port", type=int, default=None, help="HTTP port (default: a free one)")
    start.add_argument("--heap", default=DEFAULT_HEAP)
    start.add_argument("--timeout", type=float, default=DEFAULT_STARTUP_TIMEOUT, help="startup timeout, seconds")
    start.set_defaults(func=_cmd_start)
    sub.add_parser("prune", help="remove run directories of dead servers").set_defaults(func=_cmd_prune)
    sub.add_parser("artifact-url", help="print the Maven Central URL of the zip").set_defaults(func=_cmd_url)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except WartaError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code


if __name__ == "__main__":
    sys.exit(main())

"""Real full and read-only disks for tests/test_reliability_disk.py.

The tests run as root, which ignores file modes, so a read-only folder cannot
be made with chmod. A small tmpfs gives the real conditions instead: writes
past its size fail with ENOSPC, and `mount -o remount,ro` makes every write
fail with EROFS. Mounting needs CAP_SYS_ADMIN; CI (root on the same machine
kind) has it, so under CI=true a failed mount fails the test instead of
skipping it.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest

from warta.models import Article, article_id
from warta.settings import PROJECT_ROOT

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


@contextmanager
def tmpfs(where: Path, size_kb: int) -> Iterator[Path]:
    """A tmpfs of `size_kb` KiB mounted at `where` for the duration of the block."""
    where.mkdir(parents=True, exist_ok=True)
    p = _run("mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0755", "tmpfs", str(where))
    if p.returncode != 0:
        why = f"cannot mount a tmpfs at {where} (needs root with CAP_SYS_ADMIN): {p.stderr.strip()}"
        if IN_CI:
            pytest.fail(why)
        pytest.skip(why)
    try:
        yield where
    finally:
        # Lazy unmount: a crawl child that is still closing must not leave the mount behind.
        _run("mount", "-o", "remount,rw", str(where))
        if _run("umount", str(where)).returncode != 0:
            _run("umount", "-l", str(where))


@contextmanager
def read_only(mountpoint: Path) -> Iterator[None]:
    """The tmpfs at `mountpoint` read-only (EROFS for every write) during the block."""
    p = _run("mount", "-o", "remount,ro", str(mountpoint))
    assert p.returncode == 0, f"cannot remount {mountpoint} read-only: {p.stderr.strip()}"
    try:
        yield
    finally:
        p = _run("mount", "-o", "remount,rw", str(mountpoint))
        assert p.returncode == 0, f"cannot remount {mountpoint} read-write: {p.stderr.strip()}"


def fill(mountpoint: Path, leave: int) -> Path:
    """Take all free space of the file system but `leave` bytes; returns the ballast file."""
    st = os.statvfs(mountpoint)
    free = st.f_bavail * st.f_frsize
    ballast = mountpoint / "ballast"
    with open(ballast, "wb") as fh:
        chunk = b"\0" * (1 << 20)
        todo = max(0, free - leave)
        while todo:
            todo -= fh.write(chunk[: min(todo, len(chunk))])
    return ballast


_WORDS = ("pemilu pilkada bawaslu kpu pengawasan kampanye netralitas asn politik uang rekapitulasi suara "
          "tps pemungutan calon bupati gubernur wali kota debat logistik surat saksi sengketa putusan "
          "pelanggaran laporan relawan pemantau kecamatan desa kelurahan dprd partai koalisi").split()


def articles(n: int, words: int = 300, seed: int = 7) -> list[Article]:
    """`n` articles with varied text, so the store and the FTS index grow with every one."""
    rng = random.Random(seed)
    out = []
    base = datetime(2024, 6, 1, 3, tzinfo=timezone.utc)
    for i in range(n):
        url = f"http://127.0.0.1:9/berita/{i}"
        body = " ".join(f"{rng.choice(_WORDS)}{rng.randrange(500)}" if j % 5 == 0 else rng.choice(_WORDS)
                        for j in range(words))
        out.append(Article(
            id=article_id(url), url=url, canonical_url=url, source_id="mmc-kobar", source_type="government",
            domain="127.0.0.1:9", title=f"Rapat koordinasi pengawasan pilkada nomor {i}", body=body,
            published_at=base + timedelta(hours=i), provinces=["Kalimantan Tengah"],
            kabkotas=["Kotawaringin Barat"], content_hash=f"h{i}"))
    return out


SOURCES = """
sources:
  - id: mmc-kobar
    name: MMC Kobar
    type: government
    base_url: http://127.0.0.1:9/
    region: {province: Kalimantan Tengah, kabkota: Kotawaringin Barat}
    timezone: WIB
"""


def cli_env(data_dir: Path, sources_file: Path) -> dict[str, str]:
    return {**os.environ, "WARTA_DATA_DIR": str(data_dir), "WARTA_SOURCES": str(sources_file),
            "WARTA_BACKEND": "sqlite", "PYTHONDONTWRITEBYTECODE": "1"}


def warta(env: dict[str, str], *args: str, preexec_fn: Any = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "warta.cli", *args], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=timeout, preexec_fn=preexec_fn)


def one_line_error(p: subprocess.CompletedProcess) -> str:
    """The single `error: …` line of a failed command (rich's transient progress may leave blank lines)."""
    assert p.returncode != 0, (p.stdout, p.stderr)
    assert "Traceback" not in p.stderr and "Traceback" not in p.stdout, p.stderr
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


def _ro(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True)


def integrity(db: Path) -> str:
    conn = _ro(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def fts_integrity(db: Path) -> str:
    """PRAGMA integrity_check plus FTS5's own 'integrity-check' command (raises if the index is corrupt)."""
    conn = sqlite3.connect(db)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        conn.execute("INSERT INTO fts(fts) VALUES ('integrity-check')")
        return result
    finally:
        conn.close()


def snapshot(store: Path) -> dict[str, tuple]:
    """Every article row and its raw page, byte for byte."""
    conn = _ro(store)
    try:
        rows = conn.execute(
            "SELECT a.id, a.data, a.version, a.content_hash, a.cluster_id, a.is_canonical, r.html_zlib "
            "FROM articles a LEFT JOIN raw_pages r ON r.article_id = a.id").fetchall()
    finally:
        conn.close()
    return {r[0]: tuple(r[1:]) for r in rows}


def fts_docs(db: Path) -> dict[str, str]:
    conn = _ro(db)
    try:
        return dict(conn.execute("SELECT id, stored FROM docs").fetchall())
    finally:
        conn.close()

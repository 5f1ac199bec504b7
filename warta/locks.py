"""Per-source crawl locks that a crashed process cannot leave behind.

A crawl holds an exclusive `fcntl.flock` on `data_dir/locks/<source>.lock`
for as long as its process lives. The kernel drops the lock when the process
exits for any reason — normal end, exception, SIGKILL, OOM — so there is no
stale-lock cleanup and no pid file to trust. The file's content (pid, run)
is only a hint for humans; the lock itself is the truth.

POSIX only (Linux, macOS), and on a local file system: flock over NFS is not
reliable, and data_dir is local by design (SQLite needs that anyway).
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

SKIP_REASON = "another crawl of this source is running"


def lock_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "locks"


def lock_path(data_dir: Path, name: str) -> Path:
    # Source ids are validated as [a-z0-9-]; other names are ours ("digests").
    return lock_dir(data_dir) / f"{name}.lock"


@dataclass
class Lock:
    """A held lock; `release()` (or process exit) frees it."""

    name: str
    path: Path
    fd: int

    def release(self) -> None:
        if self.fd >= 0:
            # Closing the descriptor releases the flock. The file stays: deleting
            # it would let a waiter lock an unlinked inode while a newcomer locks a new file.
            os.close(self.fd)
            self.fd = -1


def try_lock(data_dir: Path, name: str, *, note: str = "", wait: float = 0.5) -> Lock | None:
    """Take the lock, retrying for up to `wait` seconds; None when another process holds it.

    The short retry covers a monitor that probes the lock (`is_locked`) at
    the very moment a crawl starts; a real crawl holds it for minutes.
    """
    path = lock_path(data_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                return None
            time.sleep(0.05)
    os.ftruncate(fd, 0)
    os.write(fd, f"pid {os.getpid()}{' ' + note if note else ''}\n".encode())
    return Lock(name, path, fd)


@contextmanager
def hold(data_dir: Path, name: str, *, note: str = "") -> Iterator[Lock]:
    """Block until the lock is ours (used to serialise digest delivery between crawls)."""
    path = lock_path(data_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    lock = Lock(name, path, fd)
    try:
        yield lock
    finally:
        lock.release()


def is_locked(data_dir: Path, name: str) -> bool:
    """Does some live process hold the lock right now? (A probe: takes and drops it at once.)"""
    path = lock_path(data_dir, name)
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also drops the shared lock if we got it
    return False


def holder(data_dir: Path, name: str) -> str:
    """What the last holder wrote ("pid 123 run 7"), for messages; may be stale."""
    try:
        return lock_path(data_dir, name).read_text(encoding="utf-8").strip()
    except OSError:
        return ""

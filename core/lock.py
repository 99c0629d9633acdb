"""One index run per data folder at a time, across processes.

Two `trove index` runs on one library used to interleave their writes and could save a vector cache that
disagreed with the catalog. An index run now holds an exclusive lock on ``index.lock`` in the data
folder (``flock``: the kernel lets go of it when the process ends, however it ends, so a killed run
never leaves a stale lock). The file holds the owner's process id, to say who is running.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from core.types import LibraryBusy

log = logging.getLogger(__name__)

LOCK_NAME = "index.lock"


@contextlib.contextmanager
def lock_file(path: Path) -> Iterator[int]:
    """``path`` opened for locking (created 0600); closing it lets go of any lock taken on it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        yield fd
    finally:
        os.close(fd)


@contextlib.contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Wait for, then hold, an exclusive lock on ``path`` across processes."""
    with lock_file(path) as fd:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield


@contextlib.contextmanager
def index_lock(data_dir: Path, wait: bool = False) -> Iterator[None]:
    """Hold the data folder's index lock. Without ``wait``, raise ``LibraryBusy`` if another process has it."""
    with lock_file(data_dir / LOCK_NAME) as fd:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _owner(fd)
            if not wait:
                raise LibraryBusy(f"another index run is using {data_dir}{owner}; wait for it to finish "
                                  "(or pass --wait to wait for it)") from None
            log.info("waiting for the index run%s to finish", owner)
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        try:
            yield
        finally:
            os.ftruncate(fd, 0)


def _owner(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        pid = int(os.pread(fd, 32, 0).decode().strip() or "0")
        if pid:
            return f" (process {pid})"
    return ""

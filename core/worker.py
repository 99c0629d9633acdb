"""Index runs in a process of their own, for the long-lived front ends (the app, ``trove watch``).

Importing torch costs about 0.9 GB of resident memory before any model loads, and the memory a run's
models and buffers used is not given back to the system while the process lives. So the app and the
watcher never import torch: each index run is a child process (``python -m core.worker``) that opens the
same data folder, is the only writer while it runs (the parent writes nothing meanwhile), reports
progress as JSON lines on a pipe, and exits, taking its memory with it. A crash in native model code
ends the child, not the app; the catalog stays consistent because every file's rows are written in one
transaction (the same property that makes kill -9 safe).

The parent forwards pause, resume and cancel on the child's stdin; if the parent dies, the child reads
end-of-file and stops like a cancel. While the child runs, the parent follows its writes into its own
vector index (``VectorIndex.follow``), so searches see new files as they arrive.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from core.types import IndexingStopped, PauseSwitch, Progress

log = logging.getLogger(__name__)

FOLLOW_EVERY_S = 2.0
CANCEL_GRACE_S = 2.0  # a cancelled child still loading its models is ended after this
EXIT_WAIT_S = 60.0  # a child that has reported its end gets this long to exit


# -- the parent's side ------------------------------------------------------------------------------------
class ChildIndexer:
    """Runs ``Library.index`` in a child process; the same ``run`` contract as ``Indexer.run``."""

    def __init__(self, data_dir: Path, pause: PauseSwitch, cancel: threading.Event,
                 device: str = "auto") -> None:
        self.data_dir = data_dir
        self.pause = pause
        self.cancel = cancel
        self.device = device
        self.pid: int | None = None  # the child's, while one runs
        self.follow_every_s = FOLLOW_EVERY_S

    def run(self, scopes: list[str], progress: Callable[[Progress], None] | None, retry_failed: bool,
            follow: Callable[[], object] | None = None) -> dict[str, Any]:
        """Index ``scopes`` in a child; returns its summary (``IndexSummary.to_json``)."""
        self.cancel.clear()
        read_fd, write_fd = os.pipe()
        cmd = [sys.executable, "-m", "core.worker", "--data-dir", str(self.data_dir), "--report-fd", str(write_fd),
               "--device", self.device, *(["--retry-failed"] if retry_failed else []), "--", *scopes]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(_source_root()),
                                                                         os.environ.get("PYTHONPATH")) if p))
        try:
            child = subprocess.Popen(cmd, stdin=subprocess.PIPE, pass_fds=(write_fd,), env=env, text=True,
                                     start_new_session=True)  # a Ctrl+C meant for the parent is the parent's
        finally:
            os.close(write_fd)
        self.pid = child.pid
        log.info("indexing in process %d: %s", child.pid, " ".join(scopes))
        stop = threading.Event()
        forwarder = threading.Thread(target=self._forward, args=(child, stop), name="trove-index-control",
                                     daemon=True)
        forwarder.start()
        summary: dict[str, Any] | None = None
        error: dict[str, str] | None = None
        device = "cpu"
        last_follow = time.monotonic()
        read_all = False
        try:
            with os.fdopen(read_fd, "r", encoding="utf-8") as reports:
                for line in reports:
                    try:
                        message = json.loads(line)
                    except ValueError:
                        log.warning("unreadable report from the indexing process: %.200s", line)
                        continue
                    if "progress" in message:
                        device = message["progress"].get("device", device)
                        if progress is not None:
                            progress(Progress(**message["progress"]))
                    summary = message.get("summary", summary)
                    error = message.get("error", error)
                    if follow is not None and time.monotonic() - last_follow >= self.follow_every_s:
                        follow()
                        last_follow = time.monotonic()
            read_all = True
        finally:
            stop.set()
            # Read to the end: it is exiting. Interrupted here (Ctrl+C, an error): end it soon.
            code = _wait(child, EXIT_WAIT_S if read_all else CANCEL_GRACE_S)
            forwarder.join(timeout=5)
            self.pid = None
        if error is not None:
            raise IndexingStopped(error.get("message", "the indexing process failed"))
        if summary is None and self.cancel.is_set():  # ended after a cancel: what it wrote is kept
            return {"cancelled": True, "device": device}
        if summary is None:
            raise IndexingStopped(
                f"the indexing process stopped unexpectedly (exit code {code}); what it indexed so far is kept. "
                f"Details are in {self.data_dir / 'trove.log'}")
        return summary

    def _forward(self, child: subprocess.Popen[str], stop: threading.Event) -> None:
        """Tell the child about pause, resume and cancel as they happen."""
        paused = False
        cancelled_at: float | None = None
        while not stop.is_set() and child.poll() is None:
            try:
                if cancelled_at is not None and time.monotonic() - cancelled_at > CANCEL_GRACE_S:
                    # Still loading its models, say: end it. Safe at any moment (each file is one
                    # transaction), and a person who pressed Stop or Ctrl+C should not wait.
                    log.info("the indexing process %d did not stop within %.0f s of a cancel; ending it",
                             child.pid, CANCEL_GRACE_S)
                    child.terminate()
                    return
                if self.cancel.is_set() and cancelled_at is None:
                    _send(child.stdin, "cancel")
                    cancelled_at = time.monotonic()
                elif self.pause.is_set() != paused and cancelled_at is None:
                    paused = self.pause.is_set()
                    _send(child.stdin, "pause" if paused else "resume")
            except (BrokenPipeError, OSError):  # it has just ended
                return
            stop.wait(0.1)


def _send(stream: IO[str] | None, command: str) -> None:
    if stream is not None:
        stream.write(command + "\n")
        stream.flush()


def _wait(child: subprocess.Popen[str], grace_s: float) -> int:
    """Close its stdin (end-of-file: a child still running stops like a cancel), give it ``grace_s``
    to exit, then end it; killing is safe at any moment (each file is one transaction)."""
    with contextlib.suppress(OSError):
        if child.stdin is not None:
            child.stdin.close()
    for stop in (child.terminate, child.kill):
        try:
            return child.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            log.info("the indexing process %d is still running; ending it", child.pid)
            stop()
    return child.wait()


def _source_root() -> Path:
    return Path(__file__).resolve().parent.parent


# -- the child's side ---------------------------------------------------------------------------------------
class _Reports:
    """JSON lines to the parent. If the parent has gone (its end of the pipe closed), the run is
    cancelled and nothing more is written: no broken-pipe noise, the catalog as consistent as ever."""

    def __init__(self, fd: int, cancelled: threading.Event) -> None:
        self._stream = os.fdopen(fd, "w", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()
        self._cancelled = cancelled
        self.parent_gone = False

    def send(self, message: dict[str, Any]) -> None:
        with self._lock:
            if self.parent_gone:
                return
            try:
                self._stream.write(json.dumps(message) + "\n")
            except OSError:  # EPIPE: nobody reads any more
                self.parent_gone = True
                self._cancelled.set()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._stream.close()


BACKGROUND_NICE = 10  # the index run yields the CPU to the window and to searches (as desktop indexers do)


def _background_priority() -> None:
    """Run this process at a lower CPU priority: on a machine with few cores an index run otherwise takes
    the CPU from the app's window, which then stalls for hundreds of milliseconds (bench/gui.py)."""
    try:
        os.nice(BACKGROUND_NICE)
    except (AttributeError, OSError) as exc:  # Windows has no nice(); a sandbox may refuse it
        log.debug("cannot lower the index run's priority: %s", exc)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m core.worker", description="One index run, for the app or "
                                "`trove watch` (not meant to be run by hand).")
    p.add_argument("--data-dir", type=Path, required=True)
    p.add_argument("--report-fd", type=int, required=True)
    p.add_argument("--device", default="auto")
    p.add_argument("--retry-failed", action="store_true")
    p.add_argument("paths", nargs="*")
    args = p.parse_args(argv)
    _background_priority()
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    logging.getLogger().addHandler(handler)
    cancelled = threading.Event()
    reports = _Reports(args.report_fd, cancelled)
    try:
        return _run(args, reports, cancelled)
    finally:
        reports.close()


def _run(args: argparse.Namespace, reports: _Reports, cancelled: threading.Event) -> int:
    try:
        from core.library import Library

        lib = Library.open(args.data_dir, device=args.device)
    except Exception as exc:  # reported to the parent, which shows it
        log.exception("cannot open the library at %s", args.data_dir)
        reports.send({"error": {"type": type(exc).__name__, "message": f"cannot open the library: {exc}"}})
        return 1
    with lib:
        threading.Thread(target=_listen, args=(lib, cancelled), name="trove-index-commands", daemon=True).start()

        def progress(pr: Progress) -> None:
            if cancelled.is_set():  # a cancel before the run began (which clears it), or the parent gone
                lib.indexer.cancel.set()
            reports.send({"progress": asdict(pr)})

        try:
            summary = lib.index(args.paths or None, progress, retry_failed=args.retry_failed, wait=True)
        except Exception as exc:
            log.exception("index run failed")
            reports.send({"error": {"type": type(exc).__name__, "message": str(exc)}})
            return 1
        reports.send({"summary": summary.to_json()})
    return 0


def _listen(lib: Any, cancelled: threading.Event) -> None:
    """Commands from the parent on stdin; end-of-file (the parent is gone) stops the run."""
    for line in sys.stdin:
        command = line.strip()
        if command == "pause":
            lib.indexer.pause.set()
        elif command == "resume":
            lib.indexer.pause.clear()
        elif command == "cancel":
            break
    cancelled.set()
    lib.indexer.cancel.set()
    lib.indexer.pause.clear()


if __name__ == "__main__":
    sys.exit(main())

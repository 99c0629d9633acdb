"""The child process that writes the ONNX copies follows the run's pause and cancel (core.copies.supervise)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from core.copies import supervise
from core.types import PauseSwitch

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")

LOOP = "import time\nwhile True:\n    time.sleep(0.05)\n"


def state(pid: int) -> str:
    """The process's state letter (R running, S sleeping, T stopped, Z ended, not yet reaped)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2]


def eventually(check: Callable[[], bool], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "the child never reached that state"
        time.sleep(0.02)


def test_pause_stops_the_child_resume_continues_it_and_cancel_ends_it() -> None:
    child = subprocess.Popen([sys.executable, "-c", LOOP])
    cancel, pause = threading.Event(), PauseSwitch()
    result: dict[str, int | None] = {}
    watcher = threading.Thread(target=lambda: result.setdefault("code", supervise(child, cancel, pause)))
    watcher.start()
    try:
        eventually(lambda: state(child.pid) in "RS")
        pause.set()
        eventually(lambda: state(child.pid) == "T")
        pause.clear()
        eventually(lambda: state(child.pid) in "RS")
        pause.set()
        eventually(lambda: state(child.pid) == "T")
        cancel.set()  # cancelled while stopped: it must still end
        watcher.join(30)
        assert not watcher.is_alive() and result == {"code": None}
        assert child.poll() is not None
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_the_childs_own_exit_status_comes_back() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"])
    assert supervise(child, threading.Event(), PauseSwitch()) == 3

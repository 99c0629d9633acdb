"""The one background helper: a result or an error always comes back, on the main thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThreadPool
from pytestqt.qtbot import QtBot

from desktop.tasks import Sequencer, Throttled, make_pool, run_task


def test_result_and_error_arrive_on_the_main_thread(qtbot: QtBot) -> None:
    main = threading.get_ident()
    pool = make_pool(2, "test")
    got: list[tuple[str, object, int]] = []

    def boom() -> int:
        raise ValueError("bad input")

    run_task(lambda: threading.get_ident(), lambda v: got.append(("ok", v, threading.get_ident())), pool=pool)
    run_task(boom, lambda v: got.append(("ok", v, 0)),
             lambda exc: got.append(("error", str(exc), threading.get_ident())), pool=pool)
    qtbot.waitUntil(lambda: len(got) == 2, timeout=5000)
    results = dict((kind, (value, thread)) for kind, value, thread in got)
    assert results["ok"][0] != main  # the job ran on a worker
    assert results["ok"][1] == main  # the answer came to the main thread
    assert results["error"] == ("bad input", main)
    pool.waitForDone()


def test_nothing_is_delivered_to_a_deleted_context(qtbot: QtBot) -> None:
    pool = QThreadPool()
    context = QObject()
    release = threading.Event()
    got: list[int] = []
    done = threading.Event()

    def job() -> int:
        release.wait(5)
        done.set()
        return 1

    run_task(job, got.append, pool=pool, context=context)
    context.deleteLater()
    qtbot.waitUntil(lambda: not _valid(context), timeout=5000)
    release.set()
    pool.waitForDone()
    probe: list[int] = []
    run_task(lambda: 2, probe.append, pool=pool)  # queued after the first delivery
    qtbot.waitUntil(lambda: probe == [2], timeout=5000)
    assert done.is_set() and got == []


def _valid(obj: QObject) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)


def test_sequencer_keeps_only_the_newest() -> None:
    seq = Sequencer()
    first, second = seq.next(), seq.next()
    assert not seq.is_current(first) and seq.is_current(second)


def test_throttled_coalesces_to_the_latest_value(qtbot: QtBot) -> None:
    relay = Throttled(interval_ms=100)
    seen: list[int] = []
    relay.delivered.connect(seen.append)

    def produce() -> None:
        for i in range(500):
            relay.put(i)

    t = threading.Thread(target=produce)
    t.start()
    t.join()
    qtbot.waitUntil(lambda: bool(seen) and seen[-1] == 499, timeout=5000)
    assert len(seen) < 50  # hundreds of updates, a handful of deliveries
    assert seen == sorted(seen)

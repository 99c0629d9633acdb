"""The Qt binding must keep Python's reference counts straight. PySide6 6.12.0 on CPython 3.11 returns
``None`` from every void C++ call, and ``True`` from ``Signal.emit``, without taking a reference: each
call then releases one reference it never owned, and the app aborts ("Fatal Python error: none_dealloc")
after some minutes of painting. 6.11.3 is fine, and so is Python 3.12+, where None and True are immortal.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable

import PySide6
from PySide6.QtCore import QObject, Signal

CALLS = 100
HINT = (f"PySide6 {PySide6.__version__} on Python {sys.version.split()[0]} releases a reference it does not own "
        "on every call: the app will crash. Pin PySide6-Essentials/PySide6-Addons below 6.12 (6.11.3 is "
        "fine) or run on Python 3.12+.")


class _Sender(QObject):
    changed = Signal(int)


def _lost_references(singleton: object, call: Callable[[], object]) -> int:
    """References to ``singleton`` lost over CALLS calls; given back afterwards, so that a broken binding
    fails this test instead of aborting the whole test run."""
    before = sys.getrefcount(singleton)
    for _ in range(CALLS):
        call()
    lost = before - sys.getrefcount(singleton)
    for _ in range(max(0, lost)):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(singleton))
    return lost


def test_void_calls_keep_the_refcount_of_none() -> None:
    obj = QObject()
    assert _lost_references(None, lambda: obj.setObjectName("x")) < CALLS // 10, HINT


def test_emit_keeps_the_refcount_of_true() -> None:
    sender = _Sender()
    assert _lost_references(True, lambda: sender.changed.emit(1)) < CALLS // 10, HINT

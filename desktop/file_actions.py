"""What a person can do with a result's file: open it, show it in its folder, copy its path."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication

log = logging.getLogger(__name__)


def open_file(path: str) -> bool:
    """Open with the default application."""
    ok = QDesktopServices.openUrl(QUrl.fromLocalFile(path))
    if not ok:
        log.warning("no application opened %s", path)
    return bool(ok)


def show_in_folder(path: str) -> bool:
    """Open the file's folder in the file manager, with the file selected where the platform allows."""
    if sys.platform == "darwin":
        return QProcess.startDetached("open", ["-R", path])[0]
    if sys.platform == "win32":
        return QProcess.startDetached("explorer", ["/select,", os.path.normpath(path)])[0]
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent))))


def copy_path(path: str) -> None:
    clipboard = QGuiApplication.clipboard()
    clipboard.setText(path)

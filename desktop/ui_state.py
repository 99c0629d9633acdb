"""What the window remembers between runs (the last text search), kept beside the library's catalog in
its data folder: private like the catalog (it holds what the person searched for), and one per library."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QSettings

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 500


class UiState:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "desktop-state.ini"
        self._settings = QSettings(str(self.path), QSettings.Format.IniFormat)

    def last_query(self) -> str:
        value = self._settings.value("search/last_query", "")
        return value if isinstance(value, str) else ""

    def set_last_query(self, text: str) -> None:
        text = text[:MAX_QUERY_CHARS]
        if text == self.last_query():
            return
        self._settings.setValue("search/last_query", text)
        self._settings.sync()
        try:
            os.chmod(self.path, 0o600)
        except OSError as exc:  # a read-only data folder: the state is simply not kept
            log.debug("cannot restrict %s: %s", self.path, exc)

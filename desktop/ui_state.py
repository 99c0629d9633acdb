"""What the window remembers between runs (the last text search, its size and place, the split between
the list and the preview, the sort order and whether photos show as a grid), kept beside the library's catalog in its data folder: private like the catalog
(it holds what the person searched for), and one per library."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QTimer

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 500
SAVE_DELAY_MS = 3000


class UiState:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "desktop-state.ini"
        self._settings = QSettings(str(self.path), QSettings.Format.IniFormat)
        # Writing the file costs the GUI thread up to 160 ms on a busy disk (bench/gui.py): a search is
        # saved a few seconds after the typing stops, and everything when the window closes.
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._timer.timeout.connect(self.save)

    def last_query(self) -> str:
        value = self._settings.value("search/last_query", "")
        return value if isinstance(value, str) else ""

    def set_last_query(self, text: str) -> None:
        text = text[:MAX_QUERY_CHARS]
        if text == self.last_query():
            return
        self._settings.setValue("search/last_query", text)
        self._timer.start()

    def sort_order(self) -> str:
        value = self._settings.value("results/sort", "")
        return value if isinstance(value, str) else ""

    def set_sort_order(self, order: str) -> None:
        if order != self.sort_order():
            self._settings.setValue("results/sort", order)
            self.save()

    def grid_view(self) -> bool:
        return self._settings.value("results/view", "list") == "grid"

    def set_grid_view(self, grid: bool) -> None:
        if grid != self.grid_view():
            self._settings.setValue("results/view", "grid" if grid else "list")
            self.save()

    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        """(window geometry, splitter state) as Qt saved them, or None where nothing was saved."""
        def value(key: str) -> QByteArray | None:
            v = self._settings.value(key)
            return v if isinstance(v, QByteArray) and not v.isEmpty() else None

        return value("window/geometry"), value("window/splitter")

    def set_window_state(self, geometry: QByteArray, splitter: QByteArray) -> None:
        self._settings.setValue("window/geometry", geometry)
        self._settings.setValue("window/splitter", splitter)
        self.save()

    def save(self) -> None:
        """Write what changed to the file now (private to its owner)."""
        self._timer.stop()
        self._settings.sync()
        try:
            os.chmod(self.path, 0o600)
        except OSError as exc:  # a read-only data folder: the state is simply not kept
            log.debug("cannot restrict %s: %s", self.path, exc)

"""The result list view, with Spotlight-like keys."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QListView


class ResultsView(QListView):
    """The result list, with Spotlight-like keys: Up on the first row goes back to the search field, and
    typing a letter types into it."""

    back_to_field = Signal()
    typed = Signal(QKeyEvent)
    space_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Up and self.currentIndex().row() <= 0:
            self.back_to_field.emit()
            return
        if event.key() == Qt.Key.Key_Space and not event.modifiers():
            self.space_pressed.emit()
            return
        text = event.text()
        if text and text.isprintable() and not (event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier):
            self.typed.emit(event)
            return
        super().keyPressEvent(event)

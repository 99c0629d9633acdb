"""The result list view, with Spotlight-like keys."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QListView

_Move = QAbstractItemView.CursorAction
_BACKWARDS = (_Move.MoveUp, _Move.MovePageUp, _Move.MovePrevious, _Move.MoveLeft)


class ResultsView(QListView):
    """The result list, with Spotlight-like keys: Up on the first result goes back to the search field, and
    typing a letter types into it. Rows that are not enabled (a group heading) are passed over."""

    back_to_field = Signal()
    typed = Signal(QKeyEvent)
    space_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Up and not self._result_above():
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

    def moveCursor(self, action: _Move, modifiers: Qt.KeyboardModifier) -> QModelIndex:
        """Where a key moves to, never onto a row that is not enabled (Home onto a heading in row 0)."""
        index = super().moveCursor(action, modifiers)
        model = self.model()
        if not index.isValid() or model.flags(index) & Qt.ItemFlag.ItemIsEnabled:
            return index
        above = range(index.row() - 1, -1, -1)
        below = range(index.row() + 1, model.rowCount())
        for row in [*above, *below] if action in _BACKWARDS else [*below, *above]:
            if model.flags(model.index(row, 0)) & Qt.ItemFlag.ItemIsEnabled:
                return model.index(row, 0)
        return self.currentIndex()

    def _result_above(self) -> bool:
        model, row = self.model(), self.currentIndex().row()
        return any(model.flags(model.index(r, 0)) & Qt.ItemFlag.ItemIsEnabled for r in range(row))

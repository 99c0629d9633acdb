"""Small reusable widgets: a label that elides to fit, and a non-blocking banner."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QToolButton, QWidget

from desktop import theme


class ElidedLabel(QLabel):
    """One line of text, elided (middle for paths and names, right for sentences) to the width it gets."""

    def __init__(self, text: str = "", mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = text
        self._mode = mode
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._full = text
        super().setText(text)
        self.update()

    def full_text(self) -> str:
        return self._full

    def minimumSizeHint(self) -> QSize:
        return QSize(20, super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.setFont(self.font())
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(self._full, self._mode, rect.width())
        painter.drawText(rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), shown)


class Banner(QFrame):
    """A strip under the search bar: an icon, a message, actions, and a close button. Never modal."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(16, 8, 10, 8)
        lay.setSpacing(10)
        self.icon = QLabel()
        self.icon.setPixmap(theme.pixmap("warning", "#9a6700", 18))
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._actions = QHBoxLayout()
        self._actions.setSpacing(6)
        self.close_button = QToolButton()
        self.close_button.setIcon(theme.icon("close", theme.MUTED, 14))
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss")
        self.close_button.clicked.connect(self._close)
        lay.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.message, 1)
        lay.addLayout(self._actions)
        lay.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.buttons: dict[str, QPushButton] = {}
        self.hide()

    def add_action(self, text: str, slot: Callable[[], object]) -> QPushButton:
        b = QPushButton(text)
        b.setProperty("secondary", True)
        b.clicked.connect(lambda: slot())
        self._actions.addWidget(b)
        self.buttons[text] = b
        return b

    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.setProperty("error", error)
        self.icon.setPixmap(theme.pixmap("warning", "#cf222e" if error else "#9a6700", 18))
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()

    def _close(self) -> None:
        self.hide()
        self.closed.emit()

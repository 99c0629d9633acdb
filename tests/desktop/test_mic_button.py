"""A disabled tool button in the search box (the microphone without a microphone) looks disabled: its icon
is drawn in a much paler ink than an enabled one's, and its tooltip says why it is off."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage
from pytestqt.qtbot import QtBot

from desktop import theme
from desktop.query_bar import QueryBar

WHY = "No microphone found. Use “Search by voice file…” to search with a recording instead."


def ink(icon: QIcon, mode: QIcon.Mode) -> QColor:
    """The mean colour of the icon's opaque pixels, as the style draws it in ``mode``."""
    image = icon.pixmap(QSize(18, 18), 2.0, mode).toImage().convertToFormat(QImage.Format.Format_ARGB32)
    r = g = b = n = 0
    for y in range(image.height()):
        for x in range(image.width()):
            c = image.pixelColor(x, y)
            if c.alpha() > 200:
                r, g, b, n = r + c.red(), g + c.green(), b + c.blue(), n + 1
    assert n > 20, "the icon has no opaque stroke"
    return QColor(r // n, g // n, b // n)


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio between two colours (1 = the same, 21 = black on white)."""
    def lum(c: QColor) -> float:
        def ch(v: int) -> float:
            s = v / 255
            return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
        return 0.2126 * ch(c.red()) + 0.7152 * ch(c.green()) + 0.0722 * ch(c.blue())
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_disabled_microphone_is_dimmed_and_says_why(qtbot: QtBot) -> None:
    bar = QueryBar()
    qtbot.addWidget(bar)
    bar.setStyleSheet(theme.STYLE)
    bar.show()
    mic, voice = bar.mic_button, bar.voice_button
    assert mic.isEnabled() and mic.toolTip().startswith("Search by voice")
    bar.set_mic_available(False, WHY)
    assert not mic.isEnabled() and voice.isEnabled()
    assert mic.toolTip() == WHY and mic.accessibleDescription() == WHY
    assert mic.cursor().shape() == Qt.CursorShape.ArrowCursor  # no pointing hand over what cannot be clicked
    surface = QColor(theme.SURFACE)
    enabled_ink, disabled_ink = ink(voice.icon(), QIcon.Mode.Normal), ink(mic.icon(), QIcon.Mode.Disabled)
    # Enabled icons stand out from the box (WCAG 4.5:1 for readable marks); a disabled one is faint.
    assert contrast(enabled_ink, surface) >= 4.5
    assert contrast(disabled_ink, surface) < 2.0
    assert contrast(enabled_ink, surface) / contrast(disabled_ink, surface) > 2.5
    bar.set_mic_available(True)
    assert mic.isEnabled() and mic.toolTip().startswith("Search by voice") and not mic.accessibleDescription()
    assert mic.cursor().shape() == Qt.CursorShape.PointingHandCursor

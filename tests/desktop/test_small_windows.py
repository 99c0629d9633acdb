"""Small windows keep every label readable: checked by widget geometry (what a label needs against what it
got), never by pixels, at 800x600 and at the smallest size the window allows (600x400)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.main_window import MIN_SIZE, MainWindow
from tests.desktop.conftest import search


def _in(widget: QWidget, ancestor: QWidget) -> QRect:
    return QRect(widget.mapTo(ancestor, widget.rect().topLeft()), widget.size())


@pytest.mark.parametrize("size", [(800, 600), MIN_SIZE])
def test_filters_rows_and_photo_details_fit(qtbot: QtBot, window: MainWindow, size: tuple[int, int]) -> None:
    window.resize(*size)
    search(qtbot, window, "sunset beach")
    qtbot.waitUntil(lambda: window.preview.photo.isVisible(), timeout=5000)
    QApplication.processEvents()
    assert (window.width(), window.height()) == size
    for button in window.query_bar.kinds.buttons.values():  # "Photos", not "P…s"
        assert button.width() >= button.sizeHint().width(), (button.text(), button.width())
    bar = window.query_bar
    assert bar.dates.width() >= bar.dates.minimumWidth() and bar.folders.width() >= bar.folders.minimumWidth()
    if size[0] >= 800:  # at 800 px the filters show their whole text
        assert bar.dates.width() >= bar.dates.sizeHint().width()
    assert not window.results_view.horizontalScrollBar().isVisible()
    row = window.results_view.visualRect(window.model.index(0))
    assert row.right() <= window.results_view.viewport().width()  # the badge and date are inside the row
    photo = window.preview.photo
    canvas, taken = _in(photo.canvas, photo), _in(photo.keys["Taken"], photo)
    assert canvas.bottom() < taken.top(), (canvas, taken)  # the photo never covers its details
    assert taken.bottom() <= photo.height()


def test_the_window_has_a_minimum_size(qtbot: QtBot, window: MainWindow) -> None:
    window.resize(300, 200)
    QApplication.processEvents()
    assert window.width() >= MIN_SIZE[0] and window.height() >= MIN_SIZE[1]

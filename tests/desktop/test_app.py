"""``trove-desktop --screenshot``: opens over an existing index, runs the query, waits for results and
thumbnails, saves the whole window and exits 0."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from core.library import Library
from desktop import app
from tests.conftest import FakeEncoders, make_wav


@pytest.fixture
def indexed(lib: Library, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The data dir of an indexed library; the app opens it with the fake encoders."""
    data_dir = lib.data_dir
    real_open = Library.open

    def open_with_fakes(data_dir: Path | None = None, device: str = "auto", encoders: object = None,
                        isolated: bool = False) -> Library:
        return real_open(data_dir, device, FakeEncoders())

    monkeypatch.setattr(Library, "open", staticmethod(open_with_fakes))
    return data_dir


@pytest.mark.parametrize("kind", ["text", "image", "voice"])
def test_screenshot_of_a_query(qtbot: QtBot, indexed: Path, media: Path, tmp_path: Path, kind: str) -> None:
    out = tmp_path / f"{kind}.png"
    args = ["--data-dir", str(indexed), "--screenshot", str(out), "--size", "900x600"]
    if kind == "text":
        args += ["--query", "sunset beach"]
    elif kind == "image":
        args += ["--image", str(media / "photos" / "pets" / "black-cat-on-sofa.jpg")]
    else:
        args += ["--voice", str(make_wav(tmp_path / "q.wav", transcript="dentist appointment"))]
    assert app.main(args) == 0
    shot = QImage(str(out))
    assert (shot.width(), shot.height()) == (900, 600)
    assert shot.pixelColor(5, 5).isValid()


def test_an_unreadable_data_dir_exits_non_zero(tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    assert app.main(["--data-dir", str(blocker), "--screenshot", str(tmp_path / "x.png")]) == 1


@pytest.mark.parametrize(("view", "size"), [("grid", "800x600"), ("list", "800x600"), ("grid", "1200x760")])
def test_screenshot_of_the_library_in_a_view_and_size(qtbot: QtBot, indexed: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch, view: str, size: str) -> None:
    """``--view grid|list --size WxH --screenshot`` without a query: the timeline, in that view, at that size,
    with the photos' tiles laid out inside the window (no horizontal scrolling) and the choice not saved."""
    from desktop.main_window import MainWindow

    seen: dict[str, object] = {}
    real_grab = MainWindow.grab

    def grab_and_look(self: MainWindow, *args: object) -> object:
        seen["grid"] = self.is_grid_view()
        seen["hbar"] = self.results_view.horizontalScrollBar().isVisible()
        seen["rows"] = self.model.rowCount()
        seen["saved"] = self.ui_state.grid_view()
        return real_grab(self, *args)

    monkeypatch.setattr(MainWindow, "grab", grab_and_look)
    out = tmp_path / f"{view}-{size}.png"
    assert app.main(["--data-dir", str(indexed), "--screenshot", str(out), "--size", size, "--view", view]) == 0
    w, h = (int(x) for x in size.split("x"))
    shot = QImage(str(out))
    assert (shot.width(), shot.height()) == (w, h)
    assert seen["grid"] is (view == "grid")
    assert seen["rows"] and not seen["hbar"]
    assert seen["saved"] is False  # --view is for this run only

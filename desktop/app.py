"""``trove-desktop``: start the app. With ``--screenshot FILE.png`` it opens the window over the existing
index, runs the given query (``--query``, ``--image`` or ``--voice``), waits for the results, their
thumbnails and the preview, saves a picture of the whole window and exits (0 on success)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop import theme

log = logging.getLogger("desktop")

SCREENSHOT_TIMEOUT_S = 120.0
DEFAULT_SIZE = "1200x760"
STARTED = time.monotonic()  # when this module was imported: the start of the app, for the log


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="trove-desktop",
                                description="Search your photos, notes, documents and recordings.")
    p.add_argument("--data-dir", type=Path, help="where the catalog and index live (default: $TROVE_DATA_DIR, "
                   "else the platform's user data folder)")
    p.add_argument("--query", metavar="TEXT", help="search for this text at start")
    p.add_argument("--image", metavar="FILE", type=Path, help="search by this image at start")
    p.add_argument("--voice", metavar="FILE", type=Path, help="search by this recording at start")
    p.add_argument("--screenshot", metavar="FILE.png", type=Path,
                   help="save a picture of the window once the results are shown, then exit")
    p.add_argument("--view", choices=("list", "grid"),
                   help="results as a list or photos as a grid (default: as last chosen)")
    p.add_argument("--size", metavar="WxH", help=f"window size (default: as it was last closed, else {DEFAULT_SIZE})")
    p.add_argument("-v", "--verbose", action="store_true", help="log more to stderr")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.verbose:  # Qt Multimedia lists every optional library it did not find (pipewire, VA-API)
        os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.symbolsresolver=false;qt.multimedia.ffmpeg=false")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Trove")
    app.setApplicationDisplayName("Trove")
    app.setOrganizationName("Trove")
    app.setDesktopFileName("io.github.trove.Trove")  # matches packaging/linux: the launcher owns the window
    app.setWindowIcon(theme.app_icon())
    theme.apply(app)

    from core.library import Library, default_data_dir
    from desktop.main_window import MainWindow

    data_dir = args.data_dir or default_data_dir()
    try:
        library = Library.open(data_dir, isolated=True)  # index runs (and torch) in a child process
    except Exception as exc:  # a newer schema, an unreadable folder: say so, don't crash silently
        log.exception("cannot open the library at %s", data_dir)
        if args.screenshot is None:
            QMessageBox.critical(None, "Trove", f"Cannot open the library at {data_dir}:\n\n{exc}")
        return 1
    shooting = args.screenshot is not None
    owner = None if shooting else library.serve()  # the CLI asks this app, warm, while it runs
    window = MainWindow(library, auto_index=not shooting, watch=not shooting)
    if args.size is None and (shooting or not window.restore_window_state()):
        args.size = DEFAULT_SIZE  # screenshots are taken at a known size, not at the last one
    if args.size is not None:
        try:
            w, h = (int(x) for x in args.size.lower().split("x"))
            window.resize(w, h)  # the window's minimum size applies
        except ValueError:
            log.warning("--size %s is not WxH; using the default", args.size)
            window.resize(*(int(x) for x in DEFAULT_SIZE.split("x")))
    if args.view is not None:
        window.set_grid_view(args.view == "grid", remember=False)
    window.show()
    QTimer.singleShot(0, lambda: log.info("window shown after %.2f s", time.monotonic() - STARTED))
    if args.voice:
        window.search_voice(str(args.voice.expanduser().resolve()))
    elif args.image:
        if args.query:
            window.query_bar.set_text(args.query)
        window.search_image(str(args.image.expanduser().resolve()))
    elif args.query:
        window.search_text(args.query)
    elif shooting:
        window.browse()  # no query: the library's timeline, as an empty search field shows it
    shot: Screenshot | None = None
    if shooting:
        assert args.screenshot is not None
        shot = Screenshot(window, args.screenshot, app)
        shot.start()
    else:
        if not window.restore_last_query():
            window.browse()
        window.focus_search()
    try:
        code = app.exec()
    finally:
        window.close()  # stops the watcher and background work
        window.deleteLater()
        if owner is not None:
            owner.stop()
        library.close()
    if shot is not None:
        return shot.exit_code
    return int(code)


class Screenshot:
    """Waits until the window has settled (results in, thumbnails and preview loaded), then saves it.
    Polls the window's own state on a timer: this is the app's event loop, not a test."""

    def __init__(self, window: object, path: Path, app: QApplication) -> None:
        from desktop.main_window import MainWindow

        assert isinstance(window, MainWindow)
        self.window = window
        self.path = path
        self.app = app
        self.exit_code = 1
        self._answered = False
        self._error: str | None = None
        self._deadline = time.monotonic() + SCREENSHOT_TIMEOUT_S
        self._calm_ticks = 0
        window.results_shown.connect(self._answered_now)
        window.search_failed.connect(self._failed)
        self._timer = QTimer()
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        if self.window.search.latest == 0:  # no query given: the window as it opens
            self._answered = True
        self._timer.start()

    def _answered_now(self, _n: int) -> None:
        self._answered = True

    def _failed(self, message: str) -> None:
        self._answered = True
        self._error = message

    def _tick(self) -> None:
        if time.monotonic() > self._deadline:
            log.error("the window did not settle within %.0f s; saving it as it is", SCREENSHOT_TIMEOUT_S)
            self._save(ok=False)
            return
        if not self._answered:
            return
        self.window.results_view.viewport().repaint()  # paint now, so visible thumbnails are requested
        if self.window.is_settled():
            self._calm_ticks += 1
            if self._calm_ticks >= 3:  # three quiet ticks in a row: nothing queued behind the last load
                self._save(ok=self._error is None)
        else:
            self._calm_ticks = 0

    def _save(self, ok: bool) -> None:
        self._timer.stop()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        saved = self.window.grab().save(str(self.path), None, 0)  # PNG at the strongest compression
        if not saved:
            log.error("could not write %s", self.path)
        elif self._error:
            log.error("the search failed: %s", self._error)
        self.exit_code = 0 if ok and saved else 1
        self.app.exit(self.exit_code)


if __name__ == "__main__":
    sys.exit(main())

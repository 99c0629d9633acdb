"""The search window: query bar, results and preview side by side, indexing status; a welcome view on
first run and a banner when CLIP weights are missing. It is given an open ``core.Library`` and owns the
background pools, the watcher and the temporary files it makes (pasted images)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPoint, QSignalBlocker, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QKeySequence,
    QResizeEvent,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QLabel,
    QListView,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.library import Library, Query
from core.types import PHOTO_EXTS, RECORDING_EXTS, ModelMissing
from desktop import file_actions, theme
from desktop.audio import has_audio_input
from desktop.failures import FailuresDialog
from desktop.indexing import IndexingController
from desktop.indexing_status import IndexingStatus
from desktop.ordering import SortOrder, month_sections, sort_items
from desktop.preview import PreviewPane
from desktop.query_bar import QueryBar
from desktop.query_inputs import TempFiles, audio_path_from_mime, image_path_from_mime
from desktop.recorder import RecordDialog
from desktop.result_delegate import GRID_SPACING, GridDelegate, ResultDelegate
from desktop.results_model import GroupHeading, ItemRole, ResultItem, ResultsModel
from desktop.results_view import ResultsView
from desktop.search_controller import SearchController, SearchOutcome
from desktop.settings_dialog import SettingsChange, SettingsDialog
from desktop.tasks import make_pool, run_task
from desktop.thumbnails import ThumbnailCache
from desktop.ui_state import UiState
from desktop.welcome import FolderPicker, WelcomeView, pick_folder_dialog
from desktop.widgets import Banner

log = logging.getLogger(__name__)

RESULT_LIMIT = 200
BROWSE_LIMIT = 1000  # an empty query lists this many of the newest files
REFRESH_WHILE_INDEXING_MS = 2000
IMAGE_MODEL_IDLE_MS = 120_000
AUTO_INDEX_DELAY_MS = 300
MIN_SIZE = (600, 400)  # the smallest window whose filters, rows and preview still show their words
IDLE_MESSAGE = ("<p style='font-size:16px'>Type to search your photos, notes, documents and recordings</p>"
                "<p style='color:#8c959f'>or drop an image here, paste one (Ctrl+V), or search by a voice file</p>")
CLIP_MISSING = "Photos are searchable by names and dates only: CLIP weights are missing."
CHECKPOINT_FILTER = "open_clip checkpoint (*.pt *.pth *.bin *.safetensors);;All files (*)"
AUDIO_FILTER = f"Audio ({' '.join('*' + e for e in sorted(RECORDING_EXTS))});;All files (*)"
IMAGE_FILTER = f"Images ({' '.join('*' + e for e in sorted(PHOTO_EXTS))});;All files (*)"


class MainWindow(QMainWindow):
    results_shown = Signal(int)  # the newest search's results are in the list (count)
    search_failed = Signal(str)
    library_updated = Signal()  # the watcher indexed changes and the results were refreshed

    def __init__(self, library: Library, *, auto_index: bool = True, watch: bool = True,
                 watcher_quiet_s: float = 1.0, pick_folder: FolderPicker = pick_folder_dialog,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.setWindowTitle("Trove")
        self.setWindowIcon(theme.app_icon())
        self.setStyleSheet(theme.STYLE)
        self.setAcceptDrops(True)
        self.resize(1200, 760)
        self.setMinimumSize(*MIN_SIZE)
        self._temp_files = TempFiles()
        self._shut = False
        self._last_query: Query | None = None
        self._live_number: int | None = None  # the search that re-runs the shown query (see _start)
        self._query_text = ""
        self._outcome: SearchOutcome | None = None  # the results shown, as search returned them

        self.search_pool = make_pool(2, "trove-search", nice=5)
        self.thumb_pool = make_pool(2, "trove-thumbnails", nice=5)
        self.background_pool = make_pool(3, "trove-background", nice=5)
        self.thumbnails = ThumbnailCache(self.thumb_pool, parent=self)
        self.search = SearchController(library, self.search_pool, self)
        self.indexing = IndexingController(library, self.background_pool, watch=watch,
                                           quiet_s=watcher_quiet_s, parent=self)

        # -- widgets ---------------------------------------------------------------------------------
        self.query_bar = QueryBar()
        self.banner = Banner()
        self.error_banner = Banner()
        self.model = ResultsModel(self)
        self.results_view = ResultsView()
        self.results_view.setObjectName("Results")
        self.results_view.setModel(self.model)
        self.list_delegate = ResultDelegate(self.thumbnails, self.results_view)
        self.grid_delegate = GridDelegate(self.thumbnails, self.results_view)
        self.results_view.setItemDelegate(self.list_delegate)
        self.results_view.setUniformItemSizes(False)  # a group heading is lower than a result
        self.results_view.setResizeMode(QListView.ResizeMode.Adjust)  # rows follow the list's width
        self.results_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.results_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.results_view.setMouseTracking(True)
        self.results_view.setAccessibleName("Search results")
        self.empty = QLabel(IDLE_MESSAGE)
        self.empty.setObjectName("EmptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setTextFormat(Qt.TextFormat.RichText)
        self.results_stack = QStackedWidget()
        self.results_stack.addWidget(self.empty)
        self.results_stack.addWidget(self.results_view)
        self.preview = PreviewPane(library, self.thumbnails, self.search_pool)
        self.preview.open_requested.connect(self.open_item)
        self.preview.reveal_requested.connect(self.reveal_item)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.results_stack)
        self.splitter.addWidget(self.preview)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setSizes([660, 540])
        self.splitter.setHandleWidth(1)
        self._pick_folder = pick_folder
        self.settings: SettingsDialog | None = None
        self.welcome = WelcomeView(pick_folder=pick_folder)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.welcome)
        self.pages.addWidget(self.splitter)

        central = QWidget()
        col = QVBoxLayout(central)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(self.query_bar)
        col.addWidget(self.banner)
        col.addWidget(self.error_banner)
        col.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.drop_overlay = QLabel("Drop an image to find similar photos, or a recording to search by voice",
                                   central)
        self.drop_overlay.setObjectName("DropOverlay")
        self.drop_overlay.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_overlay.setWordWrap(True)
        self.drop_overlay.hide()

        self.status = IndexingStatus(self.indexing, library.device.description, library.device.gpu_unused)
        self.statusBar().addPermanentWidget(self.status, 1)
        self.failures: FailuresDialog | None = None
        self.status.failures_requested.connect(self.show_failures)
        self.statusBar().setSizeGripEnabled(False)
        self.test_weights_badge = QLabel("Test weights")
        self.test_weights_badge.setObjectName("TestWeightsBadge")
        self.test_weights_badge.setToolTip(
            "CLIP runs with random test weights (TROVE_CLIP_WEIGHTS=random): photos are not understood, so searching "
            "them by their content or by a picture finds only near-copies. Import real weights with File > Import "
            "CLIP weights…")
        self.test_weights_badge.setVisible(library.clip.weights == "random")
        self.statusBar().addPermanentWidget(self.test_weights_badge)

        # -- wiring ----------------------------------------------------------------------------------
        qb = self.query_bar
        qb.search_requested.connect(self.run_search)
        qb.cleared.connect(self._cleared)
        qb.paste_requested.connect(self.paste)
        qb.pick_image_requested.connect(self.pick_image)
        qb.voice_file_requested.connect(self.pick_voice_file)
        qb.record_requested.connect(self.record_voice)
        qb.focus_results_requested.connect(self._focus_results)
        qb.settings_requested.connect(self.show_settings)
        qb.sort.order_changed.connect(self.set_sort_order)
        qb.view_switch.grid_changed.connect(self.set_grid_view)
        if not has_audio_input():
            qb.set_mic_available(False, "No microphone found. Use “Search by voice file…” (the button to the "
                                        "left) to search with a recording instead.")
        self.search.finished.connect(self._show_results)
        self.search.failed.connect(self._search_failed)
        self.thumbnails.ready.connect(self.model.refresh_thumbnail)
        self.thumbnails.ready.connect(self._chip_thumbnail)
        self.results_view.selectionModel().currentChanged.connect(self._current_changed)
        self.results_view.activated.connect(lambda idx: self.open_item(self._item(idx)))
        self.results_view.customContextMenuRequested.connect(self._context_menu)
        self.results_view.back_to_field.connect(self.focus_search)
        self.results_view.typed.connect(self._typed_in_results)
        self.results_view.space_pressed.connect(self._toggle_preview)
        self.welcome.folders_chosen.connect(self.add_folders)
        self.indexing.updated.connect(self._library_changed)
        self.indexing.finished.connect(lambda _s: self.refresh())
        self.indexing.running_changed.connect(lambda _r: self.update_folders())
        self.indexing.updated.connect(lambda _s: self.update_folders())
        self.indexing.progress.connect(self._indexing_progress)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_WHILE_INDEXING_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._image_model_timer = QTimer(self)  # the visual tower is let go a while after the last image query
        self._image_model_timer.setSingleShot(True)
        self._image_model_timer.setInterval(IMAGE_MODEL_IDLE_MS)
        self._image_model_timer.timeout.connect(self.library.release_image_model)
        self._actions()
        self._menus()

        self.update_folders()
        self.ui_state = UiState(library.data_dir)
        try:
            self.query_bar.sort.set_order(SortOrder(self.ui_state.sort_order() or SortOrder.RELEVANCE))
        except ValueError:
            log.info("unknown saved sort order %r; using relevance", self.ui_state.sort_order())
        self.set_grid_view(self.ui_state.grid_view(), remember=False)
        if not library.clip.present:
            self.banner.add_action("Import model file…", self.import_clip)
            self.banner.add_action("Download…", self.download_clip)
            self.banner.show_message(CLIP_MISSING)
        if library.roots():
            self._show_search_page()
            if library.query.copies_exist() or library.child is None:  # never torch in the app's own process
                self.preload_models()
            if auto_index:  # once the window has painted: the run's start competes for the same cores
                QTimer.singleShot(AUTO_INDEX_DELAY_MS, self.indexing.index)
            else:
                self.indexing.refresh_counts()
                if watch:
                    self.indexing.ensure_watcher()
        else:
            self.pages.setCurrentWidget(self.welcome)
            self.query_bar.hide()
            self.indexing.refresh_counts()

    # -- keyboard and actions ---------------------------------------------------------------------------
    def _actions(self) -> None:
        QShortcut(QKeySequence.StandardKey.Find, self, self.focus_search)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self._escape)
        QShortcut(QKeySequence.StandardKey.Paste, self, self.paste)
        self.open_action = self._list_action("Open", "Return", lambda item: self.open_item(item))
        self.reveal_action = self._list_action("Show in folder", "Ctrl+Shift+R", lambda item: self.reveal_item(item))
        self.copy_action = self._list_action("Copy path", "Ctrl+C", lambda item: file_actions.copy_path(item.path))
        self.like_action = self._list_action("More like this", "Ctrl+L", lambda item: self.more_like(item.path))

    def _menus(self) -> None:
        """File, View and Help: every action also has its place in a menu, with its shortcut shown."""
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.add_folder_action = file_menu.addAction("&Add folder…", self.add_folder)
        self.import_action = file_menu.addAction("&Import CLIP weights…", self.import_clip)
        file_menu.addSeparator()
        self.settings_action = file_menu.addAction("&Settings…", self.show_settings)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        file_menu.addSeparator()
        self.quit_action = file_menu.addAction("&Quit", self.close)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        view = bar.addMenu("&View")
        self.preview_action = view.addAction("Show &preview")
        self.preview_action.setCheckable(True)
        self.preview_action.setChecked(True)
        self.preview_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.preview_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # Space is the list's (below)
        self.preview_action.toggled.connect(self.preview.setVisible)
        self.grid_action = view.addAction("Photos as a &grid")
        self.grid_action.setCheckable(True)
        self.grid_action.setShortcut(QKeySequence("Ctrl+G"))
        self.grid_action.toggled.connect(self.set_grid_view)
        view.addSeparator()
        view.addAction("&Failed files…", self.show_failures)
        help_menu = bar.addMenu("&Help")
        self.about_action = help_menu.addAction("&About Trove", self.show_about)

    def about_text(self) -> str:
        """Versions and the models in use, for the About box (and bug reports)."""
        import platform
        from importlib.metadata import PackageNotFoundError, version

        import PySide6

        try:
            trove = version("trove")
        except PackageNotFoundError:
            trove = "unknown (not installed as a package)"
        lib = self.library
        clip = lib.clip
        clip_text = (f"{clip.arch}, random test weights" if clip.weights == "random"
                     else f"{clip.arch} from {clip.weights}" if clip.present else f"{clip.arch}, no weights")
        rows = [("Trove", trove), ("Python", platform.python_version()), ("Qt (PySide6)", PySide6.__version__),
                ("Photos", f"CLIP {clip_text}"), ("Notes", lib.encoders.text_model_id),
                ("Speech", "faster-whisper tiny.en (bundled)"), ("Device", lib.device.description),
                ("Library data", str(lib.data_dir))]
        table = "".join(f"<tr><td>{_escape(k)}&nbsp;&nbsp;</td><td>{_escape(v)}</td></tr>" for k, v in rows)
        return ("<b>Trove</b>: offline search over your own photos, notes, documents and recordings. Nothing "
                f"leaves this machine.<br><br><table>{table}</table>")

    def show_about(self) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.NoIcon, "About Trove", self.about_text(), QMessageBox.StandardButton.Ok,
                          self)
        box.setTextFormat(Qt.TextFormat.RichText)
        box.open()
        return box

    def start_dir(self, place: str) -> str:
        """Where a file dialog opens: the person's Pictures (Music, Downloads) folder when it exists, else
        the first library folder, else home."""
        location = {"pictures": QStandardPaths.StandardLocation.PicturesLocation,
                    "music": QStandardPaths.StandardLocation.MusicLocation,
                    "downloads": QStandardPaths.StandardLocation.DownloadLocation}[place]
        for candidate in (QStandardPaths.writableLocation(location), *self.library.roots()):
            if candidate and Path(candidate).is_dir() and Path(candidate) != Path.home():
                return candidate
        return str(Path.home())

    def add_folder(self) -> None:
        path = self._pick_folder(self)
        if path:
            self.add_folders([path])

    def _list_action(self, text: str, keys: str, fn: object) -> QAction:
        action = QAction(text, self.results_view)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(lambda: self._on_current(fn))
        if keys != "Return":  # Enter already arrives as the view's activated()
            self.results_view.addAction(action)
        return action

    def _on_current(self, fn: object) -> None:
        item = self._item(self.results_view.currentIndex())
        if item is not None and callable(fn):
            fn(item)

    def focus_search(self) -> None:
        if self.query_bar.isVisible():
            self.query_bar.field.setFocus()
            self.query_bar.field.selectAll()

    def _escape(self) -> None:
        self.query_bar.clear()
        self.focus_search()

    def _focus_results(self) -> None:
        if self.model.rowCount() and self.results_stack.currentWidget() is self.results_view:
            self.results_view.setFocus()
            first = self.model.first_result_row()
            if not self.results_view.currentIndex().isValid() and first is not None:
                self.results_view.setCurrentIndex(self.model.index(first))

    def _typed_in_results(self, event: QKeyEvent) -> None:
        field = self.query_bar.field
        field.setFocus()
        field.deselect()
        field.end(False)
        QGuiApplication.sendEvent(field, QKeyEvent(event.type(), event.key(), event.modifiers(), event.text()))

    def _toggle_preview(self) -> None:
        self.preview_action.toggle()  # View > Show preview shows the state and the key

    def _context_menu(self, pos: QPoint) -> None:
        idx = self.results_view.indexAt(pos)
        if self._item(idx) is None:  # nothing there, or the group heading
            return
        self.results_view.setCurrentIndex(idx)
        menu = QMenu(self)
        for action in (self.open_action, self.reveal_action, self.copy_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.like_action)
        menu.exec(self.results_view.viewport().mapToGlobal(pos))

    # -- searching ----------------------------------------------------------------------------------------
    def current_query(self) -> Query:
        """What the query bar says; with nothing in it, the whole library, newest first (browsing)."""
        qb = self.query_bar
        query = self._with_filters(Query(text=qb.text() or None, image_path=qb.image_path(),
                                         like_path=qb.like_path()))
        if qb.is_empty() and not qb.filtered():
            query.limit = BROWSE_LIMIT
        return query

    def _with_filters(self, query: Query) -> Query:
        qb = self.query_bar
        query.kind = qb.kind()
        query.folder = qb.folders.folder()
        query.after, query.before = qb.dates.range()
        query.limit = RESULT_LIMIT
        return query

    def run_search(self) -> None:
        """Search for what the query bar says now (the debounce timer, Enter and the filters call this); an
        empty bar lists the library as a timeline."""
        self._start(self.current_query())

    def browse(self) -> bool:
        """Show the library newest first, by month, when the search page is up and the bar is empty."""
        if self.pages.currentWidget() is not self.splitter or not self.query_bar.is_empty():
            return False
        self.run_search()
        return True

    def preload_models(self) -> None:
        """Load what a text query needs, off the GUI thread, while the person starts typing; a search
        typed meanwhile waits for the models inside its own task and runs when they are in."""
        self.status.set_models_loading(True)
        run_task(self.library.query.preload, self._models_loaded,
                 lambda exc: self.status.set_models_loading(False, f"{type(exc).__name__}: {exc}"),
                 pool=self.search_pool, context=self)

    def _models_loaded(self, _none: object) -> None:
        log.info("search models loaded (%s)", ", ".join(k for k, v in self.library.query.uses_onnx().items() if v)
                 or "torch")
        self.status.set_models_loading(False)

    def restore_last_query(self) -> bool:
        """Put the last text search back in the field and run it (the app starts where it was left)."""
        text = self.ui_state.last_query()
        if not text or self.pages.currentWidget() is not self.splitter:
            return False
        self.search_text(text)
        return True

    def _start(self, query: Query, live: bool = False) -> None:
        """Search for ``query``; ``live`` re-runs the shown one (the index changed), which then keeps the
        list where the person left it: the same file current, the same scroll position, no "Searching…"."""
        self._last_query = query
        self._query_text = query.text or ""
        if query.text and not (query.image_path or query.voice_path or query.like_path):
            self.ui_state.set_last_query(query.text)
        transcribing = bool(query.voice_path and query.transcript is None)
        if not live:
            self.query_bar.set_result_count("Transcribing…" if transcribing else "Searching…")
        if transcribing:  # the old results answer another question: do not leave them up meanwhile
            self.model.clear()
            self.preview.show_item(None)
            self._show_empty("Transcribing what was said…")
        number = self.search.search(query)
        self._live_number = number if live else None

    def search_text(self, text: str) -> None:
        self.query_bar.set_text(text)
        self.run_search()

    def search_image(self, path: str) -> None:
        """Search by an image file (picked, dropped or pasted); the field's words, if any, refine it."""
        self.query_bar.set_image(path, self.thumbnails.get(path))
        self.run_search()

    def search_voice(self, path: str) -> None:
        """Transcribe ``path`` and search for what was said; the transcript lands in the field."""
        self.query_bar.clear(announce=False)
        self._start(self._with_filters(Query(voice_path=path)))

    def more_like(self, path: str) -> None:
        self.query_bar.set_text("")
        self.query_bar.set_like(path)
        self.run_search()

    def refresh(self) -> None:
        """Run the shown query again (the index changed); the selection stays on the same file."""
        if self._last_query is not None and not self._shut and self.pages.currentWidget() is self.splitter:
            self._start(self._last_query, live=True)

    def _show_results(self, outcome: SearchOutcome) -> None:
        q = outcome.query
        if q.image_path:
            self._image_model_timer.start()
        if q.voice_path and q.transcript is not None and self.query_bar.text() != q.transcript:
            self.query_bar.set_text(q.transcript)
            self._query_text = q.transcript
        live = outcome.number == self._live_number and self.results_stack.currentWidget() is self.results_view
        self._outcome = outcome
        self._fill(outcome, live)
        self.error_banner.hide()
        self.results_shown.emit(len(outcome.items))

    def _fill(self, outcome: SearchOutcome, live: bool) -> None:
        """Put ``outcome`` in the list in the chosen order, under its headings: "Also in this filter" for a
        query, one per month for the timeline; the current file stays current."""
        q = outcome.query
        keep = self._item(self.results_view.currentIndex())
        scrolled = self.results_view.verticalScrollBar().value()
        timeline = _is_browse(q)
        items = sort_items([replace(it, timeline=True) for it in outcome.items] if timeline else outcome.items,
                           self.query_bar.sort.order())
        heading = None if timeline else self._group_heading(q, items)
        self.model.set_items(items, heading, month_sections(items) if timeline else ())
        n = len(items)
        self.query_bar.set_result_count(self._browse_count_text(q, items) if timeline
                                        else self._count_text(q, items, heading is not None))
        if n:
            self.results_stack.setCurrentWidget(self.results_view)
            first = self.model.first_result_row() or 0
            kept = self.model.row_of(keep.path) if keep else None
            row = first if kept is None else kept
            self.results_view.setCurrentIndex(self.model.index(row))
            if live:  # a refresh while indexing: stay where the person scrolled to
                self.results_view.verticalScrollBar().setValue(scrolled)
            else:  # from the top when the first result is current: a heading above it stays in sight
                self.results_view.scrollTo(self.model.index(0 if row == first else row))
        else:
            self.preview.show_item(None)
            self._show_empty(self._no_match_text(q))

    def set_sort_order(self, order: SortOrder) -> None:
        """Relevance, newest or oldest first: the shown results are ordered again, no new search."""
        if self.query_bar.sort.order() is not order:
            self.query_bar.sort.set_order(order)  # comes back here through order_changed
            return
        self.ui_state.set_sort_order(order.value)
        if self._outcome is not None and self.model.rowCount():
            self._fill(self._outcome, live=False)

    def is_grid_view(self) -> bool:
        return self.results_view.viewMode() is QListView.ViewMode.IconMode

    def set_grid_view(self, grid: bool, remember: bool = True) -> None:
        """Results as a grid of thumbnails (names under them) or as rows; remembered unless ``remember`` is
        false (``--view``: an argument wins over the saved setting without replacing it)."""
        self.query_bar.view_switch.set_grid(grid)
        with QSignalBlocker(self.grid_action):
            self.grid_action.setChecked(grid)
        if remember:
            self.ui_state.set_grid_view(grid)
        if grid == self.is_grid_view():
            return
        view = self.results_view
        current = view.currentIndex()
        view.setItemDelegate(self.grid_delegate if grid else self.list_delegate)
        view.setViewMode(QListView.ViewMode.IconMode if grid else QListView.ViewMode.ListMode)
        view.setMovement(QListView.Movement.Static)  # IconMode would let tiles be dragged about
        view.setWrapping(grid)
        view.setFlow(QListView.Flow.LeftToRight if grid else QListView.Flow.TopToBottom)
        view.setSpacing(GRID_SPACING if grid else 0)
        view.setResizeMode(QListView.ResizeMode.Adjust)
        view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        view.doItemsLayout()
        if current.isValid():
            view.scrollTo(current)

    def _browse_count_text(self, q: Query, items: list[ResultItem]) -> str:
        n = len(items)
        if not n:
            return ""
        order = self.query_bar.sort.order()
        when = "oldest first" if order is SortOrder.OLDEST else "newest first"
        return (f"The newest {n:,} files, {when}" if n >= q.limit else f"{n:,} file{'s' if n != 1 else ''}, {when}")

    def _group_heading(self, q: Query, items: list[ResultItem]) -> GroupHeading | None:
        """The heading above the files listed only because they pass the filters: none when every file
        matches, or when the query is filters alone (then nothing is matched and nothing is claimed)."""
        what = _query_words(q)
        if not what or all(it.result.matched for it in items):
            return None
        if any(it.result.matched for it in items):
            return GroupHeading("Also in this filter", f"These pass your filters but do not match “{what}”")
        return GroupHeading(f"No match for “{what}”", "Listed instead: everything that passes your filters")

    def _count_text(self, q: Query, items: list[ResultItem], grouped: bool) -> str:
        n = len(items)
        count = "" if n == 0 else f"{n} result{'s' if n != 1 else ''}" + (" (the best)" if n >= q.limit else "")
        if grouped:
            hits = sum(1 for it in items if it.result.matched)
            count = (f"{hits} result{'s' if hits != 1 else ''} · {n - hits} more in this filter" if hits
                     else f"No matches · {n} in this filter")
        if q.voice_path:
            count = " · ".join(x for x in (count, f"heard in {Path(q.voice_path).name}") if x)
        return count

    def _no_match_text(self, q: Query) -> str:
        if _is_browse(q):
            hint = ("Indexing is running: files appear here as they are indexed" if self.indexing.running
                    else "Add a folder (File > Add folder…) to fill the library")
            return f"<p style='font-size:16px'>Nothing in the library yet</p><p style='color:#8c959f'>{hint}</p>"
        what = _query_words(q)
        head = f"No matches for “{_escape(what)}”" if what else "Nothing passes these filters"
        hint = ("Try other words, or loosen the filters" if q.filtered
                else "Try other words, or fewer of them")
        if self.indexing.running:
            hint += " — indexing is still running, more may appear"
        return f"<p style='font-size:16px'>{head}</p><p style='color:#8c959f'>{hint}</p>"

    def _search_failed(self, _number: int, exc: BaseException) -> None:
        message = str(exc) or type(exc).__name__
        if isinstance(exc, ModelMissing):
            message = ("searching by image needs the CLIP model, and its weights are missing. Import them "
                       "with “Import model file…”; words in the search field still work.")
            self.query_bar.drop_chip()  # it cannot work: leave the field to words
        self.query_bar.set_result_count("")
        self.error_banner.show_message(f"Could not search: {message}", error=True)
        if not self.model.rowCount():
            self._show_empty(f"<p style='font-size:16px'>Could not search</p><p>{_escape(message)}</p>")
        self.search_failed.emit(message)

    def _cleared(self) -> None:
        """Esc: the query goes; what the filters pass, or else the whole library (a timeline), is listed."""
        self.search.cancel()
        self._last_query = None
        self._outcome = None
        self.model.clear()
        self.preview.show_item(None)
        self.query_bar.set_result_count("")
        self.error_banner.hide()
        self._show_empty(IDLE_MESSAGE)
        if self.pages.currentWidget() is self.splitter:
            self.run_search()

    def _show_empty(self, html: str) -> None:
        self.empty.setText(html)
        self.results_stack.setCurrentWidget(self.empty)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.preview.show_item(self._item(current), self._query_text)

    def _item(self, index: QModelIndex) -> ResultItem | None:
        item = index.data(ItemRole) if index.isValid() else None
        return item if isinstance(item, ResultItem) else None

    def open_item(self, item: ResultItem | None) -> None:
        if item is not None and not file_actions.open_file(item.path):
            ext = Path(item.path).suffix or "these"
            self.error_banner.show_message(
                f"No program opened {item.name}: choose a default application for {ext} files in your system's "
                "settings, or use Show in folder (Ctrl+Shift+R).", error=True)

    def reveal_item(self, item: ResultItem | None) -> None:
        if item is not None and not file_actions.show_in_folder(item.path):
            self.error_banner.show_message(
                f"No file manager opened the folder of {item.name} ({item.folder}); Copy path (Ctrl+C) copies "
                "where it is.", error=True)

    # -- image and voice input ------------------------------------------------------------------------------
    def pick_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Search by image", self.start_dir("pictures"), IMAGE_FILTER)
        if path:
            self.search_image(path)

    def pick_voice_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Search by voice file", self.start_dir("music"), AUDIO_FILTER)
        if path:
            self.search_voice(path)

    def record_voice(self) -> RecordDialog | None:
        """Record a spoken query from the default microphone; it is searched when the recording stops."""
        if not has_audio_input():
            self.error_banner.show_message("No microphone found. Use “Search by voice file…” to search with a "
                                           "recording instead.")
            return None
        dialog = RecordDialog(self._temp_files.new_path, self)
        dialog.recorded.connect(self.search_voice)
        if dialog.start():
            dialog.open()
        return dialog

    def paste(self) -> None:
        """Ctrl+V: an image (or an image file) on the clipboard becomes the query; text goes in the field."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None:
            path = image_path_from_mime(mime)
            if path is None and mime.hasImage():
                image = QGuiApplication.clipboard().image()
                if not image.isNull():
                    path = self._save_temp_image(image)
            if path is not None:
                self._show_search_page()
                self.search_image(path)
                return
        if self.query_bar.isVisible():
            self.query_bar.field.setFocus()
            self.query_bar.field.paste()

    def _save_temp_image(self, image: QImage) -> str | None:
        path = self._temp_files.save_image(image)
        if path is None:
            self.error_banner.show_message("Could not save the pasted image to a temporary file.", error=True)
        return path

    def _chip_thumbnail(self, source: str) -> None:
        if source == self.query_bar.image_path():
            self.query_bar.set_chip_pixmap(source, self.thumbnails.get(source))

    # -- drag and drop ------------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if image_path_from_mime(mime) or audio_path_from_mime(mime) or mime.hasImage():
            event.acceptProposedAction()
            self._show_overlay(True)
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._show_overlay(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self._show_overlay(False)
        mime = event.mimeData()
        image = image_path_from_mime(mime)
        audio = audio_path_from_mime(mime) if image is None else None
        if image is None and audio is None and mime.hasImage():
            data = mime.imageData()
            if isinstance(data, QImage) and not data.isNull():
                image = self._save_temp_image(data)
        if image is None and audio is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self._show_search_page()
        if image is not None:
            self.search_image(image)
        elif audio is not None:
            self.search_voice(audio)

    def _show_overlay(self, shown: bool) -> None:
        central = self.centralWidget()
        if shown and central is not None:
            self.drop_overlay.setGeometry(central.rect().adjusted(24, 24, -24, -24))
            self.drop_overlay.raise_()
        self.drop_overlay.setVisible(shown)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.drop_overlay.isVisible():
            self._show_overlay(True)

    # -- library -------------------------------------------------------------------------------------------
    def add_folders(self, folders: list[str]) -> None:
        """Add folders to the library and index them in the background; the search page shows at once, with
        the library's timeline filling in as files are indexed."""
        self._show_search_page()
        self.indexing.index(add_roots=folders)
        self.browse()
        self.focus_search()

    def _show_search_page(self) -> None:
        if self.pages.currentWidget() is not self.splitter:
            self.pages.setCurrentWidget(self.splitter)
            self.query_bar.show()
            self.results_stack.setCurrentWidget(self.empty)

    def _indexing_progress(self, _p: object) -> None:
        if self._last_query is not None and not self._refresh_timer.isActive():
            self._refresh_timer.start()  # results grow while the library is indexed

    def _library_changed(self, _summary: object) -> None:
        self.refresh()
        self.library_updated.emit()

    def show_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.library, self.background_pool, self.import_clip, self._pick_folder, self,
                                download_clip=self.download_clip)
        dialog.saved.connect(self._settings_saved)
        dialog.setModal(False)
        dialog.show()
        self.settings = dialog
        return dialog

    def update_folders(self) -> None:
        """The folder filter lists the library folders at once, then every folder inside them (read off the
        GUI thread: a large library has thousands)."""
        self.query_bar.folders.set_roots(self.library.roots())
        run_task(self.library.folders, self.query_bar.folders.set_folders,
                 lambda exc: log.warning("listing the library's folders failed: %s", exc),
                 pool=self.background_pool, context=self)

    def _settings_saved(self, change: SettingsChange) -> None:
        self.update_folders()
        if change.roots_changed:
            if self.pages.currentWidget() is self.welcome and self.library.roots():
                self._show_search_page()
            self.indexing.index()  # new folders get indexed, removed ones' files are gone already
        self.refresh()

    def show_failures(self) -> FailuresDialog:
        """The list of files that could not be indexed (not modal)."""
        if self.failures is None:
            self.failures = FailuresDialog(self.library, self.indexing, self.background_pool, self)
        self.failures.show()
        self.failures.raise_()
        return self.failures

    def import_clip(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import CLIP weights", self.start_dir("downloads"),
                                              CHECKPOINT_FILTER)
        if path:
            self.import_clip_file(Path(path))

    def import_clip_file(self, path: Path) -> None:
        models = self.library.models
        self._get_clip(f"Checking and importing {path.name}…", lambda: models.import_clip(path), "import")

    def download_clip(self) -> None:
        answer = QMessageBox.question(
            self, "Download CLIP weights",
            "Download the CLIP ViT-B-32 weights (about 600 MB) from Hugging Face through open_clip?\n\n"
            "This is the only thing Trove ever fetches from the network, and only when you ask.")
        if answer == QMessageBox.StandardButton.Yes:
            self.download_clip_now()

    def download_clip_now(self) -> None:
        models = self.library.models
        self._get_clip("Downloading CLIP weights…", models.fetch_clip, "download")

    def _get_clip(self, message: str, job: Callable[[], object], verb: str) -> None:
        self.banner.show_message(message)
        buttons = [b for b in (self.banner.buttons.get("Import model file…"), self.banner.buttons.get("Download…"))
                   if b is not None]
        for b in buttons:
            b.setEnabled(False)

        library = self.library

        def get_and_load() -> object:
            weights = job()
            library.reload_models()  # waits for a running index pass, then the new weights are in use
            return weights

        def done(_weights: object) -> None:
            for b in buttons:
                b.hide()
            self.banner.show_message("CLIP weights ready: photos are being encoded in the background, and "
                                     "search by image works now.")
            self.test_weights_badge.setVisible(self.library.clip.weights == "random")
            if self.settings is not None:
                self.settings.refresh_models()
            self.indexing.index()

        def failed(exc: BaseException) -> None:
            for b in buttons:
                b.setEnabled(True)
            self.banner.show_message(f"Could not {verb} the model: {exc}", error=True)
            if self.settings is not None:
                self.settings.refresh_models()

        run_task(get_and_load, done, failed, pool=self.background_pool, context=self)

    # -- state for scripts and tests ------------------------------------------------------------------------
    @property
    def last_query(self) -> Query | None:
        """The query whose results are shown (or are coming)."""
        return self._last_query

    def is_settled(self) -> bool:
        """No search, thumbnail or preview load is in flight."""
        return not self.search.busy and self.thumbnails.pending() == 0 and not self.preview.loading

    # -- closing -------------------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        self.ui_state.set_window_state(self.saveGeometry(), self.splitter.saveState())
        self.shutdown()
        super().closeEvent(event)

    def restore_window_state(self) -> bool:
        """Size, place and the list/preview split as they were when the window last closed."""
        geometry, splitter = self.ui_state.window_state()
        if splitter is not None:
            self.splitter.restoreState(splitter)
        return geometry is not None and self.restoreGeometry(geometry)

    def shutdown(self) -> None:
        """Stop background work: the watcher, a running index (the catalog stays consistent), the pools."""
        if self._shut:
            return
        self._shut = True
        self.ui_state.save()  # the last search, the sort, the view: written once, now
        self._refresh_timer.stop()
        self.search.cancel()
        self.preview.recording.stop()
        self.indexing.shutdown()
        for pool in (self.search_pool, self.thumb_pool, self.background_pool):
            pool.clear()
            pool.waitForDone(30000)
        self._temp_files.cleanup()


def _query_words(q: Query) -> str:
    """What the person searched for, in words: the text, what was heard, the picture's or file's name;
    "" for filters alone."""
    what = (q.transcript if q.voice_path else q.text) or ""
    if q.image_path and not what:
        what = Path(q.image_path).name
    if q.like_path:
        what = "files like " + Path(q.like_path).name
    return what


def _is_browse(q: Query) -> bool:
    """Nothing to match and no filter: the library as a timeline."""
    return not _query_words(q) and not q.filtered


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

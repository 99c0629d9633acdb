"""The files Trove could not index, each with its reason (cut to fit in the list, whole in its tooltip
and in the detail under the list), and a way to try them again that says what it is doing and how it went."""

from __future__ import annotations

import html
import os
from dataclasses import dataclass

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.library import Library
from desktop import file_actions
from desktop.formatting import home_path
from desktop.indexing import IndexingController
from desktop.tasks import run_task


@dataclass(frozen=True, slots=True)
class RetryOutcome:
    """What became of the files a "Try again" tried."""

    indexed: int
    still_failing: int
    gone: int  # no longer there (deleted or moved away meanwhile)

    def text(self) -> str:
        parts = []
        if self.indexed:
            parts.append(f"{self.indexed:,} indexed")
        if self.still_failing:
            parts.append(f"{self.still_failing:,} still fail{'s' if self.still_failing == 1 else ''}")
        if self.gone:
            parts.append(f"{self.gone:,} no longer there")
        return ", ".join(parts) or "Nothing to try"


class FailuresDialog(QDialog):
    """Not modal: searching goes on while it is open. Refreshes itself after every index run."""

    loaded = Signal(int)  # rows shown
    retried = Signal(object)  # RetryOutcome, once a "Try again" run has ended

    def __init__(self, library: Library, indexing: IndexingController, pool: QThreadPool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pool = pool
        self.setWindowTitle("Files Trove could not index")
        self.setModal(False)
        self.resize(760, 380)
        self.library = library
        self.indexing = indexing
        lay = QVBoxLayout(self)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        lay.addWidget(self.caption)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["File", "Why", "Folder"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        lay.addWidget(self.tree, 1)
        self.detail = QLabel()  # the selected file's whole path and reason, wrapped
        self.detail.setObjectName("FailureDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.detail.setMinimumHeight(3 * self.fontMetrics().lineSpacing())
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        lay.addWidget(self.detail)
        self.retry_status = QLabel()  # "Trying 3 files again…", then "2 indexed, 1 still fails"
        self.retry_status.setObjectName("RetryStatus")
        self.retry_status.setWordWrap(True)
        self.retry_status.hide()
        buttons = QHBoxLayout()
        self.reveal_button = QPushButton("Show in folder")
        self.retry_button = QPushButton("Try again")
        self.retry_button.setToolTip("Index these files again, e.g. after fixing or replacing them")
        self.retry_button.setProperty("primary", True)
        close = QPushButton("Close")
        buttons.addWidget(self.reveal_button)
        buttons.addWidget(self.retry_status, 1)
        buttons.addStretch(0)  # keeps the buttons at the right while the line is hidden
        buttons.addWidget(self.retry_button)
        buttons.addWidget(close)
        lay.addLayout(buttons)
        self.reveal_button.clicked.connect(self._reveal)
        self.retry_button.clicked.connect(self.retry)
        close.clicked.connect(self.close)
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        indexing.finished.connect(lambda _s: self._run_ended(None))
        indexing.failed.connect(self._run_ended)
        indexing.running_changed.connect(lambda _r: self._update_buttons())
        self._retrying: list[str] | None = None  # the files a "Try again" is trying, until its run ends
        self._show_detail()
        self.reload()

    @property
    def retrying(self) -> bool:
        return self._retrying is not None

    def reload(self, tried: list[str] | None = None) -> None:
        """List the failures again (off the GUI thread); with ``tried``, also tell what became of them."""
        library = self.library

        def job() -> tuple[list[tuple[str, str]], RetryOutcome | None]:
            rows = [(f["path"], f["reason"]) for f in library.failures()]
            if tried is None:
                return rows, None
            failing = {path for path, _reason in rows}
            indexed = library.file_details(tried)
            still = sum(1 for p in tried if p in failing)
            done = sum(1 for p in tried if p in indexed and p not in failing)
            return rows, RetryOutcome(done, still, len(tried) - still - done)

        def shown(value: tuple[list[tuple[str, str]], RetryOutcome | None]) -> None:
            rows, outcome = value
            self._show(rows)
            if outcome is not None:
                self._finish_retry(outcome.text() + ".", outcome)

        def failed(exc: BaseException) -> None:
            self.caption.setText(f"Cannot list them: {exc}")
            if tried is not None:
                self._finish_retry(f"Tried again, but cannot tell how it went: {exc}", None)

        run_task(job, shown, failed, pool=self.pool, context=self)

    def _show(self, rows: list[tuple[str, str]]) -> None:
        selected = self._selected_path()
        self.tree.clear()
        for path, reason in rows:
            item = QTreeWidgetItem([os.path.basename(path), reason, home_path(os.path.dirname(path))])
            item.setData(0, Qt.ItemDataRole.UserRole, path)
            item.setData(1, Qt.ItemDataRole.UserRole, reason)
            item.setToolTip(0, path)
            item.setToolTip(1, _wrapped_tip(reason))  # rich text: a long reason wraps instead of running off
            item.setToolTip(2, path)
            self.tree.addTopLevelItem(item)
            if path == selected:
                item.setSelected(True)
        n = len(rows)
        self.caption.setText(
            "Every file was indexed." if n == 0 else
            f"{n:,} file{'s' if n != 1 else ''} could not be indexed. The rest of the library is searchable; "
            "fix or replace a file and choose “Try again”.")
        self._show_detail()
        self._update_buttons()
        self.loaded.emit(n)

    def _update_buttons(self) -> None:
        running = self.indexing.running
        self.retry_button.setEnabled(self.tree.topLevelItemCount() > 0 and not running and not self.retrying)
        self.retry_button.setText("Trying again…" if self.retrying else "Indexing…" if running else "Try again")
        self.reveal_button.setEnabled(bool(self.tree.selectedItems()))

    def retry(self) -> None:
        """Index the library again, these files included; the line beside the buttons says so, then how it
        went ("2 indexed, 1 still fails")."""
        if self.retrying or self.indexing.running:
            return
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        tried = [str(item.data(0, Qt.ItemDataRole.UserRole)) for item in items if item is not None]
        if not tried:
            return
        self._retrying = tried
        n = len(tried)
        self._set_retry_status(f"Trying {n:,} file{'s' if n != 1 else ''} again…", busy=True)
        self._update_buttons()
        self.indexing.index(retry_failed=True)

    def _run_ended(self, error: BaseException | None) -> None:
        tried = self._retrying
        if tried is not None and error is not None:
            self._finish_retry(f"Could not try again: {error}", None)
            tried = None
        self.reload(tried)  # with ``tried``, the outcome comes with the list (and ends the retry)

    def _finish_retry(self, text: str, outcome: RetryOutcome | None) -> None:
        self._retrying = None
        self._set_retry_status(text, busy=False)
        self._update_buttons()
        if outcome is not None:
            self.retried.emit(outcome)

    def _set_retry_status(self, text: str, busy: bool) -> None:
        self.retry_status.setText(text)
        self.retry_status.setProperty("busy", busy)
        self.retry_status.style().unpolish(self.retry_status)
        self.retry_status.style().polish(self.retry_status)
        self.retry_status.setVisible(bool(text))

    # -- the selected file -------------------------------------------------------------------------------
    def _selected_path(self) -> str | None:
        items = self.tree.selectedItems()
        return str(items[0].data(0, Qt.ItemDataRole.UserRole)) if items else None

    def _selection_changed(self) -> None:
        self._show_detail()
        self._update_buttons()

    def _show_detail(self) -> None:
        items = self.tree.selectedItems()
        if not items:
            self.detail.setEnabled(False)  # drawn dimmed: a hint, not a reason
            self.detail.setText("Select a file to read the whole reason." if self.tree.topLevelItemCount() else "")
            return
        path = str(items[0].data(0, Qt.ItemDataRole.UserRole))
        reason = str(items[0].data(1, Qt.ItemDataRole.UserRole))
        self.detail.setEnabled(True)
        self.detail.setText(f"{home_path(path)}\n{reason}")

    def _reveal(self) -> None:
        for item in self.tree.selectedItems()[:1]:
            file_actions.show_in_folder(str(item.data(0, Qt.ItemDataRole.UserRole)))


def _wrapped_tip(text: str) -> str:
    """A tooltip Qt wraps at a readable width (it wraps rich text, not plain)."""
    return f"<p>{html.escape(text)}</p>"

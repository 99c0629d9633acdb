"""The files Trove could not index, each with its reason, and a way to try them again."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
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


class FailuresDialog(QDialog):
    """Not modal: searching goes on while it is open. Refreshes itself after every index run."""

    loaded = Signal(int)  # rows shown

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
        buttons = QHBoxLayout()
        self.reveal_button = QPushButton("Show in folder")
        self.retry_button = QPushButton("Try again")
        self.retry_button.setToolTip("Index these files again, e.g. after fixing or replacing them")
        self.retry_button.setProperty("primary", True)
        close = QPushButton("Close")
        buttons.addWidget(self.reveal_button)
        buttons.addStretch(1)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(close)
        lay.addLayout(buttons)
        self.reveal_button.clicked.connect(self._reveal)
        self.retry_button.clicked.connect(self.retry)
        close.clicked.connect(self.close)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        indexing.finished.connect(lambda _s: self.reload())
        indexing.failed.connect(lambda _e: self.reload())
        indexing.running_changed.connect(lambda _r: self._update_buttons())
        self.reload()

    def reload(self) -> None:
        library = self.library
        run_task(lambda: [(f["path"], f["reason"]) for f in library.failures()], self._show, lambda exc: self.caption.setText(f"Cannot list them: {exc}"),
                 pool=self.pool, context=self)

    def _show(self, rows: list[tuple[str, str]]) -> None:
        self.tree.clear()
        for path, reason in rows:
            item = QTreeWidgetItem([os.path.basename(path), reason, home_path(os.path.dirname(path))])
            item.setData(0, Qt.ItemDataRole.UserRole, path)
            item.setToolTip(0, path)
            item.setToolTip(1, reason)
            self.tree.addTopLevelItem(item)
        n = len(rows)
        self.caption.setText(
            "Every file was indexed." if n == 0 else
            f"{n:,} file{'s' if n != 1 else ''} could not be indexed. The rest of the library is searchable; "
            "fix or replace a file and choose “Try again”.")
        self._update_buttons()
        self.loaded.emit(n)

    def _update_buttons(self) -> None:
        running = self.indexing.running
        self.retry_button.setEnabled(self.tree.topLevelItemCount() > 0 and not running)
        self.retry_button.setText("Indexing…" if running else "Try again")
        self.reveal_button.setEnabled(bool(self.tree.selectedItems()))

    def retry(self) -> None:
        self.indexing.index(retry_failed=True)
        self._update_buttons()

    def _reveal(self) -> None:
        for item in self.tree.selectedItems()[:1]:
            file_actions.show_in_folder(str(item.data(0, Qt.ItemDataRole.UserRole)))

"""Settings: library folders, exclude patterns, the compute device, and which models are installed. Saved
in the catalog's settings (where ``core.Library`` reads them), written off the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QThreadPool, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.library import DEFAULT_EXCLUDES, Library
from core.types import Settings
from desktop.formatting import home_path
from desktop.tasks import run_task
from desktop.welcome import FolderPicker, pick_folder_dialog

log = logging.getLogger(__name__)

DEVICES = (("auto", "Automatic (GPU when there is one)"), ("cpu", "CPU"), ("gpu", "GPU"))


@dataclass(slots=True)
class SettingsChange:
    add_roots: list[str] = field(default_factory=list)
    remove_roots: list[str] = field(default_factory=list)
    excludes: str = ""
    device: str = "auto"
    follow_links_out: bool = False

    @property
    def roots_changed(self) -> bool:
        return bool(self.add_roots or self.remove_roots)


def apply_settings(library: Library, change: SettingsChange) -> SettingsChange:
    """Write ``change`` (any thread but the GUI's: removing a folder waits for a running index)."""
    for root in change.add_roots:
        library.add_root(root)
    for root in change.remove_roots:
        library.remove_root(root)
    excludes = tuple(x.strip() for x in change.excludes.splitlines() if x.strip())
    library.save_settings(Settings(excludes, change.device, change.follow_links_out))
    return change


class SettingsDialog(QDialog):
    saved = Signal(object)  # SettingsChange, once written
    failed = Signal(str)

    def __init__(self, library: Library, pool: QThreadPool, import_clip: Callable[[], None],
                 pick_folder: FolderPicker = pick_folder_dialog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Trove settings")
        self.resize(620, 460)
        self.library = library
        self.pool = pool
        self.pick_folder = pick_folder
        self._roots = library.roots()
        self._settings = library.settings()
        self._added: list[str] = []
        self._removed: list[str] = []

        tabs = QTabWidget()
        tabs.addTab(self._library_tab(), "Library")
        tabs.addTab(self._device_tab(), "Device")
        tabs.addTab(self._models_tab(import_clip), "Models")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.status = QLabel()
        self.status.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(tabs, 1)
        lay.addWidget(self.status)
        lay.addWidget(self.buttons)
        self._load_models()

    # -- tabs ------------------------------------------------------------------------------------------
    def _library_tab(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.addWidget(QLabel("Folders Trove searches:"))
        self.folders = QListWidget()
        for root in self._roots:
            self.folders.addItem(home_path(root))
            self.folders.item(self.folders.count() - 1).setToolTip(root)
        lay.addWidget(self.folders, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add folder…")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Stop searching this folder (its files leave the index, nothing is deleted)")
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addWidget(QLabel("Skip files and folders matching (one pattern a line, e.g. <code>*.tmp</code> or "
                             "<code>Private</code>):"))
        self.excludes = QPlainTextEdit("\n".join(self._settings.excludes))
        self.excludes.setPlaceholderText("\n".join(DEFAULT_EXCLUDES[:3]) + "\n…")
        self.excludes.setToolTip("Always skipped: " + ", ".join(DEFAULT_EXCLUDES))
        self.excludes.setMaximumHeight(110)
        lay.addWidget(self.excludes)
        self.follow_links = QCheckBox("Follow links to folders outside the library")
        self.follow_links.setToolTip("Off: a link inside a library folder that points elsewhere is listed as "
                                     "skipped, so nothing outside the folders you chose becomes searchable")
        self.follow_links.setChecked(self._settings.follow_links_out)
        lay.addWidget(self.follow_links)
        self.add_button.clicked.connect(self._add_folder)
        self.remove_button.clicked.connect(self._remove_folder)
        self.folders.itemSelectionChanged.connect(
            lambda: self.remove_button.setEnabled(bool(self.folders.selectedItems())))
        self.remove_button.setEnabled(False)
        return page

    def _device_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.device = QComboBox()
        for value, label in DEVICES:
            self.device.addItem(label, value)
        current = self._settings.device.lower()
        self.device.setCurrentIndex(max(0, self.device.findData(current)))
        form.addRow("Run the models on", self.device)
        using = QLabel(self.library.device.description)
        form.addRow("In use now", using)
        if self.library.device.gpu_unused:
            warn = QLabel("⚠ A GPU is present but the CPU is in use.")
            warn.setObjectName("DeviceWarning")
            form.addRow("", warn)
        note = QLabel("A change applies the next time Trove starts.")
        note.setObjectName("PreviewCaption")
        form.addRow("", note)
        return page

    def _models_tab(self, import_clip: Callable[[], None]) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        self.models_form = QFormLayout()
        self.model_labels: dict[str, QLabel] = {}
        for key, title in (("clip", "Photos (CLIP)"), ("text", "Words (sentence embedder)"),
                           ("speech", "Speech (Whisper)")):
            label = QLabel("…")
            label.setWordWrap(True)
            self.model_labels[key] = label
            self.models_form.addRow(title, label)
        lay.addLayout(self.models_form)
        self.import_button = QPushButton("Import CLIP weights…")
        self.import_button.clicked.connect(import_clip)
        row = QHBoxLayout()
        row.addWidget(self.import_button)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addStretch(1)
        return page

    def _load_models(self) -> None:
        models = self.library.models
        run_task(models.describe, self._show_models,
                 lambda exc: self.model_labels["clip"].setText(f"cannot tell: {exc}"), pool=self.pool, context=self)

    def _show_models(self, info: dict[str, Any]) -> None:
        for key, label in self.model_labels.items():
            entry = info.get(key) or {}
            name = entry.get("name") or entry.get("arch") or key
            if entry.get("present"):
                label.setText(f"{name}: installed ({entry.get('source', '')})")
            elif key == "clip":
                label.setText(f"{name}: missing, so photos are found by their names and dates only. Import an "
                              f"open_clip {name} checkpoint file below.")
            else:
                label.setText(f"{name}: missing ({entry.get('source', '')}); reinstall Trove.")
        self.import_button.setVisible(not (info.get("clip") or {}).get("present"))

    # -- folders ---------------------------------------------------------------------------------------
    def _add_folder(self) -> None:
        path = self.pick_folder(self)
        if path and path not in self._roots and path not in self._added:
            self._added.append(path)
            self.folders.addItem(home_path(path))
            self.folders.item(self.folders.count() - 1).setToolTip(path)

    def _remove_folder(self) -> None:
        for item in self.folders.selectedItems():
            path = item.toolTip()
            if path in self._added:
                self._added.remove(path)
            else:
                self._removed.append(path)
            self.folders.takeItem(self.folders.row(item))

    # -- saving ----------------------------------------------------------------------------------------
    def change(self) -> SettingsChange:
        excludes = "\n".join(x.strip() for x in self.excludes.toPlainText().splitlines() if x.strip())
        return SettingsChange(list(self._added), list(self._removed), excludes, str(self.device.currentData()),
                              self.follow_links.isChecked())

    def save(self) -> None:
        change = self.change()
        self.buttons.setEnabled(False)
        self.status.setText("Saving…" + (" (waiting for indexing to pause between files)" if change.remove_roots
                                         else ""))
        library = self.library

        def done(result: SettingsChange) -> None:
            self.buttons.setEnabled(True)
            self.status.setText("")
            self.saved.emit(result)
            self.accept()

        def failed(exc: BaseException) -> None:
            self.buttons.setEnabled(True)
            self.status.setText(f"Could not save: {exc}")
            self.failed.emit(str(exc))

        run_task(lambda: apply_settings(library, change), done, failed, pool=self.pool, context=self)

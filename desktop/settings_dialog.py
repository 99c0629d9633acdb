"""Settings: library folders, exclude patterns, whether to read the text in photos (OCR), the compute device,
and which models are installed (with Import and Download for the CLIP weights, and a warning when they are
random test weights). Saved in the catalog's settings (where ``core.Library`` reads them), written off the
GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt, QThreadPool, Signal
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
    read_text: bool = True

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
    library.save_settings(Settings(excludes, change.device, change.follow_links_out, change.read_text))
    return change


TEST_WEIGHTS = "Test weights: photos are not understood"
EXCLUDES_HINT = "None yet. Type one pattern a line."


class SettingsDialog(QDialog):
    """``import_requested`` and ``download_requested`` ask the owner (the main window) to get CLIP weights:
    it shows the progress and reloads the models; ``refresh_models`` then shows what is installed."""

    saved = Signal(object)  # SettingsChange, once written
    failed = Signal(str)
    import_requested = Signal()  # "Import CLIP weights…": choose a checkpoint file and import it
    download_requested = Signal()  # "Download…": fetch the CLIP weights (after asking)

    def __init__(self, library: Library, pool: QThreadPool, import_clip: Callable[[], None] | None = None,
                 pick_folder: FolderPicker = pick_folder_dialog, parent: QWidget | None = None, *,
                 download_clip: Callable[[], None] | None = None) -> None:
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
        tabs.addTab(self._models_tab(), "Models")
        self.tabs = tabs
        if import_clip is not None:
            self.import_requested.connect(import_clip)
        if download_clip is not None:
            self.download_requested.connect(download_clip)
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
        lay.addWidget(QLabel("Also skip files and folders matching (one pattern a line, e.g. <code>*.tmp</code> or "
                             "<code>Private</code>):"))
        # The person's own patterns, as plain editable text; the hint is a sentence, never patterns, so
        # nothing greyed reads as a pattern that is there (or one that is off).
        self.excludes = QPlainTextEdit("\n".join(self._settings.excludes))
        self.excludes.setPlaceholderText(EXCLUDES_HINT)
        self.excludes.setToolTip("Name patterns (* and ? are wildcards). A matching folder is skipped with "
                                 "everything in it. They apply from the next index run.")
        self.excludes.setTabChangesFocus(True)
        self.excludes.setMaximumHeight(110)
        lay.addWidget(self.excludes)
        self.builtin_excludes = QLabel("Always skipped: " + ", ".join(_builtin(x) for x in DEFAULT_EXCLUDES))
        self.builtin_excludes.setObjectName("SettingsHint")
        self.builtin_excludes.setWordWrap(True)
        lay.addWidget(self.builtin_excludes)
        self.follow_links = QCheckBox("Follow links to folders outside the library")
        self.follow_links.setToolTip("Off: a link inside a library folder that points elsewhere is listed as "
                                     "skipped, so nothing outside the folders you chose becomes searchable")
        self.follow_links.setChecked(self._settings.follow_links_out)
        lay.addWidget(self.follow_links)
        self.read_text = QCheckBox("Read text in photos and scanned pages (OCR)")
        self.read_text.setToolTip("After the files are indexed, Trove reads the words in photos (signs, receipts, "
                                  "screenshots) and in scanned PDF pages, so a search finds them. Off: nothing more "
                                  "is read from the next index run; what was read stays searchable")
        self.read_text.setChecked(self._settings.read_text)
        lay.addWidget(self.read_text)
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

    def _models_tab(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        self.test_weights = QLabel(f"<b>⚠ {TEST_WEIGHTS}.</b> The CLIP weights are random ones, for tests: words "
                                   "find photos by their names, folders and dates only, and a picture finds only "
                                   "near-copies of itself.")
        self.test_weights.setObjectName("TestWeights")
        self.test_weights.setWordWrap(True)
        self.test_weights.hide()
        lay.addWidget(self.test_weights)
        self.models_form = QFormLayout()
        self.model_labels: dict[str, QLabel] = {}
        for key, title in (("clip", "Photos (CLIP)"), ("text", "Words (sentence embedder)"),
                           ("speech", "Speech (Whisper)")):
            label = QLabel("…")
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.model_labels[key] = label
            self.models_form.addRow(title, label)
        lay.addLayout(self.models_form)
        self.import_button = QPushButton("Import CLIP weights…")
        self.import_button.setToolTip("Choose an open_clip checkpoint file (.pt, .bin or .safetensors) to use")
        self.import_button.clicked.connect(self.import_requested)
        self.download_button = QPushButton("Download…")
        self.download_button.setToolTip("Download the CLIP weights (about 600 MB): the only thing Trove fetches "
                                        "from the network, and only when you ask")
        self.download_button.clicked.connect(self.download_requested)
        row = QHBoxLayout()
        row.addWidget(self.import_button)
        row.addWidget(self.download_button)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addStretch(1)
        return page

    def refresh_models(self) -> None:
        """Read what is installed again (off the GUI thread), e.g. after weights were imported."""
        self._load_models()

    def _load_models(self) -> None:
        models = self.library.models
        run_task(models.describe, self._show_models,
                 lambda exc: self.model_labels["clip"].setText(f"cannot tell: {exc}"), pool=self.pool, context=self)

    def _show_models(self, info: dict[str, Any]) -> None:
        for key, label in self.model_labels.items():
            entry = info.get(key) or {}
            name = entry.get("name") or entry.get("arch") or key
            if key == "clip" and entry.get("present") and entry.get("file") == "random":
                label.setText(f"{name}: random test weights, from {entry.get('source', '')}. Import or download "
                              "the real ones below.")
            elif entry.get("present"):
                label.setText(f"{name}: installed ({entry.get('source', '')})")
            elif key == "clip":
                label.setText(f"{name}: missing, so photos are found by their names and dates only. Import an "
                              f"open_clip {name} checkpoint file, or download it.")
            else:
                label.setText(f"{name}: missing ({entry.get('source', '')}); reinstall Trove.")
        clip = info.get("clip") or {}
        real = bool(clip.get("present")) and clip.get("file") != "random"
        self.test_weights.setVisible(bool(clip.get("present")) and clip.get("file") == "random")
        self.import_button.setText("Replace CLIP weights…" if real else "Import CLIP weights…")
        self.download_button.setVisible(not real)  # real weights are in: nothing to download

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
                              self.follow_links.isChecked(), self.read_text.isChecked())

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


_BUILTIN_MEANING = {".*": "hidden files and folders"}


def _builtin(pattern: str) -> str:
    meaning = _BUILTIN_MEANING.get(pattern)
    return f"{pattern} ({meaning})" if meaning else pattern

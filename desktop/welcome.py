"""First run: no library folders yet. Offer the person's usual folders, any folder, or the sample library."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop import theme

FolderPicker = Callable[[QWidget], str | None]


def suggested_folders() -> list[Path]:
    """Pictures, Documents and Music (where voice memos often land), and a Recordings folder, if present."""
    out: list[Path] = []
    home = Path.home()
    for loc in (QStandardPaths.StandardLocation.PicturesLocation,
                QStandardPaths.StandardLocation.DocumentsLocation,
                QStandardPaths.StandardLocation.MusicLocation):
        where = QStandardPaths.writableLocation(loc)
        if where and Path(where).is_dir() and Path(where) != home:
            out.append(Path(where))
    for name in ("Recordings", "Voice Memos"):
        folder = home / name
        if folder.is_dir():
            out.append(folder)
    return list(dict.fromkeys(out))


def pick_folder_dialog(parent: QWidget) -> str | None:
    path = QFileDialog.getExistingDirectory(parent, "Add a folder to your Trove library", str(Path.home()))
    return path or None


class WelcomeView(QWidget):
    folders_chosen = Signal(list)  # list[str]

    def __init__(self, suggestions: list[Path] | None = None, pick_folder: FolderPicker = pick_folder_dialog,
                 sample_library: Path = theme.SAMPLE_LIBRARY, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Welcome")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.pick_folder = pick_folder
        self.sample_library = sample_library
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        card = QVBoxLayout()
        card.setSpacing(14)
        logo = QLabel()
        logo.setPixmap(theme.pixmap("trove", "#000000", 64))
        logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("Welcome to Trove")
        title.setObjectName("WelcomeTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel("Search your photos, notes, documents and voice recordings by typing, with an image, or by "
                      "voice. Everything stays on this computer.")
        text.setObjectName("WelcomeText")
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        card.addWidget(logo)
        card.addWidget(title)
        card.addWidget(text)

        self.checks: list[tuple[QCheckBox, Path]] = []
        folders = suggested_folders() if suggestions is None else suggestions
        if folders:
            pick = QLabel("Choose the folders to search:")
            pick.setObjectName("WelcomeText")
            card.addSpacing(6)
            card.addWidget(pick)
            for folder in folders:
                box = QCheckBox(f"{folder.name}   ({_short(folder)})")
                box.setChecked(True)
                box.toggled.connect(self._update_buttons)
                card.addWidget(box)
                self.checks.append((box, folder))
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        buttons.addStretch(1)
        self.index_button = QPushButton("Search these folders")
        self.index_button.setProperty("primary", True)
        self.index_button.setVisible(bool(self.checks))
        self.add_button = QPushButton("Add folder…")
        self.add_button.setProperty("primary" if not self.checks else "secondary", True)
        self.sample_button = QPushButton("Try the sample library")
        self.sample_button.setProperty("secondary", True)
        self.sample_button.setEnabled(sample_library.is_dir())
        self.sample_button.setToolTip(str(sample_library))
        for b in (self.index_button, self.add_button, self.sample_button):
            b.setCursor(Qt.CursorShape.PointingHandCursor)
            buttons.addWidget(b)
        buttons.addStretch(1)
        card.addSpacing(8)
        card.addLayout(buttons)
        hint = QLabel("Indexing runs in the background; you can search while it works.")
        hint.setObjectName("WelcomeText")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        card.addWidget(hint)

        row = QHBoxLayout()
        row.addStretch(1)
        holder = QWidget()
        holder.setLayout(card)
        holder.setMaximumWidth(560)
        row.addWidget(holder, 4)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(3)

        self.index_button.clicked.connect(self._index_checked)
        self.add_button.clicked.connect(self._add_folder)
        self.sample_button.clicked.connect(lambda: self.folders_chosen.emit([str(self.sample_library)]))
        self._update_buttons()

    def _checked(self) -> list[str]:
        return [str(p) for box, p in self.checks if box.isChecked()]

    def _update_buttons(self) -> None:
        self.index_button.setEnabled(bool(self._checked()))

    def _index_checked(self) -> None:
        chosen = self._checked()
        if chosen:
            self.folders_chosen.emit(chosen)

    def _add_folder(self) -> None:
        path = self.pick_folder(self)
        if path:
            self.folders_chosen.emit([path])


def _short(path: Path) -> str:
    home = str(Path.home())
    s = str(path)
    return "~" + s[len(home):] if s.startswith(home + os.sep) else s

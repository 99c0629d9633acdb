"""The folder filter lists the library's folders as a tree: each library folder, then the folders below it
that hold files (and those between), indented by depth; choosing one filters to it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from core.library import Library
from desktop.filters import DEPTH_ROLE, INDENT_PX, FolderFilter, folder_tree


def rows(box: FolderFilter) -> list[tuple[str, object, object]]:
    return [(box.itemText(i), box.itemData(i), box.itemData(i, DEPTH_ROLE)) for i in range(box.count())]


def test_the_library_folders_come_with_their_subfolders(qtbot: QtBot, lib: Library, media: Path) -> None:
    folders = lib.folders()
    assert folders == [str(media / "notes"), str(media / "photos" / "beach"), str(media / "photos" / "pets"),
                       str(media / "recordings")]
    box = FolderFilter()
    qtbot.addWidget(box)
    box.set_roots(lib.roots())
    box.set_folders(folders)
    assert rows(box) == [
        ("All folders", None, None),
        ("library", str(media), 0),
        ("notes", str(media / "notes"), 1),
        ("photos", str(media / "photos"), 1),  # holds no file itself, but beach and pets are in it
        ("beach", str(media / "photos" / "beach"), 2),
        ("pets", str(media / "photos" / "pets"), 2),
        ("recordings", str(media / "recordings"), 1),
        ("Choose folder…", "choose", None),
    ]
    beach = box.findData(str(media / "photos" / "beach"))
    assert box.itemData(beach, 3).endswith("photos/beach")  # the tooltip: where it is
    with qtbot.waitSignal(box.changed):
        box.setCurrentIndex(beach)
        box.activated.emit(beach)
    assert box.folder() == str(media / "photos" / "beach") and box.currentText() == "beach"
    box.set_folders(folders)  # a refresh keeps the choice
    assert box.folder() == str(media / "photos" / "beach") and box.currentText() == "beach"


def test_subfolders_are_drawn_indented_and_the_box_stays_compact(qtbot: QtBot, tmp_path: Path) -> None:
    root = str(tmp_path / "lib")
    box = FolderFilter()
    qtbot.addWidget(box)
    box.set_roots([root])
    box.set_folders([root + "/a"])
    long_name = "a folder with a very long name indeed, longer than any filter should be wide"
    box.set_folders([root + "/a", f"{root}/a/b/{long_name}"])
    width = box.sizeHint().width()
    # The top bar does not widen with a long folder name: the box stays about as wide as "Choose folder…".
    assert width < box.fontMetrics().horizontalAdvance(long_name) / 2
    assert width >= box.fontMetrics().horizontalAdvance("Choose folder…")
    delegate = box.itemDelegate()
    option = QStyleOptionViewItem()
    option.initFrom(box.view())
    index = box.model().index(box.findData(f"{root}/a/b/{long_name}"), 0)
    assert isinstance(index, QModelIndex) and index.data(DEPTH_ROLE) == 3
    plain = QStyledItemDelegate.sizeHint(delegate, option, index).width()
    assert delegate.sizeHint(option, index).width() == plain + 3 * INDENT_PX
    assert box.view().minimumWidth() > width  # the list opens wider than the box, to show the names


def test_folder_tree_order_and_nested_roots() -> None:
    tree = folder_tree(["/r", "/r/inner", "/s"], ["/r/b", "/r/A/x", "/r/inner/deep", "/s", "/elsewhere"])
    assert tree == [("/r", 0), ("/r/A", 1), ("/r/A/x", 2), ("/r/b", 1),
                    ("/r/inner", 0), ("/r/inner/deep", 1), ("/s", 0)]

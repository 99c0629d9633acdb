"""The failed-files panel: "Try again" says it is trying and then how it went; a reason too long for its
column is whole in the row's tooltip and in the detail under the list when the row is selected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.library import Library
from desktop.failures import FailuresDialog, RetryOutcome
from desktop.indexing import IndexingController
from desktop.tasks import make_pool
from tests.conftest import FakeEncoders, make_note, make_photo

LONG_REASON = ("cannot decode the image: the file ends in the middle of its data (truncated while copying from "
               "the camera card?); copy it again from the card or a backup, then choose Try again here")


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    make_note(root / "fine.md", "A note that indexes fine.")
    (root / "a-broken.jpg").write_bytes(b"this is not a jpeg")
    (root / "b-broken.jpg").write_bytes(b"nor is this one")
    (root / "c-binary.txt").write_bytes(b"\x00\x01\x02" * 50)
    (root / "d-broken.jpg").write_bytes(b"and this one")
    return root


@pytest.fixture
def panel(qtbot: QtBot, tmp_path: Path, broken: Path) -> Iterator[FailuresDialog]:
    library = Library.open(tmp_path / "data", encoders=FakeEncoders())
    library.add_root(broken)
    library.index()
    pool = make_pool(2, "test-failures")
    indexing = IndexingController(library, pool, watch=False)
    dialog = FailuresDialog(library, indexing, pool)
    qtbot.addWidget(dialog)
    dialog.resize(760, 380)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 4, timeout=10000)
    yield dialog
    indexing.shutdown()
    dialog.close()
    library.close()


def test_try_again_shows_it_is_trying_then_the_outcome(qtbot: QtBot, panel: FailuresDialog, broken: Path) -> None:
    make_photo(broken / "a-broken.jpg", seed=4)  # fixed
    make_note(broken / "c-binary.txt", "text at last")  # fixed; b- and d-broken.jpg still fail
    assert not panel.retry_status.isVisible()
    with qtbot.waitSignal(panel.retried, timeout=30000) as outcome:
        qtbot.mouseClick(panel.retry_button, Qt.MouseButton.LeftButton)
        # At once, before the run ends: the button is off and a line says what is happening.
        assert not panel.retry_button.isEnabled()
        assert panel.retry_status.isVisible()
        assert panel.retry_status.text() == "Trying 4 files again…"
    result = outcome.args[0]
    assert (result.indexed, result.still_failing, result.gone) == (2, 2, 0)
    assert panel.retry_status.isVisible()
    assert panel.retry_status.text() == "2 indexed, 2 still fail."
    assert [panel.tree.topLevelItem(i).text(0) for i in range(2)] == ["b-broken.jpg", "d-broken.jpg"]
    assert panel.retry_button.isEnabled() and panel.retry_button.text() == "Try again"


def test_a_try_again_where_all_are_fixed_says_so(qtbot: QtBot, panel: FailuresDialog, broken: Path) -> None:
    for name in ("a-broken.jpg", "b-broken.jpg", "d-broken.jpg"):
        make_photo(broken / name, seed=len(name))
    make_note(broken / "c-binary.txt", "text at last")
    with qtbot.waitSignal(panel.retried, timeout=30000):
        panel.retry()
    assert panel.retry_status.text() == "4 indexed."
    assert panel.caption.text() == "Every file was indexed."
    assert not panel.retry_button.isEnabled()  # nothing left to try


def test_a_long_reason_is_whole_in_the_tooltip_and_the_detail(qtbot: QtBot, panel: FailuresDialog,
                                                              broken: Path) -> None:
    library = panel.library
    path = str(broken / "b-broken.jpg")
    with library.catalog.transaction() as conn:
        library.catalog.record_failure(conn, path, LONG_REASON, None, None)
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        panel.reload()
    item = next(panel.tree.topLevelItem(i) for i in range(panel.tree.topLevelItemCount())
                if panel.tree.topLevelItem(i).text(0) == "b-broken.jpg")
    # Too long for its column (the list cuts it with "…"), so it must be readable elsewhere.
    assert panel.tree.columnWidth(1) < panel.tree.fontMetrics().horizontalAdvance(LONG_REASON)
    tip = item.toolTip(1)
    assert LONG_REASON in tip and tip.startswith("<p>")  # rich text: Qt wraps it rather than one long line
    assert "Select a file" in panel.detail.text()  # nothing selected: a hint, not a reason
    panel.tree.setCurrentItem(item)
    assert panel.detail.text().endswith(LONG_REASON) and "b-broken.jpg" in panel.detail.text()
    assert panel.detail.wordWrap()
    # Wrapped inside the panel: as wide as the panel at most, as tall as its wrapped lines.
    qtbot.waitUntil(lambda: panel.detail.height() >= panel.detail.heightForWidth(panel.detail.width()), timeout=3000)
    assert panel.detail.geometry().right() <= panel.width()
    assert panel.detail.heightForWidth(panel.detail.width()) >= 3 * panel.detail.fontMetrics().lineSpacing()
    panel.tree.clearSelection()
    assert "Select a file" in panel.detail.text()


def test_outcome_wording() -> None:
    assert RetryOutcome(1, 1, 0).text() == "1 indexed, 1 still fails"
    assert RetryOutcome(0, 3, 2).text() == "3 still fail, 2 no longer there"
    assert RetryOutcome(1200, 0, 0).text() == "1,200 indexed"

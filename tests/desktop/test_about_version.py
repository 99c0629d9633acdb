"""The About box and `trove --version` show the same version, from the one place (pyproject.toml, read
through the installed package's metadata)."""

from __future__ import annotations

from core.cli import trove_version
from desktop.main_window import MainWindow


def test_the_about_box_shows_the_version_trove_version_prints(window: MainWindow) -> None:
    version = trove_version()
    assert version[0].isdigit(), version  # installed (make test installs Trove editable)
    assert f"<td>{version}</td>" in window.about_text()

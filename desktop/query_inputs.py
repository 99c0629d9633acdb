"""What can become a query besides typed words: an image or recording file dropped or pasted, or an
image on the clipboard (kept as a temporary PNG for as long as the window is open)."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QImage

from core.types import Kind, kind_of


def image_path_from_mime(mime: QMimeData) -> str | None:
    for url in mime.urls() if mime.hasUrls() else []:
        if url.isLocalFile() and kind_of(url.toLocalFile()) is Kind.PHOTO and Path(url.toLocalFile()).is_file():
            return url.toLocalFile()
    return None


def audio_path_from_mime(mime: QMimeData) -> str | None:
    for url in mime.urls() if mime.hasUrls() else []:
        if url.isLocalFile() and kind_of(url.toLocalFile()) is Kind.RECORDING and Path(url.toLocalFile()).is_file():
            return url.toLocalFile()
    return None


class TempFiles:
    """Pasted images and recorded speech, kept as files the search can read; removed on ``cleanup``."""

    def __init__(self) -> None:
        self._dir: Path | None = None

    def new_path(self, suffix: str) -> Path:
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="trove-query-"))
        return self._dir / f"query-{uuid.uuid4().hex[:8]}{suffix}"

    def save_image(self, image: QImage) -> str | None:
        path = self.new_path(".png")
        return str(path) if image.save(str(path)) else None  # PNG, from the suffix

    def cleanup(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

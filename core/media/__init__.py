"""Per-kind extraction (runs in the decode threads): bytes on disk -> passages, pixels, metadata."""

from __future__ import annotations

import os
import re

_SPLIT = re.compile(r"[\s_\-.+()\[\],]+")


def name_words(path: str, root: str = "", folders: int = 3) -> str:
    """Words from a file's name and its nearest folders below the library root:
    "ROOT/Holidays/Beach 2023/IMG_0042.jpg" -> "Holidays Beach 2023 IMG 0042". Folders above the root
    ("home", the user name) describe every file alike, so they are left out. Used as text signals and
    in the keyword index."""
    if root and path.startswith(root.rstrip(os.sep) + os.sep):
        path = path[len(root.rstrip(os.sep)) + 1:]
    parts = path.split(os.sep)
    stem = os.path.splitext(parts[-1])[0]
    pieces = [*parts[max(0, len(parts) - 1 - folders):-1], stem]
    words = []
    for piece in pieces:
        for w in _SPLIT.split(piece):
            if w:
                words.append(w)
    return " ".join(words)

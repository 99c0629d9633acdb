"""Distractor notes for the eval: real prose nobody on the project wrote, written next to the corpus.

The labelled corpus (``corpus.py``) has a few dozen files, all relevant to some query; a real library has
thousands that are relevant to none. ``write_distractors(root, n)`` adds ``n`` such notes under
``root / "Archive"`` so that the eval can measure whether the ranking still finds the right file in a
haystack. The text is Debian package descriptions and fortune cookies, read from the shipped snapshot
``fixtures/distractors.jsonl.xz`` (made by ``make_distractors.py``; provenance and licences in
``fixtures/README.md``). Everything is deterministic: the same ``n`` writes the same names, bytes and
timestamps.
"""

from __future__ import annotations

import hashlib
import json
import lzma
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .corpus import FIXED_MTIME

FIXTURE = Path(__file__).with_name("fixtures") / "distractors.jsonl.xz"
ARCHIVE = "Archive"
# Where a note goes and whether it is Markdown follow from a hash of its title.
FOLDERS = ("Clippings", "Old notes", "Reading", "Misc", "Inbox", "Saved")
MAX_STEM = 60


@dataclass(frozen=True, slots=True)
class Distractor:
    title: str
    text: str
    source: str


def load_distractors() -> list[Distractor]:
    """Every entry of the shipped snapshot, in its order."""
    with lzma.open(FIXTURE, "rt", encoding="utf-8") as f:
        return [Distractor(**json.loads(line)) for line in f if line.strip()]


def _stem(title: str) -> str:
    """A safe file name stem: lower-case ASCII letters and digits joined by '-', at most ``MAX_STEM`` long."""
    words = re.findall(r"[a-z0-9]+", title.lower())
    stem = "-".join(words)[:MAX_STEM].strip("-")
    return stem or "note"


def write_distractors(root: Path, n: int = 1200) -> list[str]:
    """Write the first ``n`` distractors under ``root / "Archive"``; their paths relative to ``root``."""
    entries = load_distractors()
    if not 0 <= n <= len(entries):
        raise ValueError(f"n must be between 0 and {len(entries)}, got {n}")
    root = Path(root)
    used: set[str] = set()
    paths: list[str] = []
    for entry in entries[:n]:
        digest = hashlib.sha256(entry.title.encode("utf-8")).digest()
        folder = FOLDERS[digest[0] % len(FOLDERS)]
        markdown = digest[1] % 2 == 0
        ext = ".md" if markdown else ".txt"
        stem, i = _stem(entry.title), 1
        rel = f"{ARCHIVE}/{folder}/{stem}{ext}"
        while rel in used:
            i += 1
            rel = f"{ARCHIVE}/{folder}/{stem}-{i}{ext}"
        used.add(rel)
        heading = f"# {entry.title}" if markdown else entry.title
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f"{heading}\n\n{entry.text}\n", encoding="utf-8", newline="\n")
        os.utime(p, (FIXED_MTIME, FIXED_MTIME))
        paths.append(rel)
    return paths

"""How numbers, dates and metadata read in the app."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from core.types import clock, is_inside

__all__ = ["camera_text", "clock", "count_text", "format_day", "home_path", "short_folder", "taken_text"]


def format_day(ts: float) -> str:
    d = datetime.fromtimestamp(ts)
    return f"{d.day} {d:%b %Y}"


def camera_text(meta: dict[str, Any]) -> str:
    """"Canon" + "Canon EOS 80D" -> "Canon EOS 80D"; "Google" + "Pixel 6" -> "Google Pixel 6"."""
    make = str(meta.get("make") or "").strip()
    model = str(meta.get("model") or "").strip()
    if make and model.lower().startswith(make.lower()):
        return model
    return " ".join(x for x in (make, model) if x)


def taken_text(meta: dict[str, Any], date_ts: float | None) -> str:
    taken = meta.get("taken_at")
    if isinstance(taken, str):
        for fmt in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S"):
            try:
                d = datetime.strptime(taken[:19], fmt)
            except ValueError:
                continue
            return f"{d.day} {d:%B %Y, %H:%M}"
    return f"{format_day(date_ts)} (file date)" if date_ts else ""


def count_text(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def home_path(path: str) -> str:
    """/home/ann/Pictures/x -> ~/Pictures/x."""
    home = str(Path.home())
    return "~" + path[len(home):] if path == home or path.startswith(home + os.sep) else path


def short_folder(folder: str, roots: list[str]) -> str:
    """A folder as a person knows it: from its library folder's name down ("Pictures/2023/Rome")."""
    best = max((r for r in roots if is_inside(folder, r)), key=len,
               default=None)
    if best is None:
        return home_path(folder)
    parent = os.path.dirname(best.rstrip(os.sep))
    return os.path.relpath(folder, parent) if parent else folder

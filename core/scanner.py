"""Walk library roots and say what changed.

An unchanged file costs one ``stat``: it is compared with the catalog's (size, mtime). Everything else
(new, changed, moved) is decided by the indexer with the content hash below. Walking follows links to
folders inside the library (not out of it, unless the person allows it) and remembers each folder's
(device, inode), so a symlink loop is walked once and reported.
"""

from __future__ import annotations

import fnmatch
import hashlib
import logging
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from core.types import FileStat, is_inside, kind_of

log = logging.getLogger(__name__)

DEFAULT_EXCLUDES = (".*", "__pycache__", "node_modules", "@eaDir", "$RECYCLE.BIN", "Thumbs.db")
_HASH_PIECE = 64 * 1024
OUTSIDE_LINK = ("a link to {target}, outside the library folders: not followed. Add that folder to the library, "
                "or allow links out of the library folders in the settings")


@dataclass(slots=True)
class ScanResult:
    files: dict[str, FileStat] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (display path, reason)


def display_path(path: str) -> str:
    """A path that can be printed and stored as UTF-8 even when the name on disk is not valid UTF-8."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")


def is_excluded(name: str, excludes: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pat) for pat in excludes)


def scan(scope: str, excludes: Iterable[str] = DEFAULT_EXCLUDES, skip_dirs: Iterable[str] = (),
         within: Iterable[str] | None = None, found: Callable[[int], None] | None = None) -> ScanResult:
    """Every indexable file at or below ``scope`` (a folder or one file). ``within``: the library's
    folders; a link whose target lies outside all of them is not followed (it is reported instead).
    ``found`` is told how many files were found so far after each folder (a first scan of a large
    library takes seconds, and the person should see it counting)."""
    excludes = tuple(excludes)
    inside = None if within is None else [os.path.realpath(r) for r in within]
    skip = {os.path.realpath(d) for d in skip_dirs}
    result = ScanResult()
    try:
        st = os.stat(scope)
    except FileNotFoundError:
        return result
    except OSError as exc:
        result.failures.append((display_path(scope), f"cannot read it ({exc.strerror}); check its permissions"))
        return result
    if not stat.S_ISDIR(st.st_mode):
        _visit_file(scope, st, result)
        return result
    seen_dirs: set[tuple[int, int]] = set()
    stack = [scope]
    while stack:
        folder = stack.pop()
        try:
            dst = os.stat(folder)
        except OSError as exc:
            result.failures.append((display_path(folder), os_reason(exc)))
            continue
        ident = (dst.st_dev, dst.st_ino)
        if ident in seen_dirs:
            log.info("skipping %s: it links back to a folder already walked", display_path(folder))
            continue
        seen_dirs.add(ident)
        if os.path.realpath(folder) in skip:
            continue
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            result.failures.append((display_path(folder), os_reason(exc)))
            continue
        for entry in sorted(entries, key=lambda e: e.name, reverse=True):
            if is_excluded(entry.name, excludes):
                continue
            if inside is not None and entry.is_symlink():
                target = os.path.realpath(entry.path)
                if not any(is_inside(target, r) for r in inside):
                    result.failures.append((display_path(entry.path), OUTSIDE_LINK.format(target=display_path(target))))
                    continue
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError as exc:
                result.failures.append((display_path(entry.path), os_reason(exc)))
                continue
            if is_dir:
                stack.append(entry.path)
                continue
            if kind_of(entry.name) is None:
                continue
            try:
                fst = entry.stat(follow_symlinks=True)
            except OSError as exc:
                result.failures.append((display_path(entry.path), os_reason(exc)))
                continue
            _visit_file(entry.path, fst, result)
        if found is not None:
            found(len(result.files))
    return result


def _visit_file(path: str, st: os.stat_result, result: ScanResult) -> None:
    kind = kind_of(path)
    if kind is None or not stat.S_ISREG(st.st_mode):
        return
    shown = display_path(path)
    if shown != path:
        result.failures.append((shown, "its name is not valid UTF-8; rename it to index it"))
        return
    result.files[path] = FileStat(path, kind, st.st_size, st.st_mtime_ns)


def os_reason(exc: OSError) -> str:
    """Why a file could not be read, and what to do, in the words every failure list uses."""
    if isinstance(exc, PermissionError):
        return "permission denied; give your user read access to index it"
    if exc.errno == 40:  # ELOOP
        return "symbolic link loop; remove or fix the link"
    return f"cannot read it ({exc.strerror or exc})"


def content_hash(path: str, size_bytes: int) -> str:
    """Fast identity of a file's content: size + head + middle + tail (64 KiB each), BLAKE2b.

    Files up to 192 KiB are hashed whole. Reads at most 192 KiB whatever the size.
    """
    h = hashlib.blake2b(digest_size=16)
    h.update(size_bytes.to_bytes(8, "little"))
    with open(path, "rb") as fh:
        if size_bytes <= 3 * _HASH_PIECE:
            h.update(fh.read())
        else:
            h.update(fh.read(_HASH_PIECE))
            fh.seek(size_bytes // 2 - _HASH_PIECE // 2)
            h.update(fh.read(_HASH_PIECE))
            fh.seek(size_bytes - _HASH_PIECE)
            h.update(fh.read(_HASH_PIECE))
    return h.hexdigest()

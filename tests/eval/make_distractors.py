"""Regenerate ``fixtures/distractors.jsonl.xz``: real prose that nobody on the project wrote, for the eval.

The eval corpus (``corpus.py``) is small and hand-written, so a ranking tuned on it is never tested against
many irrelevant files. The distractors are that haystack: ordinary text from two Debian sources, mixed so
that they are not all software jargon. This script is run by hand (it needs the network); the tests read
only the shipped snapshot (``distractors.py``).

Sources (Debian 12 "bookworm", main; see ``fixtures/README.md`` for licences):

* ``http://deb.debian.org/debian/dists/bookworm/main/i18n/Translation-en.xz``: the English long
  descriptions of every package (from the packages' control files). The snapshot was made from the file
  of point release 12.15 (InRelease dated 2026-07-11), sha256 ``TRANSLATION_SHA256``; a later point
  release may change a few descriptions, and the script says so when the hash differs.
* ``http://deb.debian.org/debian/pool/main/f/fortune-mod/fortunes_1.99.1-7.3_all.deb`` and
  ``fortunes-min_1.99.1-7.3_all.deb``: the fortune cookie files (quotations, jokes, definitions, short
  stories), read from the ``.deb`` with the standard library (``ar`` members, then ``data.tar.xz``).

Selection (deterministic for the same inputs):

* Descriptions: the long description with Debian's formatting removed (each line's leading space, `` .``
  paragraph separators become blank lines, surrounding whitespace stripped). Derived packages (names
  ending ``-dev``, ``-doc``, ``-dbg``, ``-data``, ``-common``) and ``librust-``/``libghc-`` packages are
  skipped, as their text is generated boilerplate. Packages are taken in the order of the sha256 of their
  name; a description is kept when it has 40-250 words and neither its text nor its first paragraph has
  been kept already, ignoring case and spacing (families of packages share a first paragraph). The first
  ``N_DEBIAN`` are kept, titled by the short description.
* Fortunes: the files in ``FORTUNE_FILES`` (not the computing, song-lyric, ASCII-art or edgier ones),
  split on ``%`` lines, terminal overstrike and control characters removed, each line stripped and its
  runs of spaces or tabs made one space. An entry is kept when it has 40-250 words, at least 75% of its
  non-space characters are letters (no ASCII art), and its text, ignoring case and spacing, was not kept
  already. Entries are taken in the order of the sha256 of ``file + text``; the first ``N_FORTUNES`` are
  kept, titled by their first words.

The two are merged in the order of the sha256 of ``source + title``, so that any prefix of the file (what
``write_distractors(root, n)`` takes) is a mix of both. Each line is ``{"source", "text", "title"}``.

Run: ``python -m tests.eval.make_distractors`` (writes the fixture and prints counts); ``--translation``
and ``--debs`` take local copies of the downloads instead.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import lzma
import re
import tarfile
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path

MIRROR = "http://deb.debian.org/debian"
TRANSLATION_URL = f"{MIRROR}/dists/bookworm/main/i18n/Translation-en.xz"
TRANSLATION_SHA256 = "a3d4a0bfd8e9242810b0885eda7c1a6e05dac15b333ddbaab03ba56f2dfa4bf0"
FORTUNE_DEBS = (
    f"{MIRROR}/pool/main/f/fortune-mod/fortunes_1.99.1-7.3_all.deb",
    f"{MIRROR}/pool/main/f/fortune-mod/fortunes-min_1.99.1-7.3_all.deb",
)
FORTUNE_DIR = "usr/share/games/fortunes/"
FORTUNE_FILES = frozenset(
    "art cookie definitions education food goedel humorists kids law literature love magic medicine "
    "miscellaneous news people pets platitudes politics riddles science sports startrek tao wisdom work"
    .split())

FIXTURE = Path(__file__).with_name("fixtures") / "distractors.jsonl.xz"
N_DEBIAN = 800
N_FORTUNES = 700
MIN_WORDS, MAX_WORDS = 40, 250
TITLE_WORDS = 8
SKIP_SUFFIXES = ("-dev", "-doc", "-dbg", "-data", "-common")
SKIP_PREFIXES = ("librust-", "libghc-")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _key(text: str) -> str:
    """What two texts share when they differ only in case, spacing or line breaks."""
    return _sha(" ".join(text.lower().split()))


def _download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=300) as resp:
        data: bytes = resp.read()
    return data


def _words_ok(text: str) -> bool:
    return MIN_WORDS <= len(text.split()) <= MAX_WORDS


def _paragraphs(lines: Iterable[str]) -> str:
    """Lines joined, blank lines kept as paragraph breaks (never more than one in a row, none at the ends)."""
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# -- Debian package descriptions ------------------------------------------------------------------------
def parse_translation(raw: str) -> Iterator[tuple[str, str, str]]:
    """(package, short description, cleaned long description) for each stanza of a Translation-en file."""
    for stanza in raw.split("\n\n"):
        package, short, body, in_desc = "", "", [], False
        for line in stanza.split("\n"):
            if line.startswith("Package: "):
                package, in_desc = line[len("Package: "):].strip(), False
            elif line.startswith("Description-en: "):
                short, in_desc = line[len("Description-en: "):].strip(), True
            elif in_desc and line.startswith(" "):
                body.append("" if line.strip() == "." else line.strip())
            else:
                in_desc = False
        if package and short and body:
            yield package, short, _paragraphs(body)


def select_debian(raw: str, n: int) -> list[dict[str, str]]:
    entries = sorted(parse_translation(raw), key=lambda e: _sha(e[0]))
    seen: set[str] = set()
    out: list[dict[str, str]] = []
    for package, short, text in entries:
        if package.endswith(SKIP_SUFFIXES) or package.startswith(SKIP_PREFIXES) or not _words_ok(text):
            continue
        keys = {_key(text), _key(text.split("\n\n")[0])}
        if keys & seen:
            continue
        seen |= keys
        out.append({"title": short, "text": text, "source": f"Translation-en: {package}"})
        if len(out) == n:
            break
    return out


# -- fortunes ------------------------------------------------------------------------------------------
def deb_members(deb: bytes) -> dict[str, bytes]:
    """The members of a ``.deb`` (an ``ar`` archive) by name."""
    if not deb.startswith(b"!<arch>\n"):
        raise ValueError("not an ar archive")
    members, pos = {}, 8
    while pos + 60 <= len(deb):
        header = deb[pos:pos + 60]
        name = header[:16].decode("ascii").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        members[name] = deb[pos + 60:pos + 60 + size]
        pos += 60 + size + (size % 2)
    return members


def fortune_files(deb: bytes) -> dict[str, str]:
    """The fortune cookie files in ``FORTUNE_FILES`` from one ``.deb``, by file name."""
    data = deb_members(deb)["data.tar.xz"]
    out = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:xz") as tar:
        for member in tar.getmembers():
            name = member.name.removeprefix("./")
            base = name.removeprefix(FORTUNE_DIR)
            if name.startswith(FORTUNE_DIR) and member.isfile() and base in FORTUNE_FILES:
                f = tar.extractfile(member)
                assert f is not None
                out[base] = f.read().decode("utf-8", errors="replace")
    return out


def clean_fortune(entry: str) -> str:
    """Overstrike (``_`` or a letter, backspace, letter: underline or bold on a terminal) reduced to the
    letter, other control characters dropped, each line stripped and its runs of spaces made one."""
    entry = re.sub(r"[^\n]\x08", "", entry)
    entry = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", entry)
    return _paragraphs(re.sub(r"[ \t]+", " ", line).strip() for line in entry.split("\n"))


def _mostly_letters(text: str) -> bool:
    chars = [c for c in text if not c.isspace()]
    return bool(chars) and sum(c.isalpha() for c in chars) >= 0.75 * len(chars)


def select_fortunes(files: dict[str, str], n: int) -> list[dict[str, str]]:
    entries = []
    for name, raw in files.items():
        for entry in re.split(r"^%$", raw, flags=re.MULTILINE):
            text = clean_fortune(entry)
            if _words_ok(text) and _mostly_letters(text):
                entries.append((name, text))
    entries.sort(key=lambda e: _sha(e[0] + e[1]))
    seen: set[str] = set()
    out: list[dict[str, str]] = []
    for name, text in entries:
        if _key(text) in seen:
            continue
        seen.add(_key(text))
        title = " ".join(text.split()[:TITLE_WORDS]).rstrip(",;:-")
        out.append({"title": title, "text": text, "source": f"fortunes: {name}"})
        if len(out) == n:
            break
    return out


# -- writing -------------------------------------------------------------------------------------------
def build(translation: bytes, debs: Iterable[bytes]) -> list[dict[str, str]]:
    if hashlib.sha256(translation).hexdigest() != TRANSLATION_SHA256:
        print("note: Translation-en.xz differs from the one the shipped snapshot was made from")
    files: dict[str, str] = {}
    for deb in debs:
        files.update(fortune_files(deb))
    entries = (select_debian(lzma.decompress(translation).decode("utf-8"), N_DEBIAN)
               + select_fortunes(files, N_FORTUNES))
    if len(entries) != N_DEBIAN + N_FORTUNES:
        raise RuntimeError(f"only {len(entries)} entries qualified")
    return sorted(entries, key=lambda e: _sha(e["source"] + e["title"]))


def write_fixture(entries: list[dict[str, str]], path: Path) -> None:
    lines = "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in entries)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(lzma.compress(lines.encode("utf-8"), preset=9 | lzma.PRESET_EXTREME))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--translation", type=Path, help="a local copy of Translation-en.xz")
    parser.add_argument("--debs", type=Path, nargs="*", help="local copies of the two fortunes .debs")
    parser.add_argument("--out", type=Path, default=FIXTURE)
    args = parser.parse_args()
    translation = args.translation.read_bytes() if args.translation else _download(TRANSLATION_URL)
    debs = [p.read_bytes() for p in args.debs] if args.debs else [_download(u) for u in FORTUNE_DEBS]
    entries = build(translation, debs)
    write_fixture(entries, args.out)
    print(f"{len(entries)} entries, {args.out.stat().st_size} bytes: {args.out}")


if __name__ == "__main__":
    main()

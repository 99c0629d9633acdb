"""``trove``: the command line. ``--data-dir`` and ``--json`` go before or after the command name.
With ``--json`` a command prints exactly one JSON object on stdout; progress goes to stderr."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import sqlite3
import sys
import threading
import time
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from core.config import default_data_dir, environment
from core.types import Kind, PathNotFound, Progress, TroveError

log = logging.getLogger("core.cli")

NOT_INSTALLED = "unknown (not installed as a package)"


def trove_version() -> str:
    """pyproject.toml's version as installed (a wheel, `pip install -e .`, the bundle's copied metadata);
    the About box reads the same ``importlib.metadata.version("trove")`` with the same fallback."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("trove")
    except PackageNotFoundError:
        return NOT_INSTALLED


def _common(p: argparse.ArgumentParser, top: bool) -> None:
    default = None if top else argparse.SUPPRESS
    p.add_argument("--data-dir", type=Path, default=default, help="where the catalog and index live "
                   "(default: $TROVE_DATA_DIR, else the platform's user data folder)")
    p.add_argument("--json", action="store_true", default=False if top else argparse.SUPPRESS,
                   help="print one JSON object on stdout")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from exc


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of results (1 or more)")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trove", description="Offline search over your photos, notes and recordings.")
    _common(parser, top=True)
    parser.add_argument("--version", action="version", version=f"trove {trove_version()}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more to stderr")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks for errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("index", help="remember folders as library roots and bring the index up to date")
    _common(p, top=False)
    p.add_argument("paths", nargs="*", help="folders (or files) to add as roots")
    p.add_argument("--retry-failed", action="store_true", help="try files that failed before, even if unchanged")
    p.add_argument("--wait", action="store_true", help="if another index run is using the library, wait for it")

    p = sub.add_parser("search", help="search by text, image or voice")
    _common(p, top=False)
    p.add_argument("text", nargs="*", help="what to look for")
    p.add_argument("--image", metavar="FILE", help="find photos (and notes) like this image")
    p.add_argument("--voice", metavar="FILE", help="speak the query: an audio file, transcribed locally")
    p.add_argument("--like", metavar="FILE", help="more like this indexed file")
    p.add_argument("--kind", choices=[k.value for k in Kind])
    p.add_argument("--in", dest="folder", metavar="FOLDER", help="only files under this folder")
    p.add_argument("--near", metavar="PLACE", help="only photos taken in this place (a city, region or country)")
    p.add_argument("--after", type=_date, metavar="YYYY-MM-DD", help="taken or modified on or after this day")
    p.add_argument("--before", type=_date, metavar="YYYY-MM-DD", help="taken or modified before this day")
    p.add_argument("--limit", type=_positive, default=10, help="how many results at most (default 10)")

    p = sub.add_parser("status", help="what is indexed, which models are present, what failed")
    _common(p, top=False)

    p = sub.add_parser("repair", help="rebuild a damaged catalog: move it aside, index the library folders again")
    _common(p, top=False)

    p = sub.add_parser("roots", help="list the library folders, or forget one")
    _common(p, top=False)
    rsub = p.add_subparsers(dest="roots_command", metavar="ACTION")
    r = rsub.add_parser("list", help="the library folders (the default)")
    _common(r, top=False)
    r = rsub.add_parser("remove", help="forget a folder: its files leave the index (nothing on disk is touched)")
    _common(r, top=False)
    r.add_argument("path")

    p = sub.add_parser("watch", help="keep the index current until interrupted")
    _common(p, top=False)

    p = sub.add_parser("models", help="list, import or fetch model weights")
    _common(p, top=False)
    msub = p.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    m = msub.add_parser("list", help="what is installed and where it came from")
    _common(m, top=False)
    m = msub.add_parser("import", help="import an open_clip checkpoint (.pt or .safetensors)")
    _common(m, top=False)
    m.add_argument("file", type=Path)
    m = msub.add_parser("fetch", help="download CLIP weights through open_clip (needs a network)")
    _common(m, top=False)
    m.add_argument("--pretrained", default=None, help="open_clip pretrained tag")

    p = sub.add_parser("demo", help="index the bundled sample library and run example searches")
    _common(p, top=False)
    return parser


class _Bar:
    """A progress bar with rate and ETA on stderr when it is a terminal; otherwise a line now and then."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        if p.phase in ("indexing", "reading") and not self.tty and now - self.last < 5.0:
            return
        self.last = now
        if p.phase == "scanning":
            line = f"scanning… (device {p.device})"
        elif p.phase == "preparing":
            line = "preparing fast search and indexing: writing ONNX copies of the models (once per model)…"
        elif p.phase == "reading":
            line = f"reading the text in photos and scanned pages: {p.done}/{p.total}"
        elif p.phase in ("indexing", "saving"):
            width = 28
            frac = p.done / p.total if p.total else 1.0
            bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
            eta = f"ETA {int(p.eta_s) // 60}:{int(p.eta_s) % 60:02d}" if p.eta_s is not None else "ETA -"
            line = f"[{bar}] {p.done}/{p.total} {p.rate_per_s:.1f} files/s {eta} · {p.device}"
        else:
            line = f"done: {p.done} files indexed"
        if self.tty:
            cols = shutil.get_terminal_size((100, 20)).columns
            sys.stderr.write("\r" + line[: cols - 1].ljust(cols - 1) + ("\n" if p.phase == "done" else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


_UNSAFE = frozenset({"Cc", "Cf", "Zl", "Zp"})  # controls, format (bidi overrides), line/paragraph separators


def _catalog_trouble(exc: sqlite3.Error, args: argparse.Namespace) -> str:
    """What a SQLite error means for the person, by its error code (never by its text)."""
    from core.catalog import sqlite_code

    where = _data_dir(args)
    code = sqlite_code(exc)
    if code == sqlite3.SQLITE_FULL:
        return (f"the disk holding {where} is full ({exc}); free some space and run `trove index` again "
                "(what was indexed so far is kept)")
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return (f"the catalog in {where} is damaged ({exc}); run `trove repair` to move it aside and index "
                "the library folders again")
    if code in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH):
        return f"cannot use {where} ({exc}); check that the folder is yours and writable"
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return f"the catalog in {where} is busy ({exc}); try again in a moment"
    return f"the catalog in {where} failed ({exc})"


def shown(text: str) -> str:
    """Text from files (names, notes, transcripts) made safe for a terminal: control characters (escape
    sequences could retitle or clear it; a newline in a name could fake a result line) and bidirectional
    overrides are written as visible escapes."""
    return "".join(ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in _UNSAFE else ch
                   for ch in text)


def _emit(args: argparse.Namespace, payload: dict[str, Any], human: str) -> None:
    if args.json:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(human + ("\n" if human and not human.endswith("\n") else ""))


def _open(args: argparse.Namespace, isolated: bool = False) -> Any:
    from core.library import Library

    return Library.open(args.data_dir, isolated=isolated)


def _data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data_dir or default_data_dir()).expanduser().resolve()


def _index_summary(args: argparse.Namespace, out: dict[str, Any]) -> None:
    out.pop("cancelled", None)
    human = (f"added {out['added']}, updated {out['updated']}, moved {out['moved']}, removed {out['removed']}, "
             f"unchanged {out['unchanged']}, failed {out['failed']} in {out['seconds']:.1f}s on {out['device']}")
    if out.get("with_text"):
        n = out["with_text"]
        human += f"\ntext found in {n} {'photo or scanned document' if n == 1 else 'photos or scanned documents'}"
    if out["failed"]:
        human += "\n(see `trove status` for what failed and why)"
    _emit(args, out, human)


def cmd_index(args: argparse.Namespace) -> int:
    from core.owner import ask

    adding = [str(Path(p).expanduser().resolve()) for p in args.paths]  # absolute: the owner runs elsewhere
    via_owner = ask(_data_dir(args), {"op": "index", "add": adding, "retry_failed": args.retry_failed}, _Bar())
    if via_owner is not None:  # the app or `trove watch` runs it
        _index_summary(args, via_owner)
        return 0
    lib = _open(args)
    with lib:
        for p in adding:  # a missing one raises PathNotFound (in the owner too)
            log.info("library root: %s", lib.add_root(p))
        if not lib.roots():
            sys.stderr.write("trove: no library folders yet; run `trove index FOLDER` to add one\n")
            return 2
        if not lib.clip.present:
            sys.stderr.write("note: " + lib.clip_hint() + "\n")
        summary = lib.index(progress=_Bar(), retry_failed=args.retry_failed, wait=args.wait)
        _index_summary(args, summary.to_json())
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from core.types import Query, place_words

    text = " ".join(args.text).strip() or None
    if not (text or args.image or args.voice or args.like or args.kind or args.folder or args.after or args.before
            or args.near):
        sys.stderr.write("trove: give some text, --image FILE, --voice FILE, --like FILE or a filter\n")
        return 2
    if args.near is not None and not place_words(args.near):
        sys.stderr.write(f"trove: --near {args.near!r}: give the name of a place, such as Lisbon or Norway\n")
        return 2
    for flag, value in (("--image", args.image), ("--voice", args.voice)):
        if value and not Path(value).is_file():
            sys.stderr.write(f"trove: {flag} {value}: no such file\n")
            return 2
    if args.folder and not os.path.isdir(os.path.expanduser(args.folder)):
        sys.stderr.write(f"trove: --in {args.folder}: no such folder\n")
        return 2
    if args.after and args.before and args.after >= args.before:
        sys.stderr.write(f"trove: --after {args.after} is not before --before {args.before}; nothing could match\n")
        return 2
    q = Query(text=text,  # absolute paths: the library's owner may run in another folder
              image_path=os.path.abspath(args.image) if args.image else None,
              voice_path=os.path.abspath(args.voice) if args.voice else None,
              like_path=os.path.abspath(args.like) if args.like else None,
              kind=Kind(args.kind) if args.kind else None,
              folder=os.path.abspath(os.path.expanduser(args.folder)) if args.folder else None,
              after=args.after, before=args.before, limit=max(1, args.limit), near=args.near)
    from core.owner import ask

    payload = ask(_data_dir(args), {"op": "search", "query": q.to_json()})
    if payload is None:  # no app or `trove watch` owns the library: search it here
        lib = _open(args)
        with lib:
            payload = lib.search(q).to_json()
    lines = []
    transcript = payload["query"].get("transcript")
    if transcript is not None:
        lines.append(f'heard: "{shown(transcript)}"')
    results = payload["results"]
    words = any(payload["query"].get(k) for k in ("text", "image", "voice", "like"))
    bold = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    for i, r in enumerate(results, 1):
        if words and not r["matched"] and (i == 1 or results[i - 2]["matched"]):
            lines.append("no match for the query; everything that passes the filters:" if i == 1 else
                         "also in the filters (they do not match the query):")
        reason = shown(r["why"]) if not r["strength"] else f"{r['strength']} match: {shown(r['why'])}"
        where = "; ".join(shown(x) for x in (r.get("location"), r.get("place") and f"taken in {r['place']}") if x)
        lines.append(f"{i:2d}. [{r['kind']}] {shown(r['path'])}\n    {reason}" + (f"\n    {where}" if where else "")
                     + f"\n    {_marked(r, bold)}")
    if not results:
        lines.append("no matches")
    _emit(args, payload, "\n".join(lines))
    return 0


def _marked(r: dict[str, Any], bold: bool, limit: int = 200) -> str:
    """A result's snippet for the terminal: the query's words in bold on a terminal, cut at ``limit``."""
    text: str = r["snippet"]
    if not bold:
        return shown(text[:limit])
    out, pos = [], 0
    for a, b in sorted(tuple(m) for m in r.get("marks") or []):
        if a < pos or b > limit:
            continue
        out += [shown(text[pos:a]), "\x1b[1m", shown(text[a:b]), "\x1b[0m"]
        pos = b
    out.append(shown(text[pos:limit]))
    return "".join(out)


def cmd_status(args: argparse.Namespace) -> int:
    from core.owner import ask

    st = ask(_data_dir(args), {"op": "status"})
    if st is None:
        with _open(args) as lib:
            st = lib.status()
    c = st["counts"]
    lines = [f"library: {st['data_dir']}",
             f"indexed: {c['photo']} photos, {c['note']} notes, {c.get('document', 0)} documents, "
             f"{c['recording']} recordings "
             f"({st['chunks']} passages)",
             "roots: " + (", ".join(shown(r) for r in st["roots"]) or "none (run `trove index FOLDER`)"),
             f"device: {st['device']}" + (" (a GPU exists but is not used)" if st["gpu_unused"] else "")]
    for name, m in st["models"].items():
        lines.append(f"model {name}: {'present' if m['present'] else 'MISSING'} ({m['source']})")
    for root in st["missing_roots"]:
        lines.append(f"missing: {shown(root)} (unplugged or deleted? its files stay in the index; "
                     f"`trove roots remove {shown(root)}` forgets them)")
    if st["visual_pending"]:
        lines.append(f"{st['visual_pending']} files wait for visual encoding")
    if st["hint"]:
        lines.append(st["hint"])
    if st["failed"]:
        lines.append(f"failed ({len(st['failed'])}):")
        lines.extend(f"  {shown(f['path'])}: {shown(f['reason'])}" for f in st["failed"])
    _emit(args, st, "\n".join(lines))
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from core.library import IndexSummary

    lib = _open(args, isolated=True)  # each index run in a child process: an idle watcher holds no model
    with lib:
        if not lib.roots():
            sys.stderr.write("trove: no library folders yet; run `trove index FOLDER` first\n")
            return 2
        summary = lib.index(progress=_Bar())
        sys.stderr.write(f"up to date ({summary.added} added, {summary.removed} removed); watching "
                         f"{', '.join(lib.roots())} (Ctrl+C to stop)\n")
        def report(s: IndexSummary) -> None:
            sys.stderr.write(f"updated: +{s.added} ~{s.updated} >{s.moved} -{s.removed} !{s.failed}\n")

        def stop_on_term(_sig: int, _frame: object) -> None:  # `kill` stops it as Ctrl+C does: cleanly
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop_on_term)
        watcher = lib.watch(on_update=report)
        owner = lib.serve()  # `trove search/status/index` from another terminal ask this process, warm
        if lib.query.copies_exist():  # warm for the first search too, without torch
            threading.Thread(target=lib.query.preload, name="trove-preload", daemon=True).start()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            lib.cancel_indexing()  # a run in progress stops at once (its child process too)
            if owner is not None:
                owner.stop()
            watcher.stop()
        _emit(args, {"stopped": True}, "stopped")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from core.models import DEFAULT_CLIP_PRETRAINED, ModelStore

    store = ModelStore((args.data_dir or default_data_dir()).expanduser())
    if args.models_command == "import":
        w = store.import_clip(args.file)
        _emit(args, {"imported": str(w.weights), "sha256": w.sha256, "arch": w.arch},
              f"imported {w.weights} (sha256 {w.sha256}); run `trove index` to encode photos visually")
        return 0
    if args.models_command == "fetch":
        w = store.fetch_clip(args.pretrained or DEFAULT_CLIP_PRETRAINED)
        _emit(args, {"fetched": str(w.weights), "sha256": w.sha256, "arch": w.arch}, f"fetched {w.weights}")
        return 0
    d = store.describe()
    lines = [f"{name}: {'present' if m['present'] else 'MISSING'} · {m['source']} · {m.get('file') or '-'}"
             for name, m in d.items()]
    if not d["clip"]["present"]:
        lines.append(d["clip"]["how_to_get"])
    _emit(args, {"models": d}, "\n".join(lines))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """`make demo`: index the bundled sample library into a data folder of its own and run example searches."""
    from core.library import Library
    from core.search import Query
    from resources import sample_library

    sample = sample_library()
    data_dir = args.data_dir or environment().data_dir or Path.cwd() / ".trove-demo"
    lib = Library.open(data_dir)
    with lib:
        lib.add_root(sample)
        s = lib.index(progress=_Bar())
        print(f"indexed the sample library into {lib.data_dir}: {s.added} added, {s.unchanged} unchanged, "
              f"{s.failed} failed, on {s.device}")
        if not lib.clip.present:
            print("note: " + lib.clip_hint())
        voice = sample / "recordings" / "dentist-reminder.wav"
        for q in (Query(text="bread recipe with a starter", limit=3), Query(text="spacecraft launch", limit=3),
                  Query(text="what did I say about the car tyres", limit=3), Query(voice_path=str(voice), limit=3),
                  Query(text="boiler red light no hot water", limit=3), Query(text="pastel de nata", limit=3),
                  Query(near="Lisbon", limit=3)):
            resp = lib.search(q)
            label = q.text if q.voice_path is None else f"voice {voice.name}"
            label = label or f"--near {q.near}"
            print(f"\n> {label}" + (f'\n  heard: "{q.transcript}"' if q.transcript else ""))
            for r in resp.results:
                where = "".join(f" ({x})" for x in (r.location, r.place) if x)
                print(f"  [{r.kind}] {os.path.relpath(r.path, sample)}{where} — {r.why}")
        print("\nTry your own: .venv/bin/trove --data-dir", lib.data_dir, 'search "your words"')
    return 0


def cmd_repair(args: argparse.Namespace) -> int:
    from core.library import Library
    from core.owner import is_owned

    data_dir = _data_dir(args)
    if is_owned(data_dir):
        raise TroveError(f"the app or `trove watch` has {data_dir} open; close it first, then repair")
    aside, summary = Library.repair(data_dir, progress=_Bar())
    out = {"moved_aside": str(aside), **summary.to_json()}
    _emit(args, out, f"moved the damaged catalog to {shown(str(aside))}\n"
                     f"rebuilt: {summary.added} files indexed, {summary.failed} failed, in {summary.seconds:.1f}s")
    return 0


def cmd_roots(args: argparse.Namespace) -> int:
    lib = _open(args)
    with lib:
        if args.roots_command == "remove":
            before = lib.roots()
            lib.remove_root(args.path)
            gone = sorted(set(before) - set(lib.roots()))
            if not gone:
                raise PathNotFound(f"{args.path} is not a library folder; `trove roots` lists them")
            _emit(args, {"removed": gone, "roots": lib.roots()}, f"forgot {', '.join(shown(g) for g in gone)}")
            return 0
        roots = lib.roots()
        listing = [{"path": r, "present": os.path.exists(r)} for r in roots]
        _emit(args, {"roots": listing}, "\n".join(shown(r["path"]) + ("" if r["present"] else "  (missing)")
                                                 for r in listing) or "no library folders yet")
    return 0


COMMANDS = {"index": cmd_index, "search": cmd_search, "status": cmd_status, "watch": cmd_watch,
            "models": cmd_models, "demo": cmd_demo, "roots": cmd_roots, "repair": cmd_repair}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO if args.verbose else (logging.ERROR if args.json else logging.WARNING))
    logging.getLogger().addHandler(handler)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except TroveError as exc:  # the person can act on it: one line, no traceback
        if args.debug:
            raise
        sys.stderr.write(f"trove: {exc}\n")
        return exc.exit_code
    except sqlite3.Error as exc:  # the catalog: a full disk, a damaged file, a folder we cannot write
        if args.debug:
            raise
        sys.stderr.write(f"trove: {_catalog_trouble(exc, args)}\n")
        return 1
    except OSError as exc:  # what the machine did: a full disk, a folder without permission
        if args.debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        sys.stderr.write(f"trove: {where}{exc.strerror or exc}\n")
        return 1
    except Exception as exc:  # a bug: say so in one line, keep the traceback for the log and --debug
        if args.debug:
            raise
        log.error("unexpected error in `trove %s`", args.command, exc_info=True)
        sys.stderr.write(f"trove: internal error ({type(exc).__name__}: {exc}); please report it. Run again with "
                         "--debug to see where it happened\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())

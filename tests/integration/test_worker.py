"""Index runs in a child process (the app and ``trove watch``): the parent never imports torch, follows
the child's writes while it runs, can cancel it, and survives it being killed with the catalog intact.
Real bundled models, CLIP ViT-B-32 with random weights."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.library import Library
from core.search import Query
from core.types import Progress
from core.worker import IndexingStopped
from tests.conftest import make_note, make_photo

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "resources" / "sample-library"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One data dir for the module: the first run writes the ONNX query copies (slow, once)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("TROVE_CLIP_WEIGHTS", "random")
    yield tmp_path_factory.mktemp("worker")
    mp.undo()


def more_files(root: Path, notes: int, photos: int, tag: str) -> Path:
    for i in range(notes):
        make_note(root / f"note-{tag}-{i:03d}.md", f"Meeting {tag} number {i}: the quarterly plan for the "
                  f"allotment, seeds to order, and who waters the tomatoes in week {i}.")
    for i in range(photos):
        make_photo(root / f"photo-{tag}-{i:03d}.jpg", color=(10 * i % 255, 80, 160), seed=i)
    return root


def test_the_parent_never_imports_torch_and_answers_every_query_kind(data: Path) -> None:
    lib_dir = data / "sample"
    shutil.copytree(SAMPLE, lib_dir)
    script = textwrap.dedent(f"""
        import json, sys
        from pathlib import Path
        from core.library import Library
        from core.search import Query
        lib = Library.open(Path({str(data / "d")!r}), isolated=True)
        lib.add_root({str(lib_dir)!r})
        phases = []
        summary = lib.index(progress=lambda p: phases.append(p.phase))
        found = {{}}
        for name, q in (("text", Query(text="bread recipe with a starter", limit=3)),
                        ("image", Query(image_path={str(lib_dir / "photos/pets/cat-chelsea.jpg")!r}, limit=3)),
                        ("voice", Query(voice_path={str(lib_dir / "recordings/dentist-reminder.wav")!r}, limit=3))):
            found[name] = [Path(r.path).name for r in lib.search(q).results]
        print(json.dumps({{"summary": summary.to_json(), "phases": list(dict.fromkeys(phases)), "found": found,
                          "onnx": lib.query.uses_onnx(), "torch": "torch" in sys.modules,
                          "heavy": sorted(m for m in ("open_clip", "sentence_transformers", "torchvision")
                                          if m in sys.modules)}}))
        lib.close()
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=900,
                          env=dict(os.environ, TROVE_CLIP_WEIGHTS="random"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.splitlines()[-1])
    assert (out["summary"]["added"], out["summary"]["failed"]) == (17, 0)
    # A first run on the CPU writes the query copies first (in a process of its own), then indexes on them.
    assert out["phases"] == ["preparing", "scanning", "indexing", "reading", "saving", "done"]
    assert out["found"]["text"][0] == "sourdough-recipe.md"
    assert out["found"]["image"][0] == "cat-chelsea.jpg"  # its own vector: the best match
    assert out["found"]["voice"][0] == "dentist-reminder.wav"
    assert out["onnx"] == {"sentence": True, "clip_text": True, "clip_visual": True}
    assert out["torch"] is False and out["heavy"] == []


def test_the_parent_follows_the_childs_writes_while_it_runs(data: Path) -> None:
    with Library.open(data / "d", isolated=True) as lib:
        assert lib.child is not None
        lib.child.follow_every_s = 0.0
        root = lib.add_root(more_files(data / "follow", notes=40, photos=10, tag="follow"))
        sizes: list[tuple[str, int]] = []
        summary = lib.index([root], progress=lambda p: sizes.append((p.phase, len(lib.vectors))))
        assert summary.added == 50
        before_done = [n for phase, n in sizes if phase == "indexing"]
        assert before_done and max(before_done) > 17  # the sample library's 17, then some of the new ones
        hits = lib.search(Query(text="who waters the tomatoes", limit=5)).results
        assert hits and "note-follow" in hits[0].path


def test_a_cancel_stops_the_child_and_the_next_run_finishes(data: Path) -> None:
    with Library.open(data / "d", isolated=True) as lib:
        root = lib.add_root(more_files(data / "cancel", notes=120, photos=20, tag="cancel"))

        def cancel_when_started(p: Progress) -> None:
            if p.phase == "indexing":
                lib.indexer.cancel.set()

        summary = lib.index([root], progress=cancel_when_started)
        assert summary.cancelled and summary.added < 140
        again = lib.index([root])
        assert again.added + summary.added == 140 and not again.cancelled
        assert lib.counts()["note"] >= 120 + 40


def test_a_killed_child_is_reported_and_the_catalog_stays_whole(data: Path) -> None:
    with Library.open(data / "d", isolated=True) as lib:
        root = lib.add_root(more_files(data / "kill", notes=150, photos=0, tag="kill"))
        killed: list[int] = []

        def kill_when_started(p: Progress) -> None:
            if p.phase == "indexing" and not killed and lib.child is not None and lib.child.pid:
                killed.append(lib.child.pid)
                os.kill(lib.child.pid, signal.SIGKILL)

        with pytest.raises(IndexingStopped, match="stopped unexpectedly"):
            lib.index([root], progress=kill_when_started)
        assert killed
        integrity = lib.catalog.conn.execute("PRAGMA integrity_check").fetchone()[0]
        assert integrity == "ok"
        assert len(lib.vectors) == lib.catalog.chunk_count()  # what the catalog holds, nothing torn
        again = lib.index([root])
        assert not again.cancelled and lib.counts()["note"] >= 150 + 120 + 40
        hits = lib.search(Query(text="Meeting kill number 149", limit=3)).results
        assert hits and hits[0].path.endswith("note-kill-149.md")


def test_the_child_stops_when_the_app_dies(data: Path) -> None:
    root = more_files(data / "orphan", notes=300, photos=0, tag="orphan")
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from core.library import Library
        lib = Library.open(Path({str(data / "d")!r}), isolated=True)
        lib.add_root({str(root)!r})
        def tell(p):
            if p.phase == "indexing" and lib.child is not None and lib.child.pid:
                print(lib.child.pid, flush=True)
        lib.index(progress=tell)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, TROVE_CLIP_WEIGHTS="random"))
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    parent.kill()  # like the app being killed: the child reads end-of-file on its stdin
    parent.wait()
    deadline = time.monotonic() + 60
    while _alive(child_pid):
        if time.monotonic() > deadline:
            os.kill(child_pid, signal.SIGKILL)
            pytest.fail("the indexing process went on for a minute after its parent died")
        time.sleep(0.1)  # polling another process's exit: there is no signal to wait on
    with Library.open(data / "d") as lib:
        assert lib.catalog.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _alive(pid: int) -> bool:
    """Running (a zombie left for a PID 1 that does not reap counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"

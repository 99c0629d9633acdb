"""Writing the ONNX copies of the encoders (``core.encoders.onnx_export``) that queries, and index runs on
the CPU (``core.encoders.onnx_index``), use instead of torch.

A library's first index run on the CPU writes them before it indexes, in a process of its own (``python
-m core.copies``): torch, open_clip and sentence-transformers are imported there alone and their memory
goes when it exits, and the run then indexes on onnxruntime like every later one. Writing them at the
end of a torch index run instead, from the models it had loaded, peaked at 3.2 GB (torch's models, the
fresh fp32 CLIP the export reads, the exporter); in their own process they peaked at 1.9 GB, and the whole
first ``trove index`` of 48 12 MP photos takes about as long (bench/README.md). Each model now goes as soon
as no copy left needs it and the copies are checked after that (``write``): 1.5 GB, the export of CLIP's
text tower from the whole fp32 model (ViT-B-32, random weights: torch and the exporter 0.83 GB, CLIP
0.6). Elsewhere (a GPU, encoders handed in, a copy the child could not write) the copies are written at
the end of the run, as before.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from core.encoders import onnx_export as ox
from core.types import PauseSwitch

log = logging.getLogger(__name__)

# CLIP first: it is let go before the sentence model loads. Its text tower first: written from the whole
# model, it is then dropped, and the visual tower is written without it (``write``).
ORDER = {"clip-text": 0, "clip-visual": 1, "sentence": 2}
MODEL = {"clip-text": "image", "clip-visual": "image", "sentence": "text"}  # the encoder each copy is written from


def missing(root: Path, text_model_id: str, visual_model_id: str | None) -> list[tuple[str, str]]:
    """(key, kind) of the copies not written yet and not failed before, in the order they are written."""
    wanted = ox.query_copy_keys(text_model_id, visual_model_id)
    todo = [(k, kind) for k, kind in wanted if not ox.is_exported(root, k) and not ox.has_failed(root, k)]
    return sorted(todo, key=lambda kv: ORDER[kv[1]])


def write(encoders: Any, root: Path, todo: list[tuple[str, str]], release: bool = False) -> None:
    """Write the copies in ``todo`` from ``encoders`` (``core.encoders.Encoders``); a copy that does not
    match torch or fails is marked so it is not tried again with this exporter. Never raises.

    ``release``: a process that only writes copies. Each model goes as soon as no copy left needs it, and
    the copies written from it are checked on onnxruntime only then: a session holds as much as the copy's
    weights (360 MB for CLIP's visual tower), and holding it beside torch's CLIP made the process's peak,
    1.90 GB. CLIP's text tower is dropped once its copy is written, before the visual tower's export."""
    written: list[tuple[str, ox.Written]] = []
    for n, (key, kind) in enumerate(todo):
        try:
            copy = _write(encoders, kind, root)
            if isinstance(copy, ox.Written):
                written.append((key, copy))
            elif copy is None:
                ox.mark_failed(root, key, "the copy did not match torch")
            else:  # not a model this can copy (tests' fakes): do not load it again for this
                ox.mark_failed(root, key, "not a model Trove makes copies of")
        except Exception as exc:  # an exporter that fails leaves queries on torch; say so once
            _failed(root, key, exc)
        left = [k for _key, k in todo[n + 1:]]
        if release:
            _let_go(encoders, kind, left)
        if not release or MODEL[kind] not in {MODEL[k] for k in left}:
            for done_key, copy in written:
                _keep(root, done_key, copy)
            written.clear()


def _write(encoders: Any, kind: str, root: Path) -> ox.Written | Path | None:
    """One copy's torch side; ``root`` (nothing to write) when the encoder is not a torch model (tests' fakes)."""
    if kind == "sentence":
        from core.encoders.text import SentenceEncoder

        text = encoders.text
        return ox.write_sentence_encoder(text, root) if isinstance(text, SentenceEncoder) else root
    from core.encoders.clip import ClipEncoder

    image = encoders.image
    if not isinstance(image, ClipEncoder):
        return root
    return ox.write_clip_text(image, root) if kind == "clip-text" else ox.write_clip_visual(image, root)


def _keep(root: Path, key: str, copy: ox.Written) -> None:
    try:
        if ox.keep_if_faithful(copy) is None:
            ox.mark_failed(root, key, "the copy did not match torch")
    except Exception as exc:
        _failed(root, key, exc)


def _failed(root: Path, key: str, exc: Exception) -> None:
    log.warning("could not write the ONNX query copy of %s; queries use torch (slower to start)", key, exc_info=exc)
    ox.mark_failed(root, key, f"{type(exc).__name__}: {exc}")


def _let_go(encoders: Any, kind: str, left: list[str]) -> None:
    """Free what the copies still to write do not need: the encoder ``kind`` was written from, or, when
    CLIP's visual copy comes next, CLIP's text tower (the transformer and token embeddings: 250 MB)."""
    from core.encoders import return_memory

    name = MODEL[kind]
    if name not in {MODEL[k] for k in left}:
        if encoders.loaded(name):
            encoders.release(name)
            return_memory()
    elif kind == "clip-text" and left[:1] == ["clip-visual"] and encoders.loaded("image"):
        model = getattr(encoders.image, "model", None)
        for part in ("transformer", "token_embedding"):
            if getattr(model, part, None) is not None:
                setattr(model, part, None)
        return_memory()


def write_in_child(data_dir: Path, root: Path, cancel: threading.Event, pause: PauseSwitch | None = None) -> bool:
    """Write the missing copies in a child process; True when it finished (it may still have marked a copy
    failed), False when ``cancel`` stopped it or it failed (the run's end then writes what is missing).
    ``pause`` stops the child where it is (SIGSTOP, POSIX) until it is cleared."""
    source = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, TROVE_CLIP_PRECISION="fp32",  # copies are written from fp32 weights: no int8 trial
               PYTHONPATH=os.pathsep.join(p for p in (source, os.environ.get("PYTHONPATH")) if p))
    cmd = [sys.executable, "-m", "core.copies", "--data-dir", str(data_dir), "--copies", str(root)]
    with tempfile.TemporaryFile() as err:
        try:
            child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=env)
        except OSError as exc:
            log.warning("cannot start the process that writes the ONNX copies (%s); writing them after the run", exc)
            return False
        log.info("writing the ONNX copies in process %d before indexing", child.pid)
        code = supervise(child, cancel, pause)
        if code is None:
            return False
        if code != 0:
            err.seek(0)
            log.warning("the process writing the ONNX copies ended with status %s; writing them after the run: %s",
                        code, err.read().decode(errors="replace")[-1500:])
            return False
    return True


def supervise(child: subprocess.Popen[bytes], cancel: threading.Event, pause: PauseSwitch | None) -> int | None:
    """Wait for ``child``: its exit status, or None when ``cancel`` ended it. While ``pause`` is set the
    child is stopped (SIGSTOP; where there is none, as on Windows, it works on). A stopped child whose
    parent dies is sent SIGHUP and SIGCONT by the kernel (an orphaned process group), so it never lingers."""
    stop, resume = getattr(signal, "SIGSTOP", None), getattr(signal, "SIGCONT", None)
    stopped = False
    try:
        while True:
            try:
                return child.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                pass
            if cancel.is_set():
                if stopped and resume is not None:
                    child.send_signal(resume)
                    stopped = False
                child.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.wait(timeout=10)
                if child.poll() is None:
                    child.kill()
                    child.wait()
                return None
            paused = pause is not None and pause.is_set()
            if paused and not stopped and stop is not None:
                child.send_signal(stop)
                stopped = True
                log.info("paused the process writing the ONNX copies")
            elif stopped and not paused and resume is not None:
                child.send_signal(resume)
                stopped = False
    finally:
        if stopped and resume is not None and child.poll() is None:
            child.send_signal(resume)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m core.copies", description="Write a library's ONNX copies of its "
                                "encoders (an index run does this by itself; not meant to be run by hand).")
    p.add_argument("--data-dir", type=Path, required=True)
    p.add_argument("--copies", type=Path, required=True)
    args = p.parse_args(argv)
    from core.encoders import exit_with_parent

    exit_with_parent()
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    logging.getLogger().addHandler(handler)
    with contextlib.suppress(OSError):
        to_file = logging.FileHandler(args.data_dir / "trove.log", encoding="utf-8")
        to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        to_file.setLevel(logging.INFO)
        logging.getLogger("core").addHandler(to_file)
        logging.getLogger("core").setLevel(logging.INFO)
    from core.library import default_encoders
    from core.models import ModelStore

    encoders = default_encoders(ModelStore(args.data_dir).clip(), "cpu")  # no copies given: torch
    write(encoders, args.copies, missing(args.copies, encoders.text_model_id, encoders.visual_model_id), release=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

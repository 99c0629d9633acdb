"""The command line contract other tools rely on, run as a real process with the real bundled models."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "resources" / "sample-library"


def trove(*args: str, data: Path) -> dict:
    env = dict(os.environ, TROVE_CLIP_WEIGHTS="random", TROVE_DATA_DIR=str(data))
    proc = subprocess.run([sys.executable, "-m", "core.cli", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, f"--json must print exactly one JSON object on stdout, got: {proc.stdout[:500]}"
    return json.loads(lines[0])


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("cli")
    lib = tmp / "library"
    shutil.copytree(SAMPLE, lib)
    data = tmp / "data"
    out = trove("--data-dir", str(data), "index", str(lib), "--json", data=tmp / "unused")
    assert set(out) == {"added", "updated", "moved", "removed", "unchanged", "failed", "with_text", "seconds", "device"}
    assert (out["added"], out["failed"]) == (17, 0)
    return lib, data


def test_options_go_before_or_after_the_command(indexed: tuple[Path, Path]) -> None:
    lib, data = indexed
    out = trove("index", "--json", "--data-dir", str(data), data=Path("/nonexistent"))
    assert (out["unchanged"], out["added"]) == (17, 0)
    via_env = trove("--json", "status", data=data)  # TROVE_DATA_DIR when --data-dir is absent
    assert via_env["counts"] == {"photo": 7, "note": 6, "document": 1, "recording": 3}


def test_status_reports_models_roots_device_and_failures(indexed: tuple[Path, Path]) -> None:
    lib, data = indexed
    st = trove("status", "--json", data=data)
    assert st["roots"] == [str(lib)]
    assert st["models"]["text"]["present"] and st["models"]["speech"]["present"]
    assert st["models"]["clip"]["source"].startswith("TROVE_CLIP_WEIGHTS=random")
    assert st["device"].startswith("cpu") and st["failed"] == []


def test_text_search_json_shape_and_filters(indexed: tuple[Path, Path]) -> None:
    lib, data = indexed
    out = trove("search", "loaf of bread with a starter", "--json", "--limit", "3", data=data)
    assert out["query"]["text"] == "loaf of bread with a starter"
    first = out["results"][0]
    assert set(first) == {"path", "kind", "matched", "strength", "score", "why", "snippet", "marks", "start_s",
                          "end_s", "window_start_s", "window_end_s", "passage", "location", "place"}
    assert first["path"] == str(lib / "notes" / "sourdough-recipe.md") and first["kind"] == "note"
    assert first["matched"] is True and first["strength"] in ("weak", "good", "strong")
    assert first["snippet"] in first["passage"].replace("\n", " ") and len(first["snippet"]) < len(first["passage"])
    assert all(first["snippet"][a:b].lower().startswith(("loaf", "bread", "starter")) for a, b in first["marks"])
    photos = trove("search", "bread", "--kind", "photo", "--json", "--limit", "20", data=data)["results"]
    assert len(photos) == 7 and {r["kind"] for r in photos} == {"photo"}  # filters never hide files...
    assert not any(r["matched"] or r["strength"] for r in photos)  # ...but none of them is a bread photo
    dated = trove("search", "--kind", "photo", "--after", "2023-01-01", "--before", "2024-01-01", "--json",
                  data=data)["results"]
    assert sorted(Path(r["path"]).name for r in dated) == ["coffee-cup.jpg", "hubble-deep-field.jpg"]
    space = trove("search", "photo", "--in", str(lib / "photos" / "space"), "--json", data=data)["results"]
    assert len(space) == 3 and all("/photos/space/" in r["path"] for r in space)


def test_queries_about_nothing_in_the_library_match_nothing(indexed: tuple[Path, Path]) -> None:
    """The sample library has no beach and no key: no result, rather than confident-sounding noise."""
    _lib, data = indexed
    for text in ("beach sunset", "where did I hide the spare key", "quarterly tax return for the company"):
        assert trove("search", text, "--json", data=data)["results"] == [], text


def test_words_in_the_name_and_together_rank_first(indexed: tuple[Path, Path]) -> None:
    lib, data = indexed
    garden = trove("search", "garden", "--json", data=data)["results"]
    # A note named after the word beats a note that mentions it once.
    assert Path(garden[0]["path"]).name == "garden-shed-meeting.md", [Path(r["path"]).name for r in garden]
    assert "named after them" in garden[0]["why"]
    tube = trove("search", "spare tube", "--json", data=data)["results"][0]
    assert Path(tube["path"]).name == "bike-repair-steps.md" and "together" in tube["why"]
    assert tube["snippet"] == "Buy a new spare tube after using this one."  # the sentence with both words
    assert [tube["snippet"][a:b] for a, b in tube["marks"]] == ["spare", "tube"]


def test_a_filter_lists_matches_first_then_the_rest_marked(indexed: tuple[Path, Path]) -> None:
    lib, data = indexed
    notes = trove("search", "garden", "--kind", "note", "--json", data=data)["results"]
    assert len(notes) == 6  # every note passes the filter...
    flags = [r["matched"] for r in notes]
    assert flags == [True, True, False, False, False, False], flags  # ...two of them mention a garden
    assert all(r["strength"] is None and "does not match" in r["why"] for r in notes[2:])
    env = dict(os.environ, TROVE_CLIP_WEIGHTS="random", TROVE_DATA_DIR=str(data))
    text = subprocess.run([sys.executable, "-m", "core.cli", "search", "garden", "--kind", "note"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=600).stdout
    lines = text.splitlines()
    assert lines[1].strip().startswith(("strong match:", "good match:", "weak match:")), text
    assert lines.index("also in the filters (they do not match the query):") == 6, text


def test_voice_search_returns_transcript_and_the_recording(indexed: tuple[Path, Path]) -> None:
    lib, data = indexed
    out = trove("search", "--voice", str(lib / "recordings" / "dentist-reminder.wav"), "--json", data=data)
    assert "dentist" in out["query"]["transcript"].lower()
    top = out["results"][0]
    assert top["path"].endswith("dentist-reminder.wav") and top["kind"] == "recording"
    assert top["matched"] and top["why"].startswith("said at")
    assert top["window_start_s"] == 0.0 and top["window_end_s"] > 5  # the matched window...
    assert top["window_start_s"] <= top["start_s"] < top["end_s"] <= top["window_end_s"]  # ...and its best segment
    assert top["snippet"] and top["snippet"].lower() in top["passage"].lower()


def test_image_search_finds_the_photo_itself(indexed: tuple[Path, Path]) -> None:
    lib, data = indexed
    probe = lib / "photos" / "pets" / "cat-chelsea.jpg"
    out = trove("search", "--image", str(probe), "--json", "--limit", "3", data=data)
    first = out["results"][0]
    assert first["path"] == str(probe) and first["why"] == "looks like your picture" and first["strength"] == "strong"
    # With random CLIP weights every photo looks alike; only the photo itself is a match.
    assert [r["path"] for r in out["results"] if r["matched"]] == [str(probe)]


def test_bad_arguments_give_clear_messages(tmp_path: Path) -> None:
    env = dict(os.environ, TROVE_DATA_DIR=str(tmp_path / "d"))
    proc = subprocess.run([sys.executable, "-m", "core.cli", "search", "--image", str(tmp_path / "nope.jpg")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "nope.jpg: no such file" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "core.cli", "search", "x", "--after", "last week"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "YYYY-MM-DD" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "core.cli", "search", " "], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)  # the library lists itself to a bare query; the CLI asks for one
    assert proc.returncode == 2 and "give some text" in proc.stderr


HEAVY = ("torch", "open_clip", "sentence_transformers", "transformers", "faster_whisper", "ctranslate2", "torchvision")


def imported_by(args: list[str], data: Path) -> set[str]:
    """Run ``trove ARGS`` in a fresh interpreter; the top-level modules it imported."""
    code = ("import contextlib, io, json, sys\nfrom core.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    code = main({args!r})\n"
            "print(json.dumps([code, sorted({m.split('.')[0] for m in sys.modules})]))")
    env = dict(os.environ, TROVE_CLIP_WEIGHTS="random", TROVE_DATA_DIR=str(data))
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    code_, modules = json.loads(proc.stdout.splitlines()[-1])
    assert code_ == 0
    return set(modules)


def test_a_text_search_loads_neither_torch_nor_whisper(indexed: tuple[Path, Path]) -> None:
    _lib, data = indexed
    modules = imported_by(["search", "bread recipe with a starter", "--json"], data)
    assert "onnxruntime" in modules  # the ONNX copies of the text towers answer
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_status_and_models_list_load_no_model(indexed: tuple[Path, Path]) -> None:
    _lib, data = indexed
    for args in (["status", "--json"], ["models", "list", "--json"]):
        modules = imported_by(args, data)
        assert not modules & {*HEAVY, "onnxruntime", "tokenizers"}, (args, sorted(modules & {*HEAVY, "onnxruntime"}))


def run_trove(*args: str, data: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ, TROVE_CLIP_WEIGHTS="random", TROVE_DATA_DIR=str(data), **(env or {}))
    return subprocess.run([sys.executable, "-m", "core.cli", *args], cwd=REPO, env=full_env, capture_output=True,
                          text=True, timeout=300)


def test_bad_input_gets_one_line_naming_the_file_never_a_traceback(indexed: tuple[Path, Path],
                                                                   tmp_path: Path) -> None:
    lib, data = indexed
    note = lib / "notes" / "sourdough-recipe.md"
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes((lib / "photos" / "pets" / "cat-chelsea.jpg").read_bytes()[:2000])
    empty_wav = tmp_path / "empty.wav"
    empty_wav.write_bytes(b"")
    big = tmp_path / "big.png"
    from PIL import Image

    Image.new("1", (2000, 1500)).save(big)
    cases = [
        (["search", "--image", str(note)], str(note), {}),
        (["search", "--image", str(truncated)], str(truncated), {}),
        (["search", "--image", str(big)], "megapixel limit", {"TROVE_MAX_IMAGE_MEGAPIXELS": "1"}),
        (["search", "--voice", str(empty_wav)], "empty", {}),
        (["search", "--voice", str(note)], "cannot decode the audio", {}),
        (["search", "--like", str(tmp_path / "nowhere.md")], "not in the index", {}),
        (["index", str(tmp_path / "no-such-folder")], "no such file or folder", {}),
        (["models", "import", str(note)], "expected an open_clip checkpoint", {}),
    ]
    for args, expected, env in cases:
        proc = run_trove(*args, data=data, env=env)
        assert proc.returncode == 2, (args, proc.returncode, proc.stderr[-1500:])
        lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("trove:")]
        assert "Traceback" not in proc.stderr and len(lines) == 1, (args, proc.stderr[-1500:])
        assert expected in lines[0], (args, lines[0])
        assert proc.stdout == "", args


def test_debug_shows_the_traceback(indexed: tuple[Path, Path]) -> None:
    _lib, data = indexed
    proc = run_trove("--debug", "search", "--like", "/nowhere.md", data=data)
    assert proc.returncode != 0 and "Traceback" in proc.stderr and "NotIndexed" in proc.stderr

"""The held-out queries and the distractor corpus are well-formed (fast: no models, no index).

Checks the data the retrieval eval relies on: the shipped distractor snapshot (size, note lengths, no
duplicates), that ``write_distractors`` is reproducible, that every held-out query points at a file the
corpus writes and does not reuse a tuning query's wording, and that the off-topic queries really share no
distinctive word with the corpus or the distractors.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

from .corpus import (
    EXACT_QUERIES,
    FIXED_MTIME,
    NOTES,
    OFF_TOPIC,
    PHOTO_QUERIES,
    PHOTOS,
    RECORDINGS,
    have_espeak,
)
from .distractors import ARCHIVE, load_distractors, write_distractors
from .heldout import (
    HELDOUT_NOTES,
    HELDOUT_PHOTOS,
    HELDOUT_RECORDINGS,
    OFF_TOPIC_TEXT,
    OFF_TOPIC_VOICE,
    VOICE_DIR,
    build_heldout,
    build_off_topic_voice,
    off_topic_images,
)

# Words an off-topic query may share with the corpus: they say nothing about its topic.
GENERIC = frozenset(
    "a about after an and at best class did do does find for from how i in is it list looking me my next "
    "night numbers of on or price put remind say show start the time to what when where which who with"
    .split())
SHARED_RUN = 4  # a held-out query may not repeat this many consecutive words of a tuning query


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _tuning_queries() -> list[str]:
    return ([q for n in NOTES for q in n.queries] + [q for r in RECORDINGS for q in r.queries]
            + [pq.text for pq in PHOTO_QUERIES if pq.text] + [q for q, _ in EXACT_QUERIES] + list(OFF_TOPIC))


def _heldout_queries() -> list[str]:
    return ([q for q, _ in HELDOUT_NOTES] + [q for q, _ in HELDOUT_RECORDINGS]
            + [pq.text for pq in HELDOUT_PHOTOS if pq.text] + list(OFF_TOPIC_TEXT) + list(OFF_TOPIC_VOICE))


def _tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_fixture_has_enough_distinct_notes_of_the_right_length() -> None:
    entries = load_distractors()
    assert len(entries) >= 1200
    for e in entries:
        assert e.title and e.source
        assert 40 <= len(e.text.split()) <= 250, e.title
        assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f\ufffd]", e.title + e.text), e.title
    texts = [" ".join(e.text.lower().split()) for e in entries]
    assert len(set(texts)) == len(texts)
    assert {e.source.split(":")[0] for e in entries} == {"Translation-en", "fortunes"}


def test_write_distractors_is_reproducible(tmp_path: Path) -> None:
    first = write_distractors(tmp_path / "a", 1200)
    second = write_distractors(tmp_path / "b", 1200)
    assert first == second
    assert len(first) == len(set(first)) == 1200
    assert all(p.startswith(f"{ARCHIVE}/") and p.endswith((".md", ".txt")) for p in first)
    assert all(re.fullmatch(r"[A-Za-z ]+/[a-z0-9-]+\.(md|txt)", p.removeprefix(f"{ARCHIVE}/")) for p in first)
    files = _tree_bytes(tmp_path / "a")
    assert sorted(files) == sorted(first)
    assert files == _tree_bytes(tmp_path / "b")
    assert all(os.stat(tmp_path / "a" / p).st_mtime == FIXED_MTIME for p in first)
    assert len({p.split("/")[1] for p in first}) > 3


def test_write_distractors_rejects_more_than_the_fixture_holds(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_distractors(tmp_path, len(load_distractors()) + 1)


def test_heldout_queries_cover_the_corpus() -> None:
    notes, recordings, photos = {n.path for n in NOTES}, {r.path for r in RECORDINGS}, {p.path for p in PHOTOS}
    assert len(HELDOUT_NOTES) >= 52 and len(HELDOUT_RECORDINGS) >= 12 and len(HELDOUT_PHOTOS) >= 10
    assert {e for _, e in HELDOUT_NOTES} == notes
    assert {e for _, e in HELDOUT_RECORDINGS} == recordings
    assert all(pq.expected and set(pq.expected) <= photos for pq in HELDOUT_PHOTOS)
    assert len(OFF_TOPIC_TEXT) >= 25 and len(OFF_TOPIC_VOICE) >= 6


def test_heldout_queries_do_not_reuse_tuning_wording() -> None:
    tuning = _tuning_queries()
    tuning_runs = {tuple(w[i:i + SHARED_RUN]) for q in tuning for w in [_words(q)]
                   for i in range(len(w) - SHARED_RUN + 1)}
    tuning_texts = {" ".join(_words(q)) for q in tuning}
    heldout = _heldout_queries()
    assert len({" ".join(_words(q)) for q in heldout}) == len(heldout), "a held-out query is repeated"
    for q in heldout:
        w = _words(q)
        assert " ".join(w) not in tuning_texts, q
        assert not any(tuple(w[i:i + SHARED_RUN]) in tuning_runs for i in range(len(w) - SHARED_RUN + 1)), q


def test_off_topic_queries_share_no_distinctive_word() -> None:
    corpus = " ".join([n.text for n in NOTES] + [r.speech for r in RECORDINGS]
                      + [f"{p.path} {p.make} {p.model}" for p in PHOTOS])
    distractors = " ".join(f"{e.title} {e.text}" for e in load_distractors())
    vocabulary = set(_words(corpus)) | set(_words(distractors))
    for q in OFF_TOPIC_TEXT + OFF_TOPIC_VOICE:
        for w in set(_words(q)) - GENERIC:
            forms = {w, w + "s", w + "es", w.removesuffix("s")}
            assert not forms & vocabulary, f"{q!r}: {w!r} is in the corpus or the distractors"


def test_off_topic_images_are_reproducible(tmp_path: Path) -> None:
    first, second = off_topic_images(tmp_path / "a"), off_topic_images(tmp_path / "b")
    assert len(first) >= 6
    assert [p.name for p in first] == [p.name for p in second]
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in first]
    assert digest == [hashlib.sha256(p.read_bytes()).hexdigest() for p in second]
    assert len(set(digest)) == len(digest)


def test_build_heldout_without_speech(tmp_path: Path) -> None:
    queries = build_heldout(tmp_path, with_speech=False)
    assert {q.qtype for q in queries} == {"note", "photo"}
    assert len(queries) == len(HELDOUT_NOTES) + len(HELDOUT_PHOTOS)
    assert not (tmp_path / VOICE_DIR).exists()


@pytest.mark.skipif(not have_espeak(), reason="espeak-ng is not installed")
def test_voice_queries_are_spoken_into_a_hidden_folder(tmp_path: Path) -> None:
    queries = build_heldout(tmp_path, with_speech=True)
    voice = [q for q in queries if q.qtype == "recording_voice"]
    assert len(voice) == len([q for q in queries if q.qtype == "recording_text"]) == len(HELDOUT_RECORDINGS)
    for q in voice:
        assert q.voice_path and q.voice_path.startswith(f"{VOICE_DIR}/")
        assert (tmp_path / q.voice_path).stat().st_size > 1000
    off_topic = build_off_topic_voice(tmp_path)
    assert len(off_topic) == len(OFF_TOPIC_VOICE)
    assert all(p.parent == tmp_path / VOICE_DIR and p.stat().st_size > 1000 for p in off_topic)

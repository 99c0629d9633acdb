"""`trove models import` checks that a checkpoint loads into the configured architecture."""

from __future__ import annotations

from pathlib import Path

import open_clip
import pytest
import torch

from core.models import ModelError, ModelStore

ARCH = "ViT-S-32-alt"  # a small open_clip architecture keeps the checkpoint small; the check is the same


def test_import_checks_loads_records_sha_and_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TROVE_CLIP_WEIGHTS", raising=False)
    torch.manual_seed(1)
    model = open_clip.create_model(ARCH, pretrained=None)
    ckpt = tmp_path / "my-clip.pt"
    torch.save(model.state_dict(), ckpt)
    store = ModelStore(tmp_path / "data", arch=ARCH)
    assert not store.clip().present
    w = store.import_clip(ckpt)
    assert w.sha256 and len(w.sha256) == 64
    again = ModelStore(tmp_path / "data", arch=ARCH).clip()  # persisted
    assert again.present and again.sha256 == w.sha256 and again.model_id == f"open_clip:{ARCH}:{w.sha256[:12]}"
    assert store.describe()["clip"]["present"] is True


def test_import_refuses_a_checkpoint_of_another_architecture(tmp_path: Path) -> None:
    torch.manual_seed(1)
    model = open_clip.create_model(ARCH, pretrained=None)
    state = model.state_dict()
    state.pop(next(iter(state)))  # a missing tensor: not this architecture
    bad = tmp_path / "bad.pt"
    torch.save(state, bad)
    store = ModelStore(tmp_path / "data", arch=ARCH)
    with pytest.raises(ModelError, match="does not load into open_clip"):
        store.import_clip(bad)
    with pytest.raises(ModelError, match="expected an open_clip checkpoint"):
        (tmp_path / "x.txt").write_text("no")
        store.import_clip(tmp_path / "x.txt")
    assert not store.clip().present


def test_random_weights_are_tagged_apart(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TROVE_CLIP_WEIGHTS", "random")
    w = ModelStore(tmp_path, arch=ARCH).clip()
    assert w.model_id == f"open_clip:{ARCH}:random-seed0"


def test_fetch_without_a_network_says_how_to_import_instead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TROVE_NO_NETWORK", "1")  # tests never touch the network
    store = ModelStore(tmp_path / "data", arch="ViT-B-32")
    with pytest.raises(ModelError, match="trove models import FILE"):
        store.fetch_clip("laion2b_s34b_b79k")
    with pytest.raises(ModelError, match="no pretrained tag"):
        store.fetch_clip("no-such-tag")
    assert not store.clip().present

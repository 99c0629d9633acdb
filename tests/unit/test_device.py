"""The device is decided without importing torch, with one precedence: argument > $TROVE_DEVICE > the
saved setting > auto."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core import device
from core.library import Library
from tests.conftest import FakeEncoders


def test_probing_imports_no_torch() -> None:
    code = "import sys; from core.device import probe_device; probe_device('auto'); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "False"


def test_a_gpu_is_used_only_where_torch_was_built_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(device, "nvidia_gpu_name", lambda: "NVIDIA H200")
    monkeypatch.setattr(device, "torch_cuda_build", lambda: True)
    assert device.probe_device("auto").name == "cuda"
    cpu = device.probe_device("cpu")
    assert cpu.name == "cpu" and cpu.gpu_unused  # shown as a warning
    monkeypatch.setattr(device, "torch_cuda_build", lambda: False)  # a CPU-only torch
    assert device.probe_device("auto") == device.DeviceChoice("cpu", cpu.description, True)


def test_the_torch_build_is_read_from_its_version_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Spec:
        submodule_search_locations = [str(tmp_path)]

    monkeypatch.setattr(device.importlib.util, "find_spec", lambda name: Spec())
    (tmp_path / "version.py").write_text("__version__ = '2.14.1'\ncuda: Optional[str] = '13.0'\n")
    assert device.torch_cuda_build()
    (tmp_path / "version.py").write_text("__version__ = '2.14.1+cpu'\ncuda: Optional[str] = None\n")
    assert not device.torch_cuda_build()


def test_argument_then_environment_then_saved_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    real = device.probe_device
    monkeypatch.setattr("core.library.probe_device", lambda pref: asked.append(pref) or real("cpu"))
    with Library.open(tmp_path, encoders=FakeEncoders()) as lib:
        lib.catalog.set_setting("device", "gpu")
    monkeypatch.setenv("TROVE_DEVICE", "cpu")
    Library.open(tmp_path, encoders=FakeEncoders()).close()
    Library.open(tmp_path, device="mps", encoders=FakeEncoders()).close()
    monkeypatch.delenv("TROVE_DEVICE")
    Library.open(tmp_path, encoders=FakeEncoders()).close()
    assert asked == ["auto", "cpu", "mps", "gpu"]

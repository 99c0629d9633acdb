"""A wheel built from the tree carries the package data an installed Trove needs (icons, the sample
library and its licences), found through importlib.resources rather than source-tree paths."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", str(REPO),
                    "--wheel-dir", str(out)], check=True, capture_output=True, timeout=600, cwd=out)
    (found,) = out.glob("trove-*.whl")
    return found


def test_the_wheel_holds_the_icons_and_the_sample_library(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    want = {f"resources/{p.relative_to(REPO / 'resources').as_posix()}"
            for sub in ("icons", "sample-library") for p in (REPO / "resources" / sub).rglob("*") if p.is_file()}
    assert want and want <= names, sorted(want - names)[:5]
    assert "resources/README.md" in names  # sources and licences of the sample library
    assert {"core/library.py", "desktop/app.py", "core/worker.py"} <= names
    assert not [n for n in names if n.startswith(("tests/", "bench/", "resources/screenshots/"))]


def test_installed_code_finds_its_resources_without_the_source_tree(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import resources; "
            "print(resources.sample_library()); print(resources.icons_dir())")
    out = subprocess.run([sys.executable, "-I", "-c", code, str(site)], capture_output=True, text=True, check=True,
                         cwd=tmp_path, timeout=60).stdout.split()
    sample, icons = Path(out[0]), Path(out[1])
    assert sample.is_relative_to(site) and icons.is_relative_to(site)
    assert len(list(sample.rglob("*.*"))) == 15 and (icons / "trove.svg").is_file()

"""A wheel built from the tree carries the package data an installed Trove needs (icons, the sample
library and its licences), found through importlib.resources rather than source-tree paths; the sdist
carries that and what a packager needs (Makefile, the launcher entry, icons and metainfo, the PyInstaller
spec, the tests), and a wheel built from the sdist is as complete as one built from the tree."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def _resource_names() -> set[str]:
    """Every file under resources/icons and resources/sample-library, as resources/... paths."""
    return {f"resources/{p.relative_to(REPO / 'resources').as_posix()}"
            for sub in ("icons", "sample-library") for p in (REPO / "resources" / sub).rglob("*") if p.is_file()}


def _build_wheel(source: Path, out: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", str(source),
                    "--wheel-dir", str(out)], check=True, capture_output=True, timeout=600, cwd=out)
    (found,) = out.glob("trove-*.whl")
    return found


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_wheel(REPO, tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sdist")
    code = "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))"
    name = subprocess.run([sys.executable, "-c", code, str(out)], check=True, capture_output=True, text=True,
                          timeout=600, cwd=REPO).stdout.split()[-1]
    return out / name


def test_the_wheel_holds_the_icons_and_the_sample_library(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    want = _resource_names()
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
    assert len(list(sample.rglob("*.*"))) == 17 and (icons / "trove.svg").is_file()


def test_the_wheel_carries_the_pyproject_version(wheel: Path) -> None:
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert wheel.name.startswith(f"trove-{version}-")
    metadata = zipfile.ZipFile(wheel).read(f"trove-{version}.dist-info/METADATA").decode()
    assert f"\nVersion: {version}\n" in metadata  # what `trove --version` and the About box read


def test_the_sdist_holds_the_resources_and_the_packaging_files(sdist: Path) -> None:
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert _resource_names() <= names, sorted(_resource_names() - names)[:5]
    linux = {f"packaging/linux/{p.relative_to(REPO / 'packaging' / 'linux').as_posix()}"
             for p in (REPO / "packaging" / "linux").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert linux and linux <= names, sorted(linux - names)[:5]
    assert {"resources/README.md", "Makefile", "pyproject.toml", "README.md", "packaging/trove.spec",
            "packaging/entry.py", "packaging/system-deps.sh", "tests/conftest.py"} <= names
    assert not [n for n in names if n.startswith("resources/screenshots/") or "__pycache__" in n]


def test_a_wheel_built_from_the_sdist_is_as_complete(sdist: Path, wheel: Path, tmp_path: Path) -> None:
    with tarfile.open(sdist) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4+; Debian 12's 3.11.2 has no extraction filters
            tar.extractall(tmp_path / "src", filter="data")
        else:  # our own sdist, just built: its members are plain files under one folder
            tar.extractall(tmp_path / "src")
    (source,) = (tmp_path / "src").iterdir()
    again = _build_wheel(source, tmp_path)
    assert set(zipfile.ZipFile(again).namelist()) == set(zipfile.ZipFile(wheel).namelist())

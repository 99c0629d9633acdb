"""The launcher entry, the icons and the AppStream metainfo in packaging/linux/: valid by the freedesktop
tools, consistent with each other and with pyproject.toml, and `make install-desktop` puts them where
desktop environments look (with HOME pointed at a temporary folder)."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
LINUX = REPO / "packaging" / "linux"
APP_ID = "io.github.trove.Trove"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def _tool(name: str, package: str) -> str:
    """The tool's path. Skips (with the reason) only where it is missing and we cannot install it: as root,
    `make test` installs it (packaging/system-deps.sh), so a missing tool there is a failure."""
    path = shutil.which(name)
    if path:
        return path
    if os.geteuid() == 0:
        pytest.fail(f"{name} is missing although we run as root: `make test` installs {package} "
                    "(packaging/system-deps.sh test)")
    pytest.skip(f"{name} is not installed (apt-get install {package}; `make test` does it as root)")


def _entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def _version() -> str:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]


def test_the_desktop_entry_is_valid() -> None:
    tool = _tool("desktop-file-validate", "desktop-file-utils")
    run = subprocess.run([tool, str(DESKTOP)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "error" not in run.stdout.lower(), run.stdout + run.stderr


def test_the_desktop_entry_starts_the_app_without_file_arguments() -> None:
    entry = _entry(DESKTOP)
    # A search app opens no files: no %f/%F/%u/%U field code (a launcher would offer it as an opener).
    assert entry["Exec"] == "trove-desktop"
    assert entry["Icon"] == APP_ID and entry["Type"] == "Application" and entry["Terminal"] == "false"


def test_the_metainfo_is_valid() -> None:
    tool = _tool("appstreamcli", "appstream")
    # --strict fails on warnings and infos too; only pedantic hints (the ID's capitals, as Flathub's own
    # reverse-DNS IDs have) are allowed.
    run = subprocess.run([tool, "validate", "--no-net", "--strict", str(METAINFO)], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_metainfo_agrees_with_the_entry_the_icons_and_pyproject() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.find("launchable[@type='desktop-id']").text == DESKTOP.name  # type: ignore[union-attr]
    releases = root.findall("releases/release")
    assert releases and releases[0].get("version") == _version(), "the newest release is pyproject's version"
    shots = [Path(e.text or "").name for e in root.findall("screenshots/screenshot/image")]
    assert shots and all((REPO / "resources" / "screenshots" / name).is_file() for name in shots), shots
    assert root.find("content_rating") is not None and root.findtext("description/p")


def test_the_icons_come_in_the_hicolor_sizes() -> None:
    hicolor = LINUX / "icons" / "hicolor"
    for size in SIZES:
        with Image.open(hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png") as image:
            assert image.size == (size, size) and image.mode == "RGBA"
            assert image.getchannel("A").getextrema() == (0, 255)  # transparent corners, an opaque body
    scalable = hicolor / "scalable" / "apps" / f"{APP_ID}.svg"
    assert scalable.read_bytes() == (REPO / "resources" / "icons" / "trove.svg").read_bytes(), \
        "the app icon changed: run `make icons`"


def test_make_install_desktop_puts_the_files_in_place_and_uninstall_removes_them(tmp_path: Path) -> None:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(HOME=str(tmp_path), TROVE_DESKTOP_EXEC="/opt/trove bundle/trove-desktop")
    share = tmp_path / ".local" / "share"
    subprocess.run([make, "--no-print-directory", "-C", str(REPO), "install-desktop"], env=env, check=True,
                   capture_output=True, timeout=120)
    installed = share / "applications" / DESKTOP.name
    assert _entry(installed)["Exec"] == '"/opt/trove bundle/trove-desktop"'  # quoted: it has a space
    assert (share / "metainfo" / METAINFO.name).read_bytes() == METAINFO.read_bytes()
    for size in SIZES:
        assert (share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    if shutil.which("desktop-file-validate"):
        run = subprocess.run(["desktop-file-validate", str(installed)], capture_output=True, text=True)
        assert run.returncode == 0, run.stdout
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and not p.is_relative_to(share)]
    assert not outside, outside

    subprocess.run([make, "--no-print-directory", "-C", str(REPO), "uninstall-desktop"], env=env, check=True,
                   capture_output=True, timeout=120)
    left = [p.relative_to(share) for p in share.rglob(f"{APP_ID}*")]
    assert not left, left

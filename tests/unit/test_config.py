"""Trove's environment variables are parsed in one place; bad values are ignored with a warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import DEFAULT_MAX_IMAGE_MEGAPIXELS, VARIABLES, Environment, read_environment

README = Path(__file__).resolve().parents[2] / "README.md"


def test_values_are_typed() -> None:
    env = read_environment({"TROVE_DATA_DIR": "~/lib", "TROVE_DEVICE": "cpu", "TROVE_MAX_IMAGE_MEGAPIXELS": "50",
                            "TROVE_NO_NETWORK": "1", "TROVE_CLIP_WEIGHTS": "random", "TROVE_CLIP_PRECISION": "INT8"})
    assert env == Environment(Path("~/lib").expanduser(), "cpu", "random", 50.0, True, "int8")
    assert read_environment({}) == Environment()


def test_a_malformed_value_is_ignored_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    env = read_environment({"TROVE_MAX_IMAGE_MEGAPIXELS": "lots", "TROVE_NO_NETWORK": "no",
                            "TROVE_CLIP_PRECISION": "int4"})
    assert env.max_image_megapixels == DEFAULT_MAX_IMAGE_MEGAPIXELS and not env.no_network
    assert env.clip_precision == "auto" and "TROVE_CLIP_PRECISION='int4'" in caplog.text
    assert "TROVE_MAX_IMAGE_MEGAPIXELS='lots' is not a number" in caplog.text


def test_every_variable_is_in_the_readme() -> None:
    text = README.read_text()
    assert [v for v in VARIABLES.values() if f"`{v}" not in text] == []

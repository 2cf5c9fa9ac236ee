"""Project metadata guards: the pins that prevent known breakages, and the entry points."""

from __future__ import annotations

import importlib
import importlib.metadata
import re
from pathlib import Path

import pytest
import tomllib

import featherface_app

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def requirement(name: str, group: list[str]) -> str:
    matches = [r for r in group if re.match(rf"{re.escape(name)}\b", r, re.IGNORECASE)]
    assert len(matches) == 1, f"{name}: expected one requirement, got {matches}"
    return matches[0]


def test_pyside6_stays_off_the_release_that_aborts_on_python_311() -> None:
    assert requirement("PySide6-Essentials", PYPROJECT["project"]["dependencies"]) == "PySide6-Essentials==6.11.3"
    constraints = (ROOT / "requirements" / "constraints.txt").read_text(encoding="utf-8")
    assert "PySide6_Essentials==6.11.3" in constraints


def test_torch_is_pinned_wherever_it_is_required() -> None:
    # A loose torch pulls a CUDA build of several GB into every install.
    extras = PYPROJECT["project"]["optional-dependencies"]
    for extra in ("train", "test"):
        assert requirement("torch", extras[extra]) == "torch==2.13.0", extra
    assert not any(r.lower().startswith("torch") for r in PYPROJECT["project"]["dependencies"])


def test_app_dependencies_exclude_training_and_gui_conflicts() -> None:
    deps = " ".join(PYPROJECT["project"]["dependencies"]).lower()
    assert "opencv-python-headless" in deps and not re.search(r"opencv-python(?!-headless)", deps)
    assert "onnx>" not in deps and "torch" not in deps


def test_console_script_and_version_resolve() -> None:
    module, _, name = PYPROJECT["project"]["scripts"]["featherface-live"].partition(":")
    assert callable(getattr(importlib.import_module(module), name))
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"]["attr"] == "featherface_app.__version__"
    try:
        installed = importlib.metadata.version("featherface-live")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("featherface-live is not installed in this environment (scripts/setup_venv.sh installs it)")
    assert installed == featherface_app.__version__

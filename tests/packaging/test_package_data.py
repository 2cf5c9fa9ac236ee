"""The app finds its models, sample clip, style sheet and icons with importlib.resources when they
are installed as package data (the wheel's and the bundle's layout), from any working directory;
the wheel is built to carry exactly that, and not the training package."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import profile_env

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
from featherface_app.core import paths
print(paths.app_root())
print(paths.sample_clip_path().is_file(), sorted(p.name for p in paths.bundled_models_dir().glob('*.onnx')))
print((paths.resources_dir() / 'style.qss').is_file(), (paths.resources_dir() / 'icons' / 'app.png').is_file())
"""


def test_package_data_layout_is_found_from_elsewhere(tmp_path: Path, fresh_home: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(ROOT / "featherface_app", site / "featherface_app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "models", site / "featherface_app" / "models", ignore=shutil.ignore_patterns("*.pt", "*.pth"))
    shutil.copytree(ROOT / "resources", site / "featherface_app" / "resources")
    work = tmp_path / "work"
    work.mkdir()
    env = {**profile_env(fresh_home), "PYTHONPATH": str(site), "PYTHONNOUSERSITE": "1"}
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r})\n{PROBE}"], cwd=work, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    root, found, looks = result.stdout.splitlines()
    assert Path(root) == site / "featherface_app"
    assert found.startswith("True") and ".onnx" in found
    assert looks == "True True"


@pytest.mark.slow
def test_the_wheel_carries_the_app_data_and_not_the_training_package(built_wheel: Path) -> None:
    names = zipfile.ZipFile(built_wheel).namelist()
    for model in sorted((ROOT / "models").glob("*.onnx")):
        assert f"featherface_app/models/{model.name}" in names
        assert f"featherface_app/models/{model.with_suffix('.md').name}" in names
    for resource in ("sample.mp4", "style.qss", "icons/app.png"):
        assert f"featherface_app/resources/{resource}" in names
    assert not [n for n in names if n.startswith("featherface_train")]
    licences = [n for n in names if "/licenses/" in n]
    assert any(n.endswith("/licenses/LICENSE") for n in licences)
    assert any(n.endswith("models-WIDER-FACE.txt") for n in licences)


def test_every_model_card_states_the_data_terms() -> None:
    cards = sorted((ROOT / "models").glob("*.md"))
    assert cards
    for card in cards:
        text = card.read_text(encoding="utf-8")
        assert "WIDER FACE" in text and "non-commercial research" in text, card.name
    assert "NON-COMMERCIAL RESEARCH" in (ROOT / "LICENSES" / "models-WIDER-FACE.txt").read_text(encoding="utf-8")

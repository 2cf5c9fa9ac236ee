"""Which models the window shows first: shipped V2 (the design's model) as model A and V1 as
compare model B, unless the settings name models that still exist."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from featherface_app.core import paths
from featherface_app.gui.main_window import DEFAULT_MODEL_A, DEFAULT_MODEL_B, MainWindow

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, teacher_model_path: Path, untrained_v2_path: Path) -> Path:
    """An app folder like the shipped one: the real resources, and two distinct models under the
    shipped V1/V2 file names (the teacher plays V1, an untrained V2 export plays V2)."""
    root = tmp_path / "app"
    (root / "models").mkdir(parents=True)
    os.symlink(REPO_ROOT / "resources", root / "resources")
    os.symlink(teacher_model_path, root / "models" / DEFAULT_MODEL_A)
    os.symlink(untrained_v2_path, root / "models" / DEFAULT_MODEL_B)
    monkeypatch.setattr(paths, "app_root", lambda: root)
    return root


@pytest.fixture
def open_window(make_window, faces_video: Path):
    """A window as ``python main.py`` builds it: models from the (shipped and user) folders."""
    return lambda: make_window(faces_video, model_folders=True)


def file_of(window: MainWindow, name: str | None) -> str:
    entry = window.models.by_name(name) if name else None
    return entry.path.name if entry is not None else f"<{name}>"


def shown_files(qtbot, window: MainWindow, helpers) -> tuple[str, str]:
    """Model A's and (with compare on) model B's file names."""
    helpers.models(qtbot, window, 2)
    window.commands.compare.setChecked(True)
    qtbot.waitUntil(lambda: window.processor.compare_name is not None, timeout=10_000)
    return file_of(window, window.processor.active_name), file_of(window, window.processor.compare_name)


def test_v2_is_model_a_and_v1_model_b_by_default(qtbot, app_root: Path, open_window, helpers) -> None:
    assert (DEFAULT_MODEL_A, DEFAULT_MODEL_B) == ("featherface_v2_eca.onnx", "featherface_v1_cbam.onnx")
    window = open_window()
    assert shown_files(qtbot, window, helpers) == (DEFAULT_MODEL_A, DEFAULT_MODEL_B)
    assert not window.banner.isVisible() or window.banner.level != "error", window.banner.text()


def test_remembered_models_win_while_their_files_exist(qtbot, app_root: Path, open_window, helpers, settings_store: QSettings) -> None:
    settings_store.setValue("model_a", str(app_root / "models" / DEFAULT_MODEL_B))
    settings_store.sync()
    window = open_window()
    assert shown_files(qtbot, window, helpers) == (DEFAULT_MODEL_B, DEFAULT_MODEL_A)


def test_a_remembered_model_that_is_gone_is_ignored_quietly(qtbot, app_root: Path, open_window, helpers, settings_store: QSettings, tmp_path: Path) -> None:
    gone = tmp_path / "deleted_since" / "my_model.onnx"
    settings_store.setValue("model_a", str(gone))
    settings_store.setValue("model_b", str(gone))
    settings_store.setValue("user_models", [str(gone)])
    settings_store.sync()
    window = open_window()
    assert shown_files(qtbot, window, helpers) == (DEFAULT_MODEL_A, DEFAULT_MODEL_B)
    assert len(window.models.entries) == len(list((app_root / "models").glob("*.onnx")))  # the shipped ones, nothing else
    assert not (window.banner.isVisible() and window.banner.level == "error"), window.banner.text()

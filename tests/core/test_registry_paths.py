"""Finding bundled files (frozen or not, never via the cwd), user folders, and the model registry."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from featherface_app.core import paths
from featherface_app.core.errors import ModelLoadError, ModelMetadataError
from featherface_app.core.registry import ModelRegistry, unique_label

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_bundled_folders_are_found_relative_to_the_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert paths.app_root() == REPO_ROOT
    assert paths.sample_clip_path().is_file()
    assert paths.bundled_models_dir() == REPO_ROOT / "models"


def test_data_installed_into_the_package_wins_over_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A wheel (site-packages/featherface_app/models) or a bundle (_MEIPASS/featherface_app/models).
    package = tmp_path / "featherface_app"
    (package / "resources").mkdir(parents=True)
    monkeypatch.setattr(paths, "package_dir", lambda: package)
    assert paths.resources_dir() == package / "resources"
    assert paths.bundled_models_dir() == package / "models"


def test_user_folder_is_injectable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert paths.user_data_dir() == tmp_path / "xdg" / "FeatherFaceLive"
    paths.set_user_data_dir_provider(lambda: tmp_path / "from qt")
    try:
        assert paths.user_models_dir() == tmp_path / "from qt" / "models"
    finally:
        paths.set_user_data_dir_provider(None)
    assert paths.user_data_dir() == paths.default_user_data_dir()


def test_registry_lists_loads_once_and_names_broken_files(tmp_path: Path, model_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    shutil.copy(model_path, first / "b_model.onnx")
    (first / "a_empty.onnx").write_bytes(b"")
    (second / "c_garbage.onnx").write_bytes(os.urandom(512))
    (second / "notes.txt").write_text("not a model")
    registry = ModelRegistry([first, second, first, tmp_path / "missing"])
    assert [p.name for p in registry.available()] == ["a_empty.onnx", "b_model.onnx", "c_garbage.onnx"]

    detector = registry.load(first / "b_model.onnx")
    assert registry.load(first / "b_model.onnx") is detector
    with pytest.raises(ModelLoadError, match="a_empty.onnx.*empty"):
        registry.load(first / "a_empty.onnx")
    with pytest.raises(ModelLoadError, match="c_garbage.onnx"):
        registry.load(second / "c_garbage.onnx")
    assert list(registry.loaded()) == [(first / "b_model.onnx").resolve()]
    registry.forget(first / "b_model.onnx")
    assert registry.load(first / "b_model.onnx") is not detector


def test_foreign_model_without_outputs_we_know_is_refused(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    node = helper.make_node("Identity", ["input"], ["out"])
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, "h", "w"])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 3, "h", "w"])],
    )
    path = tmp_path / "identity.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    with pytest.raises(ModelMetadataError, match="identity.onnx"):
        ModelRegistry([tmp_path]).load(path)


def test_unique_labels_disambiguate_by_file() -> None:
    assert unique_label("V1", Path("a/v1.onnx"), []) == "V1"
    assert unique_label("V1", Path("b/v1_new.onnx"), ["V1"]) == "V1 (v1_new)"
    assert unique_label("V1", Path("b/v1_new.onnx"), ["V1", "V1 (v1_new)"]) == "V1 (v1_new 2)"

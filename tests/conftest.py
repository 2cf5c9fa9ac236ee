"""Shared fixtures: the read-only shared data folder and the models tests run.

Tests that need ``../shared`` skip when it is absent on a developer machine but FAIL under CI
(``CI=true``), where its absence is a broken set-up rather than a reason to test less.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Qt under test: no display here or in CI; set before any test module imports PySide6.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LANG", "C.UTF-8")

REPO_ROOT = Path(__file__).resolve().parents[1]
TEACHER_CHECKPOINT = "checkpoints/retinaface_mnet025_teacher.pth"


def _missing(what: str) -> None:
    message = f"{what} is missing (set FEATHERFACE_SHARED to the shared data folder)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared data folder: ``$FEATHERFACE_SHARED`` or ``shared`` beside the repository."""
    env = os.environ.get("FEATHERFACE_SHARED")
    path = Path(env) if env else REPO_ROOT.parent / "shared"
    if not path.is_dir():
        _missing(f"shared folder {path}")
    return path


@pytest.fixture(scope="session")
def wider_val_dir(shared_dir: Path) -> Path:
    """``wider_val_dev``: 198 WIDER FACE val images at original size with gt.json."""
    path = shared_dir / "data" / "wider_val_dev"
    if not (path / "gt.json").is_file():
        _missing(f"evaluation data {path}/gt.json")
    return path


@pytest.fixture(scope="session")
def teacher_model_path(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference RetinaFace-mnet0.25 teacher as ONNX, exported by our own training package.

    Reuses ``local/retinaface_teacher.onnx`` when a developer has it; otherwise (CI) exports the
    shared checkpoint once per session.
    """
    local = REPO_ROOT / "local" / "retinaface_teacher.onnx"
    if local.is_file():
        return local
    weights = shared_dir / TEACHER_CHECKPOINT
    if not weights.is_file():
        _missing(f"teacher checkpoint {weights}")
    from featherface_train.export import export  # torch: only the tests extra installs it

    out = tmp_path_factory.mktemp("teacher") / "retinaface_teacher.onnx"
    export("retinaface", out, weights=weights)
    return out


@pytest.fixture(scope="session")
def shipped_model_paths(teacher_model_path: Path) -> list[Path]:
    """The models the app ships (``models/*.onnx``); the teacher until trained ones land."""
    shipped = sorted((REPO_ROOT / "models").glob("*.onnx"))
    return shipped or [teacher_model_path]

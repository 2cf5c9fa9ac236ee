"""Shared fixtures: the read-only shared data folder and the models tests run.

Tests that need ``../shared`` skip when it is absent on a developer machine but FAIL under CI
(``CI=true``), where its absence is a broken set-up rather than a reason to test less.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
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


@pytest.fixture(scope="session")
def untrained_v2_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """FeatherFace V2 (ECA) with random weights, exported by our own training package: a second,
    distinct model with the same file contract (its detections are noise)."""
    from featherface_train.export import export  # torch: only the tests extra installs it

    out = tmp_path_factory.mktemp("untrained") / "featherface_v2_untrained.onnx"
    export("v2", out, name="FeatherFace V2 (ECA, untrained)")
    return out


@pytest.fixture(scope="session")
def two_models(shipped_model_paths: list[Path], request: pytest.FixtureRequest) -> list[Path]:
    """Two different models: the shipped V1 and V2 once trained ones exist, else the teacher and
    an untrained V2 export (exported only then)."""
    if len(shipped_model_paths) >= 2:
        return shipped_model_paths[:2]
    return [request.getfixturevalue("teacher_model_path"), request.getfixturevalue("untrained_v2_path")]


@pytest.fixture(scope="session", autouse=True)
def _user_data_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The app's per-user folder (log file, user models) points into a temporary folder, so
    in-process runs of ``main()`` never write to, or pick up models from, the developer's own
    ``~/.local/share/FeatherFaceLive`` (Linux; the GUI tests use QStandardPaths' test mode)."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg_data")))
    yield
    patch.undo()


class SmallDisk:
    """A real, size-limited filesystem (tmpfs) mounted at ``path``: writes past its size fail
    with ENOSPC, as on a full disk. ``fill(leave_bytes)`` takes all but that much free space."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def free(self) -> int:
        import shutil

        return shutil.disk_usage(self.path).free

    def fill(self, leave_bytes: int) -> None:
        with open(self.path / "filler.bin", "ab") as handle:
            handle.write(b"\0" * max(0, self.free() - leave_bytes))


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    """A 6 MiB tmpfs under the test's folder (needs root; skipped where mounting is refused)."""
    import subprocess

    mount_point = tmp_path / "small_disk"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m,mode=0777", "tmpfs", str(mount_point)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode}); run as root for the full-disk tests")
    try:
        yield SmallDisk(mount_point)
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


@pytest.fixture(scope="session")
def yunet_model_path(shared_dir: Path) -> Path:
    """YuNet-n from ``../shared/peers`` (a second model family; read in place, never copied)."""
    path = shared_dir / "peers" / "yunet_n_dynamic.onnx"
    if not path.is_file():
        _missing(f"YuNet reference model {path}")
    return path


@pytest.fixture(scope="session")
def foreign_retinaface_path(shared_dir: Path) -> Path:
    """A RetinaFace export without our metadata (outputs ``loc``/``conf``/``iou``)."""
    path = shared_dir / "peers" / "retinaface_mbnet0.25.onnx"
    if not path.is_file():
        _missing(f"foreign RetinaFace model {path}")
    return path

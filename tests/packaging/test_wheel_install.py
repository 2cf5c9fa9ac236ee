"""``pip install featherface-live`` gives a working app: the wheel, installed with its
dependencies into a fresh venv outside the checkout, runs its self-test and ``detect`` from
another folder, as a first-time user, and finds its data inside site-packages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import profile_env

ROOT = Path(__file__).resolve().parents[2]
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=timeout)
    assert result.returncode == 0, f"{command} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_installed_wheel_runs_self_test_detect_and_the_window_elsewhere(built_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    base = tmp_path_factory.mktemp("pip-user")
    venv, work, home = base / "venv with space", base / "work", base / "home"
    work.mkdir()
    home.mkdir()
    env = {**profile_env(home), "PYTHONNOUSERSITE": "1"}
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    base_python = getattr(sys, "_base_executable", sys.executable)
    _run([base_python, "-m", "venv", str(venv)], work, env)
    python = venv / "bin" / "python"
    # Wheels come from pip's configured indexes and caches; the constraints keep the versions tested.
    _run([str(python), "-m", "pip", "install", "-q", "-c", str(CONSTRAINTS), str(built_wheel)], work, env, timeout=900)
    script = venv / "bin" / "featherface-live"

    where = _run([str(python), "-c", "from featherface_app.core import paths; print(paths.app_root())"], work, env)
    assert Path(where.strip()).is_relative_to(venv), where

    out = _run([str(script), "--self-test"], work, env)
    assert "self-test passed" in out
    assert out.count("\nok ") >= len(list((ROOT / "models").glob("*.onnx"))), out
    out = _run([str(script), "detect", "--max-frames", "3", "--out", "found", str(Path(where.strip()) / "resources" / "sample.mp4")], work, env)
    assert (work / "found" / "detections.json").is_file(), out
    # the window (offscreen) from the installed wheel: models and sample clip found, faces shown, no error banner
    result = subprocess.run(
        [str(script), "--source", "sample", "--quit-after", "8"],
        cwd=work,
        env={**env, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert "first detected frame shown" in log, log[-3000:]
    assert " ERROR " not in log and " WARNING " not in log, log[-3000:]
    assert not (home / ".cache" / "Microsoft").exists()

    # The wheel's own desktop entry starts the wheel's script.
    env["XDG_DATA_HOME"] = str(base / "data")
    out = _run([str(script), "--install-desktop-entry"], work, env)
    desktop = base / "data" / "applications" / "org.featherface.live.desktop"
    assert f'Exec="{script}"' in desktop.read_text(encoding="utf-8"), out
    _run([str(script), "--uninstall-desktop-entry"], work, env)
    assert not desktop.exists()

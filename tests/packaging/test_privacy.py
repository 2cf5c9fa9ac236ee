"""No telemetry: the app's real commands, run as a first-time user, leave no onnxruntime device
id or event store behind (onnxruntime 1.32 writes both under ~/.cache/Microsoft on import unless
``ORT_DISABLE_TELEMETRY`` is set before it loads), and write only where the README says."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from featherface_app.core.paths import sample_clip_path

from .conftest import profile_env

ROOT = Path(__file__).resolve().parents[2]
TELEMETRY = Path(".cache") / "Microsoft"


def _files(home: Path) -> list[str]:
    return sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file())


def _run(command: list[str], home: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, env=profile_env(home), cwd=cwd, capture_output=True, text=True, check=False, timeout=240)
    assert result.returncode == 0, f"{command} exited {result.returncode}:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    return result


def test_bare_onnxruntime_does_write_telemetry_so_the_check_can_fail(fresh_home: Path, tmp_path: Path) -> None:
    # importing writes nothing; creating a session (what every start of the app does) does
    model = ROOT / "models" / "featherface_v2_eca.onnx"
    _run([sys.executable, "-c", f"import onnxruntime as ort; ort.InferenceSession({str(model)!r}, providers=['CPUExecutionProvider'])"], fresh_home, tmp_path)
    if not (fresh_home / TELEMETRY).exists():
        pytest.skip("this onnxruntime writes no telemetry files for a session; the checks below guard nothing new")


def _script() -> list[str]:
    """The installed console script when there is one (what pip users run), else main.py."""
    script = shutil.which("featherface-live", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, str(ROOT / "main.py")]


@pytest.mark.slow
def test_self_test_detect_and_window_write_no_telemetry(fresh_home: Path, tmp_path: Path) -> None:
    work = tmp_path / "elsewhere"
    work.mkdir()
    _run([sys.executable, str(ROOT / "main.py"), "--self-test"], fresh_home, work)
    _run([*_script(), "detect", str(sample_clip_path()), "--max-frames", "3", "--out", str(work / "out")], fresh_home, work)
    _run([sys.executable, str(ROOT / "main.py"), "--source", "sample", "--quit-after", "2"], fresh_home, work)
    written = _files(fresh_home)
    assert not (fresh_home / TELEMETRY).exists(), f"telemetry files written: {written}"
    # What the README's "Privacy" section promises: settings, the log, nothing else in the profile.
    allowed = (".config/FeatherFace/", ".local/share/FeatherFaceLive/")
    assert [f for f in written if not f.startswith(allowed)] == [], written
    assert ".local/share/FeatherFaceLive/logs/featherface.log" in written
    assert (work / "out" / "detections.json").is_file()

"""Start-up checks of the real app (``python main.py`` in a subprocess, offscreen): an unusable
output folder is refused and not remembered; recordings a kill left without a duration are
repaired, and the app says so."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import av
from app_process import REPO_ROOT, app_env


def run_app(tmp_path: Path, video: Path, model: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", "--video", str(video), "--model", str(model), "--quit-after", "3", *extra],
        cwd=REPO_ROOT,
        env=app_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_an_unusable_output_dir_is_refused_and_not_remembered(tmp_path: Path, faces_video: Path, teacher_model_path: Path) -> None:
    result = run_app(tmp_path, faces_video, teacher_model_path, "--output-dir", "/proc/featherface/clips")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Cannot write into /proc/featherface/clips" in result.stderr and "not used (nor remembered)" in result.stderr
    assert "/proc" not in (tmp_path / "settings.ini").read_text()


def test_a_remembered_output_dir_that_became_unusable_falls_back(tmp_path: Path, faces_video: Path, teacher_model_path: Path) -> None:
    blocker = tmp_path / "was a folder"
    blocker.write_text("now a file")
    (tmp_path / "settings.ini").write_text(f"[General]\noutput_dir={blocker / 'clips'}\n")
    result = run_app(tmp_path, faces_video, teacher_model_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Cannot write into {blocker / 'clips'}" in result.stderr and "instead" in result.stderr
    assert str(blocker) not in (tmp_path / "settings.ini").read_text()


KILLED_RECORDING = textwrap.dedent(
    """
    import os, signal, sys
    import numpy as np
    sys.path.insert(0, sys.argv[2])
    from featherface_app.core.recorder import Recorder
    recorder = Recorder(sys.argv[1], fps=25, frame_size=(160, 120))
    print(recorder.start(), flush=True)
    for i in range(50):
        recorder.write(np.full((120, 160, 3), i * 5, np.uint8), block=True)
    while recorder.frames_written < 50:
        pass
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_recordings_cut_by_kill_9_are_repaired_at_the_next_start(tmp_path: Path, faces_video: Path, teacher_model_path: Path) -> None:
    out = tmp_path / "out"
    killed = subprocess.run([sys.executable, "-c", KILLED_RECORDING, str(out), str(REPO_ROOT)], capture_output=True, text=True, timeout=60)
    assert killed.returncode == -signal.SIGKILL
    path = Path(killed.stdout.strip())
    with av.open(str(path)) as container:
        assert container.duration is None
    result = run_app(tmp_path, faces_video, teacher_model_path, "--output-dir", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Repaired 1 interrupted recording (now with a duration, so players can seek): {path.name}" in result.stderr
    with av.open(str(path)) as container:
        duration_s = container.duration / 1e6 if container.duration is not None else None
        frames = sum(1 for _ in container.decode(video=0))
    # the last half-second cluster may be lost to the kill; what is left is timed right
    assert duration_s is not None and 25 <= frames <= 50 and abs(duration_s - frames / 25) < 0.05

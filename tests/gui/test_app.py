"""The app as a user starts it (``python main.py``), and the Qt binding's signal path under load."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from app_process import REPO_ROOT, app_env


def test_main_starts_the_window_and_quit_after_closes_it_cleanly(tmp_path: Path, faces_video: Path, teacher_model_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "main.py", "--video", str(faces_video), "--model", str(teacher_model_path), "--quit-after", "4"],
        cwd=REPO_ROOT,
        env=app_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    log = result.stderr
    assert result.returncode == 0, log[-3000:]
    assert "playing" in log and "faces.mp4" in log
    assert "model ready" in log
    assert "window closed (recording True, capture True, worker True, loader True)" in log
    assert (tmp_path / "settings.ini").is_file()  # settings went to the test location


def test_main_with_a_missing_video_still_runs(tmp_path: Path, teacher_model_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "main.py", "--video", str(tmp_path / "missing.mp4"), "--model", str(teacher_model_path), "--quit-after", "3"],
        cwd=REPO_ROOT,
        env=app_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "missing.mp4" in result.stderr and "sample clip instead" in result.stderr


SIGNAL_STRESS = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QCoreApplication, QThread, Signal

    N = 30_000

    class Emitter(QThread):
        # the worker's signal types: an object (a processed frame), a str (an error), a bool
        as_object = Signal(object)
        as_text = Signal(str)
        as_bool = Signal(bool)

        def run(self):
            for i in range(N):
                self.as_object.emit((i, [i] * 3))
                self.as_text.emit(f"frame {i}")
                self.as_bool.emit(i % 2 == 0)

    app = QCoreApplication([])
    counts = {"object": 0, "text": 0, "bool": 0}
    emitter = Emitter()
    emitter.as_object.connect(lambda v: counts.__setitem__("object", counts["object"] + 1))
    emitter.as_text.connect(lambda v: counts.__setitem__("text", counts["text"] + 1))
    emitter.as_bool.connect(lambda v: counts.__setitem__("bool", counts["bool"] + 1))
    emitter.finished.connect(app.quit)
    emitter.start()
    app.exec()
    emitter.wait()
    for _ in range(100):  # deliver what was still queued when the thread finished
        if min(counts.values()) == N:
            break
        app.processEvents()
    print(counts)
    sys.exit(0 if min(counts.values()) == N else 3)
    """
)


def test_thirty_thousand_signals_from_a_python_qthread(tmp_path: Path) -> None:
    """PySide6 6.12.0 on Python 3.11 aborts ('Fatal Python error: bool_dealloc') after a few
    thousand emits; the pinned release must deliver every one of them."""
    result = subprocess.run([sys.executable, "-c", SIGNAL_STRESS], env=app_env(tmp_path), capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr[-3000:]}"
    assert "'object': 30000, 'text': 30000, 'bool': 30000" in result.stdout

"""GUI test fixtures: offscreen Qt, settings in a temporary file, real videos and real models.

``QT_QPA_PLATFORM`` is forced to ``offscreen`` here, before anything creates a QApplication, so
the suite runs without a display. Every test gets its own settings file and standard-paths test
mode, so the user's real settings and Movies folder are never touched.
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("LANG", "C.UTF-8")

import resource  # noqa: E402  (the environment above must be set first)
import signal  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QSettings, QStandardPaths, QThread  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from featherface_app.core.paths import sample_clip_path  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))  # app_process: the tests' helper for starting the app

REPO_ROOT = Path(__file__).resolve().parents[2]
VIDEO_FPS = 25.0
#: frames of the sample clip copied into the test video (the clip shows several astronaut faces).
VIDEO_FRAMES = 150
#: model input for tests: small, so the suite stays quick on a loaded 2-core machine.
TEST_INPUT_SIZE = 320
WAIT_MS = 30_000


@pytest.fixture(scope="session", autouse=True)
def _standard_paths_test_mode() -> None:
    """QStandardPaths answers test folders (e.g. ~/.qttest) instead of the user's."""
    QStandardPaths.setTestModeEnabled(True)


@pytest.fixture(autouse=True)
def settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's settings go to its own INI file (also for code that opens the default store)."""
    path = tmp_path / "settings" / "featherface.ini"
    monkeypatch.setenv("FEATHERFACE_SETTINGS", str(path))
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    return path


@pytest.fixture
def settings_store(settings_file: Path, tmp_path: Path) -> QSettings:
    """A settings store preset for speed (small model input) with a temporary output folder."""
    store = QSettings(str(settings_file), QSettings.Format.IniFormat)
    store.setValue("input_size", TEST_INPUT_SIZE)
    store.setValue("output_dir", str(tmp_path / "out"))
    store.sync()
    return store


@pytest.fixture(scope="session")
def sample_frames() -> list[np.ndarray]:
    """Frames of the bundled sample clip (our own redistributable media, with faces)."""
    clip = sample_clip_path()
    if not clip.is_file():
        pytest.fail(f"the bundled sample clip {clip} is missing")
    capture = cv2.VideoCapture(str(clip))
    frames = []
    while len(frames) < VIDEO_FRAMES:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    if len(frames) < 10:
        pytest.fail(f"could only read {len(frames)} frames from {clip}")
    return frames


def write_video(path: Path, frames: list[np.ndarray], fps: float = VIDEO_FPS) -> Path:
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {path}")
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture(scope="session")
def faces_video(sample_frames: list[np.ndarray], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 6-second mp4 with faces, written by OpenCV at test time."""
    return write_video(tmp_path_factory.mktemp("video") / "faces.mp4", sample_frames)


@pytest.fixture(scope="session")
def short_video(sample_frames: list[np.ndarray], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1.2-second mp4: ends soon, for end-of-source behaviour."""
    return write_video(tmp_path_factory.mktemp("video") / "short.mp4", sample_frames[:30])


def qthreads_of(window: object) -> list[QThread]:
    """Every QThread the window owns (worker, source opener, model loader, recording finaliser)."""
    from PySide6.QtCore import QObject

    assert isinstance(window, QObject)
    return window.findChildren(QThread)


def python_threads() -> list[str]:
    """Names of live Python threads started by the app (not the foreign-thread dummies)."""
    return [t.name for t in threading.enumerate() if t is not threading.main_thread() and not isinstance(t, threading._DummyThread)]  # type: ignore[attr-defined]


@pytest.fixture
def make_window(qtbot, qapp: QApplication, settings_store: QSettings, two_models: list[Path], tmp_path: Path) -> Iterator[Callable[..., object]]:
    """Factory for a real MainWindow (offscreen, shown) with two models and a temporary output
    folder; every window is closed after the test and must have stopped all of its threads."""
    from featherface_app.gui.app import apply_style
    from featherface_app.gui.main_window import LaunchOptions, MainWindow

    apply_style(qapp)
    windows: list[MainWindow] = []

    def make(
        source: str | Path | None = None,
        models: list[Path] | None = None,
        store: QSettings | None = None,
        output_dir: Path | None = None,
        model_folders: bool = False,
        extra_models: list[Path] | None = None,
    ) -> MainWindow:
        """``model_folders``: load the shipped and user model folders, as ``python main.py`` does;
        ``extra_models``: what ``--model`` adds to them."""
        launch = LaunchOptions(
            source=str(source) if source is not None else None,
            models=None if model_folders else list(two_models if models is None else models),
            extra_models=list(extra_models or []),
            output_dir=output_dir,
        )
        window = MainWindow(launch, store=store if store is not None else settings_store)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        assert window.shutdown(), "a thread did not stop in time"
        running = [t.objectName() for t in qthreads_of(window) if t.isRunning()]
        assert not running, f"QThreads still running after close: {running}"


def wait_for_frames(qtbot, window, count: int = 3, timeout: int = WAIT_MS) -> None:
    """Wait until ``count`` more processed frames have been shown."""
    target = window.frames_shown + count
    qtbot.waitUntil(lambda: window.frames_shown >= target, timeout=timeout)


def wait_for_models(qtbot, window, count: int = 2, timeout: int = WAIT_MS) -> None:
    qtbot.waitUntil(lambda: len(window.ready_model_names()) >= count and window.models.loading == 0, timeout=timeout)


def faces_shown(window) -> int:
    """Faces the active model found in the frame on screen (0 before a model has run)."""
    frame = window.last_frame
    return len(frame.results[0].detections) if frame is not None and frame.results else 0


@pytest.fixture
def helpers():
    """Plain helper functions (pytest's importlib mode makes sibling modules awkward to import)."""

    class Helpers:
        frames = staticmethod(wait_for_frames)
        models = staticmethod(wait_for_models)
        faces = staticmethod(faces_shown)
        video = staticmethod(write_video)
        qthreads = staticmethod(qthreads_of)
        threads = staticmethod(python_threads)

    return Helpers


@pytest.fixture
def file_size_limit() -> Iterator[int]:
    """Files this process writes may not grow past 256 KiB (the kernel answers EFBIG, as a full
    disk answers ENOSPC); restored afterwards."""
    limit = 256 * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel kills the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield limit
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)

"""Shutdown of the Qt-free core, in the window's order (finalise the recording, stop capture,
stop inference): during recording, during model switches, and while the device blocks. The file
is finalised, every thread stops within its limit, and the source is released."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from reliability_harness import InferenceThread, StallingCamera, count_decodable, python_threads

from featherface_app.core.capture import CaptureLoop
from featherface_app.core.detector import DetectOptions
from featherface_app.core.errors import SourceError
from featherface_app.core.mailbox import LatestMailbox
from featherface_app.core.pipeline import FrameProcessor
from featherface_app.core.recorder import Recorder
from featherface_app.core.registry import ModelRegistry
from featherface_app.core.sources import Frame, SampleSource

#: the window's limits: capture.stop (3 s) and a worker stop (5 s); the recorder's own is 20 s
CAPTURE_STOP_S = 3.0
WORKER_STOP_S = 5.0


@dataclass
class App:
    """The core as the window wires it: capture → mailbox → inference thread → recorder."""

    processor: FrameProcessor
    capture: CaptureLoop
    worker: InferenceThread
    recorder: Recorder
    recording: Path
    stop_s: dict[str, float] = field(default_factory=dict)

    def shutdown(self, capture_timeout: float = CAPTURE_STOP_S) -> dict[str, bool]:
        """The window's order; each step timed into ``stop_s``."""
        results = {}
        for name, step in (
            ("recorder", lambda: self.recorder.stop() is not None),
            ("capture", lambda: self.capture.stop(capture_timeout)),
            ("worker", lambda: self.worker.stop(WORKER_STOP_S)),
        ):
            t0 = time.monotonic()
            results[name] = step()
            self.stop_s[name] = time.monotonic() - t0
        return results

    def describe(self) -> str:
        times = ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in self.stop_s.items())
        return f"{self.worker.processed} frames processed, {self.recorder.frames_written} recorded; stop times: {times}"


@pytest.fixture(scope="module")
def detectors(teacher_model_path: Path, untrained_v2_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[ModelRegistry, dict[str, object], Path]:
    """Two warm models, and a third model file not loaded yet (for a switch that must load first)."""
    registry = ModelRegistry([])
    third = tmp_path_factory.mktemp("third") / "third model.onnx"
    shutil.copy(untrained_v2_path, third)
    return registry, {"A": registry.load(teacher_model_path), "B": registry.load(untrained_v2_path)}, third


@pytest.fixture
def start_app(detectors, tmp_path: Path) -> Iterator:
    apps: list[App] = []

    def start(source) -> App:
        _, models, _ = detectors
        processor = FrameProcessor(models, options=DetectOptions(input_long_side=160))  # type: ignore[arg-type]
        mailbox: LatestMailbox[Frame] = LatestMailbox()
        recorder = Recorder(tmp_path / "recordings", fps=25, frame_size=(320, 240))
        recording = recorder.start()
        app = App(processor, CaptureLoop(source, mailbox, realtime=True), InferenceThread(processor, mailbox, recorder), recorder, recording)
        app.worker.start()
        app.capture.start()
        apps.append(app)
        return app

    yield start
    for app in apps:  # a failed assertion must not leave threads behind
        app.shutdown()


def assert_released_and_finalised(app: App) -> int:
    frames = count_decodable(app.recording)
    assert app.recorder.error is None and frames == app.recorder.frames_written > 0
    assert not [name for name in python_threads() if name.startswith(("capture", "recorder", "inference"))]
    return frames


def test_shutdown_during_recording(start_app) -> None:
    source = SampleSource(realtime=False)
    app = start_app(source)
    assert app.worker.wait_until(lambda w: app.recorder.frames_written >= 40, timeout=60)
    stopped = app.shutdown()
    frames = assert_released_and_finalised(app)
    print(f"\n[shutdown during recording] {app.describe()}; {frames} frames decodable in {app.recording.name}")
    assert all(stopped.values()), stopped
    with pytest.raises(SourceError, match="closed"):
        source.read()


def test_shutdown_during_model_switches_and_a_model_load(start_app, detectors) -> None:
    registry, _, third = detectors
    app = start_app(SampleSource(realtime=False))
    assert app.worker.wait_for_frames(10)
    switching = threading.Event()
    switches = 0

    def switch() -> None:  # the GUI thread switching between V1 and V2 every millisecond
        nonlocal switches
        while not switching.wait(0.001):  # a bare spin would starve the other threads of the GIL
            app.processor.set_active("AB"[switches % 2])
            switches += 1

    def load_third() -> None:  # the GUI's loader thread bringing in a model chosen from the menu
        app.processor.add_detector("C", registry.load(third))
        app.processor.set_active("C")

    switcher = threading.Thread(target=switch, name="switcher")
    loader = threading.Thread(target=load_third, name="loader")
    switcher.start()
    loader.start()
    time.sleep(0.05)  # a few switches in; the load (a fresh session plus its warm-up) takes longer
    loading = loader.is_alive()
    stopped = app.shutdown()  # while both are still busy
    switching.set()
    switcher.join(10)
    loader.join(30)
    frames = assert_released_and_finalised(app)
    print(
        f"\n[shutdown during model switches] {switches} switches, model load {'still running' if loading else 'done'} at shutdown; {app.describe()}; per model {dict(app.worker.models)}; {frames} decodable"
    )
    assert all(stopped.values()), stopped
    assert app.worker.errors == [] and not switcher.is_alive() and not loader.is_alive()


def test_a_recording_that_got_no_frame_leaves_no_file(start_app) -> None:
    camera = StallingCamera(frames=0)  # hangs at once: not one frame reaches the recorder
    app = start_app(camera)
    assert camera.blocked.wait(60)
    stopped = app.shutdown(capture_timeout=0.5)
    print(f"\n[recording without frames] {app.describe()}; file left: {app.recording.exists()}")
    assert stopped == {"recorder": False, "capture": False, "worker": True}  # recorder: stop() gave no path
    assert app.recorder.path is None and not app.recording.exists() and app.recorder.error is None
    camera.resume.set()
    assert app.capture.finished.wait(10) and camera.closed.is_set()


def test_shutdown_while_the_device_blocks(start_app) -> None:
    camera = StallingCamera(frames=30)
    app = start_app(camera)
    assert camera.blocked.wait(60), "the camera never stalled"
    t0 = time.monotonic()
    stopped = app.shutdown(capture_timeout=1.0)
    total = time.monotonic() - t0
    frames_before_release = count_decodable(app.recording)
    print(f"\n[shutdown while the device blocks] {app.describe()}; shutdown took {total:.2f} s; {frames_before_release} frames decodable")
    # everything but the stuck driver call stops; the recording is already finalised and playable
    assert stopped == {"recorder": True, "capture": False, "worker": True}
    assert app.recorder.error is None and frames_before_release == app.recorder.frames_written > 0
    assert not camera.closed.is_set()  # a read is still inside the driver: closing now would race it
    camera.resume.set()  # the driver call returns (device back or timed out)
    assert app.capture.finished.wait(10) and camera.closed.is_set(), "the device was not released"
    assert_released_and_finalised(app)

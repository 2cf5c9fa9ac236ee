"""Source faults and unusual videos through the real capture loop, a real model and annotation:
a clear message or correct output, never a crash, and another source opens afterwards."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import pytest
from reliability_harness import InferenceThread, python_threads, sample_frames, write_video

from featherface_app.core.capture import CaptureLoop
from featherface_app.core.detector import DetectOptions, OnnxFaceDetector
from featherface_app.core.errors import CameraError, SourceError
from featherface_app.core.mailbox import LatestMailbox
from featherface_app.core.pipeline import MIN_ANNOTATED_SIDE, FrameProcessor
from featherface_app.core.sources import CameraSource, Frame, FrameSource, open_source

MISSING_CAMERA = 7  # no /dev/video* on these machines; OpenCV probes index 7 and gives up


@dataclass
class Run:
    """What one source did in the pipeline."""

    frames_read: int
    processed: int
    error: Exception | None
    ended: bool
    last_shape: tuple[int, ...] | None
    faces: int
    media_ms: list[float | None]


@pytest.fixture(scope="module")
def teacher(teacher_model_path: Path) -> OnnxFaceDetector:
    return OnnxFaceDetector(teacher_model_path)


def play(source: FrameSource, detector: OnnxFaceDetector, realtime: bool = False, options: DetectOptions | None = None, max_frames: int | None = None) -> Run:
    """Run ``source`` to its end, its fault or ``max_frames`` through CaptureLoop → latest-wins
    mailbox → FrameProcessor on a worker thread, as the app does (frames the worker is too slow
    for are dropped, so ``processed`` may be below ``frames_read``)."""
    mailbox: LatestMailbox[Frame] = LatestMailbox()
    processor = FrameProcessor({"teacher": detector}, options=options or DetectOptions(input_long_side=320))
    media: list[float | None] = []
    capture = CaptureLoop(source, mailbox, realtime=realtime, max_frames=max_frames, close_mailbox=True)
    worker = InferenceThread(processor, mailbox).start()
    original_put = mailbox.put

    def put(frame: Frame) -> bool:  # record what the capture thread hands over, in order
        media.append(frame.media_ms)
        return original_put(frame)

    mailbox.put = put  # type: ignore[method-assign]
    capture.start()
    try:
        assert capture.finished.wait(120), "the capture loop did not end"
        assert worker.finished.wait(120), "the worker did not end"
    finally:
        capture.stop()
        worker.stop()
    assert worker.errors == [], worker.errors
    last = worker.last
    return Run(
        capture.frames_read,
        worker.processed,
        capture.error,
        capture.error is None,
        last.image_bgr.shape if last is not None else None,
        len(last.results[0].detections) if last is not None else 0,
        media,
    )


def assert_another_source_works(detector: OnnxFaceDetector) -> None:
    """After the fault, the user picks the sample clip and it plays through the same model."""
    run = play(open_source("sample"), detector, max_frames=10)
    assert run.error is None and run.processed >= 1 and run.faces >= 1


def test_missing_camera_is_refused_quickly_and_clearly(teacher: OnnxFaceDetector) -> None:
    threads_before = python_threads()
    t0 = time.perf_counter()
    with pytest.raises(CameraError) as refused:
        CameraSource(MISSING_CAMERA)
    elapsed_ms = (time.perf_counter() - t0) * 1e3
    print(f"\n[missing camera] refused in {elapsed_ms:.0f} ms: {refused.value}")
    assert f"Camera {MISSING_CAMERA} could not be opened" in str(refused.value)
    with pytest.raises(CameraError, match=f"Camera {MISSING_CAMERA}"):
        open_source(f"camera:{MISSING_CAMERA}")
    assert python_threads() == threads_before
    assert_another_source_works(teacher)


class FailingDevice:
    """A camera-like device that delivers ``good`` frames and then faults, as a driver does when
    the device is unplugged: a test double of the *device*; the loop, the model and the drawing
    downstream are the real ones."""

    live = True

    def __init__(self, good: int, error: Exception) -> None:
        self._period_s = 1 / 30
        self.name, self.fps = "camera:0", 30.0
        self._frames = sample_frames(4)
        self._good = good
        self._error = error
        self.reads = 0
        self.closed = False

    def read(self) -> Frame | None:
        if self.closed:
            raise CameraError("camera:0 is closed")
        time.sleep(self._period_s)  # a camera's read waits for its next frame
        if self.reads >= self._good:
            raise self._error
        image = self._frames[self.reads % len(self._frames)]
        self.reads += 1
        return Frame(image, self.reads - 1, time.monotonic_ns(), 1.0)

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize(
    "error",
    [
        CameraError("Camera 0 stopped delivering frames (unplugged or taken by another program?)"),
        OSError(5, "Input/output error"),
        RuntimeError("driver crashed"),
    ],
    ids=["camera-error", "os-error", "unexpected-error"],
)
def test_a_device_that_fails_after_n_frames(teacher: OnnxFaceDetector, error: Exception) -> None:
    device = FailingDevice(good=12, error=error)
    run = play(device, teacher, realtime=True)
    print(f"\n[device fails after 12 frames: {type(error).__name__}] read {run.frames_read}, processed {run.processed}, reported: {run.error!r}")
    assert run.error is error and run.frames_read == 12 and 1 <= run.processed <= 12
    assert device.closed, "the loop must release the device when it faults"
    assert run.faces >= 1
    assert_another_source_works(teacher)


@pytest.mark.parametrize(("name", "codec"), [("cut.mkv", "libx264"), ("cut.avi", "mjpeg"), ("cut.mp4", "libx264")])
def test_a_video_truncated_in_the_middle(teacher: OnnxFaceDetector, tmp_path: Path, name: str, codec: str) -> None:
    path = write_video(tmp_path / name, sample_frames(50, (320, 240)), codec=codec)
    size = path.stat().st_size
    path.write_bytes(path.read_bytes()[: size // 2])
    try:
        source = open_source(path)
    except SourceError as exc:  # MP4 keeps its index at the end: half a file is no video
        print(f"\n[{name} cut at 50% of {size} bytes] refused at open: {exc}")
        assert name in str(exc)
        assert name.endswith(".mp4"), f"{name} should still play up to the cut"
    else:
        run = play(source, teacher)
        print(
            f"\n[{name} cut at 50% of {size} bytes] {run.frames_read} of 50 frames played, then {'a fault: ' + str(run.error) if run.error else 'a normal end'}"
        )
        assert 5 <= run.frames_read < 50 and run.processed >= 1
        assert run.error is None or name in str(run.error)
    assert_another_source_works(teacher)


@dataclass(frozen=True)
class Unusual:
    size: tuple[int, int]
    codec: str
    suffix: str
    gray: bool = False
    frames: int = 6


UNUSUAL = {
    "1x1": Unusual((1, 1), "ffv1", ".mkv"),
    "4K": Unusual((3840, 2160), "libx264", ".mkv", frames=3),
    "grayscale": Unusual((320, 240), "ffv1", ".mkv", gray=True),
    "odd 641x479": Unusual((641, 479), "ffv1", ".mkv"),
    "portrait 240x426": Unusual((240, 426), "libx264", ".mp4"),
    "tall sliver 8x720": Unusual((8, 720), "libx264", ".mp4"),
}


@pytest.mark.parametrize("kind", list(UNUSUAL))
def test_unusual_videos_run_through_the_model(teacher: OnnxFaceDetector, tmp_path: Path, kind: str) -> None:
    spec = UNUSUAL[kind]
    width, height = spec.size
    frames = sample_frames(spec.frames, spec.size)
    if spec.gray:
        frames = [cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in frames]
    path = write_video(tmp_path / f"{kind}{spec.suffix}", frames, codec=spec.codec)
    run = play(open_source(path), teacher, realtime=True, options=DetectOptions(input_long_side=640))
    print(f"\n[{kind}] {run.frames_read} frames read, {run.processed} processed, output {run.last_shape}, faces in the last frame: {run.faces}")
    assert run.error is None and run.frames_read == spec.frames and run.processed >= 1
    factor = -(-MIN_ANNOTATED_SIDE // max(width, height)) if max(width, height) < MIN_ANNOTATED_SIDE else 1  # tiny frames are drawn enlarged
    canvas = (max(height * factor, MIN_ANNOTATED_SIDE), max(width * factor, MIN_ANNOTATED_SIDE), 3)  # slivers on a canvas
    assert run.last_shape == canvas
    if kind in ("4K", "grayscale", "odd 641x479"):  # large enough for the astronaut's face to be found
        assert run.faces >= 1
    assert_another_source_works(teacher)


def test_variable_frame_rate_video_is_paced_by_its_timestamps(teacher: OnnxFaceDetector, tmp_path: Path) -> None:
    stamps_ms = [0, 33, 66, 100, 500, 533, 1200, 1240, 1280, 1320]
    path = write_video(tmp_path / "vfr.mkv", sample_frames(len(stamps_ms), (320, 240)), codec="libx264", pts_ms=stamps_ms)
    t0 = time.monotonic()
    run = play(open_source(path), teacher, realtime=True)
    wall_s = time.monotonic() - t0
    print(f"\n[variable frame rate] {run.frames_read} frames with media stamps {run.media_ms} ms played in {wall_s:.2f} s (span {stamps_ms[-1] / 1e3:.2f} s)")
    assert run.error is None and run.frames_read == len(stamps_ms)
    assert run.media_ms == pytest.approx(stamps_ms, abs=1)
    # a lower bound only (the pacer never releases a frame before its stamp is due): load cannot break it
    assert wall_s >= 0.9 * stamps_ms[-1] / 1e3
    assert run.processed >= 1
    assert_another_source_works(teacher)

"""The capture thread with real files: delivery, end, faults, bounded stop, source release."""

from __future__ import annotations

import threading

import pytest

from featherface_app.core.capture import CaptureLoop
from featherface_app.core.errors import CameraError, SourceError
from featherface_app.core.mailbox import LatestMailbox
from featherface_app.core.sources import Frame, VideoFileSource, open_source


class FailsAfter:
    """A real video source that raises like a lost camera after ``n`` frames (fault injection)."""

    def __init__(self, inner: VideoFileSource, n: int) -> None:
        self.inner, self.n = inner, n
        self.name, self.fps, self.live = "flaky camera", inner.fps, True
        self.closed = False

    def read(self) -> Frame | None:
        frame = self.inner.read()
        if frame is not None and frame.index >= self.n:
            raise CameraError("Camera 0 stopped delivering frames")
        return frame

    def close(self) -> None:
        self.closed = True
        self.inner.close()


class Blocking:
    """A source whose read blocks until released, like a camera driver that hangs."""

    name, fps, live = "stuck camera", 30.0, True

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()
        self.closed = False

    def read(self) -> Frame | None:
        self.entered.set()
        self.release.wait(30)
        return None

    def close(self) -> None:
        self.closed = True


def drain(box: LatestMailbox[Frame]) -> list[Frame]:
    frames = []
    while (frame := box.take(10)) is not None:
        frames.append(frame)
    return frames


def test_every_frame_reaches_a_fast_consumer_and_end_is_reported(make_video) -> None:
    box: LatestMailbox[Frame] = LatestMailbox()
    ended = threading.Event()
    source = VideoFileSource(make_video(frames=30))
    loop = CaptureLoop(source, box, on_end=ended.set, realtime=False, close_mailbox=True)
    loop.start()
    frames = drain(box)
    assert loop.finished.wait(10) and ended.is_set() and loop.error is None
    assert loop.frames_read == 30 == len(frames) + box.dropped
    assert [f.index for f in frames] == sorted(f.index for f in frames)
    with pytest.raises(SourceError, match="closed"):
        source.read()


def test_a_fault_mid_stream_reaches_the_error_callback(make_video) -> None:
    box: LatestMailbox[Frame] = LatestMailbox()
    errors: list[Exception] = []
    source = FailsAfter(VideoFileSource(make_video(frames=30)), n=7)
    loop = CaptureLoop(source, box, on_error=errors.append, realtime=False, close_mailbox=True)
    loop.start()
    drain(box)
    assert loop.finished.wait(10)
    assert len(errors) == 1 and isinstance(errors[0], CameraError) and loop.error is errors[0]
    assert loop.frames_read == 7 and source.closed


def test_stop_ends_a_paced_loop_and_releases_the_source() -> None:
    box: LatestMailbox[Frame] = LatestMailbox()
    source = open_source("sample")
    loop = CaptureLoop(source, box)
    loop.start()
    assert box.take(10) is not None
    assert loop.stop() is True and not loop.running
    with pytest.raises(SourceError):
        source.read()


def test_stop_is_bounded_when_the_source_blocks() -> None:
    source = Blocking()
    loop = CaptureLoop(source, LatestMailbox())
    loop.start()
    assert source.entered.wait(10)
    assert loop.stop(timeout=0.2) is False  # did not wait for the stuck read
    source.release.set()
    assert loop.finished.wait(10) and source.closed


def test_stop_before_start_still_closes_the_source(make_video) -> None:
    source = VideoFileSource(make_video(frames=3))
    assert CaptureLoop(source, LatestMailbox()).stop() is True
    with pytest.raises(SourceError):
        source.read()

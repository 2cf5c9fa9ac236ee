"""The core frame loop: real processor, real model, real video; sinks that fail are removed."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from featherface_app.core.capture import CaptureLoop
from featherface_app.core.detector import OnnxFaceDetector
from featherface_app.core.errors import FeatherFaceError
from featherface_app.core.loop import FrameLoop
from featherface_app.core.mailbox import LatestMailbox
from featherface_app.core.pipeline import FrameProcessor, ProcessedFrame
from featherface_app.core.sources import Frame, VideoFileSource


class Keep:
    """A sink that keeps what it got."""

    def __init__(self) -> None:
        self.frames: list[ProcessedFrame] = []
        self.closed = False

    def write(self, processed: ProcessedFrame) -> None:
        self.frames.append(processed)

    def close(self) -> None:
        self.closed = True


class Breaks(Keep):
    """A sink whose output goes away after ``after`` frames (as a full disk would)."""

    def __init__(self, after: int) -> None:
        super().__init__()
        self.after = after

    def write(self, processed: ProcessedFrame) -> None:
        if len(self.frames) >= self.after:
            raise FeatherFaceError("Cannot write out.bin: No space left on device")
        super().write(processed)


@pytest.fixture(scope="module")
def processor(model_path: Path) -> FrameProcessor:
    detector = OnnxFaceDetector(model_path, threads=1)
    return FrameProcessor({detector.name: detector})


def test_step_feeds_every_sink_in_order_and_a_failing_sink_is_removed(processor: FrameProcessor, make_video) -> None:
    source = VideoFileSource(make_video(frames=6))
    good, broken = Keep(), Breaks(after=2)
    reported: list[tuple[object, str]] = []
    mailbox: LatestMailbox[Frame] = LatestMailbox()
    loop = FrameLoop(processor, mailbox, [broken, good], on_sink_failed=lambda sink, exc: reported.append((sink, str(exc))))
    for _ in range(5):
        frame = source.read()
        assert frame is not None
        mailbox.put(frame)
        assert loop.step(timeout=1.0) is not None
    source.close()
    assert [p.frame_index for p in good.frames] == [0, 1, 2, 3, 4]  # the others go on
    assert len(broken.frames) == 2 and broken not in loop.sinks
    assert reported == [(broken, "Cannot write out.bin: No space left on device")]
    assert [s for s, _ in loop.sink_errors] == [broken]
    assert loop.step(timeout=0.01) is None  # nothing new in the mailbox
    assert loop.close() == [] and good.closed and not broken.closed  # the owner closes a dropped sink


def test_processing_errors_go_to_on_error_or_propagate(processor: FrameProcessor) -> None:
    bad = Frame(image=np.zeros((4, 4, 7), np.uint8), index=0, captured_ns=0)
    seen: list[Exception] = []
    assert FrameLoop(processor, on_error=lambda exc, frame: seen.append(exc)).feed(bad) is None
    assert len(seen) == 1 and "expected an HxWx3 BGR frame" in str(seen[0])
    with pytest.raises(ValueError, match="HxWx3"):
        FrameLoop(processor).feed(bad)


def test_run_ends_when_the_capture_mailbox_closes(processor: FrameProcessor, make_video) -> None:
    mailbox: LatestMailbox[Frame] = LatestMailbox()
    keep = Keep()
    loop = FrameLoop(processor, mailbox, [keep])
    capture = CaptureLoop(VideoFileSource(make_video(frames=8)), mailbox, realtime=True, close_mailbox=True)
    thread = threading.Thread(target=loop.run, args=(threading.Event(),))
    thread.start()
    capture.start()
    thread.join(30)
    assert not thread.is_alive() and capture.finished.is_set()
    assert 1 <= len(keep.frames) <= 8 and keep.frames[-1].frame_index <= 7

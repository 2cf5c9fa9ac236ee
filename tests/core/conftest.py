"""Fixtures for the core tests: real video files written with OpenCV into the test's tmp folder."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

VideoMaker = Callable[..., Path]


def moving_frame(i: int, width: int, height: int) -> np.ndarray:
    """A frame whose content changes with ``i`` (a bright square moving over a gradient)."""
    frame = np.zeros((height, width, 3), np.uint8)
    frame[:] = (i * 7 % 256, 80, 255 - i * 5 % 256)
    side = max(1, min(width, height) // 4)
    x = (i * 3) % max(1, width - side + 1)
    frame[:side, x : x + side] = 255
    return frame


@pytest.fixture
def make_video(tmp_path: Path) -> VideoMaker:
    """``make_video(name, frames=20, size=(64, 48), fps=25, fourcc="mp4v", color=True)`` → path.

    OpenCV's writers round sizes down to even, so ``fourcc="FFV1"`` (lossless, through PyAV, in
    an ``.mkv``) is there for odd sizes and 1x1.
    """

    def make(name: str = "clip.mp4", frames: int = 20, size: tuple[int, int] = (64, 48), fps: float = 25.0, fourcc: str = "mp4v", color: bool = True) -> Path:
        path = tmp_path / name
        if fourcc == "FFV1":
            with av.open(str(path), "w") as container:
                stream = container.add_stream("ffv1", rate=Fraction(fps).limit_denominator(1001))
                stream.width, stream.height = size
                stream.pix_fmt = "bgr0" if color else "gray"
                for i in range(frames):
                    frame = moving_frame(i, *size)
                    av_frame = av.VideoFrame.from_ndarray(frame if color else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), format="bgr24" if color else "gray")
                    container.mux(stream.encode(av_frame))
                container.mux(stream.encode(None))
            return path
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size, color)
        if not writer.isOpened():
            raise RuntimeError(f"OpenCV cannot write {fourcc} at {size} to {path}")
        for i in range(frames):
            frame = moving_frame(i, *size)
            writer.write(frame if color else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
        writer.release()
        return path

    return make

"""The playback bar in the real window: shown for a video file, hidden for an image; the slider
seeks, the "." key steps one frame while paused, the Loop toggle reaches the playing file."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import Qt

from featherface_app.core.sources import VideoFileSource


def test_the_bar_seeks_steps_and_loops_a_video_file_and_hides_for_an_image(
    qtbot, make_window, helpers, faces_video: Path, sample_frames: list[np.ndarray], tmp_path: Path
) -> None:
    window = make_window(source=faces_video)
    bar, sources = window.playback, window.sources
    qtbot.waitUntil(lambda: bar.isVisible() and bar.slider.maximum() > 5000, timeout=30_000)
    helpers.frames(qtbot, window, 2)

    qtbot.keyClick(window, Qt.Key.Key_Space)  # pause, so the position stays where the slider put it
    qtbot.waitUntil(lambda: sources.held, timeout=10_000)
    bar.slider.setValue(4000)  # as a drag or a click on the slider does
    qtbot.waitUntil(lambda: sources.position().frame == 100, timeout=10_000)  # 25 fps: 4 s is frame 100
    qtbot.waitUntil(lambda: bar.time_label.text() == "0:04 / 0:06", timeout=5_000)

    qtbot.waitUntil(lambda: sources.held, timeout=10_000)
    qtbot.keyClick(window, Qt.Key.Key_Period)
    qtbot.waitUntil(lambda: sources.position().frame == 101, timeout=10_000)
    qtbot.waitUntil(lambda: sources.held, timeout=10_000)
    assert sources.position().frame == 101  # exactly one frame
    qtbot.keyClick(window, Qt.Key.Key_Comma)
    qtbot.waitUntil(lambda: sources.position().frame == 100, timeout=10_000)

    assert not bar.loop_button.isChecked() and not sources.position().loop
    bar.loop_button.click()
    inner = sources._source.inner
    assert isinstance(inner, VideoFileSource) and inner.loop and sources.position().loop
    assert window.settings.loop_video

    image = tmp_path / "still.png"
    cv2.imwrite(str(image), sample_frames[0])
    window.open_source(image)
    qtbot.waitUntil(lambda: sources.info is not None and sources.info.spec == str(image), timeout=30_000)
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=5_000)

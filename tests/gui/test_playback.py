"""Video-file playback through the real window's source controller: a damaged file is called
damaged (not "End of …"), and the position / seek / step / loop calls a slider will use."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import Qt


def cut_avi(path: Path, sample_frames: list[np.ndarray]) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, (640, 480))
    for frame in sample_frames[:60]:
        writer.write(cv2.resize(frame, (640, 480)))
    writer.release()
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path


def test_a_file_cut_in_the_middle_is_reported_damaged(qtbot, make_window, sample_frames, tmp_path: Path) -> None:
    clip = cut_avi(tmp_path / "cut.avi", sample_frames)
    window = make_window(source=clip)
    with qtbot.waitSignal(window.sources.lost, timeout=60_000) as lost:
        pass
    assert "cut.avi is damaged or truncated" in lost.args[1]
    assert "damaged or truncated" in window.banner.text() and "End of" not in window.banner.text()


def test_position_seek_step_and_loop_of_the_playing_file(qtbot, make_window, helpers, faces_video: Path) -> None:
    window = make_window(source=faces_video)
    helpers.frames(qtbot, window, 3)
    sources = window.sources
    position = sources.position()
    assert position is not None and position.frames == 150 and abs(position.duration_ms - 6000) < 50 and not position.loop
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: sources.held, timeout=10_000)
    sources.seek_ms(4000)
    qtbot.waitUntil(lambda: sources.position().frame == 100, timeout=10_000)
    sources.step(1)
    qtbot.waitUntil(lambda: sources.position().frame == 101, timeout=10_000)
    sources.step(-1)
    qtbot.waitUntil(lambda: sources.position().frame == 100, timeout=10_000)
    sources.set_loop(True)
    assert sources.position().loop
    sources.seek_ms(5_900)
    qtbot.keyClick(window, Qt.Key.Key_Space)  # resume: plays past the end and starts again
    qtbot.waitUntil(lambda: sources.position().frame < 50, timeout=30_000)
    assert sources.running

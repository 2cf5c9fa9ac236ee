"""Recording faults through the real window: a real full filesystem (tmpfs), Record pressed after
a recording stopped by itself, the REC timer while paused, screenshots on a full disk."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest
from PySide6.QtCore import Qt

from featherface_app.gui.recording import RecordingSummary


def count_frames(path: Path) -> int:
    capture = cv2.VideoCapture(str(path))
    frames = 0
    while capture.read()[0]:
        frames += 1
    capture.release()
    return frames


def press_record(qtbot, window) -> None:
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)


def test_full_disk_says_what_happened_and_record_again_starts_nothing(qtbot, make_window, helpers, small_disk) -> None:
    small_disk.fill(leave_bytes=2_400_000)
    window = make_window(source="sample", output_dir=small_disk.path)
    window.recording.restart_grace_s = 3600.0  # "just after" for this test, however slow the machine
    helpers.frames(qtbot, window, 2)
    with qtbot.waitSignal(window.recording.finished, timeout=180_000) as finished:
        with qtbot.waitSignal(window.recording.failed, timeout=180_000) as failed:
            with qtbot.waitSignal(window.recording.started, timeout=10_000):
                press_record(qtbot, window)
    summary: RecordingSummary = finished.args[0]
    kept = count_frames(summary.path)
    assert failed.args[0] == f"Recording stopped: disk full; {kept} frames kept in {summary.path}"
    assert summary.frames == kept > 0 and summary.message == failed.args[0]
    assert "disk full" in window.banner.text() and window.banner.level == "error"
    assert not window.commands.record.isChecked() and not window.recording.recording
    files = sorted(small_disk.path.iterdir())

    # the user presses Ctrl+R to stop it, not knowing it stopped: no new recording starts
    with qtbot.waitSignal(window.recording.failed, timeout=10_000) as refused:
        press_record(qtbot, window)
    assert "had already stopped" in refused.args[0] and "disk full" in refused.args[0]
    assert not window.commands.record.isChecked() and not window.recording.recording

    # pressed again on purpose: refused at once because the disk is full, no empty file left
    with qtbot.waitSignal(window.recording.failed, timeout=10_000) as full:
        press_record(qtbot, window)
    assert "disk is full" in full.args[0]
    assert not window.commands.record.isChecked() and not window.recording.recording
    assert sorted(small_disk.path.iterdir()) == files
    helpers.frames(qtbot, window, 2)  # and the video goes on


def test_the_rec_timer_stands_still_while_paused(qtbot, make_window, helpers, tmp_path: Path) -> None:
    window = make_window(source="sample", output_dir=tmp_path / "clips")
    helpers.frames(qtbot, window, 2)
    with qtbot.waitSignal(window.recording.started, timeout=10_000):
        press_record(qtbot, window)
    qtbot.waitUntil(lambda: window.recording.elapsed_s >= 1.0, timeout=30_000)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.sources.held, timeout=10_000)
    with qtbot.waitSignal(window.status_timer.timeout, timeout=5_000):
        pass
    paused_at, text = window.recording.elapsed_s, window.status_recording.text()
    for _ in range(12):  # a few seconds of status updates while paused
        with qtbot.waitSignal(window.status_timer.timeout, timeout=5_000):
            pass
        assert window.recording.elapsed_s == paused_at and window.status_recording.text() == text
    assert text.startswith("● REC")


def test_a_pause_leaves_no_frozen_stretch_in_the_file(qtbot, make_window, helpers, tmp_path: Path) -> None:
    import av
    import numpy as np

    window = make_window(source="sample", output_dir=tmp_path / "clips")
    helpers.frames(qtbot, window, 2)
    with qtbot.waitSignal(window.recording.started, timeout=10_000) as started:
        press_record(qtbot, window)
    qtbot.waitUntil(lambda: window.recording.elapsed_s >= 1.0, timeout=30_000)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.sources.held, timeout=10_000)
    for _ in range(15):  # three seconds paused
        with qtbot.waitSignal(window.status_timer.timeout, timeout=5_000):
            pass
    qtbot.keyClick(window, Qt.Key.Key_Space)
    target = window.recording.recorder.frames_written + 10
    qtbot.waitUntil(lambda: window.recording.recorder.frames_written >= target, timeout=30_000)
    with qtbot.waitSignal(window.recording.finished, timeout=30_000):
        press_record(qtbot, window)
    with av.open(str(started.args[0])) as container:
        times = sorted(float(p.pts * p.time_base) for p in container.demux(video=0) if p.pts is not None)
    assert np.diff(times).max() < 1.0


def test_a_failed_screenshot_leaves_no_empty_png(qtbot, make_window, helpers, small_disk) -> None:
    window = make_window(source="sample", output_dir=small_disk.path)
    helpers.frames(qtbot, window, 2)
    small_disk.fill(leave_bytes=0)
    assert window.save_screenshot() is None
    assert "disk full" in window.banner.text() or "space" in window.banner.text().lower()
    assert sorted(p.name for p in small_disk.path.iterdir()) == ["filler.bin"]


def test_compare_turned_on_while_recording_keeps_the_aspect(qtbot, make_window, helpers, tmp_path: Path) -> None:
    import av
    import numpy as np

    window = make_window(source="sample", output_dir=tmp_path / "clips")
    helpers.models(qtbot, window)
    helpers.frames(qtbot, window, 2)
    single_w = window.view.image_bgr.shape[1]
    with qtbot.waitSignal(window.recording.started, timeout=10_000) as started:
        press_record(qtbot, window)
    qtbot.waitUntil(lambda: window.recording.recorder.frames_written >= 5, timeout=30_000)
    window.commands.compare.setChecked(True)
    qtbot.waitUntil(lambda: window.last_frame is not None and window.last_frame.image_bgr.shape[1] > 1.5 * single_w, timeout=30_000)
    wide_h, wide_w = window.last_frame.image_bgr.shape[:2]
    target = window.recording.recorder.frames_written + 5
    qtbot.waitUntil(lambda: window.recording.recorder.frames_written >= target, timeout=60_000)
    with qtbot.waitSignal(window.recording.finished, timeout=30_000):
        press_record(qtbot, window)
    with av.open(str(started.args[0])) as container:
        frames = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    last = frames[-1]
    height, width = last.shape[:2]
    rows = np.flatnonzero(last.max(axis=(1, 2)) > 30)
    content_h = rows[-1] - rows[0] + 1
    print(f"{single_w}-px frames then {wide_w}x{wide_h}: file {width}x{height}, side-by-side content {content_h} rows high")
    assert content_h == pytest.approx(width * wide_h / wide_w, abs=6)  # letterboxed, not squeezed
